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
_BOMS = (
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
    for bom, codec in _BOMS:
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
    if _MARKUP_START.match(head):
        return "html"
    if _STRUCTURAL.search(head):
        return "html"
    return "text"
