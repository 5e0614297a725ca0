"""Segments per language and script, accurate on mixed lines and short chrome.

A scraped page mixes languages inside one line: "होम > दुनिया (International) >
Taliban denies sharing ISIL intelligence with Russia" is Hindi, Hindi, English,
English. Per-line language identification labels that line once; a whole-text
identifier calls the short Hindi crumbs Nepali. This stage works in three steps:

1. **Structure.** The text is cut into *pieces*: runs of words of one script
   (marks and inner apostrophes stay with their word) that no separator
   interrupts. Separators are line breaks, breadcrumb and title separators
   (``>`` ``|`` ``»`` ``/`` ``:`` dashes between spaces), brackets, quotes and
   sentence ends (``. ! ?`` ``।`` ``۔`` ``؟`` ``。``). URLs and e-mail addresses
   are never scored: inside a sentence they stay in its segment, on their own
   they are no language (``zxx``).
2. **Evidence.** Each piece is scored by langid's per-language
   log-likelihoods restricted to the languages that write its script
   (:mod:`normalize.identify`, :mod:`normalize.scripts`), plus cheap evidence
   from the language packs: a prior weight and letters only one candidate
   writes (Marathi ळ, Urdu ے, Ukrainian ї …) from ``segment.json``, whole
   pieces that are a pack's chrome phrase (``chrome.txt``: "होम" is Hindi
   chrome though langid's n-grams lean Nepali) and words in a pack's
   ``stopwords.txt``. langid finds no feature
   at all in many short words ("Home", "News"), so short pieces that stand
   apart (menu items, crumbs, labels) also pool their evidence: a page's
   chrome is written in one site language.
3. **Decoding.** The pieces of one script, in document order, are decoded
   together with a cost for switching language (a Viterbi pass), cheaper across
   a line break than inside a sentence. A two-word crumb borrows evidence from
   its neighbours; a long sentence outweighs any switching cost and keeps its
   own label. The page's ``<html lang>`` and the languages of its source's
   repeated chrome (:class:`LanguageHints`) are then a prior for the pieces
   the text left unsure, decoded again with it.

Confidence is the posterior probability of the chosen label (forward-backward
over the same chain), averaged over the pieces of a segment.

>>> segs = segment_languages("होम > दुनिया (International) > Taliban denies sharing ISIL intelligence with Russia")
>>> [(s.text, s.lang) for s in segs if s.lang != "zxx"]
[('होम', 'hi'), ('दुनिया', 'hi'), ('International', 'en'), ('Taliban denies sharing ISIL intelligence with Russia', 'en')]
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TypeVar

import numpy as np
import regex

from normalize.caches import RepeatCache
from normalize.canonical import nfc_tables
from normalize.classes import dataclass
from normalize.compiled import KERNELS_COMPILED, kernels
from normalize.config import SegmentConfig
from normalize.context import Context, default_context
from normalize.document import BOILERPLATE, CONTENT, NO_LANGUAGE, UNDETERMINED, Block, Segment
from normalize.identify import LanguageIdentifier
from normalize.langpacks import SegmentPack, _edge_char, phrase_key
from normalize.scripts import (
    SCRIPT_CODES,
    SCRIPT_GROUP,
    SCRIPT_LANGUAGES,
    UNKNOWN_SCRIPT,
    mark_matches,
    validate_languages,
)

#: Whether the core's loops run compiled (else numpy's vectorised steps do).
COMPILED = KERNELS_COMPILED

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LanguageHints:
    """What is known about a page besides its text, used as priors."""

    #: The page's ``<html lang>`` (any BCP 47 tag; only the language is used).
    html_lang: str | None = None
    #: Languages of chrome that repeats across the page's source.
    source_langs: tuple[str, ...] = field(default_factory=tuple)


# Language packs ----------------------------------------------------------------


def segment_pack(lang: str, ctx: Context) -> SegmentPack:
    """The segment priors of ``lang`` (empty if it has no pack), from the context's packs.

    >>> ctx = Context()
    >>> "ळ" in segment_pack("mr", ctx).letters
    True
    >>> segment_pack("xx", ctx)
    SegmentPack(prior=None, letters='')
    """
    return ctx.packs.segment(lang)


# Structure -----------------------------------------------------------------------

#: Strength of the separation between two pieces, weakest first.
SOFT, SENTENCE, STRUCT, LINE = 0, 1, 2, 3

_WORD_SCRIPTS = [
    (name, code) for name, code in SCRIPT_CODES.items() if code not in ("Zyyy", "Zinh")
]
_URL_SCHEME = r"(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]{}]+"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_URL = regex.compile(_URL_SCHEME + "|" + _EMAIL)


def _word(name: str) -> str:
    # Script_Extensions, not Script: ー (U+30FC), the kana iteration marks and
    # the Arabic tatweel are Common letters that belong to the words of
    # their scripts; combining marks go with any letter.
    letter = rf"[\p{{scx={name}}}&&\p{{L}}]"
    return rf"{letter}[{letter}\p{{M}}]*(?:['’]{letter}[{letter}\p{{M}}]*)*"


#: Letters of no script :data:`~normalize.scripts.SCRIPT_CODES` names (nor
#: shared with one): they make ``Zzzz`` pieces of their own.
_OTHER_LETTER = r"[\p{L}--[" + "".join(rf"\p{{scx={name}}}" for name, code in _WORD_SCRIPTS) + r"]]"


@functools.cache
def _tokenizer(schemes: bool, emails: bool) -> regex.Pattern[str]:
    """A URL or e-mail address, or a run of words of one script that single spaces join.

    ``_pieces`` would join the words of a run into one piece anyway; one
    match per run saves most of the matching. A URL never continues a run.
    Looking for e-mail addresses costs a scan of every word, so texts
    without ``@`` (most) use a tokenizer without them, and texts without
    ``://`` or ``www.`` one without schemes: the tokens are the same.
    """
    url = "|".join(p for p, on in ((_URL_SCHEME, schemes), (_EMAIL, emails)) if on)
    not_url = f"(?!{url})" if url else ""
    words = "|".join(
        rf"(?P<{code}>{_word(name)}(?: {not_url}{_word(name)})*)" for name, code in _WORD_SCRIPTS
    )
    # Every token starts with a letter, or with [\w.+-] for an e-mail address.
    first = r"[\w.+\-]" if emails else r"\p{L}"
    return regex.compile(
        rf"(?={first})(?:"
        + (f"(?P<url>{url})|" if url else "")
        + words
        + rf"|(?P<Zzzz>(?:{_OTHER_LETTER}\p{{M}}*)+))",
        regex.V1,
    )


#: Characters that structure a line (``[…]`` bodies of the patterns below, which
#: the compiled scanner's character classes are made of too): breadcrumb and
#: title separators, brackets, quotes, colons; those between menu items and
#: crumbs (not brackets, quotes or colons); dashes, which separate when white
#: space is on one side; sentence ends before white space, and anywhere.
_STRUCT_CHARS = (
    r"|>»›<‹«/\\•·:;()\[\]{}\"“”„‟「」『』【】〈〉《》〔〕〖〗'‘’｜／＼：；（）［］｛｝＂＇＜＞"
)
_ITEM_CHARS = r"|>»›/\\•·｜／＼"
_DASHES = "-–—‐‑"
_STOPS = ".!?…।॥۔؟"
_FULL_STOPS = "。！？．"
_STRUCT = regex.compile(rf"[{_STRUCT_CHARS}]|\s[{_DASHES}]+|[{_DASHES}]+\s")
#: Separators between menu items and crumbs.
_ITEM_GAP = regex.compile(rf"\n|[{_ITEM_CHARS}]|\s[{_DASHES}]+|[{_DASHES}]+\s")
_SENTENCE_END = regex.compile(rf"[{_STOPS}](?=\s)|[{_STOPS}]$|[{_FULL_STOPS}]")


@functools.lru_cache(maxsize=4096)
def _gap_kind(gap: str) -> int:
    """How strongly the characters between two words separate them.

    >>> _gap_kind(" "), _gap_kind(". "), _gap_kind(" > "), _gap_kind("\\n")
    (0, 1, 2, 3)
    """
    if "\n" in gap:
        return LINE
    if _STRUCT.search(gap):
        return STRUCT
    if _SENTENCE_END.search(gap):
        return SENTENCE
    return SOFT


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    script: str
    group: str
    #: Strongest separation since the previous piece of the same group.
    before: int = LINE
    #: Stands apart like a menu item or crumb (see ``_mark_items``).
    item: bool = False
    lang: str = UNDETERMINED
    confidence: float = 0.0


def _url_kinds(text: str) -> tuple[bool, bool]:
    """Whether ``text`` may have URLs with a scheme (or ``www.``), and e-mail addresses."""
    return "://" in text or "www." in text, "@" in text


def _pieces(text: str) -> list[_Piece]:
    """Cut ``text`` into pieces (runs of one script no separator interrupts)."""
    pieces: list[_Piece] = []
    last_end = 0
    # Strongest separation seen since the last piece of each group.
    pending: dict[str, int] = {}
    current: _Piece | None = None
    # A URL or e-mail address is no piece of its own: it ends the piece before
    # it and passes the separation around it on to the next piece.
    carried = SOFT
    tokens = _tokenizer(*_url_kinds(text))
    for m in tokens.finditer(text):
        start, end = m.span()
        kind = m.lastgroup or UNKNOWN_SCRIPT
        if start == last_end:
            gap = carried
        else:
            between = text[last_end:start]
            gap = SOFT if between == " " else _gap_kind(between)
            gap = max(gap, carried)
        last_end = end
        if gap == SOFT and current is not None and kind == current.script:
            current.end = end
            continue
        if kind == "url":
            current = None
            carried = gap
            continue
        carried = SOFT
        group = SCRIPT_GROUP.get(kind, kind)
        if current is not None and gap == SOFT and current.group == group:
            current.end = end
            if kind != current.script:
                current.script = "Jpan" if group == "Hani" else current.script
            continue
        for g, seen in pending.items():
            pending[g] = max(seen, gap)
        current = _Piece(start, end, kind, group, pending.get(group, LINE))
        pending[group] = SOFT
        pieces.append(current)
    _mark_items(text, pieces)
    return pieces


def _mark_items(text: str, pieces: Sequence[_Piece]) -> None:
    """Mark the pieces that stand apart: menu items, crumbs, labels, sentences.

    A piece stands apart when a line break, a breadcrumb or title separator,
    a sentence end or the text's edge lies on at least one side of it. A
    bracketed or comma-separated aside inside a sentence ("… Noble (British
    Brands Group), a brand …") does not: it belongs to its sentence. The gap
    after a piece is the one before the next, so each gap is read once.
    """
    last = len(pieces) - 1
    apart_before = True
    for i, p in enumerate(pieces):
        if i == last:
            p.item = True
            break
        apart_after = _sets_apart(text[p.end : pieces[i + 1].start])
        p.item = apart_before or apart_after
        apart_before = apart_after


@functools.lru_cache(maxsize=4096)
def _sets_apart(gap: str) -> bool:
    """Whether the characters between two pieces set them apart as items (``_mark_items``).

    >>> _sets_apart(" > "), _sets_apart(". "), _sets_apart(" ("), _sets_apart(", ")
    (True, True, False, False)
    """
    return _ITEM_GAP.search(gap) is not None or _gap_kind(gap) == SENTENCE


#: Code points are classified by blocks of this many (``_CharClasses.cover``):
#: a classification costs mostly per call, not per character, and a text's
#: characters come from few blocks (a script's letters and punctuation).
_BLOCK = 256
_BMP = 0x10000
#: The high bytes of UTF-16 surrogates, and the code points classified one by one.
_SURROGATES = bytes(range(0xD8, 0xE0))
_ONE_BY_ONE = re.compile(r"[\ud800-\udfff\U00010000-\U0010ffff]")
#: Script ids of the compiled scanner: the word scripts' in ``_WORD_SCRIPTS``
#: order (bit ``i`` of a class), then letters of no word script, then Han and kana.
_SCANNER_SCRIPTS = (*(code for _, code in _WORD_SCRIPTS), UNKNOWN_SCRIPT, "Jpan")
_SCANNER_GROUPS = tuple(SCRIPT_GROUP.get(code, code) for code in _SCANNER_SCRIPTS[:-1]) + ("Hani",)


#: The patterns a :class:`_CharClasses` classifies with: ``(bit, pattern)`` of each
#: word script, then ``(flag, pattern)`` of each flag.
_ClassTests = tuple[list[tuple[int, regex.Pattern[str]]], list[tuple[int, regex.Pattern[str]]]]
#: The classes of a :class:`_CharClasses` in the BMP (a ``uint16`` per code point) and
#: their values (its ``info``).
_BmpClasses = tuple[np.ndarray, np.ndarray]


def _class_tests() -> _ClassTests:
    """The 48 patterns of the character classes, compiled: ``(bit, pattern)`` of each
    word script and ``(flag, pattern)`` of each flag.

    Compiling them costs a worker several milliseconds of its start-up;
    :func:`_char_classes` keeps them compiled on disk (``regex`` pickles a
    pattern as its compiled code) with the tables made from the packs.
    """
    flags = kernels.CHAR_FLAGS
    tests = [
        (1 << bit, regex.compile(rf"[\p{{scx={name}}}&&\p{{L}}]+", regex.V1))
        for bit, (name, _) in enumerate(_WORD_SCRIPTS)
    ]
    flag_tests = [
        (flags[name], regex.compile(pattern + "+", regex.V1))
        for name, pattern in (
            ("letter", r"\p{L}"),
            ("mark", r"\p{M}"),
            ("space", r"\s"),
            ("newline", r"\n"),
            ("struct", f"[{_STRUCT_CHARS}]"),
            ("dash", f"[{_DASHES}]"),
            ("stop", f"[{_STOPS}]"),
            ("full_stop", f"[{_FULL_STOPS}]"),
            ("item", f"[{_ITEM_CHARS}]"),
            ("apostrophe", "['’]"),
            ("email", r"[\w.+\-]"),
            ("domain", r"[\w-]"),
            ("url_stop", r"[\s<>\"'()\[\]{}]"),
        )
    ]
    return tests, flag_tests


class _CharClasses:
    """The character classes the compiled scanner reads: a class per code point and,
    per class, the word scripts of its letters, its flags and its first script.

    Each flag is a ``[…]`` of the patterns the interpreted path matches with
    (``\\p{scx=…}``, ``\\p{L}``, ``\\p{M}``, ``\\s``, the separators), so the two
    paths read characters alike. Code points are classified when a text first
    has them (:meth:`cover`): those of the Basic Multilingual Plane by blocks
    of :data:`_BLOCK`, the others (emoji, historic scripts) and lone
    surrogates one by one. A table starts from ``bmp`` when given: the
    classes of every BMP block, made once (:meth:`bmp`, about 50 ms) and kept
    on disk (:func:`_char_classes`); classified by blocks as texts brought
    them, they cost a worker's first pass over 1,000 text pages 13.5 ms.
    Without it, the first block (ASCII and Latin-1) is classified when the
    table is made. Class ids follow the order classes are met in: they mean
    nothing outside the table (the scanner reads ``info[classes[code]]``).
    """

    def __init__(self, tests: _ClassTests | None = None, bmp: _BmpClasses | None = None) -> None:
        flags = kernels.CHAR_FLAGS
        self._shift = (flags["flag_shift"], flags["first_shift"], flags["no_script"])
        self._tests, self._flag_tests = _class_tests() if tests is None else tests
        #: Class 0: not classified yet. Only the pages of the blocks classified
        #: are written (128 KB of the 2.2 MB for the whole BMP).
        self.classes = np.zeros(0x110000, dtype=np.uint16)
        self._lock = threading.Lock()
        if bmp is None:
            self.info = np.zeros(1, dtype=np.uint64)
            self._ids: dict[int, int] = {}
            self._classify(list(range(_BLOCK)))
        else:
            classes, info = bmp
            if len(classes) != _BMP or classes.max(initial=0) >= len(info) or info[0]:
                raise ValueError("bmp needs a class per BMP code point, and info one per class")
            self.classes[:_BMP] = classes
            self.info = info.copy()
            self._ids = {value: i for i, value in enumerate(self.info.tolist()) if i}
            self._set_covered()

    def bmp(self) -> _BmpClasses:
        """The classes of the BMP (every block but the surrogates') and ``info``, the
        BMP's blocks classified first where they are not yet: what another table
        starts from (a copy)."""
        with self._lock:
            blocks = [
                b for b in range(_BMP // _BLOCK) if b not in self._covered and b not in _SURROGATES
            ]
            if blocks:
                self._classify([b * _BLOCK + i for b in blocks for i in range(_BLOCK)])
            return self.classes[:_BMP].copy(), self.info.copy()

    def _info(self, chars: str) -> np.ndarray:
        """The class value (scripts, flags, first script) of each of ``chars``."""
        scripts = np.zeros(len(chars), dtype=np.uint64)
        flags = np.zeros(len(chars), dtype=np.uint64)
        mark_matches(scripts, chars, self._tests)
        mark_matches(flags, chars, self._flag_tests)
        flag_shift, first_shift, no_script = self._shift
        first = np.full(len(chars), no_script, dtype=np.uint64)
        for bit in range(len(self._tests) - 1, -1, -1):
            first[(scripts >> np.uint64(bit)) & np.uint64(1) == 1] = bit
        return scripts | (flags << np.uint64(flag_shift)) | (first << np.uint64(first_shift))

    def _classify(self, codes: list[int]) -> None:
        """Give each of ``codes`` (code points not classified yet) its class."""
        values = self._info("".join(map(chr, codes))).tolist()
        ids = self._ids
        for value in values:
            if value not in ids:
                ids[value] = len(ids) + 1
        if len(ids) >= len(self.info):
            self.info = np.array([0, *ids], dtype=np.uint64)
        # The classes after the values they name: a scan that another thread runs
        # meanwhile never reads a class that ``info`` lacks.
        self.classes[codes] = [ids[value] for value in values]
        self._set_covered()

    def _set_covered(self) -> None:
        # The high byte of a BMP code point is its block: those classified.
        self._covered = bytes(
            b for b in range(_BMP // _BLOCK) if self.classes[b * _BLOCK] and b not in _SURROGATES
        )

    def cover(self, text: str) -> None:
        """Classify the code points of ``text`` the table lacks: the blocks of those in the
        BMP, and the others (and lone surrogates) themselves.

        Most texts have none: an ASCII one (a check that costs nothing:
        Python knows it of every string) never has, and another one is
        checked by the compiled core's read of its classes
        (:func:`normalize.kernels.classified`) or, interpreted, by the high
        bytes of its UTF-16 code units, which name their BMP blocks
        (surrogates stand for the code points beyond).
        """
        if text.isascii() or (COMPILED and kernels.classified(text, self.classes)):
            return
        high = text.encode("utf-16-le", "surrogatepass")[1::2].translate(None, self._covered)
        if not high:
            return
        with self._lock:  # threads that share a context classify one at a time
            high = high.translate(None, self._covered)  # less what one did meanwhile
            blocks = set(high.translate(None, _SURROGATES))
            codes = [b * _BLOCK + i for b in sorted(blocks) for i in range(_BLOCK)]
            if len(blocks) < len(set(high)):
                singles = {ord(c) for c in _ONE_BY_ONE.findall(text)}
                codes += sorted(c for c in singles if not self.classes[c])
            if codes:
                self._classify(codes)


def _char_classes(ctx: Context) -> _CharClasses:
    """The character classes of the compiled scanner, made once per context (worker)
    from their patterns and the BMP's classes kept beside the packs' tables
    (:meth:`LangPacks.cached <normalize.langpacks.LangPacks.cached>`: the patterns
    as ``regex``'s compiled code, the classes as arrays)."""
    return ctx.owned(
        "segment.char_classes",
        lambda: _CharClasses(*ctx.packs.cached("segment.char_classes", _kept_char_classes)),
    )


def _kept_char_classes() -> tuple[_ClassTests, _BmpClasses]:
    """What :func:`_char_classes` keeps on disk: the compiled patterns and the BMP's classes."""
    tests = _class_tests()
    return tests, _CharClasses(tests).bmp()


def _scanned_pieces(
    text: str, table: _CharClasses, urls: tuple[bool, bool] | None = None
) -> list[_Piece]:
    """:func:`_pieces` by the compiled core's scanner (:func:`normalize.kernels.scan_pieces`):
    the same pieces (``table`` covers the text, ``urls`` is :func:`_url_kinds` of it
    when known)."""
    n = len(text)
    # Room for a piece every 16 characters (pages have one every 30 to 80),
    # and for one per character, the most there can be, when that is short.
    capacity = min(n, 64 + n // 16)
    schemes, emails = urls or _url_kinds(text)
    while True:
        found = np.empty(kernels.found_size(capacity), dtype=np.intp)
        count = kernels.scan_pieces(
            text,
            schemes,
            emails,
            table.classes,
            table.info,
            _SCANNER_GROUP_IDS,
            _SCANNER_SCRIPTS.index("Hani"),
            len(_SCANNER_SCRIPTS) - 1,
            len(_SCANNER_SCRIPTS) - 2,
            np.empty(len(_SCANNER_SCRIPTS), dtype=np.intp),
            found,
        )
        if count >= 0:
            break
        capacity = n
    return kernels.make_pieces(
        _Piece,
        count,
        found,
        _SCANNER_SCRIPTS,
        _SCANNER_GROUPS,
        UNDETERMINED,
    )


#: The group of each scanner script, as the id of the group's first script.
_SCANNER_GROUP_IDS = np.array([_SCANNER_SCRIPTS.index(g) for g in _SCANNER_GROUPS], dtype=np.intp)


# Evidence and decoding ---------------------------------------------------------------


def _candidates(group: str, languages: Sequence[str] | None) -> tuple[str, ...]:
    langs = SCRIPT_LANGUAGES.get(group, ())
    if languages is not None:
        allowed = set(languages)
        langs = tuple(lang for lang in langs if lang in allowed)
    return langs


def _candidates_name(table: str, cands: tuple[str, ...]) -> str:
    """The name a table of the candidate set ``cands`` is kept under (``LangPacks.cached``).

    >>> _candidates_name("segment.word_tables", ("hi", "mr", "ne"))
    'segment.word_tables.7a7c933a9b4adfc7'
    """
    return f"{table}.{hashlib.sha1(' '.join(cands).encode()).hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class _Letters:
    """The letters listed by exactly one candidate's pack, of a candidate set."""

    #: Each letter's candidate (its column).
    columns: dict[str, int]
    #: Their code points, ascending, and their columns in that order, for the
    #: compiled core's loop (:func:`normalize.kernels.letter_bonuses`).
    codes: np.ndarray
    cols: np.ndarray


def _letter_table(cands: tuple[str, ...], ctx: Context) -> _Letters:
    """The letters of ``cands`` (made once per candidate set and context, from the file a
    previous run kept of them if any: ``LangPacks.cached``; made from the packs, the
    tables of a text run's candidate sets cost a worker 1.3 ms)."""
    return _kept_candidates_table("segment.letter_table", cands, ctx, _make_letter_table)


def _make_letter_table(cands: tuple[str, ...], ctx: Context) -> _Letters:
    owners: dict[str, set[int]] = {}
    for i, lang in enumerate(cands):
        for ch in segment_pack(lang, ctx).letters:
            owners.setdefault(ch, set()).add(i)
    table = {ch: next(iter(o)) for ch, o in owners.items() if len(o) == 1}
    ordered = sorted(table)
    codes = np.array([ord(ch) for ch in ordered], dtype=np.intp)
    cols = np.array([table[ch] for ch in ordered], dtype=np.intp)
    return _Letters(table, codes, cols)


def _letter_pattern(cands: tuple[str, ...], ctx: Context) -> re.Pattern[str]:
    """A pattern that finds the letters of ``cands`` (:func:`_letter_table`; made once per
    candidate set and context, where the interpreted path searches with it).

    A class of literal letters: :mod:`re` finds them as :mod:`regex` would,
    four times faster (its search of a page's pieces is most of the cost).
    The compiled core's loop reads the table's code points instead: compiled
    for nothing there, the patterns cost a worker 0.6 ms (``re`` compiles a
    class beyond Latin-1 in Python).
    """
    letters = _letter_table(cands, ctx)
    return ctx.owned(
        ("segment.letter_pattern", cands),
        lambda: re.compile("[" + re.escape("".join(letters.columns)) + "]"),
    )


def _word_tables(
    cands: tuple[str, ...], ctx: Context
) -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """Chrome phrases of the candidates' packs → the candidates' columns; stopwords
    that one candidate's list alone has → that candidate's column (made once per
    candidate set and context).

    A word on several candidates' lists is no evidence between them: the
    Nepali and Marathi lists hold most Hindi function words (है, का, यह),
    so counting them would add the same bonus to all three; they are left
    out. Made from the packs alone, they are kept on disk between runs
    (``LangPacks.cached``), each apart: the compiled core reads the phrases
    and the stopwords' own table (:func:`_stopword_table`), not these
    stopwords, whose load cost a worker's text pass 5 ms.
    """
    return _phrase_table(cands, ctx), _stopword_owners(cands, ctx)


def _phrase_table(cands: tuple[str, ...], ctx: Context) -> dict[str, tuple[int, ...]]:
    """The chrome phrases of :func:`_word_tables`."""
    return _kept_candidates_table("segment.phrase_table", cands, ctx, _make_phrase_table)


def _stopword_owners(cands: tuple[str, ...], ctx: Context) -> dict[str, int]:
    """The stopwords of :func:`_word_tables`."""
    return _kept_candidates_table("segment.stopword_owners", cands, ctx, _make_stopword_owners)


def _kept_candidates_table(
    name: str, cands: tuple[str, ...], ctx: Context, make: Callable[[tuple[str, ...], Context], T]
) -> T:
    """``make(cands, ctx)``, a table of the candidate set ``cands`` made once per context,
    from the file a previous run kept of it if any (``LangPacks.cached``), its arrays
    read-only."""
    return ctx.owned(
        (name, cands),
        lambda: ctx.packs.cached(
            _candidates_name(name, cands), lambda: make(cands, ctx), read_only=True
        ),
    )


def _make_phrase_table(cands: tuple[str, ...], ctx: Context) -> dict[str, tuple[int, ...]]:
    phrases: dict[str, list[int]] = {}
    for col, lang in enumerate(cands):
        for phrase in ctx.packs.pack(lang).phrases:
            phrases.setdefault(phrase, []).append(col)
    return {k: tuple(v) for k, v in phrases.items()}


def _make_stopword_owners(cands: tuple[str, ...], ctx: Context) -> dict[str, int]:
    stopwords: dict[str, list[int]] = {}
    for col, lang in enumerate(cands):
        for word in ctx.packs.pack(lang).stopwords:
            stopwords.setdefault(word, []).append(col)
    return {word: cols[0] for word, cols in stopwords.items() if len(cols) == 1}


def _priors(cands: tuple[str, ...], config: SegmentConfig, ctx: Context) -> np.ndarray:
    """Each candidate's prior weight from its pack (read-only; one array per candidate
    set, default and context)."""
    return ctx.owned(
        ("segment.priors", cands, config.default_prior),
        lambda: _make_priors(cands, config.default_prior, ctx),
    )


def _make_priors(cands: tuple[str, ...], default: float, ctx: Context) -> np.ndarray:
    priors = np.array(
        [p if (p := segment_pack(lang, ctx).prior) is not None else default for lang in cands]
    )
    priors.flags.writeable = False
    return priors


def _hint_prior(
    cands: tuple[str, ...], hints: LanguageHints | None, config: SegmentConfig
) -> np.ndarray | None:
    """What is known about the page besides its text, as a bonus per candidate.

    ``None`` when it says nothing about these candidates: the page's
    ``<html lang>`` and the languages of its source's repeated chrome.
    :func:`_label` gives it only to the pieces a first decoding left unsure.
    Read-only: pages of one site ask for the same few, made once.
    """
    if hints is None or not (hints.html_lang or hints.source_langs):
        return None
    return _make_hint_prior(
        cands,
        hints.html_lang,
        hints.source_langs,
        config.html_lang_bonus,
        config.source_lang_bonus,
    )


@functools.lru_cache(maxsize=256)
def _make_hint_prior(
    cands: tuple[str, ...],
    html_lang: str | None,
    source_langs: tuple[str, ...],
    html_lang_bonus: float,
    source_lang_bonus: float,
) -> np.ndarray | None:
    prior = np.zeros(len(cands))
    if html_lang:
        html = html_lang.lower().replace("_", "-").split("-")[0]
        prior += [html_lang_bonus if lang == html else 0.0 for lang in cands]
    for src in set(source_langs):
        prior += [source_lang_bonus if lang == src else 0.0 for lang in cands]
    if not prior.any():
        return None
    prior.flags.writeable = False
    return prior


#: Pieces of at most this many characters have their evidence rows cached:
#: site chrome (menu items, crumbs, share prompts) repeats across a source's
#: pages, while longer pieces are body text that seldom repeats.
CACHE_PIECE_CHARS = 64
#: Most evidence rows kept per process (well under a kilobyte each: about
#: 5 MB in all).
CACHE_ROWS = 8192


def _row_cache(ctx: Context) -> RepeatCache[tuple[object, str], bytes]:
    """The context's cache of evidence rows (built on first use, in the worker).

    A row (its numbers as bytes: small, immutable, and copied into a
    page's scores without a numpy call) depends on the piece's text, the
    candidates and the evidence settings, which together are the key; the
    prior, the pooling and the hints depend on the page and are added
    afterwards. Only pieces seen in an earlier call are kept
    (:class:`~normalize.caches.RepeatCache`).
    """
    return ctx.owned("segment.rows", lambda: RepeatCache(CACHE_ROWS))


#: A piece's stopwords are looked for among its first this many words: a
#: paragraph has said which language it is in by then.
STOPWORDS_READ = 50


def _evidence(
    texts: Sequence[str], cands: tuple[str, ...], config: SegmentConfig, ctx: Context
) -> np.ndarray:
    """Each piece's own evidence: weighted log-likelihoods, letter, chrome and stopword bonuses."""
    # langid learnt its n-grams from running text, mostly lower case: a piece
    # in capitals ("NEWS WEB EASY", a shouted headline) has few of them and
    # is scored in lower case.
    scored = [t.lower() if t.isupper() else t for t in texts]
    tables: LanguageIdentifier.Tables = ctx.owned("identify.tables", dict)
    scores = ctx.identifier.loglik(scored, cands, tables) * config.evidence_weight
    letters = _letter_table(cands, ctx)
    if not letters.columns:
        pass  # no candidate has letters of its own
    elif COMPILED:
        _letter_bonuses_compiled(texts, letters, config, scores)
    # One search over all the pieces first: most pages have no such letter.
    elif (pattern := _letter_pattern(cands, ctx)).search("\n".join(texts)):
        table = letters.columns
        for i, t in enumerate(texts):
            found = pattern.findall(t)
            if found:
                counts: dict[int, int] = {}
                for ch in found:
                    counts[table[ch]] = counts.get(table[ch], 0) + 1
                for col, n in counts.items():
                    scores[i, col] += config.letter_bonus * min(n, config.letter_cap)
    if config.chrome_bonus or config.stopword_bonus:
        if COMPILED:
            phrases = _phrase_table(cands, ctx)
            _word_bonuses_compiled(texts, phrases, _stopword_table(cands, ctx), config, scores)
            return scores
        phrases, owner = _word_tables(cands, ctx)
        for i, t in enumerate(texts):
            key = phrase_key(t)
            for col in phrases.get(key, ()):
                scores[i, col] += config.chrome_bonus
            cols = [
                c
                for w in key.split(None, STOPWORDS_READ)[:STOPWORDS_READ]
                if (c := owner.get(w)) is not None
            ]
            if cols:
                # Stopwords per candidate, at most ``letter_cap`` of each.
                hits: dict[int, int] = {}
                for col in cols:
                    hits[col] = hits.get(col, 0) + 1
                for col, n in hits.items():
                    scores[i, col] += config.stopword_bonus * min(n, config.letter_cap)
    return scores


def _letter_bonuses_compiled(
    texts: Sequence[str], letters: _Letters, config: SegmentConfig, scores: np.ndarray
) -> None:
    """The letter bonuses of :func:`_evidence` by the compiled core's loop
    (:func:`normalize.kernels.letter_bonuses`), added to ``scores`` in place: the same
    numbers, bit for bit (each cell gets the same addition), without the pattern's
    search of every character (re's charset match of each one, then
    ``findall`` of every piece where it found one)."""
    k = scores.shape[1]
    kernels.letter_bonuses(
        texts if isinstance(texts, list) else list(texts),
        letters.codes,
        letters.cols,
        config.letter_bonus,
        config.letter_cap,
        k,
        np.empty(k, dtype=np.intp),
        # A view of the scores (a C-ordered array of their own), row after row.
        scores.reshape(-1),
    )


def _stopword_table(cands: tuple[str, ...], ctx: Context) -> np.ndarray:
    """The stopwords of :func:`_word_tables` as the compiled core's word table
    (:func:`normalize.kernels.fill_word_table`; read-only, made once per candidate
    set and context, and kept on disk between runs: filled in every worker, it
    took a few milliseconds of start-up). A word's column in it is its
    candidate's, whatever order the words were filled in."""
    return _kept_candidates_table("segment.stopword_table", cands, ctx, _fill_stopword_table)


def _fill_stopword_table(cands: tuple[str, ...], ctx: Context) -> np.ndarray:
    owner = _stopword_owners(cands, ctx)
    words = list(owner)
    table = np.empty(kernels.word_table_size(words), dtype=np.intp)
    kernels.fill_word_table(words, [owner[w] for w in words], table)
    return table


def _word_bonuses_compiled(
    texts: Sequence[str],
    phrases: dict[str, tuple[int, ...]],
    stopwords: np.ndarray,
    config: SegmentConfig,
    scores: np.ndarray,
) -> None:
    """The chrome and stopword bonuses of :func:`_evidence` by the compiled core's loop
    (:func:`normalize.kernels.word_bonuses`, which looks the stopwords up in their word
    table, :func:`_stopword_table`), added to ``scores`` in place: the same numbers,
    bit for bit (each cell gets the same additions in the same order)."""
    k = scores.shape[1]
    kernels.word_bonuses(
        texts if isinstance(texts, list) else list(texts),
        _edge_char,
        *nfc_tables(),
        phrases,
        stopwords,
        config.chrome_bonus,
        config.stopword_bonus,
        config.letter_cap,
        STOPWORDS_READ,
        k,
        np.empty(k, dtype=np.intp),
        # A view of the scores (a C-ordered array of their own), row after row.
        scores.reshape(-1),
    )


def _cached_evidence(
    text: str,
    pieces: list[_Piece],
    cands: tuple[str, ...],
    config: SegmentConfig,
    ctx: Context,
    short: np.ndarray,
) -> np.ndarray:
    """:func:`_evidence` of each piece, with the rows of short pieces taken from and kept
    in the cache; ``short`` (a byte per piece) is set to whether each is a short item
    (:func:`normalize.kernels.piece_rows`, which looks the rows up).

    Rows are computed exactly as without the cache (each piece is scored on
    its own), so results do not depend on what was seen before.
    """
    cache = _row_cache(ctx)
    # The evidence settings and candidates, as one token per context: a key
    # of (token, piece) hashes in no time, (settings, piece) would hash all
    # the candidates for every piece.
    context = ctx.owned(
        (
            "segment.rows.context",
            cands,
            config.evidence_weight,
            config.letter_bonus,
            config.letter_cap,
            config.chrome_bonus,
            config.stopword_bonus,
        ),
        object,
    )
    k = len(cands)
    scores = np.empty((len(pieces), k))
    # A view of the scores (a C-ordered array of their own), row after row.
    flat = scores.reshape(-1)
    missing: dict[str, list[int]] = {}
    kernels.piece_rows(
        text,
        pieces,
        config.short_chars,
        CACHE_PIECE_CHARS,
        context,
        cache.get,
        k,
        flat,
        missing,
        short,
    )
    if missing:
        todo = list(missing)
        fresh = _evidence(todo, cands, config, ctx)
        kernels.offer_rows(
            todo, fresh.reshape(-1), missing, k, flat, CACHE_PIECE_CHARS, context, cache.offer
        )
    return scores


def _emissions(
    text: str,
    pieces: list[_Piece],
    cands: tuple[str, ...],
    config: SegmentConfig,
    ctx: Context,
) -> np.ndarray:
    # Short pieces that stand apart (menu items, crumbs), filled with the rows: a byte
    # each, one array for both kernels (a view made per call is converted again).
    short = np.empty(len(pieces), dtype=np.uint8)
    scores = _cached_evidence(text, pieces, cands, config, ctx, short)
    pool_on = bool(config.short_pool and config.short_chars)
    if COMPILED:
        # The same steps in one call (kernels.pool_rows), the same numbers.
        k = len(cands)
        priors = _priors(cands, config, ctx)
        kernels.pool_rows(
            scores.reshape(-1),
            len(pieces),
            k,
            short,
            pool_on,
            config.short_pool,
            priors,
            np.empty(k),
        )
        return scores
    chosen = short.view(np.bool_)
    if pool_on and chosen.sum() > 1:
        pooled = scores[chosen].sum(axis=0)
        scores[chosen] += config.short_pool * (pooled - scores[chosen])
    scores += _priors(cands, config, ctx)
    return scores


def _switch_costs(pieces: Sequence[_Piece], config: SegmentConfig) -> np.ndarray:
    by_kind = (config.switch_soft, config.switch_sentence, config.switch_struct, config.switch_line)
    return np.array([by_kind[p.before] for p in pieces])


def _decode(
    scores: np.ndarray, switch: np.ndarray, temperature: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi labels and their posterior probabilities for one chain of pieces.

    Switching from any language to any other costs ``switch[i]`` before piece
    ``i``; staying is free. With one cost for every switch, the best previous
    state is either the same language or the overall best, so each step is
    linear in the number of candidates. The posteriors come from a
    forward-backward pass in probability space (:func:`_posteriors`) over
    the potentials divided by ``temperature``.

    Where the core is compiled, the same numbers come from its loops
    (:func:`_decode_compiled`), bit for bit; interpreted, these numpy steps
    are faster than the same loops in Python.
    """
    n = len(scores)
    if n == 1:
        prob = np.exp((scores[0] - scores[0].max()) / temperature)
        label = int(np.argmax(scores[0]))
        return np.array([label]), np.array([prob[label] / prob.sum()])
    if COMPILED:
        return _decode_compiled(scores, switch, temperature)
    # The steps run on rows and Python floats: numpy's per-call cost, not the
    # arithmetic, is what a chain of short rows spends its time on.
    cost = np.asarray(switch, dtype=np.float64).tolist()
    rows = list(scores)
    # Viterbi, keeping for each step the scores so far and the best previous language.
    best = rows[0]
    history = [best]
    tops = [0] * n
    for i in range(1, n):
        top = int(best.argmax())
        tops[i] = top
        best = np.maximum(best, best.item(top) - cost[i])
        best += rows[i]
        history.append(best)
    labels = np.zeros(n, dtype=np.int64)
    label = int(best.argmax())
    labels[-1] = label
    for i in range(n - 1, 0, -1):
        prev = history[i - 1]
        top = tops[i]
        if prev.item(label) < prev.item(top) - cost[i]:
            label = top
        labels[i - 1] = label
    if temperature != 1.0:
        scores, switch = scores / temperature, np.asarray(switch) / temperature
    return labels, _posteriors(scores, switch)[np.arange(n), labels]


def _posteriors(scores: np.ndarray, switch: np.ndarray) -> np.ndarray:
    """Posterior probability of each language at each piece (forward-backward).

    The transition from one language to another is 1 to stay and
    ``e^-switch[i]`` to switch, in probability space, every row rescaled to
    sum to one. The backward pass is written as the forward one on the
    reversed chain (``m[i] = mix(m[i+1]) * like[i]``, and ``back[i] =
    mix(m[i+1])``), so both run in one loop on a pair of rows: half the
    numpy calls, which is what a chain of short rows spends its time on.
    """
    n, k = scores.shape
    # Likelihoods relative to each row's best; the floor keeps every row sum
    # positive (an underflow to zero would make it 0/0).
    like = np.maximum(np.exp(scores - scores.max(axis=1, keepdims=True)), 1e-300)
    jump = np.exp(-np.asarray(switch, dtype=np.float64))
    fwd = np.empty((n, k))
    msg = np.empty((n, k))
    fwd[0] = like[0] / like[0].sum()
    msg[-1] = like[-1] / like[-1].sum()
    # Step t moves the forward pass to piece t and the backward one to n-1-t.
    likes = np.stack([like[1:], like[-2::-1]], axis=1)
    jumps = np.stack([jump[1:], jump[:0:-1]], axis=1)[:, :, None]
    stays = 1.0 - jumps
    pair = np.stack([fwd[0], msg[-1]])
    for t in range(n - 1):
        # Rows sum to one, so mixing with the uniform jump is ``x * stay + jump``.
        pair = (pair * stays[t] + jumps[t]) * likes[t]
        pair /= pair.sum(axis=1, keepdims=True)
        fwd[t + 1] = pair[0]
        msg[n - 2 - t] = pair[1]
    back = np.ones((n, k))
    back[:-1] = msg[1:] * (1.0 - jump[1:, None]) + jump[1:, None]
    post = fwd * back
    post /= post.sum(axis=1, keepdims=True)
    return post


def _decode_compiled(
    scores: np.ndarray, switch: np.ndarray, temperature: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_decode` by the compiled core's loops (:func:`normalize.kernels.decode_begin`,
    :func:`normalize.kernels.decode_end`); the exponentials between them stay numpy's.

    The loops share one work buffer, and numpy takes all the chain's
    exponentials in one call, in place: a chain of short rows spends its
    time on calls, not arithmetic.
    """
    n, k = scores.shape
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    switch = np.ascontiguousarray(switch, dtype=np.float64)
    work = np.empty(kernels.decode_work_size(n, k))
    # The labels, then the decoder's scratch.
    ints = np.empty(2 * n, dtype=np.intp)
    # A table goes to the kernels as its flat view.
    at = kernels.decode_begin(scores.reshape(-1), switch, n, k, temperature, work, ints)
    exponents = work[at : at + n * k + n]
    np.exp(exponents, out=exponents)
    conf = np.empty(n)
    kernels.decode_end(work, n, k, ints, conf)
    return ints[:n], conf


def _label(
    text: str,
    pieces: list[_Piece],
    languages: Sequence[str] | None,
    hints: LanguageHints | None,
    config: SegmentConfig,
    ctx: Context,
) -> None:
    groups: dict[str, list[_Piece]] = {}
    for p in pieces:
        groups.setdefault(p.group, []).append(p)
    for group, chain in groups.items():
        cands = _candidates(group, languages)
        if not cands:
            for p in chain:
                p.lang, p.confidence = UNDETERMINED, 0.0
            continue
        if len(cands) == 1:
            for p in chain:
                p.lang, p.confidence = cands[0], 1.0
            continue
        # A pathological text (a megabyte of "a. a. a.") could make a chain
        # of 300,000 pieces; decode it in at most ``max_pieces`` windows of
        # consecutive pieces instead, so the time stays linear and small.
        size = -(-len(chain) // config.max_pieces)
        units = chain
        if size > 1:
            windows = [chain[i : i + size] for i in range(0, len(chain), size)]
            units = [
                _Piece(w[0].start, w[-1].end, w[0].script, group, w[0].before) for w in windows
            ]
        scores = _emissions(text, units, cands, config, ctx)
        switch = _switch_costs(units, config)
        labels, conf = _decode(scores, switch, config.confidence_temperature)
        # What the page's markup and its source say is a prior for the
        # pieces the text alone leaves unsure; a sure piece keeps its label.
        prior = _hint_prior(cands, hints, config)
        if prior is not None:
            unsure = conf < config.unsure_confidence
            if unsure.any():
                scores[unsure] += prior
                labels, conf = _decode(scores, switch, config.confidence_temperature)
        kernels.set_labels(chain, labels, conf, cands, size)
        if len(chain) == 1 and _undecided(chain[0], config):
            chain[0].lang, chain[0].confidence = UNDETERMINED, 0.0


def _undecided(piece: _Piece, config: SegmentConfig) -> bool:
    """Whether a piece alone in its script is too short and unsure to keep its label."""
    return (
        piece.confidence < config.min_confidence and piece.end - piece.start <= config.short_chars
    )


# Output ----------------------------------------------------------------------------


def _absorb_strays(
    text: str, pieces: list[_Piece], config: SegmentConfig, table: _CharClasses
) -> None:
    """Give a letter or two of another script inside running text the language around it
    (:func:`normalize.kernels.absorb_strays`, with ``table``, which covers the text).

    Scraped text writes the odd foreign letter inside a sentence: a Latin
    "F." or "p." in Bulgarian and Ukrainian, Greek β in Persian, a Latin i
    typed for Cyrillic і. Such a stray is part of its sentence, not a
    language switch.
    """
    kernels.absorb_strays(text, pieces, config.stray_letters, table.classes, table.info)


def segment_languages(
    text: str,
    languages: Sequence[str] | None = None,
    *,
    hints: LanguageHints | None = None,
    config: SegmentConfig | None = None,
    ctx: Context | None = None,
    blocks: Sequence[Block] | None = None,
) -> list[Segment]:
    """Label a canonical text with segments of one language and script.

    The segments tile ``text``: contiguous, in order, joined they give the
    text back. Language segments run from a piece's first letter to its last
    (a sentence end right after it included) and merge with the next piece of
    the same language across spaces, commas and sentence ends; everything
    else (separators, digits, URLs, spaces between them) is ``zxx``.
    ``languages`` overrides ``config.languages``. ``ctx`` holds the language
    identifier, the packs and the caches (the process's default context when
    omitted).

    ``blocks`` (a page's: they tile ``text``) cut the segments at their
    boundaries, and each segment takes its block's kind (and a boilerplate
    block's reason). Each segment is made once, already cut: a page's
    segments are tens of thousands of objects.

    >>> [(s.text, s.lang, s.script) for s in segment_languages("12:30 — Bonjour tout le monde !")]
    [('12:30 — ', 'zxx', 'Zyyy'), ('Bonjour tout le monde !', 'fr', 'Latn')]
    >>> text = "Accueil | Actualités. Bonjour tout le monde !"
    >>> blocks = [Block(0, 22, BOILERPLATE, "nav"), Block(22, 45)]
    >>> [(s.text, s.lang, s.kind) for s in segment_languages(text, blocks=blocks)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Accueil', 'fr', 'boilerplate'), (' | ', 'zxx', 'boilerplate'),
     ('Actualités. ', 'fr', 'boilerplate'), ('Bonjour tout le monde !', 'fr', 'content')]
    >>> segment_languages("")
    []
    """
    config = config or SegmentConfig()
    if languages is None:
        languages = config.languages
    elif languages is not config.languages:
        validate_languages(tuple(languages))
    if not text:
        return []
    ctx = ctx or default_context()
    urls = _url_kinds(text)
    table = _char_classes(ctx)
    table.cover(text)
    pieces = _scanned_pieces(text, table, urls) if COMPILED else _pieces(text)
    _label(text, pieces, languages, hints, config, ctx)
    _absorb_strays(text, pieces, config, table)
    return _cut_at_blocks(text, _spans(text, pieces, table, urls), blocks)


#: A stretch ``text[start:end]`` with its language, script and confidence.
_Span = tuple[int, int, str, str, float]


def _spans(
    text: str, pieces: list[_Piece], table: _CharClasses, urls: tuple[bool, bool] | None = None
) -> list[_Span]:
    """The stretches that tile ``text``, in order: runs of labelled pieces, ``zxx``
    between them (:func:`normalize.kernels.spans`, which reads the gaps with the
    scanner's tables, ``table``, which covers the text; ``urls`` is :func:`_url_kinds`
    of the text when known).

    A run is the pieces of one language and script that only spaces, commas,
    sentence ends and URLs separate; its stretch takes a URL and a sentence
    end right after it. The confidence of a stretch is its pieces', weighted
    by their lengths. :func:`_cut_at_blocks` makes them segments.
    """
    schemes, emails = urls or _url_kinds(text)
    return kernels.spans(
        text, pieces, schemes, emails, table.classes, table.info, NO_LANGUAGE, "Zyyy"
    )


def _cut_at_blocks(
    text: str, spans: Sequence[_Span], blocks: Sequence[Block] | None
) -> list[Segment]:
    """A segment per span, or per part of a span in one block, with the block's kind.

    Spans and blocks tile the same text, so one merge walk suffices.
    """
    reasons: list[str | None]
    if blocks is None:
        ends, kinds, reasons = [len(text)], [CONTENT], [None]
    else:
        ends, kinds, reasons = kernels.block_table(tuple(blocks), BOILERPLATE)
    if COMPILED:
        return kernels.cut_segments(Segment, text, list(spans), ends, kinds, reasons)
    out: list[Segment] = []
    append = out.append
    bi = 0
    for start, end, lang, script, conf in spans:
        while ends[bi] <= start:
            bi += 1
        # Most spans lie in one block: a segment for each part of the others.
        while (cut := ends[bi]) < end:
            append(Segment(text[start:cut], start, cut, lang, script, conf, kinds[bi], reasons[bi]))
            start = cut
            while ends[bi] <= start:
                bi += 1
        append(Segment(text[start:end], start, end, lang, script, conf, kinds[bi], reasons[bi]))
    return out


@dataclass(frozen=True, slots=True)
class LanguageSummary:
    """A document's languages, from the letters of its segments."""

    #: The language with the most letters; ``und`` when letters of no known
    #: language (a script no candidate writes, pieces too short to decide)
    #: outnumber those of every language, or when there are no letters.
    lang: str
    #: Expected share of the letters that are in ``lang``: the letters of
    #: its segments weighted by their confidence, over all letters (0 for ``und``).
    confidence: float
    #: Up to three ``(language, share of letters)``, most letters first (``und`` included).
    shares: tuple[tuple[str, float], ...]


def language_summary(segments: Sequence[Segment]) -> LanguageSummary:
    """The dominant language, its confidence and the top three languages by letters.

    Script-aware: letters labelled ``und`` (e.g. Burmese when no candidate
    writes Myanmar) count, so a Burmese page with a few Latin words is
    ``und``, never the language of its Latin letters.

    >>> summary = language_summary([Segment("Hi there", 0, 8, "fr", "Latn", 0.9),
    ...     Segment(" — ", 8, 11, "zxx"), Segment("bonjour", 11, 18, "fr", "Latn", 0.5),
    ...     Segment(" hi", 18, 21, "en", "Latn", 1.0)])
    >>> summary.lang, round(summary.confidence, 2), summary.shares
    ('fr', 0.61, (('fr', 0.875), ('en', 0.125)))
    >>> language_summary([Segment("မြန်မာစာ", 0, 8, "und", "Mymr"), Segment(" ", 8, 9, "zxx"),
    ...                   Segment("BBC", 9, 12, "en", "Latn", 0.9)]).lang
    'und'
    """
    letters: dict[str, int] = {}
    confident: dict[str, float] = {}
    kernels.letter_totals(
        segments if isinstance(segments, list) else list(segments),
        NO_LANGUAGE,
        letters,
        confident,
    )
    total = sum(letters.values())
    if not total:
        return LanguageSummary(UNDETERMINED, 0.0, ())
    ranked = sorted(letters.items(), key=lambda kv: (-kv[1], kv[0]))
    lang = ranked[0][0]
    return LanguageSummary(
        lang=lang,
        confidence=0.0 if lang == UNDETERMINED else confident[lang] / total,
        shares=tuple((code, n / total) for code, n in ranked[:3]),
    )


def dominant_language(segments: Sequence[Segment]) -> str:
    """The language with the most letters (``und`` if none, or if ``und`` has the most).

    >>> dominant_language([Segment("Hi there", 0, 8, "en"), Segment(" — ", 8, 11, "zxx"),
    ...                    Segment("bonjour", 11, 18, "fr")])
    'en'
    >>> dominant_language([Segment("42", 0, 2, "zxx")])
    'und'
    """
    return language_summary(segments).lang
