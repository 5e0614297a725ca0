"""Readers: files, folders, JSONL and standard input to a stream of raw documents.

Reading never raises for a bad input: an unreadable file, a broken JSONL
line or a too-large document becomes a :class:`RawDocument` carrying an
:class:`~normalize.document.ErrorRecord`, so that the output has one record
per input document and says what went wrong where.

A run's inputs are first expanded into *sources* (:func:`sources`: the files
of the folders, in a stable order, plus ``-`` and paths that do not exist),
then each source is read on its own (:func:`read_source`). Both engines use
this split: the local engine reads the sources in turn, the Ray engine reads
them in parallel tasks, with the same functions and the same limits.

Formats are a registry: :data:`FORMATS` maps file extensions to a format
name and :data:`READERS` maps a format name to its reader. A new format (a
WARC reader, say) is one function ``(stream, name, run) -> documents`` and
one entry in each table; compression is layered under every format by
:mod:`normalize.io.compression`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from normalize.config import RunConfig
from normalize.document import ErrorRecord, RawDocument
from normalize.io.compression import (
    DECOMPRESSION_ERRORS,
    compression_of,
    decompressing,
    read_limited,
    read_line,
    sniff_compression,
    strip_compression,
)

log = logging.getLogger("normalize")

#: A reader: the documents in a (decompressed) byte stream named ``name``.
Reader = Callable[[IO[bytes], str, RunConfig], Iterator[RawDocument]]

#: File extensions read in folders, and the format they say.
FORMATS: Mapping[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

#: How much of standard input is looked at to tell JSONL from one document.
_STDIN_HEAD = 1 << 16


def format_of(path: str) -> str | None:
    """The format a path's extension says, looking through compression.

    >>> format_of("a/b.html.gz"), format_of("x.JSONL"), format_of("notes.md")
    ('html', 'jsonl', None)
    """
    return FORMATS.get(os.path.splitext(strip_compression(path.lower()))[1])


def display_name(path: str | bytes) -> str:
    r"""A path as text that can always be written as UTF-8.

    File names are bytes on POSIX; one that is not UTF-8 comes out of
    ``os.fsdecode`` with lone surrogates, which no UTF-8 writer accepts. The
    undecodable bytes are shown as ``\xNN`` instead.

    >>> display_name(b"caf\xe9 menu.txt")
    'caf\\xe9 menu.txt'
    """
    name = os.fsdecode(path)
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_error(doc_id: str, source: str | None, code: str, message: str) -> RawDocument:
    """A raw document that could not be read: it becomes an error record."""
    return RawDocument(
        id=doc_id,
        source=source,
        data=b"",
        error=ErrorRecord(stage="read", code=code, message=message, where=source),
    )


def _too_large(doc_id: str, source: str, limit: int) -> RawDocument:
    return read_error(
        doc_id,
        source,
        "too_large",
        f"{source} is larger than the limit of {limit:,} bytes per document; "
        "split it, or raise the limit with --max-bytes.",
    )


# Formats --------------------------------------------------------------------


def read_whole(fmt: str | None) -> Reader:
    """A reader for formats where a file is one document (text, HTML; ``None``: sniffed later)."""

    def read(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument]:
        limit = run.pipeline.max_bytes
        data = read_limited(stream, limit)
        if data is None:
            yield _too_large(name, name, limit)
            return
        yield RawDocument(id=name, source=name, data=data, format=fmt)

    return read


def read_jsonl(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument]:
    """One raw document per JSONL line; a broken line becomes an error document.

    Blank lines are skipped (they hold no document). The id is the record's
    ``id_field`` when present, else ``NAME:LINE``. A ``url`` or ``source``
    field becomes the document's source (used to group documents by site).
    Each line is read with the per-document size limit, so one huge line
    cannot fill memory.
    """
    limit = run.pipeline.max_bytes
    lineno = 0
    while True:
        line = read_line(stream, limit)
        lineno += 1
        where = f"{name}:{lineno}"
        if line is None:
            yield _too_large(where, where, limit)
            continue
        if not line:
            return
        if not line.strip():
            continue
        yield _jsonl_document(line, where, name, run)


def _jsonl_document(line: bytes, where: str, name: str, run: RunConfig) -> RawDocument:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return read_error(
            where, where, "bad_json", f"{where}: not a JSON object ({exc}); fix or drop the line."
        )
    if not isinstance(record, dict):
        return read_error(
            where, where, "bad_json", f"{where}: a JSON {type(record).__name__}, not an object."
        )
    doc_id = record.get(run.id_field)
    doc_id = where if doc_id is None else str(doc_id)
    source = str(record.get("url") or record.get("source") or name)
    text = record.get(run.text_field)
    if not isinstance(text, str):
        found = "missing" if text is None else f"a {type(text).__name__}"
        return read_error(
            doc_id,
            where,
            "bad_field",
            f"{where}: field {run.text_field!r} is {found}, not a string; "
            "choose the field with --text-field.",
        )
    # Every other field is the user's and is carried through (e.g. crawl_date).
    meta = {k: v for k, v in record.items() if k not in (run.text_field, run.id_field)}
    return RawDocument(id=doc_id, source=source, data=text, metadata=meta)


#: Format name → its reader.
READERS: Mapping[str, Reader] = {
    "text": read_whole("text"),
    "html": read_whole("html"),
    "jsonl": read_jsonl,
}


# Sources --------------------------------------------------------------------


def walk(folder: str) -> Iterator[str]:
    """Files below ``folder`` in a stable (sorted) order.

    Symbolic links to folders are not followed, so a link loop cannot make
    the walk endless; links to files are read like files.
    """
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(root, name)


def sources(inputs: Sequence[str]) -> Iterator[str]:
    """What a run reads, in order: the files of folders (by extension), other paths, ``-``.

    Files of a folder whose extension is not a known format are skipped
    with a warning; a path given directly is always read (or becomes an
    error record).
    """
    for item in inputs:
        if item != "-" and os.path.isdir(item):
            skipped = 0
            for path in walk(item):
                if format_of(path) is None:
                    skipped += 1
                    continue
                yield path
            if skipped:
                log.warning(
                    "%s: skipped %d file(s) whose extension is not one of %s",
                    display_name(item),
                    skipped,
                    ", ".join(sorted(FORMATS)),
                )
        else:
            yield item


def read_source(
    source: str, run: RunConfig, stdin: IO[bytes] | None = None
) -> Iterator[RawDocument]:
    """The documents of one source (see :func:`sources`)."""
    if source == "-":
        yield from read_stdin(stdin if stdin is not None else sys.stdin.buffer, run)
    elif os.path.exists(source) or os.path.islink(source):
        yield from read_file(source, run)
    else:
        name = display_name(source)
        yield read_error(
            name, name, "not_found", f"{name}: no such file or folder; check the path."
        )


def iter_inputs(
    inputs: Sequence[str], run: RunConfig | None = None, stdin: IO[bytes] | None = None
) -> Iterator[RawDocument]:
    """All documents of the given inputs, in order: files, folders (recursed), ``-`` for stdin."""
    run = run or RunConfig()
    for source in sources(inputs):
        yield from read_source(source, run, stdin)


def read_file(path: str, run: RunConfig) -> Iterator[RawDocument]:
    """The documents of one file (one, or one per JSONL line), decompressed by its suffix."""
    fmt = format_of(path)
    display = display_name(path)
    limit = run.pipeline.max_bytes
    compression = compression_of(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            yield read_error(
                display,
                display,
                "unreadable",
                f"{display} is not a regular file (a FIFO, device or socket could block "
                "the run forever); copy its content into a file.",
            )
            return
        if fmt != "jsonl" and compression is None and info.st_size > limit:
            yield _too_large(display, display, limit)
            return
        reader = READERS[fmt] if fmt else read_whole(None)
        with open(path, "rb") as raw, decompressing(raw, compression) as stream:
            yield from reader(stream, display, run)
    except DECOMPRESSION_ERRORS as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield read_error(
            display,
            display,
            "unreadable",
            f"cannot read {display}: {reason}. Check that the file exists and is readable "
            "(and, for .gz, that it is a complete gzip file).",
        )


class _Rejoined(io.RawIOBase):
    """A stream's head, already read, followed by the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _head_and_stream(stream: IO[bytes], size: int) -> tuple[bytes, IO[bytes]]:
    """The first ``size`` bytes of a stream, and a stream that reads it all from the start."""
    head = stream.read(size)
    return head, io.BufferedReader(_Rejoined(head, stream))


def read_stdin(stream: IO[bytes], run: RunConfig) -> Iterator[RawDocument]:
    """Standard input: JSONL when it starts with ``{``, else one document.

    Gzipped input is recognised by its first bytes and read through the
    same bounded decompression as a ``.gz`` file. JSONL is read line by
    line with the per-document limit, so a long JSONL stream is fine.
    """
    limit = run.pipeline.max_bytes
    head, stream = _head_and_stream(stream, 4)
    compression = sniff_compression(head)
    try:
        stream = decompressing(stream, compression)
        head, stream = _head_and_stream(stream, _STDIN_HEAD)
        if head.lstrip()[:1] == b"{":
            yield from read_jsonl(stream, "-", run)
            return
        data = read_limited(stream, limit)
    except DECOMPRESSION_ERRORS as exc:
        yield read_error("-", "-", "unreadable", f"standard input: broken gzip data ({exc}).")
        return
    if data is None:
        yield _too_large("-", "-", limit)
        return
    yield RawDocument(id="-", source="-", data=data)
