"""Optional dependencies of the corpus formats, imported on first use.

The core install stays light; a WARC, Parquet or zstd input or output needs
its extra, and the error says which one to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """``module`` imported, or :class:`MissingExtraError` naming ``extra``.

    >>> require("json", "none", "reading JSON").__name__
    'json'
    >>> try:
    ...     require("no_such_module_here", "warc", "reading WARC files")
    ... except MissingExtraError as exc:
    ...     print(exc)
    reading WARC files needs no_such_module_here: pip install 'normalize[warc]' (or 'normalize[corpus]' for every corpus format)
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs {module.partition('.')[0]}: pip install 'normalize[{extra}]' "
            "(or 'normalize[corpus]' for every corpus format)"
        ) from exc
