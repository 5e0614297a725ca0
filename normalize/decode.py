"""Decoding: bytes to text, then repair of mojibake with ftfy.

The order of evidence, strongest first:

1. a byte-order mark (UTF-8, UTF-16, UTF-32): it is unambiguous;
2. the byte patterns of UTF-16/32 without a BOM: NUL bytes, or one
   high byte repeated in every other position (Cyrillic, Greek, Arabic…
   in UTF-16); no legacy encoding has them;
3. the 7-bit escape encodings (ISO-2022-JP/KR, HZ): their bytes are all
   ASCII, so they must be recognised before UTF-8 takes them as ASCII with
   escape sequences left in the text;
4. valid UTF-8 — text in a legacy encoding with non-ASCII bytes is almost
   never valid UTF-8 by accident, whereas pages that *declare* a legacy
   charset but are really UTF-8 are common; UTF-8 with a few bad bytes
   among many good sequences (a truncated download, a pasted cp1252 word);
   and files whose lines come from different sources, decoded line by
   line (UTF-8 lines as UTF-8, each other line by detection);
5. a declared charset, if the bytes decode with it: the one the transport
   declared (the HTTP ``Content-Type`` header of a crawled page, which the
   HTML standard ranks above the page's own), then the one an HTML page
   declares (``<meta charset>``, ``http-equiv``, an XML declaration) —
   unless the detector reads the bytes clearly better in another encoding
   (a page in KOI8-R that declares windows-1251): a declaration must not
   make the result worse than the detector alone;
6. detection with charset-normalizer; where other encodings read the
   bytes as different text just as well, the record gets a warning that
   the evidence is weak;
7. UTF-8 with U+FFFD for the bytes that do not decode.

Invalid bytes never raise: they become U+FFFD and are counted. A document
whose decoded text is mostly U+FFFD and control characters is binary and
raises :class:`DecodeError`, which the pipeline turns into an error record;
7-bit data without NUL bytes is ASCII text, however many control
characters it holds (a terminal log), never binary.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

import regex

from normalize import kept
from normalize.canonical import CanonicalConfig, canonicalize_and_explain
from normalize.classes import dataclass
from normalize.config import DecodeConfig
from normalize.document import ErrorRecord, Stage
from normalize.sniff import BOMS

if TYPE_CHECKING:
    import ftfy


@functools.cache
def _declaration() -> regex.Pattern[bytes]:
    """A charset declaration of an HTML or XML document (:func:`declared_charset`),
    compiled when a page is first read (a run of text never needs it)."""
    return regex.compile(
        rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})"""
        rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})""",
        regex.IGNORECASE,
    )


#: U+FFFD and control characters: what binary data decodes to. A pattern of
#: the standard ``re`` module, which counts them in a page twice as fast as ``regex``.
_BINARY_CHARS = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f]")
#: The control characters of :data:`_BINARY_CHARS`, as bytes (UTF-8 writes them as one byte each).
_BINARY_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x20)])


def _binary_chars(text: str, utf8: bytes | None = None) -> int:
    """How many U+FFFD and control characters ``text`` holds (what binary data
    decodes to); ``utf8`` is the valid UTF-8 that ``text`` was decoded from, if
    so, or those bytes less ASCII bytes that are none of those control
    characters (:func:`_hint_bytes`).

    In valid UTF-8 each of those control characters is one byte of its
    own and U+FFFD is always the bytes EF BF BD, which deleting ASCII bytes
    keeps whole; deleting and counting bytes is many times faster than
    searching a ``str``: most pages are valid UTF-8 and hold none.

    >>> _binary_chars("a\\x00b\\ufffd\\t"), _binary_chars("a\\x00b\\ufffd\\t", "a\\x00b\\ufffd\\t".encode())
    (2, 2)
    """
    if utf8 is None:
        return len(_BINARY_CHARS.findall(text))
    return (
        utf8.count(b"\xef\xbf\xbd") + len(utf8) - len(utf8.translate(None, _BINARY_CONTROL_BYTES))
    )


#: How many bytes of a page are searched for a charset declaration (the HTML
#: standard asks for it within the first 1024 bytes; pages are sloppy).
_DECLARATION_WINDOW = 4096


class DecodeError(ValueError):
    """The bytes are not text (or not text we can read)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Decoded:
    """The decoded text and how it was obtained."""

    text: str
    encoding: str
    changes: dict[str, int]
    #: Things worth knowing about the evidence (stage ``decode``; codes
    #: ``declared_charset``, ``weak_encoding_evidence``, ``mixed_encodings``);
    #: the pipeline fills in ``where``.
    warnings: tuple[ErrorRecord, ...] = ()
    #: The bytes when they are ``text`` in UTF-8 (valid UTF-8, read as it is),
    #: else None: the HTML parser reads them instead of the text encoded again.
    utf8: bytes | None = None
    #: The characters of ``text`` a hint of mojibake reads (:func:`_hint_chars`)
    #: when ``utf8`` is known: they are found with the binary check's deletion.
    hint_chars: str | None = None


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


_C0_BYTES = bytes(range(0x20))


def _utf16_32_pattern(data: bytes) -> str | None:
    """Guess UTF-16/32 without a BOM from the pattern of their bytes.

    NUL bytes where ASCII characters have a zero high byte; and, for text in
    one alphabet of the Basic Multilingual Plane (Cyrillic, Greek, Arabic,
    Hebrew, Indic, Thai…), the same high byte (U+04xx: 0x04) in every other
    position. A legacy encoding has neither pattern.

    >>> _utf16_32_pattern("hello world".encode("utf-16-le"))
    'utf-16-le'
    >>> _utf16_32_pattern("Привет, как дела?".encode("utf-16-be"))
    'utf-16-be'
    >>> _utf16_32_pattern("Привет, как дела?".encode("utf-32-le"))
    'utf-32-le'
    >>> _utf16_32_pattern(b"plain ascii") is None
    True
    """
    sample = data[:4096]
    if len(sample) < 8:
        return None
    if sample.count(0) >= len(sample) // 4:
        n = min(len(sample) - len(sample) % 4, 1024)
        quads = [sample[i : i + 4] for i in range(0, n, 4)]
        if all(q[1:] == b"\0\0\0" or q == b"\0\0\0\0" for q in quads[:64]):
            return "utf-32-le"
        if all(q[:3] == b"\0\0\0" for q in quads[:64]):
            return "utf-32-be"
        if all(q[3] == 0 and q[2] <= 0x10 for q in quads):
            return "utf-32-le"
        if all(q[0] == 0 and q[1] <= 0x10 for q in quads):
            return "utf-32-be"
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if odd > 3 * max(even, 1):
            return "utf-16-le"
        if even > 3 * max(odd, 1):
            return "utf-16-be"
    pairs = sample[: len(sample) - len(sample) % 2]
    for high, low, name in (
        (pairs[1::2], pairs[0::2], "utf-16-le"),
        (pairs[0::2], pairs[1::2], "utf-16-be"),
    ):
        # The most common high byte, below 0x20, fills at least half of the
        # 95 % that two bytes fill: most text has too few such bytes to count.
        if 2 * (len(high) - len(high.translate(None, _C0_BYTES))) < 0.95 * len(high):
            continue
        counts = Counter(high).most_common(2)
        if (
            counts[0][0] < 0x20
            and sum(c for _, c in counts) >= 0.95 * len(high)
            and len(set(low)) >= 4 * len(counts)
        ):
            text = _strict(data, name)
            if text is not None and len(_BINARY_CHARS.findall(text)) <= 0.01 * len(text):
                return name
    return None


#: The designations of the 7-bit ISO-2022 encodings, and the codec that reads them.
_ESCAPE_CODECS: tuple[tuple[bytes, str], ...] = (
    (b"\x1b$)C", "iso2022_kr"),
    (b"\x1b$B", "iso2022_jp"),
    (b"\x1b$@", "iso2022_jp"),
    (b"\x1b(J", "iso2022_jp"),
    (b"\x1b(I", "iso2022_jp_ext"),
    (b"\x1b$(D", "iso2022_jp_1"),
    (b"\x1b$A", "iso2022_jp_2"),
    (b"\x1b$(C", "iso2022_jp_2"),
    (b"\x1b.A", "iso2022_jp_2"),
    (b"\x1b.F", "iso2022_jp_2"),
)


def _escape_encoding(data: bytes) -> tuple[str, str] | None:
    """(codec, text) when 7-bit ``data`` is in an ISO-2022 encoding or HZ.

    Only when every escape sequence is one the codec consumes (none is left
    in the text): ASCII with terminal escapes (``\\x1b[1m``) stays ASCII.
    HZ (``~{`` … ``~}``) only when the detector says so too: its shifts are
    plain ASCII and occur in code.

    >>> _escape_encoding("日本語のテキスト".encode("iso2022_jp"))[0]
    'iso2022_jp'
    >>> _escape_encoding(b"\x1b[1mbold\x1b[0m") is None
    True
    """
    if not data.isascii():
        return None
    if b"\x1b" in data:
        tried = []
        for escape, codec in _ESCAPE_CODECS:
            if escape in data and codec not in tried:
                tried.append(codec)
        for codec in (*tried, "iso2022_jp_2") if tried else ():
            text = _strict(data, codec)
            if text is not None and "\x1b" not in text and not text.isascii():
                return codec, text
    if b"~{" in data and b"~}" in data:
        detection = _detect(data)
        if detection is not None and detection.encoding == "hz":
            text = _strict(data, "hz")
            if text is not None:
                return "hz", text
    return None


def codec_name(label: str) -> str | None:
    """Python's name for a charset label, ``None`` when Python does not know it.

    >>> codec_name("Windows-1251"), codec_name(" ISO-8859-2 "), codec_name("x-unknown")
    ('cp1251', 'iso8859-2', None)
    """
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first bytes, if Python knows it.

    >>> declared_charset(b'<html><head><meta charset="windows-1251">')
    'cp1251'
    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
    'koi8-r'
    >>> declared_charset(b"<p>no declaration</p>") is None
    True
    """
    m = _declaration().search(data[:_DECLARATION_WINDOW])
    if not m:
        return None
    return codec_name((m.group(1) or m.group(2)).decode("ascii"))


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _legacy_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bad bytes inside UTF-8 text are read as cp1252.

    A file with lines pasted from a cp1252 page ("caf\\xe9", "\\x93quoted\\x94")
    is the usual cause of isolated invalid bytes in otherwise valid UTF-8.
    A sequence cut off at the very end is a truncation, not cp1252: it
    becomes U+FFFD, as do bytes cp1252 does not define and 0xFE/0xFF.
    """
    data = err.object
    bad = data[err.start : err.end]
    if err.end >= len(data) and data[err.start] >= 0xC0:
        return "\ufffd", err.end
    if b"\xfe" in bad or b"\xff" in bad:  # þ, ÿ: far likelier junk than text
        return "\ufffd", err.end
    try:
        return data[err.start : err.end].decode("cp1252"), err.end
    except UnicodeDecodeError:
        return "\ufffd", err.end


codecs.register_error("normalize-legacy-fallback", _legacy_fallback)  # type: ignore[arg-type]


def _ftfy_codec(name: str) -> codecs.CodecInfo | None:
    """ftfy's codecs (``sloppy-windows-1252``, ``utf-8-variants``, ``cesu-8``…) for a
    charset name Python does not know, as if ftfy were imported (its import
    registers them): a document may declare one (:func:`codec_name`).

    ftfy is imported when a line needs its repair (most runs of text never
    do: :class:`FtfyTables`), or here, by the first name Python does not
    know; a charset is then read alike whether ftfy was imported or not.
    """
    from ftfy import bad_codecs

    return bad_codecs.search_function(name)


codecs.register(_ftfy_codec)


_NON_ASCII_BYTES = bytes(range(0x80, 0x100))


def _utf8_counts(data: bytes) -> tuple[int, int]:
    """(valid non-ASCII characters, invalid bytes) of ``data`` read as UTF-8.

    Counted in C: an ASCII byte is never part of a bad sequence, so it is
    one character of the reading, and the rest are valid non-ASCII
    characters or U+FFFD (one per invalid byte, or one the text held).

    >>> _utf8_counts("naïve ü €".encode() + b"\\xff\\xfe" + "\\ufffd".encode())
    (3, 2)
    """
    replaced = data.decode("utf-8", errors="replace")
    replacements = replaced.count("\ufffd")
    invalid = replacements - data.count(b"\xef\xbf\xbd")
    ascii_chars = len(data.translate(None, _NON_ASCII_BYTES))
    return len(replaced) - ascii_chars - replacements, invalid


#: A line with at least this many bytes that are not UTF-8 (and more of them
#: than valid sequences) is a line in another encoding, detected on its own;
#: fewer are stray bytes, read as cp1252 (:func:`_legacy_fallback`).
_FOREIGN_LINE_BYTES = 8
#: C0 control bytes that no line of text holds in any encoding but UTF-16/32
#: (TAB, VT, FF, CR and the ESC of ISO-2022 do occur): a "line" with one is
#: a piece of binary data, not a line in another encoding.
_BINARY_BYTES = bytes(b for b in range(0x20) if b not in b"\t\x0b\x0c\r\x1b")


@dataclass(frozen=True, slots=True)
class _Lines:
    """A mostly-UTF-8 text: the text, the stray bytes read as cp1252, and the
    encodings detected for lines in another encoding (line number -> codec)."""

    text: str
    legacy_bytes: int
    foreign: dict[int, str]


def _mostly_utf8(data: bytes) -> _Lines | None:
    """UTF-8 with some bad bytes or lines, if UTF-8 is the file's encoding.

    A truncated download, one stray byte or a word in cp1252 must not send a
    UTF-8 document to the statistical detector, which would then pick a
    legacy encoding and turn every other non-ASCII character into mojibake:
    if valid multi-byte sequences are at least as many as bad bytes, the
    bad bytes are read as cp1252. A file pasted together from several
    sources has whole lines in other encodings (cp1251, Shift-JIS): when a
    line holds many bad bytes and another line is UTF-8 with non-ASCII
    characters, the file is decoded line by line, each foreign line in the
    encoding the detector finds for it. A line that is not UTF-8 and holds
    control bytes is not text in another encoding: such a file is binary
    data and is never decoded line by line (it would pass for text, each
    "line" read in some 8-bit codepage).
    """
    lines = data.split(b"\n")
    foreign: set[int] = set()
    # Invalid bytes of each line that has some (line number -> count).
    bad: dict[int, int] = {}
    utf8_lines = valid = invalid = 0
    binary = False
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        # A line break ends every UTF-8 sequence: the lines' counts add up
        # to the file's.
        line_valid, line_invalid = _utf8_counts(line)
        valid += line_valid
        invalid += line_invalid
        if not line_invalid:
            utf8_lines += 1
            continue
        bad[i] = line_invalid
        if len(line.translate(None, _BINARY_BYTES)) < len(line):
            binary = True
        elif line_invalid >= _FOREIGN_LINE_BYTES and line_invalid > line_valid:
            foreign.add(i)
    if not foreign or not utf8_lines or binary:
        if valid < invalid:
            return None
        return _Lines(data.decode("utf-8", errors="normalize-legacy-fallback"), invalid, {})
    out: list[str] = []
    detected: dict[int, str] = {}
    legacy = 0
    for i, line in enumerate(lines):
        if i in foreign:
            detection = _detect(line)
            text = _strict(line, detection.encoding) if detection is not None else None
            if text is not None and detection is not None:
                out.append(text)
                detected[i] = detection.encoding
                continue
        legacy += bad.get(i, 0)
        out.append(line.decode("utf-8", errors="normalize-legacy-fallback"))
    return _Lines("\n".join(out), legacy, detected)


@dataclass(frozen=True, slots=True)
class _Detection:
    """charset-normalizer's best encoding, and the others that read the bytes as
    different text just as well (then the evidence for the best is weak)."""

    encoding: str
    text: str
    rivals: tuple[str, ...]
    #: Every codec the detector could read the bytes with, and its chaos.
    chaos: dict[str, float]


#: Two readings whose chaos (charset-normalizer's measure of mess) differ by
#: less than this are equally good: the detector's choice is a coin toss.
_TIE = 0.01


def _detect(data: bytes) -> _Detection | None:
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if not results:
        return None
    best = results[0]
    text = str(best)
    rivals = []
    for other in results[1:8]:
        if other.chaos <= best.chaos + _TIE and str(other) != text:
            rivals.append(other.encoding)
    chaos: dict[str, float] = {}
    for r in results:
        name = codec_name(r.encoding) or r.encoding
        chaos.setdefault(name, r.chaos)
    return _Detection(best.encoding, text, tuple(rivals), chaos)


def _weak(detection: _Detection) -> ErrorRecord:
    return _warning(
        "weak_encoding_evidence",
        f"the encoding was guessed by detection as {detection.encoding}, but "
        f"{', '.join(detection.rivals[:3])} read the bytes as different text just as "
        "well: weak evidence, check the text (or give the charset)",
    )


def _warning(code: str, message: str) -> ErrorRecord:
    return ErrorRecord(Stage.DECODE, code, message)


#: How much messier (charset-normalizer's mess ratio) a declared reading must
#: be than the detector's sure reading to be overruled; KOI8-R read as cp1251
#: measures 0.1 to 0.13 against 0.0.
_CLEARLY_MESSIER = 0.08


def _declared(
    data: bytes, declared: str, text: str, source: str, warnings: list[ErrorRecord]
) -> tuple[str, str]:
    """The declared reading, unless the detector reads the bytes clearly better.

    A declaration that decodes is strong evidence, but pages lie: KOI8-R
    bytes under ``windows-1251`` decode (cp1251 maps almost every byte) into
    garbage (cAPITALS INVERTED). The declared reading is kept unless the
    detector is sure of another reading (no rival reads the bytes as well)
    and the declared reading is clearly messier by charset-normalizer's own
    measure of mess.
    """
    from charset_normalizer.md import mess_ratio

    detection = _detect(data)
    if detection is None or detection.rivals or detection.text == text:
        return declared, text
    best = detection.chaos[codec_name(detection.encoding) or detection.encoding]
    if mess_ratio(text, 1.0) < best + _CLEARLY_MESSIER:
        return declared, text
    warnings.append(
        _warning(
            "declared_charset",
            f"{source} declares charset {declared}, but its bytes read as "
            f"{detection.encoding} (in {declared} they are garbled); {detection.encoding} "
            "was used",
        )
    )
    return detection.encoding, detection.text


def decode_bytes(
    data: bytes,
    *,
    html: bool = False,
    http_charset: str | None = None,
    config: DecodeConfig | None = None,
) -> Decoded:
    """Decode ``data`` following the order of evidence in the module docstring.

    ``http_charset`` is the charset label the transport declared (the
    ``charset`` of an HTTP ``Content-Type`` header, e.g. from a WARC record);
    it is evidence for text and HTML alike. Short pages are where it matters:
    a detector reads a few accented words in the wrong codepage.

    >>> decode_bytes("Привет, как дела? Всё хорошо, спасибо.".encode("cp1251")).text
    'Привет, как дела? Всё хорошо, спасибо.'
    >>> d = decode_bytes("café crème brûlée ".encode() + b"\\xff")
    >>> d.text == "café crème brûlée \\ufffd", d.changes
    (True, {'invalid_bytes': 1})
    """
    config = config or DecodeConfig()
    changes: dict[str, int] = {}
    warnings: list[ErrorRecord] = []
    text: str | None = None
    encoding = "utf-8"

    bom = _bom(data)
    if bom is not None:
        encoding, skip = bom
        changes["remove_bom"] = 1
        text = data[skip:].decode(encoding, errors="replace")
    if text is None:
        guess = _utf16_32_pattern(data)
        if guess is not None:
            text = _strict(data, guess)
            encoding = guess
    if text is None:
        escaped = _escape_encoding(data)
        if escaped is not None:
            encoding, text = escaped
    valid_utf8 = False
    if text is None:
        text = _strict(data, "utf-8")
        encoding = "utf-8"
        valid_utf8 = text is not None
    if text is None:
        mixed = _mostly_utf8(data)
        if mixed is not None:
            text, changes["legacy_bytes"] = mixed.text, mixed.legacy_bytes
            if mixed.foreign:
                found = sorted(set(mixed.foreign.values()))
                warnings.append(
                    _warning(
                        "mixed_encodings",
                        f"lines in different encodings, decoded line by line: UTF-8, and "
                        f"{len(mixed.foreign)} line(s) detected as {', '.join(found)} "
                        "(detection on single lines is weak evidence: check them)",
                    )
                )
    if text is None and http_charset is not None:
        declared = codec_name(http_charset)
        if declared is not None:
            text = _strict(data, declared)
            encoding = declared
            if text is not None:
                encoding, text = _declared(data, declared, text, "the HTTP header", warnings)
        if text is None:
            problem = "its bytes do not decode with it" if declared else "Python does not know it"
            warnings.append(
                _warning(
                    "declared_charset",
                    f"the HTTP header declares charset {http_charset} but {problem}; "
                    "the page's own declaration or detection was used instead",
                )
            )
    if text is None and html:
        declared = declared_charset(data)
        if declared is not None:
            text = _strict(data, declared)
            if text is None:
                warnings.append(
                    _warning(
                        "declared_charset",
                        f"the page declares charset {declared} but its bytes do not decode "
                        "with it; the encoding was detected instead",
                    )
                )
                encoding = declared
            else:
                encoding, text = _declared(data, declared, text, "the page", warnings)
    if text is None:
        for candidate in config.fallback_encodings:
            text = _strict(data, candidate)
            if text is not None:
                encoding = candidate
                break
    if text is None:
        detection = _detect(data)
        if detection is not None:
            text = _strict(data, detection.encoding)
            encoding = detection.encoding
            if text is not None and detection.rivals:
                warnings.append(_weak(detection))
    if text is None:
        encoding = "utf-8"
        text = data.decode("utf-8", errors="replace")

    hint_bytes = _hint_bytes(data) if valid_utf8 else None
    if text:
        bad = _binary_chars(text, hint_bytes)
        ascii_text = data.isascii() and b"\0" not in data
        if bad / len(text) > config.max_binary_ratio and not ascii_text:
            raise DecodeError(
                "binary",
                f"{bad / len(text):.0%} of the decoded characters are invalid or control "
                "characters: this looks like a binary file, not text. Check the input, or "
                "raise decode.max_binary_ratio if it really is text.",
            )
        # Valid UTF-8 has no invalid bytes, and its U+FFFD are the text's own.
        invalid = 0
        if not valid_utf8:
            invalid = text.count("\ufffd") - (
                data.count(b"\xef\xbf\xbd") if encoding == "utf-8" else 0
            )
        if invalid > 0:
            changes["invalid_bytes"] = invalid
            if "legacy_bytes" in changes:
                changes["legacy_bytes"] -= invalid
        if not changes.get("legacy_bytes", 1):
            del changes["legacy_bytes"]
    if hint_bytes is None:
        return Decoded(text, encoding, changes, tuple(warnings))
    hint_chars = hint_bytes.decode("utf-8", "surrogatepass")
    return Decoded(text, encoding, changes, tuple(warnings), data, hint_chars)


def _ftfy_config(html: bool, config: DecodeConfig) -> ftfy.TextFixerConfig:
    import ftfy

    # ftfy's defaults, except for what other stages own:
    return ftfy.TextFixerConfig(
        # HTML is unescaped by the parser; plain text by ftfy's "auto" rule.
        unescape_html=False if (html or not config.unescape_html) else "auto",
        # Quotes and line breaks are canonical-form rules (canonical.py) so
        # that they are configured and counted in one place.
        uncurl_quotes=False,
        fix_line_breaks=False,
        # NFC is the canonical stage's; ftfy would hide it from the counts.
        normalization=None,
        # Width forms are folded by fold_width, which keeps CJK punctuation.
        fix_character_width=False,
        explain=True,
    )


class FtfyTables(NamedTuple):
    """What decoding reads of ftfy's data: its character tables made into the
    patterns and tables of this module, and its badness pattern, as plain strings.

    Importing ftfy (its tables and patterns, and wcwidth's) takes about 25 ms,
    a tenth of the start-up of a run on one small file, and most runs of
    text never call ftfy: a line goes to it only when ftfy could change it.
    These are made from ftfy once (:func:`_make_ftfy_tables`) and kept on
    disk between runs (:func:`normalize.kept.kept`), under a key of ftfy's
    files, this module's and Python's version (:func:`_ftfy_tables_key`):
    ftfy is imported when a line needs its repair, not before. The patterns are kept
    compiled too (:attr:`code`): ``re`` compiles them in about 10 ms a worker.
    """

    #: The source of :func:`_mojibake_hint`'s pattern, without and with entities.
    mojibake_hints: tuple[str, str]
    #: The sources of :func:`_ftfy_hints`' two patterns, without and with entities.
    ftfy_hints: tuple[tuple[str, str], tuple[str, str]]
    #: The source of :func:`_control_char`'s pattern.
    control_chars: str
    #: ftfy's badness pattern (``ftfy.badness.BADNESS_RE``): its source and flags.
    badness: tuple[str, int]
    #: ftfy's width map split in two (see :func:`_width_tables`).
    width_always: dict[int, str]
    width_punctuation: dict[int, str]
    #: The sources of :class:`_WidthForms`' patterns (:func:`_width_form_sources`).
    width_forms: tuple[str, str, str]
    #: ``re``'s compiled code of each pattern above, by source and flags
    #: (:func:`_compile`; the key of the tables holds Python's version).
    code: dict[tuple[str, int], kept.ReCode | None]

    def patterns(self) -> list[tuple[str, int]]:
        """The source and flags of each pattern of the tables, and of the runs that the
        badness pattern's matches lie in (:data:`_BADNESS_RUN`)."""
        return [
            (_BADNESS_RUN, 0),
            *((source, 0) for source in self.mojibake_hints),
            *((source, 0) for sources in self.ftfy_hints for source in sources),
            (self.control_chars, 0),
            self.badness,
            *((source, 0) for source in self.width_forms),
        ]


@functools.cache
def ftfy_tables() -> FtfyTables:
    """The :class:`FtfyTables` of the installed ftfy, kept on disk between runs."""
    return kept.kept("decode.ftfy", _ftfy_tables_key(), _make_ftfy_tables)


def _ftfy_folder() -> str | None:
    """ftfy's package folder, found without importing it (``None`` if not installed)."""
    spec = importlib.util.find_spec("ftfy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(list(spec.submodule_search_locations)[0])


def _ftfy_tables_key() -> str | None:
    """What :class:`FtfyTables` are made from: ftfy's files, this module's (whose
    functions make them) and :mod:`normalize.kept`'s (whose ``re_code`` makes their
    patterns' code words, which a pattern's source and flags alone do not check), and
    Python's codecs (in :func:`normalize.kept.state_key`)."""
    folder = _ftfy_folder()
    return None if folder is None else kept.state_key((), (folder, __file__, kept.__file__))


def _make_ftfy_tables() -> FtfyTables:
    import ftfy.bad_codecs  # noqa: F401 - registers the sloppy codecs
    from ftfy import chardata
    from ftfy.badness import BADNESS_RE

    always, punctuation = _width_tables(chardata)
    tables = FtfyTables(
        mojibake_hints=(
            _mojibake_hint_source(chardata, False),
            _mojibake_hint_source(chardata, True),
        ),
        ftfy_hints=(_ftfy_hints_sources(chardata, False), _ftfy_hints_sources(chardata, True)),
        control_chars=f"[{_char_set(chardata.CONTROL_CHARS)}]",
        badness=(BADNESS_RE.pattern, BADNESS_RE.flags),
        width_always=always,
        width_punctuation=punctuation,
        width_forms=_width_form_sources(always, punctuation),
        code={},
    )
    return tables._replace(code={key: kept.re_code(*key) for key in tables.patterns()})


def _compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` of a pattern of :class:`FtfyTables`, made from the
    compiled code kept with them (:func:`normalize.kept.re_pattern`)."""
    return kept.re_pattern(pattern, flags, ftfy_tables().code.get((pattern, flags)))


@functools.cache
def _mojibake_hint(entities: bool) -> re.Pattern[str]:
    """A pattern that finds every place where one of ftfy's fixes could act.

    ftfy's encoding fix only changes text that, encoded in one of its
    single-byte codecs (``ftfy.chardata.CHARMAP_ENCODINGS``), contains a
    UTF-8 sequence: a lead byte (0xC0-0xF4) followed by a continuation byte,
    or by the ``?`` or U+FFFD that a lossy conversion left in its place, or
    by the space that replaced a lost 0xA0. In text, that is a character some codec decodes from a lead byte
    right before one it decodes from a continuation byte. The other fixes
    act on characters ftfy lists: C1 controls, Latin ligatures, surrogates,
    terminal escapes, control characters, HTML entities (only when
    ``entities``: ftfy unescapes them only in plain text; in markup the HTML
    parser does, and a page's markup is full of them). Fullwidth and halfwidth forms are not among them: ftfy's width
    fix is off (:func:`fold_width` folds them), and CJK prose, full of
    fullwidth punctuation, would otherwise go through ftfy line by line for
    nothing. Plain prose in any script — English with curly quotes, French
    with accents, Hindi, Arabic, Chinese — has none of these and skips ftfy.

    It is a pattern of the standard ``re`` module, which matches these long
    character sets about eight times faster than ``regex``. Each variant is
    compiled when first needed (a run of text needs the one with entities, a
    run of HTML the other): compiling one costs a few milliseconds of start-up.
    Its source is made from ftfy's tables (:func:`_mojibake_hint_source`) and
    kept (:class:`FtfyTables`).
    """
    return _compile(ftfy_tables().mojibake_hints[entities])


def _char_set(chars: Iterable[int | str]) -> str:
    """The inside of a ``[…]`` of ``re`` that matches ``chars`` (characters or code points):
    runs of three or more consecutive code points as ranges, the others one by one.

    The same set as every character listed, for a fraction of the compile:
    ``re`` parses and sorts a set item by item, and ftfy's tables make sets
    of hundreds of characters, mostly runs (a codec's letters, the
    fullwidth forms) - about 2 ms of a worker's start-up, listed.

    >>> _char_set("abcdxz"), _char_set([0x30, 0x31, 0x33])
    ('a-dxz', '013')
    """
    codes = sorted({c if isinstance(c, int) else ord(c) for c in chars})
    parts: list[str] = []
    start = 0
    for i, code in enumerate(codes):
        if i + 1 < len(codes) and codes[i + 1] == code + 1:
            continue  # the run goes on
        run = codes[start : i + 1]
        if len(run) >= 3:
            parts.append(f"{re.escape(chr(run[0]))}-{re.escape(chr(run[-1]))}")
        else:
            parts.extend(re.escape(chr(c)) for c in run)
        start = i + 1
    return "".join(parts)


def _mojibake_hint_source(chardata: ModuleType, entities: bool) -> str:
    """The source of :func:`_mojibake_hint`'s pattern, from ftfy's ``chardata``."""
    lead: set[str] = set()
    cont: set[str] = set()
    # Lead bytes that ftfy's restore_byte_a0 accepts before a space (where a
    # lost 0xA0 was), in every codec but macroman (ftfy skips it there: it
    # would match an en dash and a space).
    spaced: set[str] = set()
    for codec in chardata.CHARMAP_ENCODINGS:
        lead.update(bytes(range(0xC0, 0xF5)).decode(codec, errors="ignore"))
        cont.update(bytes(range(0x80, 0xC0)).decode(codec, errors="ignore"))
        if codec != "macroman":
            spaced.update(b"\xc2\xc3\xc5\xce\xd0\xd9\xe2\xe3\xf0".decode(codec, errors="ignore"))
    cont.update("?\ufffd")

    chars = _char_set
    # Characters the canonical form drops, between a lead and a continuation
    # (``Â\u200b©``), and combining marks that NFC composes into a lead
    # (``A\u0303©``): the canonical form would bring the pair together.
    removable = (
        "\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060-\u2064\u180e"
        "\u061c\u202a-\u202e\u2066-\u2069"
    )
    # Spaces the canonical form turns into U+0020 (TAB, Zs).
    spaces = " \t\u1680\u2000-\u200a\u202f\u205f\u3000"
    singles = {0x1B, *chardata.CONTROL_CHARS, *chardata.LIGATURES}
    lone = rf"\x80-\x9f\ud800-\udfff{chars(singles)}"
    marks = "\u0300-\u036f"
    # One class of every character a hint can start with, then which one it
    # was (a lookbehind): a pattern that starts with a class is scanned by
    # the regular-expression engine's fast loop, which skips the characters
    # outside it (most of a page) without trying each alternative there.
    first = f"{chars(lead | spaced)}{marks}{lone}" + ("&" if entities else "")
    return (
        f"[{first}](?:(?<=[{chars(lead)}])[{removable}]*[{chars(cont)}]"
        f"|(?<=[{chars(spaced)}])[{removable}]*[{spaces}]"
        # From the first mark of a run only, so that a run of a million
        # marks is scanned once, not once per mark.
        f"|(?<=[{marks}])(?<![{marks}][{marks}])[{marks}]*[{removable}]*[{chars(cont)}]"
        f"|(?<=[{lone}])" + (r"|(?<=&)#?[0-9A-Za-z]{1,24};" if entities else "") + ")"
    )


@functools.cache
def _ftfy_hints(entities: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Where ftfy itself could change a line (no canonical round): (pairs or lone
    characters, lone characters).

    Narrower than :func:`_mojibake_hint`, which also finds what the
    canonical form would bring together and pairs a lead character of one
    codec with a continuation character of another (``çã`` in Portuguese:
    both are lead bytes in Latin-1, and ``ã`` is a continuation byte only in
    MacRoman, where ``ç`` is one too). ftfy's encoding fix re-encodes the
    whole line in one codec and decodes UTF-8, so it needs a lead and a
    continuation character *of that codec* side by side (or a lead and the
    space, ``?`` or U+FFFD standing for a lost continuation byte). The lone
    characters (C1 controls, ligatures, surrogates, terminal escapes and
    other controls, entities when ``entities``) are what ftfy's other fixes
    act on, with no neighbour needed. Compiled when first needed, as
    :func:`_mojibake_hint`, from sources kept likewise (:func:`_ftfy_hints_sources`).
    """
    pairs, lone = ftfy_tables().ftfy_hints[entities]
    return _compile(pairs), _compile(lone)


def _ftfy_hints_sources(chardata: ModuleType, entities: bool) -> tuple[str, str]:
    """The sources of :func:`_ftfy_hints`' patterns, from ftfy's ``chardata``."""

    chars = _char_set
    leads: set[str] = set()
    pairs: list[str] = []
    for codec in chardata.CHARMAP_ENCODINGS:
        lead = set(bytes(range(0xC0, 0xF5)).decode(codec, errors="ignore"))
        cont = set(bytes(range(0x80, 0xC0)).decode(codec, errors="ignore")) | {"?", "\ufffd"}
        leads |= lead
        pairs.append(f"(?<=[{chars(lead)}])[{chars(cont)}]")
        if codec != "macroman":  # as in _mojibake_hint: ftfy skips it there
            spaced = set(b"\xc2\xc3\xc5\xce\xd0\xd9\xe2\xe3\xf0".decode(codec, errors="ignore"))
            leads |= spaced
            pairs.append(f"(?<=[{chars(spaced)}]) ")
    singles = {chr(c) for c in (0x1B, *chardata.CONTROL_CHARS, *chardata.LIGATURES)}
    lone = rf"\x80-\x9f\ud800-\udfff{chars(singles)}"
    entity = r"#?[0-9A-Za-z]{1,24};"
    first = f"{chars(leads)}{lone}" + ("&" if entities else "")
    alternatives = [*pairs, f"(?<=[{lone}])"] + ([f"(?<=&){entity}"] if entities else [])
    return (
        f"[{first}](?:{'|'.join(alternatives)})",
        f"[{lone}]" + (f"|&{entity}" if entities else ""),
    )


#: The ASCII characters no hint without entities (:func:`_mojibake_hint`,
#: :func:`_ftfy_hints`) can match or look at: letters, digits, punctuation but
#: ``?``, and LF. Every character such a hint reads is non-ASCII, a control
#: character, a space or ``?``.
_HINT_FREE_BYTES = bytes(c for c in range(0x80) if 0x21 <= c <= 0x7E and c != 0x3F or c == 0x0A)


def _hint_bytes(utf8: bytes) -> bytes:
    """UTF-8 without the bytes of :data:`_HINT_FREE_BYTES` (:func:`_hint_chars` in UTF-8)."""
    return utf8.translate(None, _HINT_FREE_BYTES)


def _hint_chars(text: str) -> str:
    """``text`` without the characters of :data:`_HINT_FREE_BYTES`.

    A hint without entities that matches ``text`` matches what is left
    (the characters it reads are kept, in order, and stay side by side),
    so a page whose remainder has no hint has none, and is searched no
    further. Deleting ASCII bytes from UTF-8 (they are never part of a
    longer sequence) is several times faster than the engine's scan of a
    ``str``, and a page of markup is mostly ASCII: the remainder is short.

    >>> _hint_chars("<p class=x>Caf\\u00e9 ok?</p>\\n")
    ' é ?'
    """
    return _hint_bytes(text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")


def _ftfy_could_change(line: str, entities: bool) -> bool:
    """Whether ftfy (without canonical rounds) could change ``line``.

    Its encoding fix leaves a line alone unless ftfy's own badness
    heuristic finds mojibake in it (``ftfy.badness.is_bad``, its first
    test), and that needs a lead and continuation character of one codec
    side by side (:func:`_ftfy_hints`); its other fixes need a lone
    character. Both searches cost a fraction of ftfy's pass over a line.

    >>> _ftfy_could_change("Ação e promoção", entities=False)
    False
    >>> _ftfy_could_change("AÃ§Ã£o", entities=False), _ftfy_could_change("ﬁsh", entities=False)
    (True, True)
    >>> _ftfy_could_change("в Москве", entities=False)  # a cp1251 lead and a space
    False
    """
    hint, lone = _ftfy_hints(entities)
    if not hint.search(line):
        return False
    return lone.search(line) is not None or _is_bad(line)


#: How far a match of ftfy's badness pattern (``ftfy.badness.BADNESS_RE``)
#: reaches from a character of :data:`_BADNESS_NEEDS`: every alternative of
#: it needs one, and no match is longer than seven characters.
_BADNESS_REACH = 6
#: Characters of which every match of ftfy's badness pattern holds one: for
#: each alternative, the smallest class of non-ASCII characters it must match
#: (tests/test_decode.py reads both off the pattern, so that a new ftfy with
#: other alternatives fails there). Most letters of most scripts are not
#: among them: a Cyrillic page's markup has a few of its letters (В, Г, Р, С,
#: в), not all.
_BADNESS_NEEDS = (
    "\x80-\x9f\xa1-\xac\xae-\xb3\xb5\xb6\xb8-\xdd\xdf-\xfc\u0100-\u0107\u010c-\u0113"
    "\u0116-\u011b\u011e\u011f\u0122\u0123\u012a\u012b\u012f\u0130\u0136\u0137"
    "\u0139-\u013e\u0141-\u0143\u0145\u0147\u014c\u0150\u0152\u0153\u0155\u0158\u015a"
    "\u015b\u015e-\u0162\u0164\u0165\u016a\u016e\u0170\u0172\u0178-\u017e\u0192\u02c6"
    "\u02c7\u02d8\u02db-\u02dd\u0384\u0385\u0392\u0393\u039e\u039f\u03b2\u0412\u0413"
    "\u0420\u0421\u0432\u0490\u0491\u2018\u201a\u201c-\u201e\u2020-\u2022\u2030\u2039"
    "\u203a\u2044\u20a7\u20ac\u2116\u2122\u2202\u2206\u220f\u2211\u221a\u221e\u2229\u222b"
    "\u2248\u2260\u2261\u2264\u2265\u2310\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c"
    "\u2550-\u256c\u2580\u2584\u2588\u258c\u2590-\u2593\u25ca\uf8ff\ufb01\ufb02\ufffd"
)
#: Runs of those characters, gaps of up to twice the reach included: a match
#: lies within the reach of one run (the source of :func:`_badness_run`).
_BADNESS_RUN = (
    rf"[{_BADNESS_NEEDS}](?:[^{_BADNESS_NEEDS}]{{0,{2 * _BADNESS_REACH}}}[{_BADNESS_NEEDS}])*"
)


def _is_bad(line: str) -> bool:
    """``ftfy.badness.is_bad(line)``, searching only near the characters it needs.

    A match holds a character of :data:`_BADNESS_NEEDS` and reaches at most
    :data:`_BADNESS_REACH` characters from it, so it lies in the window of
    that character's run; ``search(line, pos, endpos)`` reads the window as
    the pattern reads the whole line (its ``^`` still means the line's start).
    The lines that get here are long lines of markup (a minified page is
    one): ftfy's search runs over all of it, about 150 ns a character, and
    a few hundred such characters are spread over a hundred thousand.

    >>> _is_bad("<p>" + "x" * 50 + "CafÃ©</p>"), _is_bad("<p>Café, São Paulo</p>")
    (True, False)
    """
    search, reach, n = _badness().search, _BADNESS_REACH, len(line)
    for run in _badness_run().finditer(line):
        if search(line, max(run.start() - reach, 0), min(run.end() + reach, n)):
            return True
    return False


@functools.cache
def _badness() -> re.Pattern[str]:
    """ftfy's badness pattern (``ftfy.badness.BADNESS_RE``), compiled from its kept
    source (:class:`FtfyTables`) without importing ftfy."""
    return _compile(*ftfy_tables().badness)


@functools.cache
def _badness_run() -> re.Pattern[str]:
    """The pattern of :data:`_BADNESS_RUN`, made from the code kept with ftfy's tables when
    a line first needs it: its two sets beyond Latin-1 cost ``re`` 0.5 ms to compile,
    at every run's import when it was compiled there."""
    return _compile(_BADNESS_RUN)


def _width_tables(chardata: ModuleType) -> tuple[dict[int, str], dict[int, str]]:
    """ftfy's width map (NFKC of the width forms, ``chardata.WIDTH_MAP``) split in two.

    The first table always applies: fullwidth Latin letters and digits, and
    halfwidth kana, Hangul and symbols. The second holds the fullwidth
    punctuation and symbols (，！（）￥ …), folded only outside CJK context.
    The ideographic space is left to the canonical form's ``normalize_spaces``.
    """
    always: dict[int, str] = {}
    punctuation: dict[int, str] = {}
    for code, target in chardata.WIDTH_MAP.items():
        folded = chr(target) if isinstance(target, int) else str(target)
        if code == 0x3000:
            continue
        if 0xFF01 <= code <= 0xFF60 and not folded.isalnum() or 0xFFE0 <= code <= 0xFFE6:
            punctuation[code] = folded
        else:
            always[code] = folded
    return always, punctuation


class _WidthForms(NamedTuple):
    """The width tables (:func:`_width_tables`) and the patterns that find their characters
    (a named tuple, as :class:`FtfyTables`)."""

    #: The first table, and the characters it changes (each to one other
    #: character, so that replacing them one by one counts the changes).
    always: dict[int, str]
    always_form: re.Pattern[str]
    #: The second table, and its characters.
    punctuation: dict[int, str]
    fullwidth_punctuation: re.Pattern[str]
    #: The characters of both tables.
    form: re.Pattern[str]


def _width_form_sources(
    always: dict[int, str], punctuation: dict[int, str]
) -> tuple[str, str, str]:
    """The sources of :class:`_WidthForms`' three patterns, from the width tables."""
    return (
        f"[{_char_set(c for c, folded in always.items() if folded != chr(c))}]",
        f"[{_char_set(punctuation)}]",
        f"[{_char_set(always | punctuation)}]",
    )


@functools.cache
def _width_forms() -> _WidthForms:
    """The :class:`_WidthForms` of ftfy's width map, from its kept tables (:class:`FtfyTables`)."""
    tables = ftfy_tables()
    always_form, fullwidth_punctuation, form = map(_compile, tables.width_forms)
    return _WidthForms(
        always=tables.width_always,
        always_form=always_form,
        punctuation=tables.width_punctuation,
        fullwidth_punctuation=fullwidth_punctuation,
        form=form,
    )


@functools.cache
def _context_letters() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """The letters that decide the context of fullwidth punctuation (every letter
    but Latin ones, fullwidth or not, which CJK text also writes: ＮＨＫ, CNN), and
    the CJK letters among them (by Script_Extensions, so that ー and 々 count).

    Compiled when a line first has fullwidth punctuation (a few milliseconds
    that most runs never need).
    """
    return (
        regex.compile(r"[\p{L}--\p{scx=Latin}]", regex.V1),
        regex.compile(
            r"[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Bopomofo}]"
        ),
    )


def fold_width(text: str, hint_chars: str | None = None) -> tuple[str, int]:
    """Fold width forms, keeping fullwidth punctuation in CJK context; count the changes.

    ``hint_chars`` is :func:`_hint_chars` of ``text``, if known: width forms
    are non-ASCII, so a text whose remainder has none has none.

    Always folded: fullwidth Latin letters and digits (U+FF10–FF19,
    U+FF21–FF3A, U+FF41–FF5A) to ASCII, halfwidth katakana, Hangul and CJK
    punctuation (U+FF61–FFDC) and halfwidth symbols (U+FFE8–FFEE) to their
    usual forms. Fullwidth punctuation and symbols (U+FF01–FF0F, FF1A–FF20,
    FF3B–FF40, FF5B–FF60, FFE0–FFE6) are kept in CJK context and folded
    elsewhere, and between two digits (１，０００ is a number: 1,000). CJK context: the nearest letter before or after the character
    on its line, Latin letters skipped, is Han, Hiragana, Katakana, Hangul or
    Bopomofo. Latin letters are skipped so that folding them cannot change a
    context (the function is idempotent) and so that both brackets of
    "（ＣＮＮ）报道" are kept.

    >>> fold_width("你好，世界！（测试）")
    ('你好，世界！（测试）', 0)
    >>> fold_width("ＬＯＵＤ ＮＯＩＳＥＳ！ ２０２４")
    ('LOUD NOISES! 2024', 15)
    >>> fold_width("（ＣＮＮ）报道：ｶﾀｶﾅ")
    ('（CNN）报道：カタカナ', 7)
    """
    forms = _width_forms()
    if not forms.form.search(text if hint_chars is None else hint_chars):
        return text, 0
    out: list[str] = []
    changed = 0
    for line in text.splitlines(keepends=True):
        if not forms.form.search(line):
            out.append(line)
            continue
        folded, n = _fold_always(line)
        changed += n
        if forms.fullwidth_punctuation.search(folded):
            folded, n = _fold_punctuation(folded)
            changed += n
        out.append(folded)
    return "".join(out), changed


def _fold_always(line: str) -> tuple[str, int]:
    """The first width table applied to ``line`` (``line.translate(_width_forms().always)``),
    and how many characters it changed.

    Only the characters the table changes are visited: ``str.translate``
    looks every character of the line up in the table, and a line of
    minified markup holds hundreds of thousands.

    >>> _fold_always("ＡＢ ｶ x")
    ('AB カ x', 3)
    """
    forms = _width_forms()
    always = forms.always
    return forms.always_form.subn(lambda m: always[ord(m.group())], line)


def _fold_punctuation(line: str) -> tuple[str, int]:
    """Fold the fullwidth punctuation of one line that is not in CJK context."""
    context_letter, cjk_letter = _context_letters()
    letters = [
        (m.start(), bool(cjk_letter.match(m.group()))) for m in context_letter.finditer(line)
    ]
    starts = [pos for pos, _ in letters]
    chars = list(line)
    changed = 0
    forms = _width_forms()
    for m in forms.fullwidth_punctuation.finditer(line):
        at = bisect.bisect_left(starts, m.start())
        before = letters[at - 1][1] if at > 0 else False
        after = letters[at][1] if at < len(letters) else False
        s = m.start()
        in_number = 0 < s < len(line) - 1 and chars[s - 1].isdigit() and chars[s + 1].isdigit()
        if in_number or not (before or after):
            chars[s] = forms.punctuation[ord(m.group())]
            changed += 1
    return "".join(chars), changed


#: A line and its line break, for the line breaks the canonical form knows
#: (``canonical.line_endings``): ftfy sees the same lines the canonical form
#: makes, so a control that ``str.splitlines`` would cut at (U+001C-U+001E)
#: and the canonical form drops cannot hide mojibake across a cut. NEL
#: (U+0085) stays inside its line: in scraped text it is nearly always a
#: cp1252 ellipsis read as Latin-1, which ftfy's C1 fix turns back into "…".
_LINE = re.compile(r"[^\n\r\x0b\x0c\u2028\u2029]*(?:\r\n|[\n\r\x0b\x0c\u2028\u2029])?")
#: How many times a line is brought to the canonical form and repaired again.
_MAX_REPAIR_ROUNDS = 4
#: The line breaks of :data:`_LINE`, which a line's repair leaves at its end.
_LINE_BREAKS = "\n\r\x0b\x0c\u2028\u2029"


def _repair_line(
    line: str, fixer: ftfy.TextFixerConfig, canonical_config: CanonicalConfig | None
) -> tuple[str, Counter[str]]:
    """ftfy on one line, then again as long as the line's canonical form has mojibake left.

    Mojibake split by a character the canonical form drops (``Caf\\xadÃ©``:
    a soft hyphen inside "Ã©") or composes (``A`` + U+0303 + ``©``) is
    repaired only once that character is gone; doing it here makes the
    repair reach its fixpoint in one pass. The canonical rules applied on the
    way are counted under their own names.
    """
    import ftfy  # imported by the first line that needs it (see FtfyTables)

    counts: Counter[str] = Counter()
    body = line.rstrip(_LINE_BREAKS)
    end = line[len(body) :]
    if canonical_config is None:
        deleted = _controls_deleted(body, fixer)
        if deleted is not None:
            if deleted != body:
                counts["remove_control_chars"] += 1
            return deleted + end, counts
    fixed = ftfy.fix_and_explain(body, config=fixer)
    for _ in range(_MAX_REPAIR_ROUNDS):
        for action, name in fixed.explanation or ():
            if action in ("encode", "transcode"):
                counts["fix_encoding"] += 1
            elif action == "apply":
                counts["fix_encoding" if name == "decode_inconsistent_utf8" else name] += 1
        body = fixed.text
        if canonical_config is None:
            break
        canon, canon_counts = canonicalize_and_explain(body, canonical_config)
        if _settled(body, canon):
            break
        # The repair of the canonical form decides whether there is another
        # round, and is that round's repair.
        fixed = ftfy.fix_and_explain(canon, config=fixer)
        if fixed.text == canon:
            break
        body = canon
        counts.update(canon_counts)
    return body + end, counts


def _repair_leaves(line: str, entities: bool, canonical_config: CanonicalConfig) -> bool:
    """Whether :func:`_repair_line` with canonical rounds would give ``line`` back as it
    is, with no counts, known without ftfy's pass over it.

    That is so when ftfy cannot change the line (:func:`_ftfy_could_change`:
    its first pass gives it back and explains nothing) and no second round
    follows: the line's canonical form is the line, or has no mojibake hint.
    The broad hint that chose the line (:func:`_mojibake_hint`) pairs a lead
    character of one codec with a continuation character of another, and a
    lead with a space: most lines it finds in prose (Cyrillic with "в " or
    "с ", Portuguese with "çã") are such lines, and ftfy's pass over one
    costs a hundred times this test.

    >>> config = CanonicalConfig()
    >>> _repair_leaves("Ação e promoção\\n", True, config), _repair_leaves("в Москве", True, config)
    (True, True)
    >>> _repair_leaves("SchÃ¶n", True, config), _repair_leaves("Caf\\xadÃ©", True, config)
    (False, False)
    """
    body = line.rstrip(_LINE_BREAKS)
    if _ftfy_could_change(body, entities):
        return False
    canon, _ = canonicalize_and_explain(body, canonical_config)
    return _settled(body, canon)


def _settled(body: str, canon: str) -> bool:
    """Whether a repaired line ``body`` whose canonical form is ``canon`` takes no
    further round of :func:`_repair_line`: the form is the line, or has no
    mojibake hint (the test that ends its rounds, and :func:`_repair_leaves`'
    second half).

    >>> _settled("Café", "Café"), _settled("Caf\xadÃ©", "CafÃ©")
    (True, False)
    """
    return canon == body or not _mojibake_hint(True).search(canon)


@functools.cache
def _control_char() -> re.Pattern[str]:
    """The characters ftfy's ``remove_control_chars`` deletes (``ftfy.chardata.CONTROL_CHARS``,
    kept in :class:`FtfyTables`)."""
    return _compile(ftfy_tables().control_chars)


def _controls_deleted(line: str, fixer: ftfy.TextFixerConfig) -> str | None:
    """What ftfy makes of ``line`` when all it can do is delete control characters
    (``remove_control_chars``), or None when it may do more.

    That is a line whose every character but ASCII is such a control
    character (a stray U+FEFF in a page of minified markup), with no
    terminal escape (ESC) and nothing ftfy's badness test finds: its
    encoding fix leaves the line alone, its other fixes find nothing to act
    on, and the ASCII left after the deletion is left alone by its second
    round. With entities, line breaks or a normalization among the fixes
    (not so for HTML), ftfy may do more. ftfy's own pass over a long line
    searches it for mojibake and translates it character by character in
    every round: 0.1 s for one line of 355,000 characters.

    >>> fixer = _ftfy_config(True, DecodeConfig())
    >>> _controls_deleted("<style>\ufeff@font-face{}</style>", fixer)
    '<style>@font-face{}</style>'
    >>> _controls_deleted("\ufeffCafÃ©", fixer) is None, _controls_deleted("\x1b[1m", fixer) is None
    (True, True)
    """
    if (
        fixer.unescape_html
        or fixer.fix_line_breaks
        or fixer.normalization is not None
        or not fixer.remove_control_chars
        or "\x1b" in line
    ):
        return None
    rest = _control_char().sub("", line)
    if not rest.isascii() or _is_bad(line):
        return None
    return rest


#: How many pairs found in a text's hint characters are looked up in the text
#: (:func:`_ftfy_hint_in`) before the text itself is searched.
_MAX_PAIRS_LOOKED_UP = 16


def _ftfy_hint_in(text: str, hint_chars: str, hint: re.Pattern[str]) -> bool:
    """Whether ``hint``, one of :func:`_ftfy_hints` without entities, matches ``text``,
    whose :func:`_hint_chars` are ``hint_chars``.

    Such a hint reads one character, or two side by side, and looks behind at
    nothing before them: it matches ``text`` where ``text`` holds a string it
    matches alone. ``hint_chars`` hold each such pair of ``text`` side by side
    (nothing between them was deleted), among pairs that the deletion of
    ASCII brought together (an "é" and the next "’" of a page): a pair found
    there is looked up in ``text``, or its first character is a hint alone
    (every character of ``hint_chars`` is one of ``text``). That costs a
    fraction of the pattern's pass over a whole page whose few non-ASCII
    characters only seemed to pair.

    >>> hint = _ftfy_hints(False)[0]
    >>> _ftfy_hint_in("<b>Ã©</b>", "Ã©", hint), _ftfy_hint_in("Ã<b>©</b>", "Ã©", hint)
    (True, False)
    """
    tried: set[str] = set()
    pos = 0
    while (m := hint.search(hint_chars, pos)) is not None:
        found = m.group()
        if found not in tried:
            if len(found) == 1 or hint.match(found[0]) or found in text:
                return True
            if len(tried) == _MAX_PAIRS_LOOKED_UP:
                return hint.search(text) is not None
            tried.add(found)
        pos = m.start() + 1
    return False


#: The line breaks of :data:`_LINE` but LF: a text without them is cut at LF only.
_OTHER_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\u2028", "\u2029")


def _hinted_lines(text: str, hint: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """The spans of the lines of ``text`` (as :data:`_LINE` cuts them, each with its
    line break) in which ``hint`` matches, in order.

    A hint never spans a line break, so in a text whose only line break is
    LF the lines are found around the hint's matches, and the rest of the
    text (most of it, in a page of markup) is never cut into lines.

    >>> text = "ok\\nSchÃ¶n\\nfine\\nalso Ã©\\n"
    >>> [text[s:e] for s, e in _hinted_lines(text, _mojibake_hint(True))]
    ['SchÃ¶n\\n', 'also Ã©\\n']
    """
    if any(brk in text for brk in _OTHER_LINE_BREAKS):
        for line in _LINE.finditer(text):
            if line.group() and hint.search(line.group()):
                yield line.span()
        return
    pos = 0
    while (m := hint.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start()) + 1 or len(text)
        yield start, end
        pos = end


def repair_and_explain(
    text: str,
    *,
    html: bool = False,
    config: DecodeConfig | None = None,
    canonical: CanonicalConfig | None = None,
    hint_chars: str | None = None,
) -> tuple[str, dict[str, int]]:
    """Repair mojibake and encoding damage with ftfy, counting its fixes.

    Lines with nothing ftfy could act on (see :func:`_mojibake_hint`) are
    skipped: ftfy would return them unchanged, and most lines of most text
    in any script are such lines. With ``canonical`` (a text, not HTML), a
    line whose canonical form still holds mojibake is repaired again (see
    :func:`_repair_line`); without it, a line goes to ftfy only if ftfy
    could change it (:func:`_ftfy_could_change`). ``hint_chars`` are
    :func:`_hint_chars` of ``text``, if known (:attr:`Decoded.hint_chars`).

    >>> repair_and_explain("SchÃ¶n")
    ('Schön', {'fix_encoding': 1})
    >>> repair_and_explain("Ð¿Ñ€Ð¸Ð²ÐµÑ‚")
    ('привет', {'fix_encoding': 1})
    >>> repair_and_explain("already fine")
    ('already fine', {})
    >>> repair_and_explain("Caf\\xadÃ© au lait", canonical=CanonicalConfig())
    ('Café au lait', {'remove_invisibles': 1, 'fix_encoding': 1})
    """
    config = config or DecodeConfig()
    entities = not html and config.unescape_html
    counts: Counter[str] = Counter()
    # The hint characters of the text as it is now (None: not known).
    known = hint_chars
    if config.fix_mojibake:
        canonical_config = None if html else canonical
        if canonical_config is None:
            hint = _ftfy_hints(entities)[0]
        else:
            hint = _mojibake_hint(entities)
        fixer: ftfy.TextFixerConfig | None = None
        out: list[str] = []
        done = 0
        if not entities:
            # Most pages have no hint: found so in their few non-ASCII characters.
            if known is None:
                known = _hint_chars(text)
            if canonical_config is None:
                found = _ftfy_hint_in(text, known, hint)
            else:
                found = hint.search(known) is not None
            spans = _hinted_lines(text, hint) if found else iter(())
        else:
            spans = _hinted_lines(text, hint)
        for start, end in spans:
            line = text[start:end]
            if canonical_config is None:
                if not _ftfy_could_change(line, entities):
                    continue
            elif _repair_leaves(line, entities, canonical_config):
                continue
            fixer = fixer or _ftfy_config(html, config)
            fixed, line_counts = _repair_line(line, fixer, canonical_config)
            out.append(text[done:start])
            out.append(fixed)
            done = end
            counts.update(line_counts)
        if out:
            out.append(text[done:])
            text = "".join(out)
            known = None
    if config.fold_width:
        if known is None:
            known = _hint_chars(text)
        text, counts["fold_width"] = fold_width(text, known)
    return text, {name: n for name, n in counts.items() if n}
