"""Compressed inputs: recognised in one place, and never expanded past a bound.

A compressed file is read through a decompressing stream, so the readers of
every format apply their size limit to the *decompressed* bytes as they come
(:func:`read_limited` for a whole document, :func:`read_line` for one JSONL
line): a small file that expands to gigabytes stops at the limit instead of
filling memory. Adding a compression (``.zst``, ``.bz2``) is one entry in
:data:`COMPRESSIONS` and one in :data:`MAGIC`.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Mapping
from typing import IO, cast


def _gzip(stream: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb"))


#: File suffix → a function that wraps a byte stream in a decompressing one.
COMPRESSIONS: Mapping[str, Callable[[IO[bytes]], IO[bytes]]] = {".gz": _gzip}

#: Leading bytes → the compression they announce (for standard input, which has no name).
MAGIC: Mapping[bytes, str] = {b"\x1f\x8b": ".gz"}

#: What a broken compressed stream raises while it is read.
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
)


def compression_of(name: str) -> str | None:
    """The compression suffix of a file name, if any.

    >>> compression_of("a/b.JSONL.GZ"), compression_of("b.html")
    ('.gz', None)
    """
    lower = name.lower()
    return next((suffix for suffix in COMPRESSIONS if lower.endswith(suffix)), None)


def strip_compression(name: str) -> str:
    """The file name without its compression suffix (what says the format).

    >>> strip_compression("pages/a.html.gz")
    'pages/a.html'
    """
    suffix = compression_of(name)
    return name[: -len(suffix)] if suffix else name


def sniff_compression(head: bytes) -> str | None:
    """The compression that a stream's first bytes announce.

    >>> sniff_compression(b"\\x1f\\x8b\\x08\\x00"), sniff_compression(b'{"id": 1}')
    ('.gz', None)
    """
    return next((suffix for magic, suffix in MAGIC.items() if head.startswith(magic)), None)


def decompressing(stream: IO[bytes], suffix: str | None) -> IO[bytes]:
    """``stream`` read through the decompressor of ``suffix`` (as it is when ``None``)."""
    return COMPRESSIONS[suffix](stream) if suffix else stream


def read_limited(stream: IO[bytes], limit: int) -> bytes | None:
    """At most ``limit`` bytes of a (decompressing) stream; ``None`` when there is more.

    >>> import io
    >>> read_limited(io.BytesIO(b"abc"), 3), read_limited(io.BytesIO(b"abcd"), 3)
    (b'abc', None)
    """
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def read_line(stream: IO[bytes], limit: int) -> bytes | None:
    """The next line (with its newline) if it holds at most ``limit`` bytes.

    A longer line is consumed in bounded chunks and ``None`` is returned, so
    that one huge line costs no more memory than the limit. At the end of
    the stream the result is ``b""``.

    >>> import io
    >>> s = io.BytesIO(b"short\\n" + b"x" * 10 + b"\\nend")
    >>> read_line(s, 6), read_line(s, 6), read_line(s, 6), read_line(s, 6)
    (b'short\\n', None, b'end', b'')
    """
    line = stream.readline(limit + 1)
    if len(line) <= limit:
        return line
    while not line.endswith(b"\n"):
        line = stream.readline(1 << 20)
        if not line:
            break
    return None
