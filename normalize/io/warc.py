"""WARC archives: the pages of a crawl (``.warc``, ``.warc.gz``, ``.warc.zst``).

Every crawler writes WARC (Common Crawl, Heritrix, wget, browsertrix). A
page is a ``response`` record: an HTTP response with its headers, whose
``Content-Type`` says whether it is HTML or text and often its charset,
the decoding evidence that a file on disk never has. Common Crawl's text
extracts (WET) are ``conversion`` records, and some archivers store pages
as ``resource`` records; both are read too.

What is not a page is skipped, never silently: each skipped record is a
:class:`~normalize.document.Skipped` with its reason, counted in the run's
summary and stats:

- ``warc_record``: a record that holds no page (``request``, ``metadata``,
  ``warcinfo``, ``revisit``);
- ``http_status``: a response whose status is not 200 (redirects, errors);
- ``media_type``: a response that is neither HTML nor text (images, PDF,
  scripts).

The reader is fastwarc (the ``warc`` extra): decompressing a gzip WARC
itself it reads records 2.5 times as fast as warcio on this machine
(``bench/corpus_io.py``), it reads zstd and lz4 WARCs natively, and either
is a hundred times faster than normalizing the pages. It stops silently
where a gzip file is cut off, so the readers give it ``.warc.gz`` through
Python's ``gzip``, which raises there (a file cut exactly between two gzip
members, one record each, is a valid shorter archive: nothing can tell).
Each page's payload
is read with the per-document size limit, so a huge record costs no more
memory than the limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from normalize.document import RawDocument, Skipped
from normalize.io.compression import read_limited
from normalize.io.extras import require
from normalize.io.failed import too_large

#: Media types read as HTML and as plain text.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})


def media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """The media type (lower case) and the charset label of a ``Content-Type`` value.

    >>> media_type('text/html; charset="Windows-1251"')
    ('text/html', 'Windows-1251')
    >>> media_type("TEXT/PLAIN"), media_type(None), media_type("")
    (('text/plain', None), (None, None), (None, None))
    """
    if not content_type:
        return None, None
    kind, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return kind.strip().lower() or None, charset


def format_of_media_type(kind: str | None) -> str | None:
    """``html``, ``text``, or ``None`` for a media type that is neither.

    >>> format_of_media_type("application/xhtml+xml"), format_of_media_type("image/png")
    ('html', None)
    """
    if kind in HTML_TYPES:
        return "html"
    if kind in TEXT_TYPES:
        return "text"
    return None


def read_warc(stream: IO[bytes], name: str, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """The pages of a WARC file (plain, or gzip/zstd/lz4, which fastwarc detects itself).

    ``stream`` must be seekable (fastwarc needs it). Broken data raises
    ``OSError``, which the reader turns into an error record for the file.

    ``id`` is the ``WARC-Record-ID``; ``source`` and ``metadata.url`` the
    ``WARC-Target-URI``; ``metadata.crawl_date`` the ``WARC-Date``; the
    HTTP charset goes to :attr:`RawDocument.http_charset`.
    """
    fastwarc = require("fastwarc.warc", "warc", "reading WARC files")
    try:
        yield from _records(fastwarc, stream, name, max_bytes)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # fastwarc's Rust panics are BaseExceptions
        if isinstance(exc, OSError):
            raise
        raise OSError(f"broken WARC data ({type(exc).__name__}: {exc})") from exc


def _records(
    fastwarc: Any, stream: IO[bytes], name: str, max_bytes: int
) -> Iterator[RawDocument | Skipped]:
    WarcRecordType = fastwarc.WarcRecordType
    pages = WarcRecordType.response | WarcRecordType.conversion | WarcRecordType.resource
    for record in fastwarc.ArchiveIterator(stream, parse_http=True, auto_decode="all"):
        where = f"{name}@{record.stream_pos}"
        if not record.record_type & pages:
            yield Skipped("warc_record", where)
            continue
        headers = record.headers
        url = headers.get("WARC-Target-URI") or None
        doc_id = record.record_id or where
        if record.record_type == WarcRecordType.response:
            if not record.is_http:
                yield Skipped("warc_record", where)
                continue
            status = record.http_headers.status_code
            if status != 200:
                yield Skipped("http_status", where)
                continue
            kind, charset = media_type(record.http_headers.get("Content-Type"))
        elif record.record_type == WarcRecordType.conversion:
            kind, charset = "text/plain", None
        else:
            kind, charset = media_type(headers.get("Content-Type"))
        # Common Crawl's own identification of the payload beats what servers say.
        kind = media_type(headers.get("WARC-Identified-Payload-Type"))[0] or kind
        fmt = format_of_media_type(kind)
        if kind is not None and fmt is None:
            yield Skipped("media_type", where)
            continue
        source = url or where
        data = read_limited(record.reader, max_bytes)
        if data is None:
            yield too_large(
                doc_id, where, max_bytes, source=source, what=f"{where} ({url})", split=False
            )
            continue
        metadata = {"url": url, "crawl_date": headers.get("WARC-Date")}
        yield RawDocument(
            id=doc_id,
            source=source,
            data=data,
            format=fmt,
            metadata={k: v for k, v in metadata.items() if v},
            http_charset=charset,
        )
