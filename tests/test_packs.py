"""Translation packs: install, list, remove, the CLI, and staying out of the home folder.

Most tests use small fake packs (a zip with metadata and an empty model
file) built in tmp_path; the committed toy packs are installed once to check
that they are valid Argos packs.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
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


def test_a_pack_of_another_pair_in_the_same_folder_is_not_replaced(tmp_path):
    """Issue #14.13: an archive whose top folder is named like an installed pack of another pair."""
    root = tmp_path / "packs"
    packs.install_pack(fake_pack(tmp_path, "hi", "en", top="shared"), root)
    (tmp_path / "other").mkdir()
    clash = fake_pack(tmp_path / "other", "en", "es", top="shared")
    with pytest.raises(packs.PackError, match=r"translate-hi_en.*refusing to replace it"):
        packs.install_pack(clash, root)
    assert [(p.from_code, p.to_code) for p in packs.list_packs(root)] == [("hi", "en")]
    assert packs.main(["--dir", str(root), "install", str(clash)]) == 1


def test_a_folder_that_is_not_a_pack_is_not_replaced(tmp_path):
    root = tmp_path / "packs"
    (root / "packages" / "hi_en").mkdir(parents=True)
    (root / "packages" / "hi_en" / "notes.txt").write_text("mine")
    with pytest.raises(packs.PackError, match="not a pack; move it away"):
        packs.install_pack(fake_pack(tmp_path), root)
    assert (root / "packages" / "hi_en" / "notes.txt").read_text() == "mine"


def _bomb(folder: Path) -> Path:
    """A small archive whose model.bin expands to 64 MiB of zeros (a zip bomb)."""
    path = fake_pack(folder, model=False)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("hi_en/model/model.bin", "w", force_zip64=True) as f:
            for _ in range(64):
                f.write(bytes(1024 * 1024))
    return path


def _corrupt_deflate(folder: Path) -> Path:
    path = folder / "corrupt.argosmodel"
    with zipfile.ZipFile(fake_pack(folder)) as src, zipfile.ZipFile(path, "w") as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("hi_en/model/vocab.bin", os.urandom(4000) * 4, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    start = data.index(b"hi_en/model/vocab.bin") + len("hi_en/model/vocab.bin")
    for i in range(start + 40, start + 400):  # inside the deflate stream
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(_bomb, "a zip bomb", id="zip-bomb"),
        pytest.param(
            lambda d: fake_pack(d, extra={"hi_en/big.json": b""}, metadata="x" * 2_000_000),
            "over 1,048,576 bytes",
            id="huge-metadata",
        ),
        pytest.param(_corrupt_deflate, "the archive is damaged", id="corrupt-deflate"),
    ],
)
def test_hostile_archives_give_a_pack_error(tmp_path, make, message):
    """Issue #14.17: each gave a traceback (or filled the disk)."""
    root = tmp_path / "packs"
    archive = make(tmp_path)
    with pytest.raises(packs.PackError, match=message):
        packs.install_pack(archive, root)
    assert packs.list_packs(root) == []
    assert [p.name for p in (root / "packages").iterdir()] == []  # nothing left behind
    done = run_packs("--dir", str(root), "install", str(archive), env={})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and message in done.stderr


def test_deeply_nested_metadata_gives_a_pack_error(tmp_path):
    archive = fake_pack(tmp_path, model=True)
    with zipfile.ZipFile(archive) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["hi_en/metadata.json"] = b"[" * 100_000 + b"]" * 100_000
    with zipfile.ZipFile(archive, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(packs.PackError, match="nested too deeply"):
        packs.install_pack(archive, tmp_path / "packs")


def test_unpacking_stops_at_the_size_limit(tmp_path, monkeypatch):
    archive = fake_pack(tmp_path, extra={"hi_en/model/weights": os.urandom(5000)})
    monkeypatch.setattr(packs, "MAX_PACK_BYTES", 4000)
    with pytest.raises(packs.PackError, match="over the limit of 4,000"):
        packs.install_pack(archive, tmp_path / "packs")
    # The sizes in the zip's directory are claims: writing is counted too.
    with zipfile.ZipFile(archive) as zf, pytest.raises(packs.PackError, match="more than 4,000"):
        packs._extract(zf, tmp_path / "out")


def test_read_only_packs_folder_gives_a_pack_error(tmp_path, monkeypatch):
    root = tmp_path / "packs"
    (root / "packages").mkdir(parents=True)
    (root / "packages").chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: fail the way a read-only mount does

        def read_only(*args: object, **kwargs: object) -> str:
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    try:
        with pytest.raises(packs.PackError, match="cannot install into .*writable"):
            packs.install_pack(fake_pack(tmp_path), root)
    finally:
        (root / "packages").chmod(0o755)
