"""Translation packs: where they live, and installing, listing, removing them.

A pack is an Argos Translate ``.argosmodel`` file: a zip with one top-level
folder holding ``metadata.json`` (``from_code``, ``to_code`` …), a
sentencepiece model and a CTranslate2 model. normalize never downloads one:
a user drops pack files into ``lang_packs/`` (``make lang-packs`` installs
them) or runs ``normalize packs install FILE``.

Packs are installed into one folder that does not depend on where normalize
is run from: ``$NORMALIZE_PACKS_DIR`` when set, else ``packs/`` in the
platform's user data folder for normalize (``platformdirs``; on Linux
``~/.local/share/normalize/packs``). A folder relative to the current
directory would make a run from elsewhere silently find no pack. Inside it::

    packages/   the installed packs, one folder each (Argos's ARGOS_PACKAGES_DIR)
    data/ config/ cache/    Argos's XDG folders, so that importing it
                            creates nothing under ~/.local or ~/.config

Listing, installing and removing read ``metadata.json`` and unzip files
themselves: they need neither argostranslate nor its import time.
:func:`import_argos_package` is the one place that imports argostranslate,
with its environment pointed at the project folder first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import ModuleType

from normalize.classes import dataclass
from normalize.logs import escape_control

#: Environment variable naming the packs folder.
ENV_VAR = "NORMALIZE_PACKS_DIR"
#: The application name under which the platform's user data folder is found.
APP_NAME = "normalize"
#: File extension of Argos Translate packs.
SUFFIX = ".argosmodel"
#: The most a pack may unpack to. Argos's published packs unpack to 100-300
#: MB; a bigger archive is almost surely a mistake or a zip bomb, and would
#: fill the disk before anyone noticed.
MAX_PACK_BYTES = 2 * 1024**3
#: The most a member may expand (uncompressed / compressed, for members over
#: :data:`RATIO_FLOOR` bytes). Models and tokenizers barely compress; a
#: thousandfold expansion is a zip bomb.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
#: The most ``metadata.json`` may hold: a few hundred bytes in real packs.
MAX_METADATA_BYTES = 1024 * 1024
#: The extra that provides argostranslate.
EXTRA_HINT = (
    "pip install 'normalize[translate]' && pip install --no-deps 'argostranslate>=1.11,<1.12'  "
    "(or: make setup-translate)"
)


class PackError(ValueError):
    """A pack file or pack code that cannot be used; the message says why and what to do."""


class MissingExtraError(ImportError):
    """argostranslate (the ``translate`` extra) is not installed."""


@dataclass(frozen=True, slots=True)
class InstalledPack:
    """One installed translation pack, as its ``metadata.json`` describes it."""

    from_code: str
    to_code: str
    from_name: str
    to_name: str
    version: str
    path: Path

    @property
    def name(self) -> str:
        """The pack's name in the Argos index (``translate-hi_en``)."""
        return pack_name(self.from_code, self.to_code)


def pack_name(from_code: str, to_code: str) -> str:
    """The name under which Argos publishes the pack for a language pair.

    Users search the Argos index (or its download site) by this name, so
    messages about a missing pair quote it.

    >>> pack_name("hi", "en")
    'translate-hi_en'
    """
    return f"translate-{from_code}_{to_code}"


def packs_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The packs folder: ``root`` if given, else ``$NORMALIZE_PACKS_DIR``, else
    ``packs/`` in the user data folder (:func:`default_root`).

    A relative ``root`` or ``$NORMALIZE_PACKS_DIR`` is made absolute once,
    here, so that a worker or a later ``chdir`` sees the same folder.

    >>> packs_root("/srv/packs")
    PosixPath('/srv/packs')
    """
    if root is not None:
        return Path(root).absolute()
    env = os.environ.get(ENV_VAR)
    return Path(env).absolute() if env else default_root()


def default_root() -> Path:
    """``packs/`` in the platform's user data folder for normalize.

    The place the platform's conventions give per-user application data
    (``$XDG_DATA_HOME/normalize/packs`` or ``~/.local/share/normalize/packs``
    on Linux, ``~/Library/Application Support/normalize/packs`` on macOS,
    ``%LOCALAPPDATA%\\normalize\\packs`` on Windows).
    """
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "packs"


def packages_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding one sub-folder per installed pack.

    >>> packages_dir("/srv/packs")
    PosixPath('/srv/packs/packages')
    """
    return packs_root(root) / "packages"


def argos_environment(root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The environment argostranslate must see at import time to stay inside ``root``.

    ``argostranslate.settings`` reads these once, when first imported, and
    creates its data, config and cache folders right away (under the home
    directory by default). ``ARGOS_DEVICE_TYPE`` is pinned to ``cpu``: the
    translation stage chooses its device itself.

    >>> env = argos_environment("/srv/packs")
    >>> env["ARGOS_PACKAGES_DIR"], env["XDG_DATA_HOME"]
    ('/srv/packs/packages', '/srv/packs/data')
    """
    base = packs_root(root)
    return {
        "ARGOS_PACKAGES_DIR": str(base / "packages"),
        "XDG_DATA_HOME": str(base / "data"),
        "XDG_CONFIG_HOME": str(base / "config"),
        "XDG_CACHE_HOME": str(base / "cache"),
        "ARGOS_DEVICE_TYPE": "cpu",
    }


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then put them back.

    Other libraries read the XDG variables too; they must not be redirected
    for the rest of the process just because argostranslate was imported.
    """
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def import_argos_package(root: str | os.PathLike[str] | None = None) -> ModuleType:
    """Import ``argostranslate.package`` with its folders inside the packs folder.

    Only ``argostranslate.package`` (metadata, tokenizers): unlike
    ``argostranslate.translate`` it does not pull in torch, stanza and spacy.
    If argostranslate was already imported elsewhere in the process, its
    settings stay as they were; normalize passes explicit paths anyway.
    """
    env = argos_environment(root)
    if "argostranslate.settings" not in sys.modules:
        for key in ("ARGOS_PACKAGES_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            Path(env[key]).mkdir(parents=True, exist_ok=True)
    try:
        with _environment(env):
            import argostranslate.package as argos_package
    except ImportError as exc:
        raise MissingExtraError(
            f"translation needs argostranslate, which is not installed ({exc}); "
            f"install the translate extra: {EXTRA_HINT}"
        ) from exc
    return argos_package


def _parse_metadata(data: bytes, where: str) -> object:
    """``metadata.json`` parsed, or a PackError saying why it cannot be (size, JSON, nesting)."""
    if len(data) > MAX_METADATA_BYTES:
        raise PackError(
            f"{where}: over {MAX_METADATA_BYTES:,} bytes; a pack's metadata is a few hundred "
            "bytes, so this is not an Argos pack"
        )
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError as exc:
        raise PackError(f"{where}: JSON nested too deeply to read; not an Argos pack") from exc
    except ValueError as exc:
        raise PackError(f"{where}: not valid JSON in UTF-8 ({exc})") from exc


def read_metadata(folder: Path) -> InstalledPack:
    """The :class:`InstalledPack` described by ``folder/metadata.json``."""
    where = str(folder / "metadata.json")
    try:
        with open(folder / "metadata.json", "rb") as f:
            data = f.read(MAX_METADATA_BYTES + 1)
    except OSError as exc:
        raise PackError(f"{folder}: no readable metadata.json ({exc})") from exc
    return _pack_from_metadata(_parse_metadata(data, where), folder, where=where)


def _pack_from_metadata(meta: object, folder: Path, where: str) -> InstalledPack:
    if not isinstance(meta, dict):
        raise PackError(f"{where}: expected a JSON object")
    if meta.get("type", "translate") != "translate":
        raise PackError(f"{where}: type {meta.get('type')!r} is not a translation pack")
    missing = [k for k in ("from_code", "to_code") if not isinstance(meta.get(k), str)]
    if missing:
        raise PackError(f"{where}: missing {' and '.join(missing)}; not an Argos translation pack")
    return InstalledPack(
        from_code=meta["from_code"],
        to_code=meta["to_code"],
        from_name=str(meta.get("from_name", "")),
        to_name=str(meta.get("to_name", "")),
        version=str(meta.get("package_version", "")),
        path=folder,
    )


def list_packs(root: str | os.PathLike[str] | None = None) -> list[InstalledPack]:
    """The installed packs, sorted by language pair.

    A folder without valid metadata is skipped: it is not a pack (Argos
    itself would fail on it), and one stray folder must not hide the others.
    """
    base = packages_dir(root)
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(base.iterdir()):
        if folder.is_dir():
            try:
                found.append(read_metadata(folder))
            except PackError:
                continue
    return sorted(found, key=lambda p: (p.from_code, p.to_code, p.path.name))


def _check_archive(path: Path, zf: zipfile.ZipFile) -> tuple[str, InstalledPack]:
    """The top-level folder and metadata of a pack archive, or a PackError saying what is wrong."""
    infos = [i for i in zf.infolist() if i.filename and not i.filename.startswith("__MACOSX/")]
    names = [i.filename for i in infos]
    tops = {PurePosixPath(n).parts[0] for n in names}
    if len(tops) != 1:
        raise PackError(
            f"{path}: a pack holds exactly one top-level folder, found {len(tops)} "
            f"({', '.join(sorted(tops)[:5])})"
        )
    top = tops.pop()
    for n in names:
        p = PurePosixPath(n)
        if p.is_absolute() or ".." in p.parts or "\\" in n:
            raise PackError(f"{path}: unsafe path {n!r} in the archive; refusing to unpack it")
    total = sum(i.file_size for i in infos)
    if total > MAX_PACK_BYTES:
        raise PackError(
            f"{path}: unpacks to {total:,} bytes, over the limit of {MAX_PACK_BYTES:,}; "
            "refusing to unpack it (Argos packs unpack to a few hundred MB)"
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise PackError(
                f"{path}: {i.filename} expands from {i.compress_size:,} to {i.file_size:,} "
                "bytes, which no model does (a zip bomb?); refusing to unpack it"
            )
    where = f"{path}:{top}/metadata.json"
    try:
        with zf.open(f"{top}/metadata.json") as f:
            data = f.read(MAX_METADATA_BYTES + 1)
    except KeyError as exc:
        raise PackError(f"{path}: no {top}/metadata.json; not an Argos pack") from exc
    info = _pack_from_metadata(_parse_metadata(data, where), Path(top), where=where)
    if f"{top}/model/model.bin" not in names:
        raise PackError(f"{path}: no {top}/model/model.bin (CTranslate2 model); not an Argos pack")
    return top, info


def _extract(zf: zipfile.ZipFile, dest: Path) -> None:
    """Unpack ``zf`` into ``dest``, never writing more than :data:`MAX_PACK_BYTES`.

    Member by member, counting what is written: the sizes in a zip's
    directory are only claims.
    """
    budget = MAX_PACK_BYTES
    for info in zf.infolist():
        if info.filename.startswith("__MACOSX/"):
            continue
        target = dest.joinpath(*PurePosixPath(info.filename).parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1024 * 1024):
                budget -= len(chunk)
                if budget < 0:
                    raise PackError(
                        f"{zf.filename}: unpacks to more than {MAX_PACK_BYTES:,} bytes; "
                        "refusing to unpack it"
                    )
                out.write(chunk)


def _check_target(target: Path, info: InstalledPack, archive: Path) -> None:
    """Refuse to replace a folder that holds something else than this pack's pair."""
    if not target.exists():
        return
    try:
        there = read_metadata(target)
    except PackError:
        raise PackError(
            f"{archive}: its folder {target.name!r} already exists in {target.parent} and is "
            "not a pack; move it away first"
        ) from None
    if (there.from_code, there.to_code) != (info.from_code, info.to_code):
        raise PackError(
            f"{archive}: its folder {target.name!r} is where {there.name} "
            f"({there.from_code} -> {there.to_code}) is installed, and this pack is "
            f"{info.name} ({info.from_code} -> {info.to_code}); refusing to replace it. "
            f"Remove it first (normalize packs remove {there.from_code}_{there.to_code}) "
            "or rename the archive's top folder"
        )


def install_pack(
    file: str | os.PathLike[str], root: str | os.PathLike[str] | None = None
) -> InstalledPack:
    """Install one ``.argosmodel`` file; a pack for the same pair is replaced.

    The archive is checked (one top-level folder, metadata with the pair, a
    model, no path escaping the folder, a bounded size) and unpacked into a
    temporary folder first, so a broken file leaves the installed packs as
    they were. A pack of another pair installed in the folder the archive
    would unpack to is never replaced.
    """
    path = Path(file)
    if not path.is_file():
        raise PackError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise PackError(f"{path}: not a zip archive; an Argos pack ({SUFFIX}) is a zip file")
    base = packages_dir(root)
    try:
        base.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as zf:
            top, info = _check_archive(path, zf)
            target = base / top
            _check_target(target, info, path)
            with tempfile.TemporaryDirectory(dir=base, prefix=".installing-") as tmp:
                _extract(zf, Path(tmp))
                for old in list_packs(root):
                    if (old.from_code, old.to_code) == (info.from_code, info.to_code):
                        shutil.rmtree(old.path)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(Path(tmp) / top, target)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PackError(f"{path}: the archive is damaged ({exc}); download the pack again") from exc
    except OSError as exc:
        raise PackError(
            f"{path}: cannot install into {base} ({exc.strerror or exc}); make that folder "
            f"writable or choose another with --dir or ${ENV_VAR}"
        ) from exc
    return read_metadata(target)


def install_folder(
    folder: str | os.PathLike[str], root: str | os.PathLike[str] | None = None
) -> list[InstalledPack]:
    """Install every ``.argosmodel`` file in ``folder`` or one level below (``make lang-packs``).

    One level below, so that a pack can sit with its language's data
    (``lang_packs/hi/translate-hi_en.argosmodel``) as well as at the top.
    Files are installed in path order; the first broken one stops the run
    with its message, since a half-installed set is better noticed than not.
    """
    base = Path(folder)
    if not base.is_dir():
        raise PackError(f"{base}: no such folder")
    files = sorted([*base.glob(f"*{SUFFIX}"), *base.glob(f"*/*{SUFFIX}")])
    return [install_pack(f, root) for f in files]


def find_packs(code: str, root: str | os.PathLike[str] | None = None) -> list[InstalledPack]:
    """The installed packs a user means by ``code``.

    Accepted: the Argos name (``translate-hi_en``), the pair (``hi_en``,
    ``hi-en``) or the installed folder's name.
    """
    want = code.removeprefix("translate-").replace("-", "_")
    return [
        p for p in list_packs(root) if f"{p.from_code}_{p.to_code}" == want or p.path.name == code
    ]


def remove_pack(code: str, root: str | os.PathLike[str] | None = None) -> list[InstalledPack]:
    """Remove the installed packs matching ``code`` (see :func:`find_packs`)."""
    found = find_packs(code, root)
    if not found:
        installed = ", ".join(p.name for p in list_packs(root)) or "none"
        raise PackError(
            f"no installed pack matches {code!r} (installed: {installed}); "
            "give a pair such as hi_en or a name such as translate-hi_en"
        )
    for p in found:
        try:
            shutil.rmtree(p.path)
        except OSError as exc:
            raise PackError(
                f"cannot remove {p.path} ({exc.strerror or exc}); make its folder writable"
            ) from exc
    return found


def main(argv: list[str]) -> int:
    """``normalize packs list|install FILE_OR_FOLDER...|remove CODE...``.

    Lists go to stdout (one pack a line, tab-separated), messages to stderr
    (``list`` names the packs folder there, and says when it is empty).
    Exit status: 0 done, 1 a pack could not be installed or found, 2 usage.
    """
    parser = argparse.ArgumentParser(
        prog="normalize packs",
        description="Manage offline translation packs (Argos Translate .argosmodel files). "
        f"Packs live in ${ENV_VAR}, else in the user data folder ({default_root()}).",
    )
    parser.add_argument("--dir", help=f"packs folder (default: ${ENV_VAR} or {default_root()})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list installed packs: name, from, to, version, folder")
    p_install = sub.add_parser(
        "install", help="install .argosmodel files, or all of them in a folder"
    )
    p_install.add_argument("paths", nargs="+", metavar="FILE")
    p_remove = sub.add_parser(
        "remove", help="remove packs by pair (hi_en) or name (translate-hi_en)"
    )
    p_remove.add_argument("codes", nargs="+", metavar="CODE")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)

    try:
        if args.command == "list":
            installed = list_packs(args.dir)
            print(f"packs folder: {escape_control(str(packs_root(args.dir)))}", file=sys.stderr)
            if not installed:
                print(
                    "no packs installed; install one with `normalize packs install FILE`",
                    file=sys.stderr,
                )
            for p in installed:
                fields = (p.name, p.from_code, p.to_code, p.version, str(p.path))
                print("\t".join(escape_control(str(f)) for f in fields))
            return 0
        if args.command == "install":
            for given in args.paths:
                if Path(given).is_dir():
                    done = install_folder(given, args.dir)
                    if not done:
                        print(f"no {SUFFIX} files in {escape_control(given)}", file=sys.stderr)
                else:
                    done = [install_pack(given, args.dir)]
                for p in done:
                    message = (
                        f"installed {p.name} ({p.from_name or p.from_code} -> "
                        f"{p.to_name or p.to_code}) in {p.path}"
                    )
                    print(escape_control(message), file=sys.stderr)
            return 0
        for code in args.codes:
            for p in remove_pack(code, args.dir):
                print(escape_control(f"removed {p.name} from {p.path}"), file=sys.stderr)
        return 0
    except PackError as exc:
        print(f"normalize packs: {escape_control(str(exc))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
