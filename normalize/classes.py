"""normalize's dataclasses, made with the code of their generated methods kept compiled.

:func:`dataclasses.dataclass` writes the source of a class's methods
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, and a frozen class's
``__setattr__`` and ``__delattr__``) and compiles it, each time the class is
made: for normalize's 34 classes that is 195 compilations, 13 ms of every
run's start-up (a run on one small file takes 0.14 s; measured on Python
3.11, importing what a text run imports: 0.102 -> 0.089 s). The code compiled
from a source is the same in every run of the same Python, so it is kept on
disk, as Python keeps the bytecode of a module: :func:`dataclass` is
:func:`dataclasses.dataclass`, with the compilation of each generated source
looked up first in a table kept in ``normalize/__pycache__/`` (see
:mod:`normalize.kept`), under a key of Python's version.

The table is keyed by the source text itself, so it cannot go stale: a class
whose fields change writes another source, which is compiled and added. The
classes are made exactly as without it (``exec`` of the same code in the
same namespaces); only ``compile`` is skipped. A table that cannot be read
or written is as if there were none.

While one of normalize's classes is made, ``dataclasses`` finds the table
for the whole process: a class another thread makes in that moment is
made alike (the same ``exec`` of the same code), its methods' code kept
with ours. Were ``dataclasses`` to stop running its sources by that name,
the classes would be made as before, only compiled (a test would tell).

The table lives for the process, not in a per-worker context: classes are
made when their modules are imported, before any context exists, and a
worker forked from the run's process inherits both.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import marshal
import pickle
import threading
from pathlib import Path
from typing import Any, dataclass_transform

from normalize.kept import CACHE_DIR, keep, state_key

_NAME = "dataclasses"


class _Codes:
    """The generated sources' code: read from disk once, kept again when it grew."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Source -> its code, marshalled (unmarshalled when a class needs it).
        self.codes: dict[str, bytes] = {}
        self.grew = False
        try:
            with self.path.open("rb") as f:
                codes = pickle.load(f)
            if isinstance(codes, dict):
                self.codes = codes
        except Exception:  # noqa: BLE001 - an unreadable table is no table
            pass

    def exec(self, source: str, globals: Any = None, locals: Any = None) -> None:  # noqa: A002
        """``exec(source, globals, locals)``, with ``source`` compiled once for all runs."""
        marshalled = self.codes.get(source)
        code = None
        if marshalled is not None:
            try:
                code = marshal.loads(marshalled)
            except Exception:  # noqa: BLE001 - a damaged entry is compiled again
                code = None
        if code is None:
            code = compile(source, "<string>", "exec")
            self.codes[source] = marshal.dumps(code)
            self.grew = True
        builtins.exec(code, globals, locals)


@functools.cache
def _table() -> _Codes:
    """The process's table, read when its first class is made."""
    return _Codes(CACHE_DIR / f"{_NAME}.{state_key([_NAME], [])}.pickle")


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(cls: type | None = None, /, **options: Any) -> Any:
    """:func:`dataclasses.dataclass` (used alike, with or without options), its generated
    methods' code read from the kept table instead of compiled."""

    def wrap(cls: type) -> type:
        with _lock:
            codes = _table()
            # ``dataclasses`` runs its generated sources with ``exec``, looked up in
            # its module's namespace before the builtins: only while a class of
            # ours is made does that name find the table (a class made meanwhile,
            # within this one, finds it set already).
            outer = "exec" in vars(dataclasses)
            if not outer:
                dataclasses.exec = codes.exec  # type: ignore[attr-defined]
            try:
                made: type = dataclasses.dataclass(**options)(cls)
            finally:
                if not outer:
                    del dataclasses.exec  # type: ignore[attr-defined]
            if codes.grew:
                codes.grew = False
                keep(codes.path, codes.codes, f"{_NAME}.")
        return made

    return wrap if cls is None else wrap(cls)


#: One class made at a time (imports in threads): the name in ``dataclasses`` is shared.
_lock = threading.RLock()
