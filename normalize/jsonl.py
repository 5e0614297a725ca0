"""A record's JSONL line in UTF-8, compiled with Cython when a compiler is there.

A record holds hundreds of segments, and writing them is most of the cost
of its JSON line. This module is plain Python that setup.py also compiles
(Cython's pure-Python mode, C types in ``jsonl.pxd``), like
:mod:`normalize.kernels`. :func:`normalize.io.record.json_line` calls
:func:`record_line` only when it is compiled; interpreted, the loop here is
slower than :meth:`~normalize.document.Document.to_json_line` (one f-string
per segment) followed by ``str.encode``, which runs instead. The tests hold
both builds to that, byte for byte.

The compiled loop writes each character once, into the line's UTF-8 bytes:
a string's JSON escapes, the line breaks a record line escapes and the
encoding in one pass over it, where the interpreted path makes a string
per segment, joins them, splices them into the record and encodes the
whole (four copies of every character). A confidence seen before in the
record reuses its written form (``round(c, 4)`` and its ``repr``, a tenth
of a microsecond each, come back for most segments).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

try:
    import cython
except ImportError:  # pragma: no cover - Cython is a build requirement, not a run one
    compiled = False
else:
    compiled = cython.compiled

#: Below this size a float rounded to four places is written as its digits
#: (:func:`four_places`): ``repr`` uses no exponent, and two numbers of four
#: places are much further apart than two neighbouring floats.
_FIXED_BELOW = 1e9


def four_places(x: float) -> str:
    """``repr(round(x, 4))`` for a nonzero ``x`` of size below :data:`_FIXED_BELOW`.

    ``round`` makes the decimal digits of ``x`` to four places (``dtoa``'s
    correctly rounded mode, the one ``f"{x:.4f}"`` uses too), reads them back
    as a float, and ``repr`` writes the shortest digits that read back as
    that float: those digits, without trailing zeros, since a number with
    fewer places is at least 0.0001 away, which is many floats away at
    this size. One formatting instead of two and a parse (segments rarely
    share a confidence, so most of them pay for it).

    >>> four_places(0.98765), four_places(0.5), four_places(-0.00004), four_places(12.0)
    ('0.9877', '0.5', '-0.0', '12.0')
    """
    shown = f"{x:.4f}".rstrip("0")
    return shown + "0" if shown.endswith(".") else shown


#: The parts of a segment's JSON object around its fields (compact separators,
#: the fields in :meth:`~normalize.document.Segment.to_json`'s order).
_TEXT_OPEN = b'{"text":"'
_TEXT_CLOSE = b'","start":'
_NO_TEXT = b'{"text":null,"start":'
_END = b',"end":'
_LANG = b',"lang":"'
_SCRIPT = b'","script":"'
_CONFIDENCE = b'","confidence":'
_KIND = b',"kind":"'
_REASON = b'","reason":'
_NULL = b"null"
_QUOTE = b'"'
_UNTRANSLATED = b',"translation":null,"translation_covers":null,"translation_source_lang":null}'
_COMMA = b","
#: Bytes of the line per character of a string written into it, at most (``\u001f``).
_MOST_PER_CHARACTER = 6
#: Bytes a segment's object takes, as first guessed for a record's line (its
#: parts take 160, and the text of most segments is short).
_SEGMENT_GUESS = 256


def record_line(
    head: str, text: str, middle: str, segments: Sequence[Any], segment_text: bool, tail: str
) -> bytes | None:
    r"""A record's JSONL line in UTF-8: ``head``, ``text`` as JSON writes a string's
    content, ``middle``, the JSON objects of ``segments`` comma-separated, ``tail``
    (:meth:`Document.to_json_parts <normalize.document.Document.to_json_parts>`);
    ``None`` when a string holds a lone surrogate (UTF-8 cannot hold one: the
    caller writes the record as ASCII-only JSON then).

    ``head``, ``middle`` and ``tail`` are JSON already. Each segment's object
    is what ``segment.to_json_line(text=segment_text)`` writes: a segment
    whose fields are all of their plain types (``str``, ``int``, a
    ``float`` confidence that rounds to a finite number, no translation) is
    written here, any other takes its own method. U+0085, U+2028 and U+2029
    are written as JSON escapes wherever they are, as
    :func:`normalize.io.record.json_line` writes them.

    >>> from normalize.document import Segment
    >>> segs = [Segment('say "hi"', 0, 8, "en", "Latn", 0.98765), Segment("\n", 8, 9, kind="gap")]
    >>> line = record_line('{"text":"', 'say "hi"\n', '","segments":[', segs, True, "]}")
    >>> written = ",".join(s.to_json_line() for s in segs)
    >>> line == ('{"text":"say \\"hi\\"\\n","segments":[' + written + "]}").encode()
    True
    >>> record_line("[", "", "", [], True, "\u2028]"), record_line("[", "\ud800", "", [], True, "]")
    (b'[\\u2028]', None)
    """
    n = len(segments)
    buf = bytearray()
    # Room for the parts and a few characters of each segment; it grows as needed.
    _reserve(buf, 0, len(head) + len(text) + len(middle) + len(tail) + _SEGMENT_GUESS * n)
    at = _put_json(buf, 0, head, False)
    at = _put_json(buf, at, text, True) if at >= 0 else at
    at = _put_json(buf, at, middle, False) if at >= 0 else at
    if at < 0:
        return None
    # The written confidence of each float seen in this call.
    written: dict[float, str] = {}
    for i in range(n):
        seg = segments[i]
        if i:
            at = _put_bytes(buf, at, _COMMA)
        conf = seg.confidence
        s_text = seg.text
        lang = seg.lang
        script = seg.script
        kind = seg.kind
        reason = seg.reason
        shown = ""
        if (
            type(conf) is float
            and type(seg.start) is int
            and type(seg.end) is int
            and type(s_text) is str
            and type(lang) is str
            and type(script) is str
            and type(kind) is str
            and (reason is None or type(reason) is str)
            and seg.translation is None
            and seg.translation_covers is None
            and seg.translation_source_lang is None
        ):
            try:
                start = seg.start
                end = seg.end
            except OverflowError:
                pass  # compiled, offsets beyond a C integer: the segment's own method
            else:
                shown = _confidence(conf, conf, written)
        if not shown:  # a segment of other types, or NaN or infinite: its own method
            at = _put_json(buf, at, seg.to_json_line(text=segment_text), False)
            if at < 0:
                return None
            continue
        if segment_text:
            at = _put_bytes(buf, at, _TEXT_OPEN)
            at = _put_json(buf, at, s_text, True)
            if at < 0:
                return None
            at = _put_bytes(buf, at, _TEXT_CLOSE)
        else:
            at = _put_bytes(buf, at, _NO_TEXT)
        at = _put_int(buf, at, start)
        at = _put_bytes(buf, at, _END)
        at = _put_int(buf, at, end)
        at = _put_bytes(buf, at, _LANG)
        at = _put_json(buf, at, lang, True)
        if at < 0:
            return None
        at = _put_bytes(buf, at, _SCRIPT)
        at = _put_json(buf, at, script, True)
        if at < 0:
            return None
        at = _put_bytes(buf, at, _CONFIDENCE)
        at = _put_json(buf, at, shown, False)
        at = _put_bytes(buf, at, _KIND)
        at = _put_json(buf, at, kind, True)
        if at < 0:
            return None
        at = _put_bytes(buf, at, _REASON)
        if reason is None:
            at = _put_bytes(buf, at, _NULL)
        else:
            at = _put_bytes(buf, at, _QUOTE)
            at = _put_json(buf, at, reason, True)
            if at < 0:
                return None
            at = _put_bytes(buf, at, _QUOTE)
        at = _put_bytes(buf, at, _UNTRANSLATED)
    at = _put_json(buf, at, tail, False)
    if at < 0:
        return None
    if compiled:
        return PyBytes_FromStringAndSize(buf, at)  # type: ignore[name-defined]  # noqa: F821
    return bytes(buf[:at])


def _confidence(key: float, conf: float, written: dict[float, str]) -> str:
    """How the confidence ``conf`` (a float, ``key`` as an object) is written: its
    form kept in ``written`` for the record (zeros aside: 0.0 and -0.0 are one
    key but two texts), else made and kept; "" for NaN and infinities."""
    if conf == 0.0:
        return "-0.0" if math.copysign(1.0, conf) < 0.0 else "0.0"
    found = written.get(key)
    if found is None:
        if -_FIXED_BELOW < conf < _FIXED_BELOW:
            found = four_places(conf)
        else:
            rounded = round(conf, 4)
            found = float.__repr__(rounded) if math.isfinite(rounded) else ""
        written[key] = found
    return found


def _reserve(buf: bytearray, at: int, need: int) -> int:
    """Make ``buf`` hold at least ``at + need`` bytes (at least twice its size when it
    grows); what it holds beyond ``at`` is not kept (compiled, not even set). Its size."""
    size = len(buf)
    if at + need <= size:
        return size
    return _grow(buf, max(2 * size, at + need))


def _grow(buf: bytearray, size: int) -> int:
    """:func:`_reserve` when ``buf`` must grow to ``size`` bytes."""
    if compiled:
        PyByteArray_Resize(buf, size)  # type: ignore[name-defined]  # noqa: F821
    else:
        buf.extend(bytes(size - len(buf)))
    return size


def _put_bytes(buf: bytearray, at: int, part: bytes) -> int:
    """Write ``part`` at ``at`` in ``buf`` (made big enough); where it ends."""
    k = len(part)
    _reserve(buf, at, k)
    if compiled:
        p: Any = buf  # compiled, a pointer to the bytearray's bytes
        memcpy(p + at, PyBytes_AS_STRING(part), k)  # type: ignore[name-defined]  # noqa: F821
    else:
        buf[at : at + k] = part
    return at + k


def _put_int(buf: bytearray, at: int, value: int) -> int:
    """Write the decimal digits of ``value`` (as ``str(value)``) at ``at``; where they end."""
    _reserve(buf, at, 21)
    # Compiled, the bytearray's bytes (``p`` is a pointer); interpreted, the bytearray.
    p = buf
    if value < 0:
        p[at] = 0x2D  # "-"
        at += 1
        magnitude = -(value + 1)  # in C, the most negative value has no opposite
        magnitude += 1
    else:
        magnitude = value
    digits = 1
    rest = magnitude // 10
    while rest:
        digits += 1
        rest //= 10
    end = at + digits
    i = end
    while True:
        i -= 1
        p[i] = 0x30 + magnitude % 10
        magnitude //= 10
        if not magnitude:
            break
    return end


def _put_json(buf: bytearray, at: int, s: str, quoted: bool) -> int:
    """Write ``s`` at ``at`` in ``buf`` in UTF-8; where it ends, or -1 at a lone surrogate.

    ``quoted``: ``s`` is a string's content, escaped as ``json.dumps`` escapes it
    with ``ensure_ascii=False`` (a quote, a backslash, a control character);
    else it is JSON already. U+0085, U+2028 and U+2029 are written as JSON
    escapes either way (they can only be in a string).
    """
    _reserve(buf, at, _MOST_PER_CHARACTER * len(s))
    # Compiled, the bytearray's bytes (``p`` is a pointer); interpreted, the bytearray.
    p = buf
    if _is_ascii(s):
        return _put_ascii(p, at, s, quoted)
    for ch in s:
        code = ord(ch)
        if code < 0x80:
            at = _put_ascii_code(p, at, code, quoted)
        elif code < 0x800:
            if code == 0x85:
                at = _put_escape(p, at, code)
            else:
                p[at] = 0xC0 | (code >> 6)
                p[at + 1] = 0x80 | (code & 0x3F)
                at += 2
        elif code < 0x10000:
            if 0xD800 <= code <= 0xDFFF:
                return -1
            if code == 0x2028 or code == 0x2029:
                at = _put_escape(p, at, code)
            else:
                p[at] = 0xE0 | (code >> 12)
                p[at + 1] = 0x80 | ((code >> 6) & 0x3F)
                p[at + 2] = 0x80 | (code & 0x3F)
                at += 3
        else:
            p[at] = 0xF0 | (code >> 18)
            p[at + 1] = 0x80 | ((code >> 12) & 0x3F)
            p[at + 2] = 0x80 | ((code >> 6) & 0x3F)
            p[at + 3] = 0x80 | (code & 0x3F)
            at += 4
    return at


def _is_ascii(s: str) -> bool:
    """``s.isascii()``: compiled, the flag of the string read in place (no call)."""
    if compiled:
        return PyUnicode_IS_ASCII(s)  # type: ignore[name-defined]  # noqa: F821
    return s.isascii()


def _put_ascii(p: Any, at: int, s: str, quoted: bool) -> int:
    """:func:`_put_json` of an ASCII string (most segments' texts and every language,
    script and kind), whose characters are its UTF-8 bytes: compiled, copied
    from the string's own bytes (at once when it is JSON already, else a run
    between two characters to escape at a time) where its characters were
    written one by one."""
    if compiled:
        n = len(s)
        data: Any = PyUnicode_DATA(s)  # type: ignore[name-defined]  # noqa: F821
        if not quoted:
            memcpy(p + at, data, n)  # type: ignore[name-defined]  # noqa: F821
            return at + n
        # Runs of characters JSON keeps as they are, copied at once; each one
        # it escapes in between.
        i = 0
        while i < n:
            start = i
            while i < n and data[i] >= 0x20 and data[i] != 0x22 and data[i] != 0x5C:
                i += 1
            memcpy(p + at, data + start, i - start)  # type: ignore[name-defined]  # noqa: F821
            at += i - start
            if i < n:
                at = _put_ascii_code(p, at, data[i], quoted)
                i += 1
        return at
    for code in s.encode("ascii"):
        at = _put_ascii_code(p, at, code, quoted)
    return at


def _put_ascii_code(p: Any, at: int, code: int, quoted: bool) -> int:
    """Write the ASCII character ``code`` at ``at`` in ``p``, escaped as ``json.dumps``
    escapes it when ``quoted`` (a quote, a backslash, a control character); where
    it ends."""
    if quoted and (code < 0x20 or code == 0x22 or code == 0x5C):
        short = _short_escape(code)
        if short:
            p[at] = 0x5C  # "\"
            p[at + 1] = short
            return at + 2
        return _put_escape(p, at, code)
    p[at] = code
    return at + 1


def _short_escape(code: int) -> int:
    """The letter after the backslash of ``json``'s two-character escape of ``code``
    (a quote, a backslash, ``\\b``, ``\\t``, ``\\n``, ``\\f``, ``\\r``), 0 when it has none."""
    if code == 0x22 or code == 0x5C:
        return code
    if code == 0x0A:
        return 0x6E  # n
    if code == 0x09:
        return 0x74  # t
    if code == 0x0D:
        return 0x72  # r
    if code == 0x08:
        return 0x62  # b
    if code == 0x0C:
        return 0x66  # f
    return 0


def _put_escape(p: Any, at: int, code: int) -> int:
    """Write ``\\uXXXX`` of ``code`` (below 0x10000; hex digits in lower case, as
    ``json`` writes them) at ``at`` in ``p``; where it ends."""
    p[at] = 0x5C  # "\"
    p[at + 1] = 0x75  # "u"
    for k in range(4):
        digit = (code >> (12 - 4 * k)) & 0xF
        p[at + 2 + k] = (0x30 if digit < 10 else 0x57) + digit
    return at + 6
