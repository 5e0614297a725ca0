"""Compressed inputs: recognised in one place, and never expanded past a bound.

A compressed file is read through a decompressing stream, so the readers of
every format apply their size limit to the *decompressed* bytes as they come
(:func:`read_limited` for a whole document, :func:`read_line` for one JSONL
line): a small file that expands to gigabytes stops at the limit instead of
filling memory. Adding a compression (``.bz2``) is one entry in
:data:`COMPRESSIONS` and one in :data:`MAGIC` (and one in :data:`COMPRESSORS`
to write it).

zstd (``.zst``, the ``zstd`` extra) is read and written with zstandard:
Common Crawl-style corpora (datatrove, dolma) ship as ``.jsonl.zst``.
Written output is compressed one frame (gzip member) per batch, so that a
checkpoint falls on a frame boundary and a killed run's file can be cut
back to it and continued (:mod:`normalize.io.checkpoint`).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Mapping
from typing import IO, Any, cast

from normalize.io.extras import require


def _gzip(stream: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb"))


def _zstandard() -> Any:
    return require("zstandard", "zstd", "zstd compression (.zst)")


class _ZstdReader(io.RawIOBase):
    """A zstd stream read through zstandard, its errors raised as ``OSError``.

    Frames written one after the other (as normalize writes them) are read
    as one stream.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        zstd = _zstandard()
        self._error = zstd.ZstdError
        self._reader = zstd.ZstdDecompressor().stream_reader(stream, read_across_frames=True)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._reader.read(len(buffer))
        except self._error as exc:
            raise OSError(f"broken zstd data: {exc}") from exc
        buffer[: len(data)] = data
        return len(data)


def _zstd(stream: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], io.BufferedReader(_ZstdReader(stream)))


#: File suffix → a function that wraps a byte stream in a decompressing one.
COMPRESSIONS: Mapping[str, Callable[[IO[bytes]], IO[bytes]]] = {".gz": _gzip, ".zst": _zstd}

#: Leading bytes → the compression they announce (for standard input, which has no name).
MAGIC: Mapping[bytes, str] = {b"\x1f\x8b": ".gz", b"\x28\xb5\x2f\xfd": ".zst"}


def _gzip_frame(data: bytes) -> bytes:
    # mtime 0: the same records give the same bytes.
    return gzip.compress(data, compresslevel=6, mtime=0)


def _zstd_frame(data: bytes) -> bytes:
    frame: bytes = _zstandard().ZstdCompressor(level=3).compress(data)
    return frame


#: File suffix → a function that compresses a batch of output as one frame.
COMPRESSORS: Mapping[str, Callable[[bytes], bytes]] = {".gz": _gzip_frame, ".zst": _zstd_frame}

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
