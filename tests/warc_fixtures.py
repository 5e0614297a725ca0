"""WARC files built with warcio's writer, for the tests and the corpus I/O benchmark.

No binary WARC is committed: a crawler's archive is made here, with the
kinds of record real crawls have (Common Crawl writes warcinfo, request,
response and metadata records; responses include images, PDFs, redirects
and errors). Every record is its own gzip member, as in Common Crawl.

``sample_records()`` is the small judged case: an English HTML page, a
Russian page and a Polish page whose charsets (windows-1251, ISO-8859-2) are
said only in the HTTP ``Content-Type`` header (detection alone misreads the
short Polish one), a plain-text response, an image, a PDF, a 404 and a
redirect, with a request and a metadata record around each.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: A 1x1 PNG: a response that is not text.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

RUSSIAN_PAGE = (
    "<html><head><title>Новости науки</title></head><body>"
    "<nav><a href='/'>Главная</a> | <a href='/news'>Новости</a></nav>"
    "<article><h1>Учёные нашли новый вид лягушек</h1>"
    "<p>Группа исследователей из Москвы описала новый вид лягушек, "
    "обнаруженный в тропических лесах. Это открытие показывает, как мало мы "
    "ещё знаем о природе и как важно сохранять леса.</p>"
    "<p>По словам авторов, вид живёт только на небольшом участке леса, "
    "поэтому ему угрожает вырубка.</p></article></body></html>"
)

ENGLISH_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Frogs of the forest</title></head><body>"
    "<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
    "<article><h1>A new frog species</h1>"
    "<p>Researchers described a new species of frog found in a small patch of "
    "tropical forest. The discovery shows how little we still know about the "
    "forests and why it matters to protect them.</p>"
    "<p>The authors say the species lives only in this forest, so logging "
    "threatens it.</p></article><footer>© 2026 Frog News</footer></body></html>"
)

POLISH_PAGE = (
    "<html><head><title>Wiadomości</title></head><body>"
    "<p>Zażółć gęślą jaźń, powiedział żółw.</p>"
    "<p>Miłość jest ważniejsza niż pieniądze.</p></body></html>"
)

PLAIN_TEXT = "A plain-text response.\n\nIt has two paragraphs and no markup at all.\n"


@dataclass(frozen=True)
class Response:
    """One HTTP response to archive (with a request record before it)."""

    url: str
    body: bytes
    content_type: str | None
    status: str = "200 OK"
    date: str = "2026-11-30T12:00:00Z"
    headers: Sequence[tuple[str, str]] = field(default=())


def sample_records() -> list[Response]:
    """The judged case: HTML, a charset only in the HTTP header, text, non-HTML, non-200."""
    return [
        Response(
            "https://frogs.example.org/en/new-species",
            ENGLISH_PAGE.encode("utf-8"),
            "text/html; charset=utf-8",
        ),
        Response(
            "https://frogs.example.ru/novosti/lyagushki",
            RUSSIAN_PAGE.encode("windows-1251"),
            "text/html; charset=windows-1251",
        ),
        Response(
            "https://zolwie.example.pl/wiadomosci",
            POLISH_PAGE.encode("iso-8859-2"),
            "text/html; charset=ISO-8859-2",
        ),
        Response("https://frogs.example.org/notes.txt", PLAIN_TEXT.encode(), "text/plain"),
        Response("https://frogs.example.org/frog.png", PNG, "image/png"),
        Response(
            "https://frogs.example.org/paper.pdf",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
            "application/pdf",
        ),
        Response(
            "https://frogs.example.org/missing",
            b"<html><body><h1>Not found</h1></body></html>",
            "text/html",
            status="404 Not Found",
        ),
        Response(
            "http://frogs.example.org/",
            b"",
            "text/html",
            status="301 Moved Permanently",
            headers=(("Location", "https://frogs.example.org/"),),
        ),
    ]


def write_warc(
    target: Path | io.BufferedIOBase,
    responses: Iterable[Response],
    *,
    gzip: bool = True,
    requests: bool = True,
    metadata: bool = True,
) -> None:
    """Write ``responses`` as a WARC (one gzip member per record when ``gzip``).

    Around each response go a ``request`` record before it and a ``metadata``
    record after it, as in Common Crawl's archives; a ``warcinfo`` record
    opens the file.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = open(target, "wb") if isinstance(target, Path) else target  # noqa: SIM115
    try:
        writer = WARCWriter(stream, gzip=gzip)
        writer.write_record(
            writer.create_warcinfo_record("sample.warc.gz", {"software": "normalize tests"})
        )
        for r in responses:
            warc_headers = {"WARC-Date": r.date}
            if requests:
                req = StatusAndHeaders(
                    f"GET {r.url} HTTP/1.1", [("Host", "example")], is_http_request=True
                )
                writer.write_record(
                    writer.create_warc_record(
                        r.url, "request", http_headers=req, warc_headers_dict=warc_headers
                    )
                )
            http = [("Content-Length", str(len(r.body)))]
            if r.content_type is not None:
                http.insert(0, ("Content-Type", r.content_type))
            http.extend(r.headers)
            writer.write_record(
                writer.create_warc_record(
                    r.url,
                    "response",
                    payload=io.BytesIO(r.body),
                    http_headers=StatusAndHeaders(r.status, http, protocol="HTTP/1.1"),
                    warc_headers_dict=warc_headers,
                )
            )
            if metadata:
                writer.write_record(
                    writer.create_warc_record(
                        r.url,
                        "metadata",
                        payload=io.BytesIO(b"fetchTimeMs: 120\n"),
                        warc_content_type="application/warc-fields",
                        warc_headers_dict=warc_headers,
                    )
                )
    finally:
        if isinstance(target, Path):
            stream.close()
