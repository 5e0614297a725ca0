"""Translation packs: install, list, remove, the CLI, and staying out of the home folder.

Most tests use small fake packs (a zip with metadata and an empty model
file) built in tmp_path; the committed toy packs are installed once to check
that they are valid Argos packs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from normalize import packs
from tests.conftest import FIXTURES, ROOT

TOY_PACKS = sorted((FIXTURES / "packs").glob("*.argosmodel"))


def fake_pack(
    folder: Path,
    from_code: str = "hi",
    to_code: str = "en",
    top: str | None = None,
    *,
    metadata: object = None,
    extra: dict[str, bytes] | None = None,
    model: bool = True,
) -> Path:
    """A zip laid out like an Argos pack (its model is not a real model)."""
    top = top or f"{from_code}_{to_code}"
    path = folder / f"{top}.argosmodel"
    meta = (
        metadata
        if metadata is not None
        else {
            "from_code": from_code,
            "to_code": to_code,
            "from_name": from_code.upper(),
            "to_name": to_code.upper(),
            "package_version": "1.0",
        }
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{top}/metadata.json", json.dumps(meta))
        if model:
            z.writestr(f"{top}/model/model.bin", b"")
        z.writestr(f"{top}/sentencepiece.model", b"")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def not_a_zip(folder: Path) -> Path:
    path = folder / "x.argosmodel"
    path.write_bytes(b"not a zip")
    return path


def test_pack_name_is_the_argos_index_name():
    assert packs.pack_name("hi", "en") == "translate-hi_en"


def test_packs_root_explicit_then_env_then_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(packs.ENV_VAR, str(tmp_path / "env"))
    assert packs.packs_root(tmp_path / "given") == tmp_path / "given"
    assert packs.packs_root() == tmp_path / "env"
    monkeypatch.delenv(packs.ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert packs.packs_root() == tmp_path / "data" / "normalize" / "packs"


def test_packs_root_does_not_depend_on_the_current_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(packs.ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    here = packs.packs_root()
    monkeypatch.chdir(tmp_path / "b")
    assert packs.packs_root() == here
    assert here.is_absolute() and not here.is_relative_to(tmp_path / "a")


def test_a_relative_packs_dir_is_made_absolute_once(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(packs.ENV_VAR, "rel")
    assert packs.packs_root() == tmp_path / "rel"
    assert packs.packs_root("given") == tmp_path / "given"


def test_tests_never_use_the_real_user_folder():
    """conftest points NORMALIZE_PACKS_DIR at a temporary folder for the whole session."""
    real = packs.default_root()
    assert os.environ.get(packs.ENV_VAR)
    assert packs.packs_root() != real


def test_install_list_remove(tmp_path):
    root = tmp_path / "packs"
    assert packs.list_packs(root) == []
    info = packs.install_pack(fake_pack(tmp_path), root)
    assert (info.from_code, info.to_code, info.name) == ("hi", "en", "translate-hi_en")
    assert info.path == root / "packages" / "hi_en"
    packs.install_pack(fake_pack(tmp_path, "en", "es"), root)
    assert [p.name for p in packs.list_packs(root)] == ["translate-en_es", "translate-hi_en"]
    assert [p.name for p in packs.remove_pack("hi-en", root)] == ["translate-hi_en"]
    assert [p.name for p in packs.remove_pack("translate-en_es", root)] == ["translate-en_es"]
    assert packs.list_packs(root) == []


def test_reinstalling_a_pair_replaces_the_old_pack(tmp_path):
    root = tmp_path / "packs"
    packs.install_pack(fake_pack(tmp_path, top="old_hi_en"), root)
    packs.install_pack(fake_pack(tmp_path, top="new_hi_en"), root)
    assert [p.path.name for p in packs.list_packs(root)] == ["new_hi_en"]


def test_remove_unknown_code_says_what_is_installed(tmp_path):
    root = tmp_path / "packs"
    packs.install_pack(fake_pack(tmp_path), root)
    with pytest.raises(packs.PackError, match=r"'ta_en'.*installed: translate-hi_en"):
        packs.remove_pack("ta_en", root)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda d: d / "x.argosmodel", "no such file", id="missing"),
        pytest.param(not_a_zip, "not a zip archive", id="not-zip"),
        pytest.param(
            lambda d: fake_pack(d, extra={"other/file": b""}),
            "exactly one top-level folder",
            id="two-folders",
        ),
        pytest.param(
            lambda d: fake_pack(d, metadata={"to_code": "en"}), "missing from_code", id="no-from"
        ),
        pytest.param(lambda d: fake_pack(d, model=False), "model.bin", id="no-model"),
        pytest.param(
            lambda d: fake_pack(d, extra={"hi_en/../../evil": b""}), "unsafe path", id="traversal"
        ),
        pytest.param(
            lambda d: fake_pack(d, metadata={"type": "sbd", "from_code": "hi", "to_code": "en"}),
            "not a translation pack",
            id="sbd-pack",
        ),
    ],
)
def test_bad_pack_files_are_refused_with_a_reason(tmp_path, make, message):
    root = tmp_path / "packs"
    with pytest.raises(packs.PackError, match=message):
        packs.install_pack(make(tmp_path), root)
    assert packs.list_packs(root) == []
    assert not (tmp_path / "evil").exists()


def test_install_folder_installs_every_pack_in_it(tmp_path):
    drop = tmp_path / "lang_packs"
    drop.mkdir()
    fake_pack(drop, "hi", "en")
    (drop / "es").mkdir()
    fake_pack(drop / "es", "en", "es")
    (drop / "README.md").write_text("not a pack")
    done = packs.install_folder(drop, tmp_path / "packs")
    assert sorted(p.name for p in done) == ["translate-en_es", "translate-hi_en"]


def test_stray_folders_are_not_listed(tmp_path):
    root = tmp_path / "packs"
    (root / "packages" / "junk").mkdir(parents=True)
    assert packs.list_packs(root) == []


@pytest.mark.parametrize("pack", TOY_PACKS, ids=lambda p: p.name)
def test_committed_toy_packs_are_valid_argos_packs(tmp_path, pack):
    info = packs.install_pack(pack, tmp_path)
    assert {info.from_code, info.to_code} <= {"hi", "en", "es"}
    assert (info.path / "sentencepiece.model").stat().st_size > 0
    assert (info.path / "model" / "model.bin").stat().st_size > 0
    assert pack.stat().st_size < 2_000_000


def test_main_list_install_remove(tmp_path, capsys):
    root = str(tmp_path / "packs")
    assert packs.main(["--dir", root, "install", str(fake_pack(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "installed translate-hi_en" in err
    assert packs.main(["--dir", root, "list"]) == 0
    out, err = capsys.readouterr()
    assert out.split("\t")[:4] == ["translate-hi_en", "hi", "en", "1.0"]
    assert packs.main(["--dir", root, "remove", "ta_en"]) == 1
    assert "no installed pack matches 'ta_en'" in capsys.readouterr().err
    assert packs.main(["--dir", root, "remove", "hi_en"]) == 0
    assert packs.main(["--dir", root, "frobnicate"]) == 2
    assert packs.main(["--dir", root, "install", str(tmp_path / "nope.argosmodel")]) == 1


def run_packs(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "normalize", "packs", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
    )


def test_cli_installs_a_folder_into_normalize_packs_dir(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    fake_pack(drop)
    env = {packs.ENV_VAR: str(tmp_path / "packs")}
    done = run_packs("install", str(drop), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    listed = run_packs("list", env=env)
    assert listed.stdout.startswith("translate-hi_en\thi\ten\t")
    assert f"packs folder: {tmp_path / 'packs'}" in listed.stderr


def test_cli_list_names_the_folder_and_says_when_it_is_empty(tmp_path):
    env = {packs.ENV_VAR: str(tmp_path / "empty")}
    done = run_packs("list", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert f"packs folder: {tmp_path / 'empty'}" in done.stderr
    assert "no packs installed" in done.stderr


def test_cli_default_folder_is_the_user_data_folder_from_any_directory(tmp_path):
    """Without NORMALIZE_PACKS_DIR, a pack installed from one directory is found from another."""
    drop = tmp_path / "drop"
    drop.mkdir()
    fake_pack(drop)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home")}
    env.pop(packs.ENV_VAR, None)
    (tmp_path / "here").mkdir()
    (tmp_path / "elsewhere").mkdir()

    def packs_cli(*args, cwd):
        return subprocess.run(
            [sys.executable, "-m", "normalize", "packs", *args],
            check=False,
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**env, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )

    assert packs_cli("install", str(drop), cwd=tmp_path / "here").returncode == 0
    listed = packs_cli("list", cwd=tmp_path / "elsewhere")
    assert listed.stdout.startswith("translate-hi_en\thi\ten\t"), listed.stderr
    assert str(tmp_path / "data" / "normalize" / "packs") in listed.stderr
    assert list((tmp_path / "here").iterdir()) == []
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_importing_argostranslate_writes_nothing_in_home(tmp_path):
    pytest.importorskip("argostranslate")
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import os; from normalize import packs; m = packs.import_argos_package(); "
        "import argostranslate.settings as s; print(s.package_data_dir); "
        "print(os.environ.get('XDG_DATA_HOME', '-'))"
    )
    env = {**os.environ, "HOME": str(home), packs.ENV_VAR: str(tmp_path / "packs")}
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGES_DIR"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    package_dir, xdg = done.stdout.split("\n")[:2]
    assert package_dir == str(tmp_path / "packs" / "packages")
    assert xdg == "-"  # the XDG variables are restored after the import
    assert list(home.iterdir()) == []
