"""What kind of content a document is, from its first bytes.

Used by the readers (standard input) and by the pipeline (documents whose
format no extension or field says).

A page is HTML when markup opens it, or when a root or structural element
(``<!DOCTYPE html>``, ``<html>``, ``<head>``, ``<body>``) opens within its
first :data:`SNIFF_CHARS` characters at the start of a line or right after
another tag: servers put PHP warnings, debug output or a stray byte-order
mark before ``<html>``, and such a page must still be read as HTML. A stray
inline tag in running text (``use <b> for bold``) is not a page: plain text
stays text.
"""

from __future__ import annotations

import codecs
import re

#: How far into a document a structural tag is looked for. Text printed before
#: a page (warnings, a debug dump) is short; 4 KB also covers a long
#: ``<!-- … -->`` banner before ``<!DOCTYPE html>``.
SNIFF_CHARS = 4096

#: Openings that make a document markup however little follows them.
_MARKUP_START = re.compile(
    r"(?:<!doctype\s+html|<html|<\?xml|<head|<body|<!--|<meta|<title)\b", re.IGNORECASE
)
#: A root or structural element opening at a line start or right after a tag.
_STRUCTURAL = re.compile(
    r"(?:^|\n|>)[ \t\r]*<(?:!doctype\s+html|html|head|body)(?:\s[^<>]*)?/?>", re.IGNORECASE
)
#: Byte-order marks and the codec each names, longest first (UTF-32-LE's
#: opens with UTF-16-LE's). The decode stage reads the same table.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _head(data: bytes | str) -> str:
    """The first characters of a document as text, byte-order mark and NULs removed.

    Tags are ASCII, so bytes without a BOM are read as Latin-1 (every byte is
    a character) and UTF-16/32 without a BOM loses its NULs.

    >>> _head(b"\\xef\\xbb\\xbf<html>"), _head("\\ufeff<p>"), _head(b"<\\x00p\\x00>\\x00")
    ('<html>', '<p>', '<p>')
    """
    if isinstance(data, str):
        return data[:SNIFF_CHARS].lstrip("\ufeff\ufffe").replace("\x00", "")
    for bom, codec in BOMS:
        if data.startswith(bom):
            chunk = data[len(bom) : len(bom) + 4 * SNIFF_CHARS]
            return chunk.decode(codec, "replace")[:SNIFF_CHARS]
    return data[: 2 * SNIFF_CHARS].decode("latin-1").replace("\x00", "")[:SNIFF_CHARS]


def sniff_format(data: bytes | str) -> str:
    """``html`` if the content is a page of markup, else ``text``.

    >>> sniff_format(b"  <!DOCTYPE html><html>"), sniff_format("Hello <b>"), sniff_format("")
    ('html', 'text', 'text')
    >>> sniff_format(b"\\xef\\xbb\\xbf<!DOCTYPE html><html><body>Hi</body></html>")
    'html'
    >>> sniff_format("Warning: include(x.php) failed on line 3\\n<!DOCTYPE html>\\n<html>")
    'html'
    >>> sniff_format("Start every page with <html> and end it with </html>.")
    'text'
    """
    head = _head(data).lstrip(" \t\r\n")
    if "<" not in head:
        # Both patterns open a tag; a scan for its "<" is much faster than
        # _STRUCTURAL's search, which tries its alternatives at every
        # character (0.018 s of 1,000 text documents sniffed in a CLI run).
        return "text"
    if _MARKUP_START.match(head):
        return "html"
    if _STRUCTURAL.search(head):
        return "html"
    return "text"


#: Leading bytes of formats that are never text, though their first bytes may
#: look like it (a PDF opens with an ASCII line).
_BINARY_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"\x7fELF",
    b"\xd0\xcf\x11\xe0",
    b"wOFF",
)
#: Control bytes that text does not contain (tab, line breaks and form feed do).
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})


def sniff_content(head: bytes) -> str | None:
    """The format of a file that no extension names, from its first (decompressed) bytes.

    ``warc``, ``jsonl`` (a first line that is a JSON object), ``html``,
    ``text``, or ``None`` for content that is none of them (binary). Files in
    a folder named ``page.php``, ``index.shtml`` or ``README`` are read by
    what they hold, not skipped for their name.

    >>> sniff_content(b"WARC/1.1\\r\\nWARC-Type: warcinfo"), sniff_content(b'{"text": "hi"}\\n{"te')
    ('warc', 'jsonl')
    >>> sniff_content(b"<?php ?>\\n<!DOCTYPE html><html>"), sniff_content(b"Plain words.\\n")
    ('html', 'text')
    >>> sniff_content(b"%PDF-1.4\\n"), sniff_content(b"\\x00\\x01\\x02\\x03 binary"), sniff_content(b"")
    (None, None, None)
    """
    if not head.strip() or head.startswith(_BINARY_MAGIC):
        return None
    if head.startswith((b"WARC/1.", b"WARC/0.")):
        return "warc"
    if not any(head.startswith(bom) for bom, _ in BOMS):
        sample = head[: 2 * SNIFF_CHARS]
        if sum(sample.count(c) for c in _CONTROL) > len(sample) // 100:
            return None
    if head.lstrip()[:1] == b"{":
        import json

        first = head.lstrip().split(b"\n", 1)[0]
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            if b"\n" not in head.lstrip():  # a first line longer than the head
                return "jsonl"
    return sniff_format(head)
