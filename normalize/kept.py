"""Tables kept on disk between runs: made once from data and code, read back in milliseconds.

A worker builds tables from data that does not change between runs: the
language packs' stopwords indexed (:meth:`normalize.langpacks.LangPacks.cached`),
ftfy's character tables turned into the decoder's patterns
(:func:`normalize.decode.ftfy_tables`). Built in every worker, they are most
of the start-up of a run on one small file; pickled, they load in a few
milliseconds. They are kept in ``normalize/__pycache__/``, beside the
bytecode Python keeps of the modules, under a name that holds a key: a hash
of everything the table is made from (:func:`state_key`), so that an edited
pack, an edited function that builds a table or another version of a
library never gets a stale one. Where the folder cannot be written, or a
file cannot be read, the table is built as if there were none.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import importlib
import logging
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

log = logging.getLogger("normalize")

T = TypeVar("T")

#: Where the tables are kept: beside the bytecode Python keeps of normalize's modules.
CACHE_DIR = Path(__file__).resolve().parent / "__pycache__"


def state_key(parts: Iterable[str], roots: Iterable[str | os.PathLike[str]]) -> str | None:
    """A hash of ``parts`` (versions), of the Python that runs, and of the path, size and
    modification time of every file under each of ``roots`` (a root that is a file: of
    itself), bytecode and kept tables left out; ``None`` when a root cannot be read.

    Python's version is in it: its Unicode data and codecs make tables, and
    its pickles keep them.

    >>> state_key(["1.0"], [__file__]) == state_key(["1.0"], [__file__])
    True
    >>> state_key(["1.0"], [__file__]) == state_key(["2.0"], [__file__])
    False
    """
    digest = hashlib.sha1(sys.version.encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    try:
        for root in roots:
            _add_files(digest, os.fspath(root))
    except OSError:
        return None
    return digest.hexdigest()[:20]


def _add_files(digest: Any, root: str) -> None:
    """Add ``(path, size, mtime)`` of the files under ``root`` to ``digest``, in a stable order."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except NotADirectoryError:
        st = os.stat(root)
        digest.update(f"{root}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                _add_files(digest, entry.path)
        else:
            st = entry.stat()
            digest.update(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def kept(
    name: str,
    key: str | None,
    build: Callable[[], T],
    folder: Path | None = None,
    family: str | None = None,
) -> T:
    """``build()``, read back from ``folder/NAME.KEY.pickle`` (``folder``: :data:`CACHE_DIR`
    by default) when a run kept it there (else built, and kept for the next run); built
    and not kept when ``key`` is ``None``. ``family``: see :func:`keep`.

    A kept file of ``name`` under another key (older data or code) is removed
    when the new one is kept. A file that cannot be read is built again.
    """
    if key is None:
        return build()
    path = (CACHE_DIR if folder is None else folder) / f"{name}.{key}.pickle"
    try:
        with path.open("rb") as f:
            value: T = pickle.load(f)
        return value
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - whatever makes a kept table unreadable
        log.debug("kept tables: building %s again (%s)", path, exc)
    value = build()
    keep(path, value, f"{name}.", family)
    return value


def keep(path: Path, value: object, prefix: str, family: str | None = None) -> None:
    """Write ``value`` to ``path`` (``PREFIX + KEY.pickle``) whole or not at all; drop the
    other files of ``prefix`` (the table under other keys) and, given a ``family`` (a
    prefix of tables that share one key), every file of the family under another key.

    A family's tables are stale together when their key changes, whichever of
    them a run makes again: a retired table's files, or those of a candidate
    set no run meets any more, would otherwise stay for good (an edit of
    normalize makes a new key for all of them).

    Several workers may write the same table at once: each writes a file of
    its own and renames it into place.
    """
    import tempfile  # only where a table is made: most runs read them

    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.debug("kept tables: cannot keep %s (%s)", path, exc)
        return
    keyed = "." + path.name[len(prefix) :]
    for old in path.parent.glob(f"{prefix}*.pickle"):
        if old != path and "." not in old.name[len(prefix) : -len(".pickle")]:
            with contextlib.suppress(OSError):
                old.unlink()
    if family:
        for old in path.parent.glob(f"{family}*.pickle"):
            if not old.name.endswith(keyed):
                with contextlib.suppress(OSError):
                    old.unlink()


class ReCode(NamedTuple):
    """A pattern of :mod:`re` compiled, as its engine takes it: the arguments that
    ``re.compile`` hands ``_sre.compile`` (:func:`re_code`), the code words as an
    array (they pickle as one string of bytes).

    ``re`` cannot pickle a compiled pattern (a pickle compiles it again), and
    it compiles a character set of hundreds of characters beyond Latin-1 in
    Python, a loop over its 256 blocks of 256 code points: ftfy's badness
    pattern, 70 such sets, costs 4 ms. Kept, the code words give the same
    pattern in microseconds. They are the compiled form of one version of
    Python's ``re``: a table that keeps them is keyed by Python's version
    (:func:`state_key` holds it), and :func:`re_pattern` compiles the pattern
    where its engine refuses them.
    """

    pattern: str
    #: The flags asked for.
    flags: int
    #: The engine's: those asked for, with those the pattern sets itself (``(?x)``, Unicode).
    all_flags: int
    code: array.array[int]
    groups: int
    groupindex: dict[str, int]
    indexgroup: tuple[str | None, ...]


def re_code(pattern: str, flags: int = 0) -> ReCode | None:
    """``re.compile(pattern, flags)`` up to the engine: what :func:`re_pattern` makes the
    pattern from (``None`` where this Python's ``re`` is not the one this was written for).

    >>> code = re_code(r"(?P<word>[а-яё]+)|\\d", re.IGNORECASE)
    >>> re_pattern(code.pattern, re.IGNORECASE, code) == re.compile(code.pattern, re.IGNORECASE)
    True
    """
    try:
        # re's own steps (re._compiler.compile), less the last.
        parser, compiler = (
            importlib.import_module(f"re.{name}") for name in ("_parser", "_compiler")
        )
        parsed = parser.parse(pattern, flags)
        code = array.array("I", compiler._code(parsed, flags))
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, i in state.groupdict.items():
            indexgroup[i] = name
        return ReCode(
            pattern,
            flags,
            flags | state.flags,
            code,
            state.groups - 1,
            dict(state.groupdict),
            tuple(indexgroup),
        )
    except Exception as exc:  # noqa: BLE001 - another re than 3.11's: patterns compile
        log.debug("kept tables: no compiled code of %.40r (%s)", pattern, exc)
        return None


def re_pattern(pattern: str, flags: int, code: ReCode | None) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, made from ``code`` (:func:`re_code` of the same
    pattern and flags) where it is given and the engine takes it, else compiled.

    The engine checks the code words it is given (``_sre`` validates them and
    raises on code that is not well formed): words of another version, or of
    no pattern, are compiled from the source instead.

    >>> re_pattern("a+", 0, None) == re.compile("a+")
    True
    >>> re_pattern("a+", 0, re_code("b+")) == re.compile("a+")  # another pattern's code
    True
    >>> re_pattern("a+", re.I, re_code("a+")) == re.compile("a+", re.I)  # other flags'
    True
    """
    if code is not None and code.pattern == pattern and code.flags == flags:
        try:
            compiled: re.Pattern[str] = importlib.import_module("_sre").compile(
                pattern,
                code.all_flags,
                code.code.tolist(),
                code.groups,
                code.groupindex,
                code.indexgroup,
            )
            return compiled
        except Exception as exc:  # noqa: BLE001 - code words this engine refuses
            log.debug("kept tables: compiling %.40r (%s)", pattern, exc)
    return re.compile(pattern, flags)
