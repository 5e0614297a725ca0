"""The canonical Unicode form: one spelling for text that means the same.

Scraped text spells the same words in many ways: composed and decomposed
accents, NBSP and thin spaces, CR LF and U+2028, zero-width characters that
mean nothing outside the script that needs them. Downstream users (dedup,
search, MT, language ID) want one spelling. Each rule below is one pure
``str -> str`` function whose name is also its :class:`CanonicalConfig` field
and its label in a record's ``changes``; :func:`canonicalize_and_explain`
applies them in :data:`STEPS` order and counts what each changed.

The form is idempotent: ``canonicalize(canonicalize(x)) == canonicalize(x)``
for every string (a hypothesis property test checks it).

>>> canonicalize("  Caf\\u0065\\u0301\\u00a0 au  lait \\r\\n\\r\\n\\r\\n\\u200bnext\\u00ad line ")
'Café au lait\\n\\nnext line'
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import regex

from normalize import kept as kept_tables
from normalize.classes import dataclass
from normalize.compiled import KERNELS_COMPILED, kernels
from normalize.config import CanonicalConfig
from normalize.document import add_counts

# Characters ---------------------------------------------------------------

ZWNJ = "\u200c"
ZWJ = "\u200d"

#: Scripts in which ZWJ/ZWNJ change how text is written or read: the Brahmic
#: scripts (conjunct forms, e.g. Devanagari क्‍ष) and the Arabic script
#: (Persian, Urdu and Pashto write ZWNJ inside words: می‌خواهم).
JOINER_SCRIPTS: tuple[str, ...] = (
    "Arabic",
    "Syriac",
    "Nko",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Oriya",
    "Tamil",
    "Telugu",
    "Kannada",
    "Malayalam",
    "Sinhala",
)

_LINE_BREAKS = regex.compile(r"\r\n|[\r\u2028\x85\x0b\x0c]|(\u2029)")
# C0 and C1 controls except LF and TAB (TAB becomes a space, LF is structure).
_CONTROLS = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f]+")
_TAB = "\t"
#: Invisible characters with no meaning in running text: soft hyphen, zero
#: width space, word joiner, invisible math operators, Mongolian vowel
#: separator, zero width no-break space (a BOM in the middle of text).
_INVISIBLES = regex.compile(r"[\u00ad\u200b\u2060-\u2064\u180e\ufeff]+")
#: Bidirectional formatting characters: marks, embeddings, overrides and
#: isolates. They steer rendering only; the logical order is already right.
_BIDI_CONTROLS = regex.compile(r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]+")
_JOINER_RUN = regex.compile(r"[\u200c\u200d]+")
_JOINER_CONTEXT = regex.compile(
    "[" + "".join(rf"\p{{scx={s}}}" for s in JOINER_SCRIPTS) + "]", regex.V1
)
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]")
#: Every space separator (category Zs) but U+0020, i.e. NBSP, NNBSP, the
#: typographic spaces U+2000-U+200A, ideographic space, Ogham space mark.
_SPACES = regex.compile(r"[^\S\n]*[\p{Zs}--\x20][^\S\n]*|\x20{2,}", regex.V1)
_TRAILING_OR_LEADING = regex.compile(r"^\x20+|\x20+$", regex.MULTILINE)
_BLANK_RUNS = regex.compile(r"\n{3,}")
_EDGE_NEWLINES = regex.compile(r"^\n+|\n+$")
_CURLY_QUOTES = regex.compile(
    r"[\u2018\u2019\u201a\u201b\u2032\u2035\u201c\u201d\u201e\u201f\u2033\u2036]"
)
_QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2035": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u2036": '"',
}  # fmt: skip
_DASHES = regex.compile(r"[\u2010-\u2015\u2212]")
#: Characters whose canonical decomposition starts with a non-starter
#: (combining class not 0): the marks, and three Tibetan vowel signs of class 0
#: that decompose into marks. A test checks this class against
#: ``unicodedata`` over every code point.
_NON_STARTER = r"\P{ccc=0}\u0f73\u0f75\u0f81"
#: UAX #15's Stream-Safe Text Format: no real text needs more than 30
#: non-starters in a row (the longest real sequences have a handful).
MAX_COMBINING_MARKS = 30
#: A run that might exceed :data:`MAX_COMBINING_MARKS` once decomposed: a
#: base decomposes to at most 3 trailing marks and a mark to at most 2, so
#: 14 marks in a row is where the exact count starts to matter.
_MARK_RUN_LENGTH = 14
_MARK_RUN = regex.compile(f"[{_NON_STARTER}]{{{_MARK_RUN_LENGTH},}}", regex.V1)


@functools.cache
def _long_run_from_u0300() -> re.Pattern[str]:
    """14 characters in a row from U+0300 up, where the non-starters begin (a test
    checks that none comes before): a text without such a run has no run of
    :data:`_MARK_RUN`, and the standard library rules that out several times
    faster than ``regex`` looks for one (a class first: its fast scan skips the
    Latin-1 part of a page).

    The class is written as the complement of ``U+0000..U+02FF``, the same
    set: ``re`` compiles a range up to U+10FFFF by visiting each BMP code
    point of it in Python (4 ms a worker), a negated short range in 0.1 ms.
    Compiled when first needed: a small run of ASCII text never is.
    """
    return re.compile(f"[^\x00-\u02ff][^\x00-\u02ff]{{{_MARK_RUN_LENGTH - 1},}}")


def _mark_run_in(text: str) -> bool:
    """Whether ``text`` holds a run of :data:`_MARK_RUN`."""
    return _long_run_from_u0300().search(text) is not None and _MARK_RUN.search(text) is not None


# Configuration ------------------------------------------------------------


# The rules: pure str -> str functions -------------------------------------


def _subn(pattern: regex.Pattern[str], repl: str | Callable, text: str) -> tuple[str, int]:
    return pattern.subn(repl, text)


def remove_bom_n(text: str) -> tuple[str, int]:
    if text.startswith("\ufeff"):
        stripped = text.lstrip("\ufeff")
        return stripped, len(text) - len(stripped)
    return text, 0


def line_endings_n(text: str) -> tuple[str, int]:
    if "\r" not in text and text.isascii() and "\x0b" not in text and "\x0c" not in text:
        return text, 0
    return _LINE_BREAKS.subn(lambda m: "\n\n" if m.group(1) else "\n", text)


def remove_controls_n(text: str) -> tuple[str, int]:
    text, n = _CONTROLS.subn("", text)
    if _TAB in text:
        tabs = text.count(_TAB)
        text = text.replace(_TAB, " ")
        n += tabs
    return text, n


def remove_invisibles_n(text: str) -> tuple[str, int]:
    return _INVISIBLES.subn("", text)


def remove_bidi_controls_n(text: str) -> tuple[str, int]:
    return _BIDI_CONTROLS.subn("", text)


def _joiner_context(text: str, at: int, step: int) -> str:
    """The characters beside a joiner on one side: the combining marks (other
    joiners skipped), then the nearest other character, if any, last.

    The marks count as a set: NFC reorders the marks next to a joiner (an
    Arabic fathatan and a Thai vowel sign swap places), and other joiners
    may be dropped (and spaces trimmed at a line's edge), so only the base
    character and the set of marks are the same from one pass to the next;
    deciding on any of them keeps the form idempotent. NFC also composes a
    base with its marks (X + U+0308 becomes U+1E8C), so the base is read
    decomposed: the same characters before and after the first pass.
    """
    seen: list[str] = []
    i = at if step > 0 else at - 1
    while 0 <= i < len(text):
        ch = text[i]
        seen.append(ch)
        if ch not in (ZWJ, ZWNJ) and not unicodedata.category(ch).startswith("M"):
            seen[-1] = unicodedata.normalize("NFD", ch)
            return "".join(c for c in seen if c not in (ZWJ, ZWNJ))
        i += step
    return "".join(c for c in seen if c not in (ZWJ, ZWNJ))


@functools.lru_cache(maxsize=1024)
def _script_beside(ch: str) -> bool:
    """Whether a joiner run with ``ch`` right beside it (on either side) finds a
    character of a joiner script there: ``ch`` is neither a joiner nor a mark,
    so that side's context is ``ch`` alone (decomposed), which is searched.

    Most kept joiners (Persian's ZWNJ inside words) sit between two letters
    of their script: a character's answer, kept (a page has a few dozen
    distinct neighbours of its joiners), decides such a run without reading
    its contexts. A property test holds the shortcut to the contexts.
    """
    if ch in (ZWJ, ZWNJ) or unicodedata.category(ch).startswith("M"):
        return False
    return _JOINER_CONTEXT.search(_joiner_context(ch, 0, 1)) is not None


def remove_stray_joiners_n(text: str) -> tuple[str, int]:
    if ZWJ not in text and ZWNJ not in text:
        return text, 0
    removed = 0

    def keep_or_drop(m: regex.Match[str]) -> str:
        nonlocal removed
        s, e = m.span()
        # Letters of a joiner script on both sides: kept (the contexts would
        # be those letters, decomposed).
        if 0 < s and e < len(text) and _script_beside(text[s - 1]) and _script_beside(text[e]):
            return m.group()
        before, after = _joiner_context(text, s, -1), _joiner_context(text, e, 1)
        if (
            before
            and after
            # A character of a joiner script on each side (one search each).
            and _JOINER_CONTEXT.search(before) is not None
            and _JOINER_CONTEXT.search(after) is not None
        ):
            return m.group()
        if before and after and _EMOJI.match(before[-1]) and _EMOJI.match(after[-1]):
            kept = m.group().replace(ZWNJ, "")
            removed += len(m.group()) - len(kept)
            return kept
        removed += len(m.group())
        return ""

    out = _JOINER_RUN.sub(keep_or_drop, text)
    return out, removed


#: Where :data:`_SPACES` can match: a run of two or more whitespace characters
#: (LF aside) or one other than U+0020. Every character :data:`_SPACES`
#: matches is whitespace to ``re`` (a test checks every code point), so each
#: of its matches lies inside one such run; ``re`` finds the runs several
#: times faster than ``regex`` scans a page with the whole pattern. The class
#: comes first (``[^\S\n]{2,}|[^\S\n\x20]`` with the first character taken
#: out), so that ``re`` skips to each whitespace character instead of trying
#: both alternatives at every character.
_SPACE_RUN = re.compile(r"[^\S\n](?:[^\S\n]+|(?<=[^\S\n\x20]))")


def normalize_spaces_n(text: str) -> tuple[str, int]:
    changed = 0

    def unify(m: re.Match[str]) -> str:
        nonlocal changed
        run, n = _SPACES.subn(" ", m.group())
        changed += n
        return run

    return _SPACE_RUN.sub(unify, text), changed


def _non_starters(text: str) -> int:
    """How many non-starters the canonical decomposition of ``text`` ends with."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = decomposed.rstrip("".join({c for c in decomposed if unicodedata.combining(c)}))
    return len(decomposed) - len(stripped)


def cap_combining_marks_n(text: str) -> tuple[str, int]:
    """Drop the combining marks after the first :data:`MAX_COMBINING_MARKS` of a run.

    The run is counted as NFD sees it (the base's own decomposed marks, and
    two for a mark that decomposes into two), so that NFC, which may compose
    or decompose, never makes a capped run longer again.

    >>> text, n = cap_combining_marks_n("e" + "\\u0301\\u0327" * 20 + " z")
    >>> len(text), n
    (33, 10)
    """
    if text.isascii() or not _mark_run_in(text):
        return text, 0
    dropped = 0

    def cap(m: regex.Match[str]) -> str:
        nonlocal dropped
        start = m.start()
        count = _non_starters(text[start - 1]) if start else 0
        run = m.group()
        for i, mark in enumerate(run):
            count += len(unicodedata.normalize("NFD", mark))
            if count > MAX_COMBINING_MARKS:
                dropped += len(run) - i
                return run[:i]
        return run

    out = _MARK_RUN.sub(cap, text)
    return out, dropped


def nfc_n(text: str) -> tuple[str, int]:
    if text.isascii() or in_nfc(text):
        return text, 0
    return unicodedata.normalize("NFC", text), 1


def in_nfc(text: str) -> bool:
    """``unicodedata.is_normalized("NFC", text)``, most often answered by the compiled
    :func:`normalize.kernels.in_nfc` without it.

    ``is_normalized`` decomposes and composes again every text that holds a
    character NFC might compose with the one before it (NFC_Quick_Check
    Maybe: a Bengali or Tamil vowel sign, a nukta, an Arabic hamza above),
    which costs 20 ns a character: on the 1,000 text pages, 244 texts of
    425,000 characters, 9.4 ms of its 10.3 ms a pass, every answer yes.
    The kernel reads each character once in the tables of
    :func:`nfc_tables` and says yes where nothing would compose or move;
    the rest (characters beyond the BMP, Hangul jamo, a text NFC changes)
    goes to ``is_normalized``. Interpreted, the kernel would be slower than
    ``is_normalized``, which then answers alone.
    """
    if KERNELS_COMPILED and kernels.in_nfc(text, *nfc_tables()):
        return True
    return unicodedata.is_normalized("NFC", text)


class NfcTables(NamedTuple):
    """:func:`normalize.kernels.in_nfc`'s tables (:func:`_make_nfc_tables`)."""

    #: Each BMP character's class and bits.
    table: bytes
    #: The pairs NFC composes, four bytes each, sorted.
    pairs: bytes


@functools.cache
def nfc_tables() -> NfcTables:
    """:func:`normalize.kernels.in_nfc`'s tables, kept on disk between runs: made from
    ``unicodedata``, they take 0.17 s to make and a tenth of a millisecond to read
    back. The key holds Python's version (its Unicode data), this module's file
    and the kernels' (the table's bits)."""
    key = kept_tables.state_key((unicodedata.unidata_version,), (__file__, kernels.__file__))
    return kept_tables.kept("canonical.nfc", key, _make_nfc_tables)


#: The Hangul jamo, which NFC composes into syllables by rule (not by the
#: pairs of the character data), and unicodedata with a rule of its own.
_HANGUL_JAMO = range(0x1100, 0x1200)


def _make_nfc_tables() -> NfcTables:
    """:func:`normalize.kernels.in_nfc`'s table (:data:`normalize.kernels.NFC_TABLE_SIZE`
    bytes) and its pairs (``first << 16 | second`` in four bytes, big-endian,
    sorted), from ``unicodedata`` alone: the pairs NFC composes are the canonical
    decompositions of two characters that NFC composes back (an excluded
    composite does not); a character gets :data:`normalize.kernels.NFC_ODD`
    where the kernel's reasoning would not hold for it.
    """
    pairs: list[tuple[int, int]] = []
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            first, second = (int(part, 16) for part in parts)
            if unicodedata.normalize("NFC", chr(first) + chr(second)) == chr(code):
                pairs.append((first, second))
    firsts = {first for first, _ in pairs}
    seconds = {second for _, second in pairs}
    table = bytearray(kernels.NFC_TABLE_SIZE)
    for code in range(kernels.NFC_TABLE_SIZE // 2):
        ch = chr(code)
        cls = unicodedata.combining(ch)
        decomposed = unicodedata.normalize("NFD", ch)
        bits = (kernels.NFC_MARK if cls else 0) | (kernels.NFC_SECOND if code in seconds else 0)
        if (
            unicodedata.normalize("NFC", ch) != ch
            or not unicodedata.is_normalized("NFC", ch)
            or code in _HANGUL_JAMO
            # A mark that composes with what follows it.
            or (cls and code in firsts)
            # A decomposition that is not a starter that composes with nothing
            # before it, followed by what it composes with.
            or (
                decomposed != ch
                and (
                    cls
                    or code in seconds
                    or unicodedata.combining(decomposed[0])
                    or ord(decomposed[0]) in seconds
                )
            )
        ):
            bits |= kernels.NFC_ODD
        table[2 * code] = cls or unicodedata.combining(decomposed[-1])
        table[2 * code + 1] = bits
    keys = sorted(f << 16 | s for f, s in pairs if f < 0x10000 and s < 0x10000)
    return NfcTables(bytes(table), b"".join(key.to_bytes(4, "big") for key in keys))


def trim_lines_n(text: str) -> tuple[str, int]:
    return _TRAILING_OR_LEADING.subn("", text)


def collapse_blank_lines_n(text: str) -> tuple[str, int]:
    text, n = _BLANK_RUNS.subn("\n\n", text)
    text, m = _EDGE_NEWLINES.subn("", text)
    return text, n + m


def uncurl_quotes_n(text: str) -> tuple[str, int]:
    return _CURLY_QUOTES.subn(lambda m: _QUOTE_MAP[m.group()], text)


def ascii_dashes_n(text: str) -> tuple[str, int]:
    return _DASHES.subn("-", text)


#: The rules in the order they apply. The order matters for idempotence:
#: characters are removed before NFC (removing a ZWSP can bring a base letter
#: and its combining mark together), spaces are unified before lines are
#: trimmed, and blank lines are collapsed last.
STEPS: tuple[tuple[str, Callable[[str], tuple[str, int]]], ...] = (
    ("remove_bom", remove_bom_n),
    ("line_endings", line_endings_n),
    ("remove_controls", remove_controls_n),
    ("remove_invisibles", remove_invisibles_n),
    ("remove_bidi_controls", remove_bidi_controls_n),
    ("remove_stray_joiners", remove_stray_joiners_n),
    ("uncurl_quotes", uncurl_quotes_n),
    ("ascii_dashes", ascii_dashes_n),
    ("cap_combining_marks", cap_combining_marks_n),
    ("nfc", nfc_n),
    ("normalize_spaces", normalize_spaces_n),
    ("trim_lines", trim_lines_n),
    ("collapse_blank_lines", collapse_blank_lines_n),
)

_DEFAULT = CanonicalConfig()

#: Zs characters other than U+0020, as ``regex`` (which the rules use) knows them.
_ZS = regex.compile(r"\p{Zs}")
_OTHER_SPACES = "".join(_ZS.findall("".join(map(chr, range(0x3001))))).replace(" ", "")

#: What each rule can act on: characters (the body of a character class),
#: character sequences (:data:`SEQUENCE_TRIGGERS`), characters at the start
#: or end of the text (:data:`EDGE_TRIGGERS`). A text with none of these (and
#: already NFC) is left unchanged by every rule. Each is a superset of its
#: rule's pattern; a property test checks that the shortcut gives what the
#: rules give. One character class and a few substring tests are several
#: times faster than one alternation of patterns.
CHAR_TRIGGERS: dict[str, str] = {
    "remove_bom": "\ufeff",
    "line_endings": "\r\u2028\x85\x0b\x0c\u2029",
    "remove_controls": "\x00-\x08\x0e-\x1f\x7f-\x9f\t",
    "remove_invisibles": "\u00ad\u200b\u2060-\u2064\u180e\ufeff",
    "remove_bidi_controls": "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069",
    "remove_stray_joiners": "\u200c\u200d",
    "uncurl_quotes": "".join(_QUOTE_MAP),
    "ascii_dashes": "\u2010-\u2015\u2212",
    "normalize_spaces": _OTHER_SPACES,
}
SEQUENCE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "normalize_spaces": ("  ",),
    "trim_lines": ("\n ", " \n"),
    "collapse_blank_lines": ("\n\n\n",),
}
EDGE_TRIGGERS: dict[str, str] = {"trim_lines": " ", "collapse_blank_lines": "\n"}


@dataclass(frozen=True, slots=True)
class _Triggers:
    chars: re.Pattern[str] | None
    sequences: tuple[str, ...]
    edges: str

    def at_edges(self, text: str) -> bool:
        """Whether an edge trigger is at an edge of ``text``."""
        return bool(text and self.edges and (text[0] in self.edges or text[-1] in self.edges))

    def found_beside_chars(self, text: str) -> bool:
        """Whether a trigger other than a character (a sequence, an edge) is in ``text``."""
        return self.at_edges(text) or any(seq in text for seq in self.sequences)


#: The bit of :func:`normalize.kernels.canonical_flags` that tells each sequence
#: of :data:`SEQUENCE_TRIGGERS` (the kernel looks for these and no other).
_SEQUENCE_FLAGS = {
    "  ": kernels.CANON_SPACES,
    "\n ": kernels.CANON_LINE_SPACE,
    " \n": kernels.CANON_LINE_SPACE,
    "\n\n\n": kernels.CANON_BLANK_LINES,
}


@functools.lru_cache(maxsize=64)
def _triggers(names: tuple[str, ...]) -> _Triggers:
    """The triggers of the rules ``names``, as one test."""
    chars = "".join(CHAR_TRIGGERS.get(name, "") for name in names)
    return _Triggers(
        chars=re.compile(f"[{chars}]") if chars else None,
        sequences=tuple(seq for name in names for seq in SEQUENCE_TRIGGERS.get(name, ())),
        edges="".join(EDGE_TRIGGERS.get(name, "") for name in names),
    )


@dataclass(frozen=True, slots=True)
class _TriggerIndex:
    """The triggers of several rules, told apart after one search of a text."""

    #: Every character trigger of the rules, as one class.
    chars: re.Pattern[str] | None
    #: Each rule's triggers (of the rules that have any).
    rules: tuple[tuple[str, _Triggers], ...]

    def found_in(self, text: str) -> frozenset[str]:
        """The rules whose triggers are in ``text``: the characters found by one
        search of the text, each rule's own class run over those alone."""
        found = "".join(set(self.chars.findall(text))) if self.chars is not None else ""
        return frozenset(
            name
            for name, triggers in self.rules
            if (
                triggers.edges
                and text
                and (text[0] in triggers.edges or text[-1] in triggers.edges)
            )
            or any(seq in text for seq in triggers.sequences)
            or (found and triggers.chars is not None and triggers.chars.search(found))
        )


@functools.lru_cache(maxsize=64)
def _trigger_index(names: tuple[str, ...]) -> _TriggerIndex:
    """The triggers of the rules ``names``, as one index."""
    return _TriggerIndex(
        chars=_triggers(names).chars,
        rules=tuple(
            (name, _triggers((name,)))
            for name in names
            if name in CHAR_TRIGGERS or name in SEQUENCE_TRIGGERS or name in EDGE_TRIGGERS
        ),
    )


#: Rules without a trigger, which always run (NFC has its own quick check).
_UNTRIGGERED = frozenset(
    name for name, _ in STEPS if name not in CHAR_TRIGGERS | SEQUENCE_TRIGGERS | EDGE_TRIGGERS
)


@functools.lru_cache(maxsize=64)
def _enabled(config: CanonicalConfig) -> tuple[str, ...]:
    """The rules ``config`` turns on, in :data:`STEPS` order (asked for every text:
    cached, as a run has one configuration)."""
    return tuple(name for name, _ in STEPS if getattr(config, name))


@functools.lru_cache(maxsize=64)
def _compiled_check(names: tuple[str, ...]) -> tuple[_Triggers, bytes, int]:
    """What the compiled check needs for the rules ``names``: their triggers,
    :func:`normalize.kernels.canonical_flags`' table (:func:`_make_check_table`)
    and the bits of its result that tell a trigger (a character or a
    sequence). One lookup per text: a text or block is checked in a
    microsecond.

    The table takes 2.5 ms to make, in every worker's first document: it is
    kept on disk between runs (:func:`normalize.kept.kept`, 0.1 ms to read),
    a file for each configuration's rules, under a key of ``regex``'s
    version (its patterns fill the table), Python's (``re``'s, for the
    triggers), this module's, the kernels' (the bits) and
    :func:`normalize.scripts.mark_matches`' module.
    """
    triggers = _triggers(names)
    flags = kernels.CANON_TRIGGER
    for seq in triggers.sequences:
        flags |= _SEQUENCE_FLAGS[seq]
    here = Path(__file__)
    key = kept_tables.state_key(
        (regex.__version__, *names), (here, here.with_name("scripts.py"), kernels.__file__)
    )
    rules = hashlib.sha1("\0".join(names).encode()).hexdigest()[:12]
    table = kept_tables.kept(
        f"canonical.check-{rules}", key, functools.partial(_make_check_table, triggers)
    )
    return triggers, table, flags


def _make_check_table(triggers: _Triggers) -> bytes:
    """:func:`normalize.kernels.canonical_flags`' table for rules of ``triggers``: the
    rules' trigger characters, the marks and the characters NFC's quick check
    does not pass, of every BMP character.

    The table is filled by the very patterns the interpreted check searches
    with (:data:`_MARK_RUN`'s class, :func:`_triggers`' class), so that both
    read a character alike.
    """
    from normalize.scripts import mark_matches

    table = np.zeros(kernels.CANON_TABLE_SIZE, np.uint8)
    bmp = np.arange(kernels.CANON_TABLE_SIZE, dtype="<u4").tobytes()
    chars = bmp.decode("utf-32-le", "surrogatepass")
    tests: list[tuple[int, re.Pattern[str] | regex.Pattern[str]]] = [
        (kernels.CANON_MARK | kernels.CANON_NFC, _MARKS),
        (kernels.CANON_NFC, _NFC_UNSURE),
    ]
    if triggers.chars is not None:
        tests.append((kernels.CANON_TRIGGER, triggers.chars))
    mark_matches(table, chars, tests)
    return table.tobytes()


#: The marks of :data:`_MARK_RUN`, one run at a time.
_MARKS = regex.compile(f"[{_NON_STARTER}]+", regex.V1)
#: Characters on which NFC's quick check (what ``unicodedata.is_normalized``
#: runs first) does not answer yes alone: NFC_Quick_Check No or Maybe (the
#: marks, too, which are :data:`_MARKS`). Also every character ``regex`` does
#: not know (``Cn``): its Unicode may be older than ``unicodedata``'s, whose
#: new characters must not pass unchecked. A test holds the characters left
#: out against ``unicodedata``.
_NFC_UNSURE = regex.compile(r"[\P{NFC_QC=Yes}\p{Cn}]+", regex.V1)


def _joiners_alone_and_kept(
    text: str, config: CanonicalConfig, triggered: Callable[[str], bool]
) -> bool:
    """Whether the joiners of ``text`` are the only triggers in it and
    :func:`remove_stray_joiners_n` keeps every one: then that rule, the only
    one a trigger calls, leaves ``text`` as it is, and the other rules see it
    unchanged (whether NFC and the cap on mark runs change it is asked apart).

    ``triggered`` tells whether a text has a trigger, asked of ``text``
    without its joiners (which are no other rule's trigger characters): no
    sequence of spaces and line breaks that ``text`` holds is lost by taking
    them out, and its edges are checked before. Pages in scripts that write
    joiners (Persian's ZWNJ inside words) are canonical after the canonical
    stage, and were canonicalized again in full where they are checked.
    """
    if not config.remove_stray_joiners or (ZWJ not in text and ZWNJ not in text):
        return False
    bare = text.replace(ZWJ, "").replace(ZWNJ, "")
    return not triggered(bare) and remove_stray_joiners_n(text)[1] == 0


def is_canonical(text: str, config: CanonicalConfig | None = None) -> bool:
    """Whether no rule would change ``text``: one search, no rewriting.

    Most text a pipeline handles is already canonical (the pieces of a page
    after the canonical stage), so this shortcut saves a dozen passes. The
    compiled core looks for the rules' characters and sequences and for a
    run of marks in one pass (:func:`normalize.kernels.canonical_flags`),
    and whether every character passes NFC's quick check alone, in which
    case ``unicodedata.is_normalized`` (a pass of its own) would say yes;
    interpreted, substring tests and two patterns search for them.

    >>> is_canonical("Café au lait\\nnext line"), is_canonical("a\\u00a0b")
    (True, False)
    """
    config = config or _DEFAULT
    enabled = _enabled(config)
    if KERNELS_COMPILED:
        triggers, table, trigger_flags = _compiled_check(enabled)
        if triggers.at_edges(text):
            return False
        flags = kernels.canonical_flags(text, table, _MARK_RUN_LENGTH)
        if flags & trigger_flags and not (
            flags & trigger_flags == kernels.CANON_TRIGGER
            and _joiners_alone_and_kept(
                text,
                config,
                lambda bare: bool(
                    kernels.canonical_flags(bare, table, _MARK_RUN_LENGTH) & trigger_flags
                ),
            )
        ):
            return False
        if not flags & kernels.CANON_NON_ASCII:
            return True
        # The table has no entry beyond the BMP, where no rule has a trigger
        # character (a test checks) but marks are: the pattern decides then.
        marks = (
            _mark_run_in(text) if flags & kernels.CANON_ASTRAL else bool(flags & kernels.CANON_MARK)
        )
        nfc_sure = not flags & (kernels.CANON_NFC | kernels.CANON_ASTRAL)
    else:
        triggers = _triggers(enabled)
        if triggers.found_beside_chars(text):
            return False
        chars = triggers.chars
        if (
            chars is not None
            and chars.search(text)
            and not _joiners_alone_and_kept(text, config, lambda bare: bool(chars.search(bare)))
        ):
            return False
        if text.isascii():
            return True
        marks = _mark_run_in(text)
        nfc_sure = False
    if config.cap_combining_marks and marks and cap_combining_marks_n(text)[1]:
        return False
    return not config.nfc or nfc_sure or in_nfc(text)


def apply_steps(text: str, config: CanonicalConfig) -> tuple[str, dict[str, int]]:
    """Apply every rule ``config`` turns on, in :data:`STEPS` order, counting changes.

    A rule whose triggers are not in the text (as the earlier rules left
    it) is skipped: it would change nothing. One search tells which rules'
    triggers the text holds, and it is searched again only after a rule
    changed it (most texts: once or twice, not once per rule).
    """
    changes: dict[str, int] = {}
    enabled = _enabled(config)
    index = _trigger_index(enabled)
    # Which rules' triggers the text holds, found again only when a rule changed it.
    triggered = index.found_in(text)
    for name, step in STEPS:
        if name in enabled and (name in _UNTRIGGERED or name in triggered):
            before = text
            text, n = step(text)
            if n:
                changes[name] = n
            if text is not before and text != before:
                triggered = index.found_in(text)
    return text, changes


def canonicalize_and_explain(
    text: str, config: CanonicalConfig | None = None
) -> tuple[str, dict[str, int]]:
    """Bring ``text`` to the canonical form and count what each rule changed.

    The counts are occurrences (characters or runs replaced) for the
    character rules and 1 for NFC; rules that changed nothing are absent,
    so an empty dict means the text was already canonical.

    >>> canonicalize_and_explain("a\\u00a0\\u00a0b\\r\\n")
    ('a b', {'line_endings': 1, 'normalize_spaces': 1, 'collapse_blank_lines': 1})
    """
    config = config or _DEFAULT
    if is_canonical(text, config):
        return text, {}
    return apply_steps(text, config)


def canonicalize(text: str, config: CanonicalConfig | None = None) -> str:
    """The canonical form of ``text`` (see :data:`STEPS`).

    >>> canonicalize("می\\u200cخواهم")  # Persian keeps its ZWNJ
    'می\\u200cخواهم'
    >>> canonicalize("zero\\u200cwidth")  # Latin does not need one
    'zerowidth'
    >>> canonicalize("“quoted” – kept", CanonicalConfig(uncurl_quotes=True))
    '"quoted" – kept'
    """
    return canonicalize_and_explain(text, config)[0]


def canonical_join(
    text: str, config: CanonicalConfig | None = None, *, whole_lines: bool = False
) -> str:
    """:func:`canonicalize` of blocks joined (a page's content without its boilerplate),
    whose one fault is most often a line break at an edge.

    Without three line breaks in a row, ``text`` differs from
    ``text.strip("\\n")`` only by the line breaks at its edges. When the
    stripped text is canonical, no rule but ``collapse_blank_lines`` acts on
    ``text`` either: no rule's trigger character is a line break; a space
    beside an edge line break would be at an edge of the stripped text,
    where ``trim_lines``'s trigger is (and any joiner is a trigger); and a
    line break is a starter that composes with nothing and counts as no
    mark, so NFC and the cap on mark runs see the same runs. That rule then
    strips the edges: the result
    is the stripped text, found with one check instead of the rules' passes
    (a property test holds it to :func:`canonicalize`).

    ``whole_lines`` says that ``text`` is whole lines of texts in canonical
    form (by ``config``): each line of it is one of theirs, read from its
    start to its line break or its text's end. Then the stripped text is
    canonical, known without the check (1.6 million characters of a text
    pass: ~5 ms), unless it begins with a BOM that ``remove_bom`` takes off:
    every other rule but ``collapse_blank_lines`` (whose line breaks are
    looked at as before) acts within a line, which it left as it is (a line
    break is no rule's trigger, no space and no mark; it composes with
    nothing; and the joiner rule decides alike whether a line break or
    nothing is beside a joiner and its marks). A property test holds it to
    the check.

    >>> canonical_join("\\nHello world.\\n\\n"), canonical_join("a\\u00a0b\\n")
    ('Hello world.', 'a b')
    """
    config = config or _DEFAULT
    if config.collapse_blank_lines and "\n\n\n" not in text:
        stripped = text.strip("\n")
        if whole_lines and not (config.remove_bom and stripped.startswith("\ufeff")):
            return stripped
        if is_canonical(stripped, config):
            return stripped
    return canonicalize(text, config)


def canonical_blocks(raw: Sequence[str], canonicalize: Callable[[str], str]) -> list[str]:
    """Each raw block (stripped) through ``canonicalize``, in one call when that is
    the same thing.

    Canonical rules act within lines, and a blank line stays one, so the
    blocks joined with a marked separator and canonicalized split back into
    the blocks' canonical forms. When they do not (a block that
    canonicalizes to nothing, a block that holds the mark), each block is
    canonicalized on its own.

    >>> canonical_blocks([" a\\u00a0b ", "", "c"], canonicalize)
    ['a b', '', 'c']
    """
    return _canonical_blocks(raw, canonicalize)[0]


def _canonical_blocks(
    raw: Sequence[str], canonicalize: Callable[[str], str]
) -> tuple[list[str], bool]:
    """:func:`canonical_blocks`, and whether the one call on the joined blocks was used."""
    raw = [r.strip() for r in raw]
    keep = [r for r in raw if r]
    if not any(_BLOCK_MARK in r for r in keep):
        joined = canonicalize(_BLOCK_SEPARATOR.join(keep))
        parts = joined.split(_BLOCK_SEPARATOR) if joined else []
        # Every separator is still there, and whole: each part is one block's.
        # A block that vanished leaves two marks one blank line apart, and a
        # block that gained a blank line (U+2029) keeps its marks, so neither
        # can pass for the other's part.
        if len(parts) == len(keep) and joined.count(_BLOCK_MARK) == len(keep) - 1:
            it = iter(parts)
            return [next(it) if r else "" for r in raw], True
    return [canonicalize(r) for r in raw], False


#: What :func:`_canonical_blocks` puts between blocks: a line no rule changes
#: (ASCII punctuation between blank lines), so that where each block's
#: canonical form ends is known whatever the block became; a page that
#: holds the mark itself is canonicalized block by block.
_BLOCK_MARK = "~|~"
_BLOCK_SEPARATOR = "\n\n" + _BLOCK_MARK + "\n\n"


def canonicalize_blocks(
    raw: Sequence[str], config: CanonicalConfig | None = None
) -> tuple[list[str], dict[str, int]]:
    """:func:`canonical_blocks` in the canonical form, with what each rule changed.

    The changes counted are those of the text kept: when the blocks are
    canonicalized one by one, the changes of the joined attempt are not
    counted as well.

    >>> canonicalize_blocks(["x\\u00a0\\u00a0y", "z\\r"])
    (['x y', 'z'], {'normalize_spaces': 1})
    >>> canonicalize_blocks(["x\\u00a0\\u00a0y", "\\u200b"])  # one by one
    (['x y', ''], {'normalize_spaces': 1, 'remove_invisibles': 1})
    """
    calls: list[dict[str, int]] = []

    def one(text: str) -> str:
        out, changed = canonicalize_and_explain(text, config)
        calls.append(changed)
        return out

    texts, whole = _canonical_blocks(raw, one)
    counts: dict[str, int] = {}
    for changed in calls if whole else calls[1:]:
        counts = add_counts(counts, changed)
    return texts, counts
