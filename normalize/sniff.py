"""What kind of content a document is, from its first bytes.

Used by the readers (standard input) and by the pipeline (documents whose
format no extension or field says).
"""

from __future__ import annotations


def sniff_format(data: bytes | str) -> str:
    """``html`` if the content starts like markup, else ``text``.

    >>> sniff_format(b"  <!DOCTYPE html><html>"), sniff_format("Hello <b>"), sniff_format("")
    ('html', 'text', 'text')
    """
    head = data[:512]
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    head = head.lstrip("\ufeff\ufffe\x00 \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body", "<!--", "<meta")):
        return "html"
    return "text"
