"""The langid tables: built from langid's model, saved, and loaded only when they match it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from normalize.identify import LanguageIdentifier, model_fingerprint

TEXTS = ["होम > दुनिया", "Taliban denies sharing ISIL intelligence", "Привет, мир", ""]
LANGS = ["en", "hi", "ne", "ru", "uk", "xx"]


@pytest.fixture(scope="module")
def built() -> LanguageIdentifier:
    return LanguageIdentifier.from_langid()


def test_saved_tables_load_to_the_same_scores(built: LanguageIdentifier, tmp_path: Path) -> None:
    path = tmp_path / "tables.npy"
    built.save(path, model_fingerprint())
    loaded = LanguageIdentifier.load(path, model_fingerprint())
    assert loaded is not None
    assert loaded.languages == built.languages
    for name in LanguageIdentifier.ARRAYS:
        assert np.array_equal(getattr(loaded, name), getattr(built, name))
    assert np.array_equal(loaded.loglik(TEXTS, LANGS), built.loglik(TEXTS, LANGS))


@pytest.mark.parametrize("mapped_bytes", [1 << 20, 1])
def test_large_saved_arrays_are_mapped_not_read(
    built: LanguageIdentifier, tmp_path: Path, mapped_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The large tables are read-only views of the file (its pages, not a copy); the
    small ones are read; every array, mapped or read, scores alike."""
    from normalize import identify

    monkeypatch.setattr(identify, "MAPPED_BYTES", mapped_bytes)
    path = tmp_path / "tables.npy"
    built.save(path, model_fingerprint())
    loaded = LanguageIdentifier.load(path, model_fingerprint())
    assert loaded is not None
    for name in LanguageIdentifier.ARRAYS:
        array = getattr(loaded, name)
        mapped = array.nbytes >= mapped_bytes
        assert type(array) is np.ndarray and np.array_equal(array, getattr(built, name))
        assert isinstance(array.base, np.memmap) == mapped, name
        assert array.flags.writeable != mapped, name
    assert np.array_equal(loaded.loglik(TEXTS, LANGS), built.loglik(TEXTS, LANGS))
    path.unlink()  # a mapping outlives its file's name
    assert np.array_equal(loaded.loglik(TEXTS, LANGS), built.loglik(TEXTS, LANGS))


def test_transitions_are_16_bit_in_memory_and_on_disk(
    built: LanguageIdentifier, tmp_path: Path
) -> None:
    """Half the memory for the walk to read at random, and half the file to read."""
    from langid import langid

    model = langid.LanguageIdentifier.from_modelstring(langid.model, norm_probs=True)
    assert built.nextmove.dtype == np.uint16
    assert np.array_equal(built.nextmove, np.asarray(model.tk_nextmove))
    path = tmp_path / "tables.npy"
    built.save(path, model_fingerprint())
    loaded = LanguageIdentifier.load(path, model_fingerprint())
    assert loaded is not None and loaded.nextmove.dtype == np.uint16
    assert path.stat().st_size < 2.5 * built.nextmove.nbytes


def test_saved_tables_are_plain_arrays_in_a_row(built: LanguageIdentifier, tmp_path: Path) -> None:
    """The file is ``.npy`` arrays one after another (no zip to check the CRC of), read
    with pickles refused: the fingerprint, the languages, then each table."""
    path = tmp_path / "tables.npy"
    built.save(path, "2:abc")
    with path.open("rb") as f:
        assert str(np.load(f, allow_pickle=False)) == "2:abc"
        assert tuple(np.load(f, allow_pickle=False)) == built.languages
        for name in LanguageIdentifier.ARRAYS:
            assert np.array_equal(np.load(f, allow_pickle=False), getattr(built, name))
        assert f.read() == b""


def test_tables_of_another_model_or_unreadable_are_not_used(
    built: LanguageIdentifier, tmp_path: Path
) -> None:
    path = tmp_path / "tables.npy"
    built.save(path, "0:another-model")
    assert LanguageIdentifier.load(path, model_fingerprint()) is None
    assert LanguageIdentifier.load(tmp_path / "missing.npy", model_fingerprint()) is None
    path.write_bytes(b"not an npy file")
    assert LanguageIdentifier.load(path, model_fingerprint()) is None
    # Cut short: the fingerprint matches, the tables are missing or torn.
    built.save(path, model_fingerprint())
    data = path.read_bytes()
    for size in (len(data) // 3, len(data) - 100):
        path.write_bytes(data[:size])
        assert LanguageIdentifier.load(path, model_fingerprint()) is None


def _identifier_in_subprocess(tables: Path) -> str:
    code = (
        "import sys\n"
        "from normalize.identify import load_identifier\n"
        "ident = load_identifier()\n"
        "assert ident.loglik(['Hello there'], ['en']).shape == (1, 1)\n"
        "print('langid' in sys.modules)\n"
    )
    env = {**os.environ, "NORMALIZE_LANGID_TABLES": str(tables)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return proc.stdout.strip()


def test_a_process_uses_saved_tables_without_importing_langid(tmp_path: Path) -> None:
    tables = tmp_path / "tables.npy"
    subprocess.run(
        [sys.executable, "-m", "normalize.identify"],
        check=True,
        capture_output=True,
        env={**os.environ, "NORMALIZE_LANGID_TABLES": str(tables)},
    )
    assert tables.is_file()
    assert _identifier_in_subprocess(tables) == "False"  # loaded, langid never imported
    assert _identifier_in_subprocess(tmp_path / "none.npy") == "True"  # built from langid


def test_kept_tables_score_as_a_fresh_table_does(built: LanguageIdentifier) -> None:
    """A candidate set's table and known columns, kept across calls (as a worker keeps
    them), score every set as a fresh one does: known, unknown and no languages."""
    from normalize.context import default_context

    ident = default_context().identifier
    tables: LanguageIdentifier.Tables = {}
    for langs in (LANGS, LANGS[:5], ["xx"], [], LANGS, ["fr", "en"], LANGS[:5]):
        for texts in (TEXTS, TEXTS[1:2], []):
            kept = ident.loglik(texts, langs, tables)
            fresh = ident.loglik(texts, langs)
            assert kept.shape == (len(texts), len(langs))
            assert kept.tobytes() == fresh.tobytes()
            one_by_one = [ident.loglik([t], langs)[0] for t in texts]
            assert kept.tolist() == [row.tolist() for row in one_by_one]
            assert np.isneginf(kept[:, [i for i, lang in enumerate(langs) if lang == "xx"]]).all()
    assert set(tables) == {tuple(LANGS), tuple(LANGS[:5]), ("xx",), (), ("fr", "en")}


def test_the_model_fingerprint_is_langids_module_hashed_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import importlib.util

    from normalize import kept
    from normalize.identify import TABLES_FORMAT

    monkeypatch.setattr(kept, "CACHE_DIR", tmp_path)
    spec = importlib.util.find_spec("langid")
    assert spec is not None and spec.origin is not None
    module = Path(spec.origin).parent / "langid.py"
    expected = f"{TABLES_FORMAT}:{hashlib.sha1(module.read_bytes()).hexdigest()}"
    assert model_fingerprint() == expected  # hashed, and kept
    assert [p.name.split(".")[:2] for p in tmp_path.iterdir()] == [["identify", "langid"]]
    assert model_fingerprint() == expected  # read back


@pytest.mark.parametrize("languages", [["en", "fr", "de"], ["xx", "ru", "uk", "en"], []])
def test_a_candidate_sets_table_is_its_columns_of_the_model(
    built: LanguageIdentifier, languages: list[str]
) -> None:
    known, table = built._table(languages, None)
    assert table.flags.c_contiguous and table.dtype == built.state_logprob.dtype
    expected = built.state_logprob[:, built.columns(languages)]
    assert np.array_equal(table, expected)
    assert known == (None if "xx" not in languages else [1, 2, 3])
