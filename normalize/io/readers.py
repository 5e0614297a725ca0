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
import operator
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import fields
from typing import IO, Any, cast

from normalize.classes import dataclass
from normalize.config import RunConfig
from normalize.document import ErrorRecord, RawDocument, Skipped
from normalize.io.compression import (
    DECOMPRESSION_ERRORS,
    compression_of,
    decompressing,
    read_limited,
    read_line,
    sniff_compression,
    strip_compression,
)
from normalize.io.extras import MissingExtraError, require
from normalize.io.failed import read_error, too_large
from normalize.sniff import sniff_content

log = logging.getLogger("normalize")

#: A reader: the documents in a (decompressed) byte stream named ``name``, and
#: what the stream holds besides documents (a WARC's requests, images, redirects).
Reader = Callable[[IO[bytes], str, RunConfig], Iterator[RawDocument | Skipped]]

#: File extensions read in folders, and the format they say.
FORMATS: Mapping[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
    ".parquet": "parquet",
}

#: Formats whose files hold many documents: the size limit is per document, not per file.
CONTAINERS = frozenset({"jsonl", "warc", "parquet"})

#: How much of a file no extension names is read to tell its format (see ``sniff_content``).
SNIFF_BYTES = 8192

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


# Formats --------------------------------------------------------------------


def read_whole(fmt: str | None) -> Reader:
    """A reader for formats where a file is one document (text, HTML; ``None``: sniffed later)."""

    def read(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument]:
        limit = run.pipeline.max_bytes
        data = read_limited(stream, limit)
        if data is None:
            yield too_large(name, name, limit)
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
    for item in jsonl_lines(stream, name, run):
        yield item if isinstance(item, RawDocument) else item.document()


@dataclass(frozen=True, slots=True)
class JsonlLine:
    """A JSONL line as read, its raw document not made yet: :meth:`document`.

    A run's workers make them (:func:`iter_inputs` with ``parsed=False``, the
    local engine's reading): the line crosses to a worker as its bytes, where
    a raw document's text crossed as a string, encoded to UTF-8 by the
    process that reads and decoded again by the worker; parsing moves to the
    workers with it. Measured in process on the 1,000 text documents: the
    batches pickled out and in 3.8 -> 1.6 ms of CPU; the reading process
    (which every worker waits on) does 12 ms less, the worker about that
    more (valgrind, the ``--jobs 1`` CLI: 7.75 -> 7.67 G instructions).
    """

    line: bytes
    #: ``NAME:LINE``: where the line is, the document's id when it has none.
    where: str
    #: The file's name, the document's source when it has none.
    name: str
    text_field: str
    id_field: str

    def document(self) -> RawDocument:
        """The raw document the line holds (an error document for a broken line)."""
        return _jsonl_document(self.line, self.where, self.name, self.text_field, self.id_field)

    def __reduce__(self) -> tuple[type[JsonlLine], tuple[Any, ...]]:
        """Pickled as its fields, rebuilt by its constructor (a slotted dataclass's own
        pickling reads and sets each field in Python: see
        :meth:`RawDocument.__reduce__ <normalize.document.RawDocument.__reduce__>`)."""
        return JsonlLine, _line_fields(self)


_line_fields = operator.attrgetter(*(f.name for f in fields(JsonlLine)))


#: What the readers yield: documents, JSONL lines not parsed yet (``parsed=False``),
#: and what the inputs hold besides documents.
Item = RawDocument | JsonlLine | Skipped


def document(item: RawDocument | JsonlLine) -> RawDocument:
    """The raw document of an item :func:`iter_inputs` yields (``parsed=False``)."""
    return item.document() if isinstance(item, JsonlLine) else item


def jsonl_lines(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument | JsonlLine]:
    """:func:`read_jsonl` with each line's document left to make (:class:`JsonlLine`);
    a line over the size limit is its error document at once."""
    limit = run.pipeline.max_bytes
    lineno = 0
    while True:
        line = read_line(stream, limit)
        lineno += 1
        where = f"{name}:{lineno}"
        if line is None:
            yield too_large(where, where, limit)
            continue
        if not line:
            return
        if not line.strip():
            continue
        yield JsonlLine(line, where, name, run.text_field, run.id_field)


def _jsonl_document(
    line: bytes, where: str, name: str, text_field: str, id_field: str
) -> RawDocument:
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
    warnings: list[ErrorRecord] = []
    doc_id = record.get(id_field)
    doc_id = where if doc_id is None else _field(str(doc_id), "id", where, warnings)
    source = str(record.get("url") or record.get("source") or name)
    source = _field(source, "source", where, [])  # its field warns as metadata
    text = record.get(text_field)
    if not isinstance(text, str):
        found = "missing" if text is None else f"a {type(text).__name__}"
        return read_error(
            doc_id,
            where,
            "bad_field",
            f"{where}: field {text_field!r} is {found}, not a string; the record's fields "
            f"are {', '.join(sorted(map(str, record)))}: choose the document's with --text-field.",
        )
    # Every other field is the user's and is carried through (e.g. crawl_date).
    meta = {
        k: _field(v, k, where, warnings, text=k in TEXT_FIELDS) if isinstance(v, str) else v
        for k, v in record.items()
        if k not in (text_field, id_field)
    }
    return RawDocument(id=doc_id, source=source, data=text, metadata=meta, warnings=tuple(warnings))


#: JSONL metadata fields that are text, and so get the canonical form.
TEXT_FIELDS = frozenset({"url", "title", "date", "lang", "author", "sitename", "description"})

_SURROGATES = re.compile("[\ud800-\udfff]")


def _field(
    value: str, name: str, where: str, warnings: list[ErrorRecord], *, text: bool = False
) -> str:
    r"""A JSONL string field made writable, and canonical when it is ``text``.

    A lone surrogate (a JSON escape such as ``\ud800`` that pairs with
    nothing) cannot be written as UTF-8 and would stop the run at the write:
    it becomes U+FFFD, and the document gets a warning. Text fields (the
    metadata) get the canonical form, so a title holds no NUL, control or
    line separator.

    >>> w = []
    >>> _field("a\ud800b", "id", "x:1", w), [x.code for x in w]
    ('a�b', ['lone_surrogate'])
    >>> _field("Caf\u00e9\u0000 \u2028news", "title", "x:1", [], text=True)
    'Café\nnews'
    """
    fixed = value
    if not value.isascii():  # a surrogate is not ASCII (most ids and URLs are)
        fixed, n = _SURROGATES.subn("\ufffd", value)
        if n:
            message = f"{where}: field {name} held {n} lone surrogate(s), written as U+FFFD"
            warnings.append(ErrorRecord("read", "lone_surrogate", message, where))
    if text:
        from normalize.canonical import canonicalize

        fixed = canonicalize(fixed)
    return fixed


def read_warc_file(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument | Skipped]:
    """The pages of a WARC archive (:mod:`normalize.io.warc`)."""
    from normalize.io.warc import read_warc

    return read_warc(stream, name, run.pipeline.max_bytes)


def read_parquet_file(stream: IO[bytes], name: str, run: RunConfig) -> Iterator[RawDocument]:
    """The rows of a Parquet file (:mod:`normalize.io.parquet`)."""
    from normalize.io.parquet import read_parquet

    return read_parquet(stream, name, run.text_field, run.id_field, run.pipeline.max_bytes)


#: Format name → its reader.
READERS: Mapping[str, Reader] = {
    "text": read_whole("text"),
    "html": read_whole("html"),
    "jsonl": read_jsonl,
    "warc": read_warc_file,
    "parquet": read_parquet_file,
}


# Sources --------------------------------------------------------------------


def own_output(run: RunConfig) -> frozenset[str]:
    """The real paths a run writes (and must never read): its output and the files beside it.

    A JSONL output is one file with its ``.partial`` and ``.checkpoint``; a
    ``--format text`` output is a whole folder.
    """
    if run.output == "-":
        return frozenset()
    out = os.path.realpath(run.output)
    if run.format == "text":
        return frozenset({out})
    return frozenset({out, f"{out}.partial", f"{out}.checkpoint", f"{out}.checkpoint.tmp"})


def walk(folder: str, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Files below ``folder`` in a stable (sorted) order, and the folders that cannot be listed.

    Symbolic links to folders are not followed, so a link loop cannot make
    the walk endless; links to files are read like files. A folder that
    cannot be listed is yielded itself, so that it becomes an error record
    (:func:`read_source`) instead of disappearing. Paths in ``skip`` (real
    paths: the run's own output) are left out.
    """
    unlisted: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=lambda e: unlisted.append(e.filename)):
        yield from unlisted
        unlisted.clear()
        if skip:
            dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(root, d)) not in skip]
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if not skip or os.path.realpath(path) not in skip:
                yield path
    yield from unlisted


def is_url(path: str) -> bool:
    """A path with a protocol (``file://``, ``s3://``, ``hf://``…), read through fsspec.

    >>> is_url("s3://bucket/crawl.warc.gz"), is_url("pages/a.html"), is_url("C:/x")
    (True, False, False)
    """
    scheme, sep, _ = path.partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").isalnum()


def _fsspec() -> Any:
    return require("fsspec", "corpus", "reading URLs (s3://, hf://, file://…)")


def _head(path: str) -> bytes:
    """The first bytes of a file, decompressed by its suffix or its magic bytes."""
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
        compression = compression_of(path) or sniff_compression(head)
        if compression is None:
            return head
        raw.seek(0)
        with decompressing(raw, compression) as stream:
            return stream.read(SNIFF_BYTES)


def _folder_file(path: str) -> str | Skipped:
    """A file found in a folder, or why it is skipped (content none of the formats)."""
    if format_of(path) is not None:
        return path
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or sniff_content(_head(path)) is None:
            return Skipped("unknown_format", display_name(path))
    except (*DECOMPRESSION_ERRORS, MissingExtraError):  # type: ignore[misc]
        return path  # reading it gives the error record that says what is wrong
    return path


def sources(inputs: Sequence[str], run: RunConfig | None = None) -> Iterator[str | Skipped]:
    """What a run reads, in order: the files of folders, other paths, ``-``.

    Files of a folder are read by extension; a file with no or another
    extension (``index.php``, ``page.shtml``, ``README``, a WARC named
    ``crawl``) is read by what its first bytes say (``sniff_content``), and
    one that is none of the formats (an image, an empty file) is skipped and
    counted (``unknown_format``). A path given directly is always read (or
    becomes an error record). URLs (``s3://``, ``hf://``, ``file://``) go
    through fsspec, folders included. The run's own output is never read,
    even inside an input folder (see :func:`own_output`), and a folder that
    cannot be listed is a source of its own, so that it gives an error record.
    """
    skip = own_output(run) if run is not None else frozenset()
    for item in inputs:
        if item != "-" and is_url(item):
            yield from _url_sources(item)
        elif item != "-" and os.path.isdir(item):
            for path in walk(item, skip):
                yield path if os.path.isdir(path) else _folder_file(path)
        else:
            yield item


def _url_sources(url: str) -> Iterator[str]:
    try:
        fs, path = _fsspec().core.url_to_fs(url)
        if not fs.isdir(path):
            yield url
            return
        for found in sorted(fs.find(path)):
            yield fs.unstrip_protocol(found)
    except (OSError, ValueError, ImportError):
        yield url  # reading it gives the error record that says what is wrong


def read_source(
    source: str, run: RunConfig, stdin: IO[bytes] | None = None, parsed: bool = True
) -> Iterator[Item]:
    """The documents of one source (see :func:`sources`); ``parsed``: see :func:`iter_inputs`."""
    if source == "-":
        yield from read_stdin(stdin if stdin is not None else sys.stdin.buffer, run, parsed)
    elif is_url(source):
        yield from read_url(source, run, parsed)
    elif os.path.isdir(source):
        yield from read_folder(source, run, parsed)
    elif os.path.exists(source) or os.path.islink(source):
        yield from read_file(source, run, parsed)
    else:
        name = display_name(source)
        yield read_error(
            name, name, "not_found", f"{name}: no such file or folder; check the path."
        )


def read_folder(folder: str, run: RunConfig, parsed: bool = True) -> Iterator[Item]:
    """A folder as a source: one that cannot be listed is an ``unreadable`` error record."""
    name = display_name(folder)
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        yield read_error(
            name,
            name,
            "unreadable",
            f"cannot list the folder {name}: {exc.strerror or exc}; its files were not read. "
            "Check its permissions.",
        )
        return
    for source in sources([folder], run):
        if isinstance(source, Skipped):
            yield source
        elif source != folder:  # listed now, not a moment ago: do not loop
            yield from read_source(source, run, parsed=parsed)


def iter_inputs(
    inputs: Sequence[str],
    run: RunConfig | None = None,
    stdin: IO[bytes] | None = None,
    parsed: bool = True,
) -> Iterator[Item]:
    """All documents of the given inputs, in order: files, folders (recursed), ``-`` for stdin.

    What the inputs hold besides documents comes as :class:`Skipped` items,
    for the run to count. With ``parsed=False`` a JSONL line comes as a
    :class:`JsonlLine`, whose document is made where it is used
    (:func:`document`); every item is a :class:`RawDocument` or a
    :class:`Skipped` otherwise.
    """
    run = run or RunConfig()
    for source in sources(inputs, run):
        if isinstance(source, Skipped):
            yield source
        else:
            yield from read_source(source, run, stdin, parsed)


def read_stream(
    raw: IO[bytes],
    name: str,
    fmt: str | None,
    compression: str | None,
    run: RunConfig,
    parsed: bool = True,
) -> Iterator[Item]:
    """The documents of an open file: decompressed, and sniffed when no extension says its format.

    A WARC archive goes to its reader undecompressed, except gzip: fastwarc
    reads zstd and lz4 WARCs itself (record by record, each bounded by the
    size limit) and needs a file it can seek in, but it stops silently where
    a gzip file is cut off, so gzip is read through Python's ``gzip``, which
    says so (the file's error record then tells the truncation).
    """
    if fmt is None:
        if not raw.seekable():
            head, raw = _head_and_stream(raw, SNIFF_BYTES)
            fmt = sniff_content(head)
        else:
            fmt, compression = _sniff_file(raw, compression)
    if fmt == "warc" and compression != ".gz":
        yield from READERS["warc"](raw, name, run)
        return
    with decompressing(raw, compression) as stream:
        if fmt == "jsonl" and not parsed:
            yield from jsonl_lines(stream, name, run)
            return
        reader = READERS[fmt] if fmt else read_whole(None)
        yield from reader(stream, name, run)


def _sniff_file(raw: IO[bytes], compression: str | None) -> tuple[str | None, str | None]:
    """The format and compression of a seekable file that no extension names; rewound."""
    head = raw.read(SNIFF_BYTES)
    compression = compression or sniff_compression(head)
    if compression is not None:
        raw.seek(0)
        with decompressing(cast(IO[bytes], _Unclosed(raw)), compression) as stream:
            head = stream.read(SNIFF_BYTES)
    raw.seek(0)
    return sniff_content(head), compression


class _Unclosed(io.RawIOBase):
    """A view of a stream that closing does not close (the stream is read again after)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _unreadable(display: str, exc: BaseException) -> RawDocument:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return read_error(
        display,
        display,
        "unreadable",
        f"cannot read {display}: {reason}. Check that the file exists and is readable "
        "(and, when compressed, that it is complete).",
    )


def read_url(url: str, run: RunConfig, parsed: bool = True) -> Iterator[Item]:
    """The documents of a file at a URL, opened with fsspec (the filesystem's package needed)."""
    display = display_name(url)
    try:
        with _fsspec().open(url, "rb") as raw:
            path = url.split("?", 1)[0]
            fmt, compression = format_of(path), compression_of(path)
            yield from read_stream(raw, display, fmt, compression, run, parsed)
    except (*DECOMPRESSION_ERRORS, MissingExtraError, ValueError) as exc:  # type: ignore[misc]
        yield _unreadable(display, exc)


def read_file(path: str, run: RunConfig, parsed: bool = True) -> Iterator[Item]:
    """The documents of one file (one, or one per JSONL line, row or WARC record)."""
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
        if fmt is not None and fmt not in CONTAINERS and compression is None:
            if info.st_size > limit:
                yield too_large(display, display, limit)
                return
        with open(path, "rb") as raw:
            yield from read_stream(raw, display, fmt, compression, run, parsed)
    except (*DECOMPRESSION_ERRORS, MissingExtraError) as exc:  # type: ignore[misc]
        yield _unreadable(display, exc)


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


def read_stdin(
    stream: IO[bytes], run: RunConfig, parsed: bool = True
) -> Iterator[RawDocument | JsonlLine]:
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
            yield from (read_jsonl if parsed else jsonl_lines)(stream, "-", run)
            return
        data = read_limited(stream, limit)
    except DECOMPRESSION_ERRORS as exc:
        yield read_error("-", "-", "unreadable", f"standard input: broken gzip data ({exc}).")
        return
    if data is None:
        yield too_large("-", "-", limit)
        return
    yield RawDocument(id="-", source="-", data=data)
