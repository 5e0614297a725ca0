"""Readers: files, folders, JSONL and stdin to a stream of raw documents.

Reading never raises for a bad input: an unreadable file, a broken JSONL
line or a too-large document becomes a :class:`RawDocument` carrying an
:class:`~normalize.document.ErrorRecord`, so that the output has one record
per input document and says what went wrong where.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from normalize.document import ErrorRecord, RawDocument

log = logging.getLogger("normalize")

#: File extensions read in folders, and how their content is parsed.
FORMATS: Mapping[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read (mapped from the CLI flags)."""

    #: JSONL field holding the document (text or HTML).
    text_field: str = "text"
    #: JSONL field holding the document id; line position when absent.
    id_field: str = "id"
    #: Size limit per document, in bytes; see ``Config.max_bytes``.
    max_bytes: int = 16 * 1024 * 1024


def format_of(path: str) -> str | None:
    """The format a path's extension says, looking through ``.gz``.

    >>> format_of("a/b.html.gz"), format_of("x.JSONL"), format_of("notes.md")
    ('html', 'jsonl', None)
    """
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return FORMATS.get(os.path.splitext(name)[1])


def _error(doc_id: str, source: str | None, code: str, message: str) -> RawDocument:
    return RawDocument(
        id=doc_id,
        source=source,
        data=b"",
        error=ErrorRecord(stage="read", code=code, message=message, where=source),
    )


def _read_limited(stream: IO[bytes], limit: int) -> bytes | None:
    """Read at most ``limit`` bytes; ``None`` when there is more (too large)."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def _too_large(doc_id: str, source: str, limit: int) -> RawDocument:
    return _error(
        doc_id,
        source,
        "too_large",
        f"{source} is larger than the limit of {limit:,} bytes per document; "
        "split it, or raise the limit with --max-bytes.",
    )


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


def read_file(path: str, options: ReadOptions) -> Iterator[RawDocument]:
    """The documents of one file (one, or one per JSONL line)."""
    fmt = format_of(path)
    display = display_name(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            yield _error(
                display,
                display,
                "unreadable",
                f"{display} is not a regular file (a FIFO, device or socket could block "
                "the run forever); copy its content into a file.",
            )
            return
        opener: Callable[[str, str], IO[bytes]] = (
            gzip.open if path.lower().endswith(".gz") else open  # type: ignore[assignment]
        )
        if fmt == "jsonl":
            with opener(path, "rb") as stream:
                yield from read_jsonl(stream, display, options)
            return
        if not path.lower().endswith(".gz") and os.path.getsize(path) > options.max_bytes:
            yield _too_large(display, display, options.max_bytes)
            return
        with opener(path, "rb") as stream:
            data = _read_limited(stream, options.max_bytes)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield _error(
            display,
            display,
            "unreadable",
            f"cannot read {display}: {reason}. Check that the file exists and is readable "
            "(and, for .gz, that it is a complete gzip file).",
        )
        return
    if data is None:
        yield _too_large(display, display, options.max_bytes)
        return
    yield RawDocument(id=display, source=display, data=data, format=fmt)


def read_jsonl(stream: IO[bytes], name: str, options: ReadOptions) -> Iterator[RawDocument]:
    """One raw document per JSONL line; a broken line becomes an error document.

    Blank lines are skipped (they hold no document). The id is the record's
    ``id_field`` when present, else ``NAME:LINE``. A ``url`` or ``source``
    field becomes the document's source (used to group documents by site).
    """
    for lineno, line in enumerate(stream, start=1):
        where = f"{name}:{lineno}"
        if not line.strip():
            continue
        if len(line) > options.max_bytes:
            yield _too_large(where, where, options.max_bytes)
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield _error(
                where,
                where,
                "bad_json",
                f"{where}: not a JSON object ({exc}); fix or drop the line.",
            )
            continue
        if not isinstance(record, dict):
            yield _error(
                where, where, "bad_json", f"{where}: a JSON {type(record).__name__}, not an object."
            )
            continue
        doc_id = record.get(options.id_field)
        doc_id = where if doc_id is None else str(doc_id)
        source = record.get("url") or record.get("source") or name
        source = str(source)
        text = record.get(options.text_field)
        if not isinstance(text, str):
            found = "missing" if text is None else f"a {type(text).__name__}"
            yield _error(
                doc_id,
                where,
                "bad_field",
                f"{where}: field {options.text_field!r} is {found}, not a string; "
                "choose the field with --text-field.",
            )
            continue
        # Every other field is the user's and is carried through (e.g. crawl_date).
        meta = {k: v for k, v in record.items() if k not in (options.text_field, options.id_field)}
        yield RawDocument(id=doc_id, source=source, data=text, metadata=meta)


def _walk(folder: str) -> Iterator[str]:
    """Files below ``folder`` in a stable (sorted) order.

    Symbolic links to folders are not followed, so a link loop cannot make
    the walk endless; links to files are read like files.
    """
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(root, name)


def iter_inputs(
    inputs: Sequence[str], options: ReadOptions | None = None, stdin: IO[bytes] | None = None
) -> Iterator[RawDocument]:
    """All documents of the given inputs, in order: files, folders (recursed), ``-`` for stdin."""
    options = options or ReadOptions()
    for item in inputs:
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from read_stdin(stream, options)
        elif os.path.isdir(item):
            skipped = 0
            for path in _walk(item):
                if format_of(path) is None:
                    skipped += 1
                    continue
                yield from read_file(path, options)
            if skipped:
                log.warning(
                    "%s: skipped %d file(s) whose extension is not one of %s",
                    item,
                    skipped,
                    ", ".join(sorted(FORMATS)),
                )
        elif os.path.exists(item) or os.path.islink(item):
            yield from read_file(item, options)
        else:
            name = display_name(item)
            yield _error(
                name, name, "not_found", f"{name}: no such file or folder; check the path."
            )


def read_stdin(stream: IO[bytes], options: ReadOptions) -> Iterator[RawDocument]:
    """Standard input: JSONL when every line is a JSON object, else one document."""
    data = _read_limited(stream, options.max_bytes)
    if data is None:
        yield _too_large("-", "-", options.max_bytes)
        return
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            yield _error("-", "-", "unreadable", f"standard input: broken gzip data ({exc}).")
            return
    if data.lstrip()[:1] == b"{":
        import io

        yield from read_jsonl(io.BytesIO(data), "-", options)
        return
    yield RawDocument(id="-", source="-", data=data)
