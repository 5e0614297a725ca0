"""The tables made from the language packs, kept on disk between runs (LangPacks.cached)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from normalize import langpacks
from normalize.canonical import nfc_tables
from normalize.context import Context
from normalize.langpacks import LangPacks, SegmentPack
from tests.conftest import core_builds

_, _, _, KERNEL_BUILDS = core_builds("kernels")


@pytest.fixture
def packs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one pack, and a place of its own for the kept tables."""
    folder = tmp_path / "packs"
    (folder / "xx").mkdir(parents=True)
    (folder / "xx" / "stopwords.txt").write_text("Alpha\nbeta\n", encoding="utf-8")
    monkeypatch.setattr(langpacks, "CACHE_DIR", tmp_path / "cache")
    return folder


def _stopwords(folder: Path, builds: list[str]) -> list[str]:
    """The pack's stopwords through a kept table, in a fresh LangPacks (as a new process has)."""
    packs = LangPacks(folder)

    def build() -> list[str]:
        builds.append("built")
        return sorted(packs.pack("xx").stopwords)

    return packs.cached("stopwords", build)


def test_a_kept_table_is_read_back_and_made_again_when_a_pack_changes(packs_folder: Path) -> None:
    builds: list[str] = []
    assert _stopwords(packs_folder, builds) == ["alpha", "beta"]
    assert _stopwords(packs_folder, builds) == ["alpha", "beta"]
    assert builds == ["built"]  # the second LangPacks read the kept table
    (packs_folder / "xx" / "stopwords.txt").write_text("alpha\nbeta\ngamma\n", encoding="utf-8")
    assert _stopwords(packs_folder, builds) == ["alpha", "beta", "gamma"]
    assert builds == ["built", "built"]
    # The table of the old packs is gone; the new one stays.
    kept = sorted(
        # langpacks.FOLDER.NAME.KEY.pickle
        ".".join(p.name.split(".")[2:-2])
        for p in (packs_folder.parent / "cache").iterdir()
    )
    assert kept == ["packs.light", "packs.stopwords", "stopwords"]


@pytest.mark.parametrize("library", ["regex", "numpy"])
def test_a_kept_table_is_made_again_under_another_version_of_a_library(
    packs_folder: Path, monkeypatch: pytest.MonkeyPatch, library: str
) -> None:
    # regex's Unicode data decides the phrase keys of the tables; numpy's
    # pickles hold their arrays: a table made under other versions is stale.
    builds: list[str] = []
    _stopwords(packs_folder, builds)
    monkeypatch.setattr(sys.modules[library], "__version__", "0.0.0-other")
    _stopwords(packs_folder, builds)
    assert builds == ["built", "built"]


def test_an_unreadable_kept_table_is_made_again(packs_folder: Path) -> None:
    builds: list[str] = []
    _stopwords(packs_folder, builds)
    for path in (packs_folder.parent / "cache").iterdir():
        path.write_bytes(b"not a pickle")
    assert _stopwords(packs_folder, builds) == ["alpha", "beta"]
    assert builds == ["built", "built"]


def test_tables_are_made_where_none_can_be_kept(
    packs_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = packs_folder.parent / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(langpacks, "CACHE_DIR", blocked / "cache")
    builds: list[str] = []
    assert _stopwords(packs_folder, builds) == ["alpha", "beta"]
    assert _stopwords(packs_folder, builds) == ["alpha", "beta"]
    assert builds == ["built", "built"]


def test_chrome_and_segment_are_the_packs_read_without_the_stopwords(packs_folder: Path) -> None:
    (packs_folder / "xx" / "chrome.txt").write_text("[share]\nShare it\nfollow * on\n", "utf-8")
    (packs_folder / "xx" / "segment.json").write_text('{"prior": -1.5, "letters": "q"}', "utf-8")
    packs = LangPacks(packs_folder)
    phrases, patterns = packs.chrome("xx")
    assert phrases == {"share it": "share"} and [r for _, r in patterns] == ["share"]
    assert packs.segment("xx") == SegmentPack(prior=-1.5, letters="q")
    assert packs.chrome("yy") == ({}, ()) and packs.segment("yy") == SegmentPack()
    # The stopwords were not read, nor kept.
    assert not packs._packs
    kept = [p.name.split(".")[2:4] for p in (packs_folder.parent / "cache").iterdir()]
    assert kept == [["packs", "light"]]
    whole = packs.pack("xx")
    assert (whole.phrases, whole.patterns, whole.segment) == (
        phrases,
        patterns,
        packs.segment("xx"),
    )
    assert whole.stopwords == {"alpha", "beta"}
    # Read back by another LangPacks, as a new process reads them.
    assert LangPacks(packs_folder).chrome("xx")[0] == phrases


def test_keeping_a_table_leaves_the_tables_of_longer_names(tmp_path: Path) -> None:
    from normalize import kept

    assert kept.kept("t", "key1", lambda: 1, tmp_path) == 1
    assert kept.kept("t.sub", "key1", lambda: 2, tmp_path) == 2
    assert kept.kept("t", "key2", lambda: 3, tmp_path) == 3
    # "t" of key1 is gone (another key); "t.sub" is another table.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.key2.pickle", "t.sub.key1.pickle"]


def test_keeping_a_table_of_a_family_drops_the_familys_tables_of_other_keys(
    tmp_path: Path,
) -> None:
    """Tables that share one key (the packs') are stale together: keeping one under a
    new key drops the others' files under the old key, retired names included, and
    leaves tables of other families alone."""
    from normalize import kept

    for name in ("f.a", "f.b", "f.retired.123"):
        kept.kept(name, "key1", lambda: 1, tmp_path, "f.")
    kept.kept("g", "key1", lambda: 1, tmp_path)
    kept.kept("f.b", "key2", lambda: 2, tmp_path, "f.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.b.key2.pickle", "g.key1.pickle"]
    kept.kept("f.a", "key2", lambda: 3, tmp_path, "f.")  # its family's key: none dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "f.a.key2.pickle",
        "f.b.key2.pickle",
        "g.key1.pickle",
    ]


def test_the_packs_are_looked_up_beside_the_package_then_in_the_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As installed from a wheel: normalize/lang_packs; as a checkout: lang_packs/ beside normalize/.
    monkeypatch.delenv("NORMALIZE_LANG_PACKS", raising=False)
    package = tmp_path / "normalize"
    (tmp_path / "lang_packs").mkdir()
    package.mkdir()
    monkeypatch.setattr(langpacks, "__file__", str(package / "langpacks.py"))
    assert langpacks.lang_packs_dir() == tmp_path / "lang_packs"
    (package / "lang_packs").mkdir()
    assert langpacks.lang_packs_dir() == package / "lang_packs"
    monkeypatch.setenv("NORMALIZE_LANG_PACKS", str(tmp_path / "elsewhere"))
    assert langpacks.lang_packs_dir() == tmp_path / "elsewhere"


def _two_contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Context, Context]:
    """Two contexts of the shipped packs (as two processes have), with their tables kept
    in a folder of their own: the first makes and keeps them, the second reads them back."""
    monkeypatch.setattr(langpacks, "CACHE_DIR", tmp_path / "cache")
    return Context(), Context()


def test_the_stop_index_and_its_table_are_kept_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from normalize.boilerplate import features

    made, read = _two_contexts(tmp_path, monkeypatch)
    index, table = features._stop_index(made), features._stop_table(made)
    kept_table = features._stop_table(read)
    # The table is read back without the index (its words: most of the load).
    assert "boilerplate.stop_sets" not in read._owned
    assert kept_table is not table and not kept_table.words.flags.writeable
    for name in ("words", "set_starts", "set_langs"):
        assert np.array_equal(getattr(kept_table, name), getattr(table, name))
    assert kept_table.names == index.names and kept_table.columns == index.columns
    assert features._stop_index(read).ids == index.ids


#: The stop index made in a process of its own (another seed of str hashes):
#: a digest of its numbering.
_STOP_INDEX_DIGEST = """
import hashlib
from normalize.boilerplate.features import _make_stop_index
from normalize.langpacks import LangPacks, SegmentPack
index = _make_stop_index(LangPacks())
print(hashlib.sha1(repr((list(index.ids.items()), index.langs)).encode()).hexdigest())
"""


def test_the_stop_index_numbers_its_sets_alike_in_every_process() -> None:
    # What lets its table be kept apart from it: a table made from one build
    # of the index reads the numbers of any other.
    import os
    import subprocess

    digests = {
        subprocess.run(
            [sys.executable, "-c", _STOP_INDEX_DIGEST],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


def test_the_segment_stopword_table_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from normalize import segment

    made, read = _two_contexts(tmp_path, monkeypatch)
    cands = ("en", "fr", "de")
    table, kept_table = segment._stopword_table(cands, made), segment._stopword_table(cands, read)
    assert kept_table is not table and np.array_equal(kept_table, table)
    assert not kept_table.flags.writeable


@pytest.mark.parametrize("kernels", KERNEL_BUILDS)
def test_the_compiled_evidence_reads_the_kept_phrases_not_the_stopwords(
    kernels: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled core reads the phrases and the stopword table of a candidate set:
    the stopwords' dict (most of the word tables' load) stays on disk."""
    from normalize import segment
    from normalize.config import SegmentConfig

    made, read = _two_contexts(tmp_path, monkeypatch)
    cands = ("en", "fr", "de")
    texts = ["Home | About us", "the cat and the dog", "le chat et le chien", "Impressum"]
    config = SegmentConfig()
    with (
        mock.patch.object(segment, "COMPILED", True),
        mock.patch.object(segment, "kernels", kernels),
    ):
        scores = segment._evidence(texts, cands, config, made)
        assert np.array_equal(segment._evidence(texts, cands, config, read), scores)
    assert ("segment.stopword_owners", cands) not in read._owned
    assert ("segment.phrase_table", cands) in read._owned
    assert segment._word_tables(cands, read) == segment._word_tables(cands, made)


def test_the_segment_tables_of_characters_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The letter tables of candidate sets, the scanner's character classes and the
    lines' character flags are read back as they were made (without the packs' letters)."""
    from normalize import segment
    from normalize.boilerplate import features

    made, read = _two_contexts(tmp_path, monkeypatch)
    for cands in [("en", "fr", "de"), ("hi", "mr", "ne"), ("zh", "ja")]:
        letters = segment._letter_table(cands, made)
        with mock.patch.object(segment, "segment_pack", side_effect=AssertionError):
            kept_letters = segment._letter_table(cands, read)
        assert kept_letters is not letters and kept_letters.columns == letters.columns
        for name in ("codes", "cols"):
            kept_array, array = getattr(kept_letters, name), getattr(letters, name)
            assert np.array_equal(kept_array, array) and not kept_array.flags.writeable
    classes, kept_classes = segment._char_classes(made), segment._char_classes(read)
    assert np.array_equal(kept_classes.classes, classes.classes)
    assert np.array_equal(kept_classes.info, classes.info)
    chars, kept_chars = features.line_chars(made), features.line_chars(read)
    assert np.array_equal(kept_chars.flags, chars.flags)


def test_a_kept_table_is_made_again_under_another_build_of_regex(
    packs_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compiled patterns are kept as the compiled code of the build of _regex
    # that made them: another build of the same version must not read them.

    other = tmp_path / "regex-build" / "regex"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("# another build\n", encoding="utf-8")
    builds: list[str] = []
    _stopwords(packs_folder, builds)
    monkeypatch.setattr(regex, "__file__", str(other / "__init__.py"))
    _stopwords(packs_folder, builds)
    assert builds == ["built", "built"]


def _kept_patterns(ctx: Context) -> list[regex.Pattern[str]]:
    """Every pattern a worker reads from the kept tables instead of compiling it."""
    from normalize import segment
    from normalize.boilerplate import features, rules

    classes = segment._char_classes(ctx)
    wildcards = rules.all_phrases(ctx)[1]
    return [
        *(pat for _, pat in classes._tests + classes._flag_tests),
        *(pat for _, pat in features.line_chars(ctx)._tests),
        *([wildcards] if wildcards is not None else []),
    ]


def test_kept_patterns_are_read_back_not_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    made, read = _two_contexts(tmp_path, monkeypatch)
    fresh = _kept_patterns(made)
    compiles: list[str] = []
    real_compile = regex.compile

    def counted(*args: Any, **kwargs: Any) -> regex.Pattern[str]:
        compiles.append(args[0])
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(regex, "compile", counted)
    kept_patterns = _kept_patterns(read)
    assert compiles == []
    assert [(p.pattern, p.flags, p.groups) for p in kept_patterns] == [
        (p.pattern, p.flags, p.groups) for p in fresh
    ]
    assert all(k is not f for k, f in zip(kept_patterns, fresh, strict=True))


#: Random Unicode: every plane, surrogates, the scripts' letters, marks and separators.
_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_ANY_TEXT, min_size=1, max_size=8))
def test_a_kept_pattern_matches_exactly_as_a_fresh_compile(texts: list[str]) -> None:
    import pickle

    from normalize import segment
    from normalize.boilerplate import features, rules

    tests, flag_tests = segment._class_tests()
    wildcards = rules._gather_phrases(LangPacks())[1]
    fresh = [
        *(pat for _, pat in tests + flag_tests),
        *(pat for _, pat in features._LineChars.compile_tests()),
        *([wildcards] if wildcards is not None else []),
    ]
    text = "".join(texts)
    for pat in fresh:
        # A compile of its own (regex caches compiles by source), and one read back.
        own = regex.compile(pat.pattern, pat.flags, cache_pattern=False)
        back = pickle.loads(pickle.dumps(pat, protocol=pickle.HIGHEST_PROTOCOL))
        for candidate in (own, back):
            assert [m.span() for m in candidate.finditer(text)] == [
                m.span() for m in pat.finditer(text)
            ]
        for t in texts:
            assert bool(back.fullmatch(t)) == bool(own.fullmatch(t))
            assert bool(back.match(t)) == bool(own.match(t))


# The phrase key -------------------------------------------------------------------


def test_printable_text_has_no_space_but_the_space() -> None:
    """What lets phrase_key skip collapsing printable text: every character that
    ``str.split`` cuts at, but " ", is a control or separator character."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c.isspace() and c != " ":
            assert not c.isprintable(), hex(code)


def test_no_letter_is_an_edge() -> None:
    """What lets phrase_key skip asking about a letter: no character that
    ``str.isalpha`` calls a letter is punctuation, a symbol or a space."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c.isalpha():
            assert not langpacks._PHRASE_EDGE.match(c), hex(code)


#: Text dense in what the key collapses and strips: spaces of every kind, doubled
#: or at the edges, punctuation, letters that casefold or compose.
KEY_TEXT = st.lists(
    st.sampled_from(
        [
            " ",
            "  ",
            "\t",
            "\n",
            "\xa0",
            "\u2003",
            "\u3000",
            "\x1f",
            "\x85",
            "a",
            "B",
            "ß",
            "é",
            "e\u0301",
            "İ",
            "!",
            "«",
            "»",
            "-",
            "*",
            "дом",
            "北京",
            # In NFC with a character NFC might compose; not in NFC (the kernels'
            # NFC check says which).
            "\u0995\u09be",
            "\u09c7",
            "\u09be",
            "\u0928\u093c",
            "\u0301",
            "\u0323",
            "\u1100\u1161",
            "\u212b",
        ]
    ),
    max_size=12,
).map("".join)


def _key_reference(text: str) -> str:
    """phrase_key by its definition: NFC, casefolded, spaces collapsed, edge punctuation gone."""
    text = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    i, j = 0, len(text)
    while i < j and langpacks._edge_char(text[i]):
        i += 1
    while j > i and langpacks._edge_char(text[j - 1]):
        j -= 1
    return text[i:j]


@settings(max_examples=500, deadline=None)
@given(st.one_of(KEY_TEXT, st.text(max_size=20)))
def test_the_phrase_key_is_its_definition(text: str) -> None:
    assert langpacks.phrase_key(text) == _key_reference(text)


def test_ascii_is_its_own_nfc_and_casefolds_to_its_lower_case() -> None:
    """What the phrase key's shortcut for ASCII text stands on, for every ASCII character."""
    ascii_chars = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFC", ascii_chars) == ascii_chars
    assert ascii_chars.casefold() == ascii_chars.lower()


@pytest.mark.parametrize("kernels", KERNEL_BUILDS)
@settings(max_examples=500, deadline=None)
@given(st.one_of(KEY_TEXT, st.text(max_size=20)))
def test_both_builds_of_the_phrase_key_are_its_definition(kernels: ModuleType, text: str) -> None:
    key = kernels.phrase_key(text, langpacks._edge_char, *nfc_tables())
    assert key == _key_reference(text)
