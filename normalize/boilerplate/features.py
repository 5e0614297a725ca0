"""Features: what a block's text says (words, punctuation, stopwords, position, neighbours).

Each line is analysed once per page (:class:`_Line`, made by
:func:`page_lines`), and short lines that repeat across pages once per
worker: a bounded cache that the worker's context owns keeps them, because
site chrome repeats on every page of a source (see :data:`LINE_CACHE_SIZE`). The stoplist language of a
page is guessed from the language packs' stopwords.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Collection, Iterable, Sequence
from itertools import accumulate, repeat
from typing import TYPE_CHECKING

import numpy as np
import regex

from normalize import compiled
from normalize.boilerplate.rules import _NAV_SEP, _SENT_END, Phrases, _icon_labels, _short_rule
from normalize.boilerplate.tokens import (
    _ASCII_WORD,
    SCAN_COMPILED,
    _ascii_words,
    _word_pattern,
    words,
)
from normalize.caches import RepeatCache
from normalize.classes import dataclass
from normalize.context import Context, default_context
from normalize.document import Page
from normalize.langpacks import LangPacks, _edge_char, phrase_key
from normalize.scripts import mark_matches

if TYPE_CHECKING:
    from normalize.boilerplate import scan
else:
    scan = compiled.load("boilerplate.scan")
# With the scanner compiled (tokens.SCAN_COMPILED), lines of ASCII words are
# read by its one pass (scan.ascii_line) rather than by the patterns (faster
# interpreted than that pass). A page's text features are always the
# scanner's (_text_features), compiled or not.
#: The scanner's flags of ASCII and General Punctuation for a line's key
#: (:func:`~normalize.boilerplate.scan.ascii_analysis`).
_KEY_CLASSES = scan.key_classes(_edge_char)

_SENT_PUNCT = regex.compile(r"[.!?…。！？।॥؟۔](?:\s|$)")
_COMMA = regex.compile(r"[,،、，;؛]")
_DIGIT = regex.compile(r"\p{Nd}")
_URLISH = regex.compile(r"https?://|www\.|@\w|\.com\b")
#: The line patterns (:data:`_SENT_END`, :data:`_SENT_PUNCT`, :data:`_COMMA`,
#: :data:`_DIGIT`, :data:`_URLISH`, :data:`_NAV_SEP`) for text whose letters,
#: marks and digits are ASCII (:func:`_ascii_words`: ASCII and General
#: Punctuation), in ``re``, about twice as fast there: the same matches on such
#: text. ``regex``'s ``\s`` and ``\w`` there are these classes (a test checks
#: every character of both blocks).
_LINE_PATTERNS = (_SENT_END, _SENT_PUNCT, _COMMA, _DIGIT, _URLISH, _NAV_SEP)
_GP_SPACE = "[\t\n\x0b\x0c\r \u2000-\u200a\u2028\u2029\u202f\u205f]"
_GP_WORD = "[A-Za-z0-9_\u200c\u200d\u203f\u2040\u2054]"
_ASCII_LINE_PATTERNS = (
    re.compile(r"[.!?…][\"'”’)\]]*$"),
    re.compile(rf"[.!?…](?:{_GP_SPACE}|$)"),
    re.compile(r"[,;]"),
    re.compile(r"[0-9]"),
    re.compile(rf"https?://|www\.|@{_GP_WORD}|\.com(?!{_GP_WORD})"),
    re.compile(rf"{_GP_SPACE}[|•]{_GP_SPACE}"),
)


@dataclass(frozen=True, slots=True)
class _StopIndex:
    """Which languages' stoplists have each word, as a small id per set of languages.

    A page's words are counted by id (one dict lookup per word), and the
    counts are spread over the languages by one product with ``members``
    (a few hundred sets by a few dozen languages) instead of a Python loop
    over each set's languages.
    """

    ids: dict[str, int]  # word -> id of the set of languages whose stoplist has it
    langs: tuple[tuple[str, ...], ...]  # id -> those languages; 0 is no language
    names: tuple[str, ...]  # every language of a set, sorted
    members: np.ndarray  # members[id, k]: 1 when names[k] is in langs[id], else 0 (int64)
    columns: tuple[bytes, ...]  # columns[k][id]: members[id, k], one byte per set


def _stop_index(ctx: Context) -> _StopIndex:
    """The :class:`_StopIndex` of the context's packs, made once per context and kept on
    disk (:meth:`~normalize.langpacks.LangPacks.cached`)."""
    return ctx.owned(
        "boilerplate.stop_sets",
        lambda: ctx.packs.cached("boilerplate.stop_sets", lambda: _make_stop_index(ctx.packs)),
    )


def _make_stop_index(packs: LangPacks) -> _StopIndex:
    """The stop index of ``packs``, its sets of languages numbered in a fixed order (the
    packs' languages and each one's words sorted), not in the order of the words'
    hashes, which differs from process to process: a :class:`_StopTable` made from
    one build of the index goes with any other (they are kept apart)."""
    index: dict[str, list[str]] = {}
    for lang in packs.langs():
        for w in sorted(packs.pack(lang).stopwords):
            index.setdefault(w, []).append(lang)
    set_ids: dict[tuple[str, ...], int] = {(): 0}
    ids = {w: set_ids.setdefault(tuple(ls), len(set_ids)) for w, ls in index.items()}
    names = tuple(sorted({lang for ls in set_ids for lang in ls}))
    column = {lang: k for k, lang in enumerate(names)}
    members = np.zeros((len(set_ids), len(names)), np.int64)
    for ls, set_id in set_ids.items():
        for lang in ls:
            members[set_id, column[lang]] = 1
    columns = tuple(members[:, k].astype(np.uint8).tobytes() for k in range(len(names)))
    return _StopIndex(ids, tuple(set_ids), names, members, columns)


@dataclass(frozen=True, slots=True)
class _StopTable:
    """The stop index as the compiled scanner reads it: the stopwords in a word table
    (:func:`~normalize.kernels.fill_word_table`) whose column of a word is the id
    of its set of languages, and each set's languages as numbers (columns of
    :attr:`_StopIndex.names`), one run per set; with the index's languages and
    their columns (:attr:`_StopIndex.names`, :attr:`_StopIndex.columns`), so that
    the compiled path reads the table alone.

    A page's words are looked up in it while they are read out of its lines,
    without a string per word (:func:`~normalize.kernels.word_columns`).
    """

    words: np.ndarray  # intp: the word table, a word's column its set's id
    set_starts: np.ndarray  # intp: set s's languages are set_langs[set_starts[s]:set_starts[s + 1]]
    set_langs: np.ndarray  # intp
    names: tuple[str, ...]  # as _StopIndex.names
    columns: tuple[bytes, ...]  # as _StopIndex.columns


def _stop_table(ctx: Context) -> _StopTable:
    """The :class:`_StopTable` of the context's packs, made once per context (only the
    compiled path reads it) and kept on disk apart from the index, whose 55,000
    words need not be loaded with it (:func:`_make_stop_index` numbers them alike
    in every build)."""
    return ctx.owned(
        "boilerplate.stop_table",
        lambda: ctx.packs.cached(
            "boilerplate.stop_table", lambda: _make_stop_table(_stop_index(ctx)), read_only=True
        ),
    )


def _make_stop_table(index: _StopIndex) -> _StopTable:
    words = list(index.ids)
    table = np.empty(compiled.kernels.word_table_size(words), np.intp)
    compiled.kernels.fill_word_table(words, list(index.ids.values()), table)
    column = {lang: k for k, lang in enumerate(index.names)}
    set_langs = np.array([column[lang] for ls in index.langs for lang in ls], np.intp)
    set_starts = np.fromiter(
        accumulate(map(len, index.langs), initial=0), np.intp, len(index.langs) + 1
    )
    return _StopTable(table, set_starts, set_langs, index.names, index.columns)


def guess_stoplist_lang(
    sample_words: Sequence[str],
    hint: str | None = None,
    *,
    folded: bool = False,
    ctx: Context | None = None,
) -> str | None:
    """The language pack whose stopwords cover most of ``sample_words``.

    ``hint`` (e.g. ``<html lang>``) wins when it has a pack and covers at
    least a tenth of the words: pages mislabel their language less often than
    they mix scripts, but a wrong label must not blind the stopword feature.
    ``folded`` says the words are already casefolded. The packs are those of
    ``ctx`` (the default context when omitted).

    >>> guess_stoplist_lang("the cat sat on the mat and it was fine".split())
    'en'
    >>> guess_stoplist_lang("это был очень хороший день и мы гуляли".split())
    'ru'
    """
    index = _stop_index(ctx or default_context())
    lowered = list(sample_words[:1000]) if folded else [w.casefold() for w in sample_words[:1000]]
    set_ids = np.fromiter(map(index.ids.get, lowered, repeat(0)), np.intp, len(lowered))
    if not len(set_ids):
        return None
    # Count each word's set of languages, then spread the counts over the
    # languages (whole numbers: exact in any order).
    counts = np.bincount(set_ids, minlength=len(index.langs)) @ index.members
    return _best_covering(counts.tolist(), len(set_ids), hint, index.names)


def _best_covering(
    counts: Sequence[int], n_words: int, hint: str | None, names: Sequence[str]
) -> str | None:
    """The choice of :func:`guess_stoplist_lang` from how many of ``n_words`` words each
    language of ``names`` covers."""
    if hint:
        hint = hint.split("-")[0].split("_")[0].lower()
        if hint in names and counts[names.index(hint)] >= 0.1 * n_words:
            return hint
    if not names:
        return None
    # The most covering language; of several, the first by name (list.index finds
    # the first of the maxima, in C: no call per language).
    n = max(counts)
    best = counts.index(n)
    return names[best] if n and n >= 0.05 * n_words else None


#: Features every block has, computed from its text and its neighbours'.
TEXT_FEATURES: tuple[str, ...] = (
    "bias",
    "log_words",
    "short",
    "stop",
    "stop_rel",
    "no_stoplist",
    "end_punct",
    "sent_punct",
    "comma_rate",
    "digit_ratio",
    "cap_ratio",
    "urlish",
    "nav_sep",
    "pos",
    "in_span",
    "after_span",
    "dist_prose",
    "prose",
    "ctx_prose",
    "prev_words",
    "next_words",
    "prev_end_punct",
    "next_end_punct",
    "title_like",
)

#: Features that only HTML blocks have (set by :mod:`normalize.extract.html`).
HTML_FEATURES: tuple[str, ...] = (
    "tag_p",
    "tag_h",
    "tag_li",
    "tag_td",
    "tag_pre",
    "tag_caption",
    "tag_other",
    "link_density",
    "all_link",
    "link_head",
    "log_links",
    "in_nav",
    "in_header",
    "in_footer",
    "in_aside",
    "in_form",
    "in_article",
    "in_main",
    "in_list",
    "in_table",
    "in_figure",
    "in_dialog",
    "cls_nav",
    "cls_footer",
    "cls_share",
    "cls_comments",
    "cls_related",
    "cls_sidebar",
    "cls_ads",
    "cls_meta",
    "cls_subscribe",
    "cls_cookie",
    "cls_breadcrumb",
    "cls_good",
    "in_container",
    "container_near",
    "container_ld",
    "region",
    "in_region",
)

#: Second-stage features: the first stage's verdict on the neighbours. Chrome
#: comes in runs (a menu, a footer) and so does content.
CONTEXT_FEATURES: tuple[str, ...] = ("ctx_p", "prev_p", "next_p", "ctx_p_wide")


_LOG_13 = math.log1p(12)
_LOG_11 = math.log1p(10)


#: A capital that starts a word of :data:`_WORD`: capitals are never Han or
#: kana, so one starts a word unless a letter, mark, digit or "_" of another
#: script comes right before it. One pass over the line instead of one match
#: per word.
_CAP_WORD_START = regex.compile(
    r"(?<![[\p{L}\p{M}\p{N}_]--[\p{Han}\p{Hiragana}\p{Katakana}]])\p{Lu}", regex.V1
)
_ASCII_CAP_WORD_START = re.compile(r"(?<![A-Za-z0-9_])[A-Z]")
#: Lines up to this many code points are analysed once per worker when they
#: repeat (see :func:`_line`): chrome lines are short and repeat on every page
#: of a site, while paragraphs rarely repeat.
LINE_CACHE_CHARS = 400
#: How many lines the cache keeps (least recently used go first). Only lines
#: seen on an earlier page are kept (:class:`~normalize.caches.RepeatCache`):
#: chrome, not the paragraphs that would make memory grow with the run.
#: 512 lines are a dozen sites' chrome and about 1.5 MB with the keys seen once
#: (a line kept is ~1.7 KB: its key, folded text, phrase key and features). It
#: was 1024: on the 10,000 throughput documents 512 keeps 98.9 % of its hits
#: (46,845 of 47,360, among 68,734 lookups) and the same CPU, and a worker's
#: peak RSS is 1.4 MiB lower (68.8 -> 67.4 MiB; 100 documents: 56.9 either way).
LINE_CACHE_SIZE = 512


class _LineChars:
    """The character flags :func:`~normalize.boilerplate.scan.unicode_line` reads: a
    byte per code point, each flag a class of the line patterns matched by
    ``regex`` itself (so both paths read characters alike).

    Code points get their flags when a line first has them (:meth:`cover`), by
    blocks of 256: a text's characters come from few blocks, and a block costs
    a few pattern scans of 256 characters. A table starts from ``bmp`` when
    given: the flags of the whole BMP (64 KB), made once (:meth:`bmp`) and kept
    on disk (:func:`line_chars`); made by blocks, they cost a worker's first
    pass over 1,000 text pages 1.8 ms.
    """

    #: Each flag's pattern, with the flags of the line patterns' own (only the
    #: words' set difference needs ``regex.V1``).
    _TESTS = (
        (scan.CHAR_WORD, r"[[\p{L}\p{M}\p{N}_]--[\p{Han}\p{Hiragana}\p{Katakana}]]+", regex.V1),
        (scan.CHAR_CJK, r"[\p{Han}\p{Hiragana}\p{Katakana}]+", 0),
        (scan.CHAR_SPACE, r"\s+", 0),
        (scan.CHAR_W, r"\w+", 0),
        (scan.CHAR_DIGIT, r"\p{Nd}+", 0),
        (scan.CHAR_UPPER, r"\p{Lu}+", 0),
    )

    def __init__(
        self,
        tests: list[tuple[int, regex.Pattern[str]]] | None = None,
        bmp: np.ndarray | None = None,
    ) -> None:
        self.flags = np.zeros(0x110000, np.uint8)
        self._tests = self.compile_tests() if tests is None else tests
        self._lock = threading.Lock()
        if bmp is not None:
            if len(bmp) != 0x10000:
                raise ValueError(f"bmp needs the flags of 65,536 code points, not {len(bmp):,}")
            self.flags[:0x10000] = bmp

    @classmethod
    def compile_tests(cls) -> list[tuple[int, regex.Pattern[str]]]:
        """``(flag, pattern)`` of each flag, compiled: what :func:`line_chars` keeps on disk
        with the packs' tables (``regex`` pickles a pattern as its compiled code)."""
        return [(bit, regex.compile(pattern, flags)) for bit, pattern, flags in cls._TESTS]

    def cover(self, code: int) -> None:
        """Make the flags of the block of 256 code points that ``code`` is in."""
        base = code & ~0xFF
        block = self._made(base, base + 256)
        with self._lock:
            self.flags[base : base + 256] = block

    def _made(self, start: int, stop: int) -> np.ndarray:
        """The flags of the code points ``start`` to ``stop`` (each flag is of one character)."""
        flags = np.full(stop - start, scan.CHAR_SEEN, np.uint8)
        mark_matches(flags, "".join(map(chr, range(start, stop))), self._tests)
        return flags

    def bmp(self) -> np.ndarray:
        """The flags of the whole BMP, made at once: what another table starts from."""
        return self._made(0, 0x10000)

    @classmethod
    def kept(cls) -> tuple[list[tuple[int, regex.Pattern[str]]], np.ndarray]:
        """What :func:`line_chars` keeps on disk: the compiled patterns and the BMP's flags."""
        tests = cls.compile_tests()
        return tests, cls(tests).bmp()


def line_chars(ctx: Context) -> _LineChars:
    """The character flags of the lines' scanner, made once per context (worker) from
    their patterns and the BMP's flags kept beside the packs' tables
    (:meth:`LangPacks.cached <normalize.langpacks.LangPacks.cached>`)."""
    return ctx.owned(
        "boilerplate.line_chars",
        lambda: _LineChars(*ctx.packs.cached("boilerplate.line_chars", _LineChars.kept)),
    )


class _Line:
    """What a block's text says on its own, whatever page it is on.

    ``base`` holds the context-free features in the order of
    :func:`text_features`' dict; the page-dependent ones (stopword density,
    position, neighbours) are computed per page from ``folded_text``, the
    line's casefolded words joined with NUL (one string: cheaper to cut than
    :attr:`folded` is to join again; a slot, read without a call).
    """

    __slots__ = (
        "_rule",
        "_rule_src",
        "base",
        "folded_text",
        "icon",
        "key",
        "n_words",
        "text",
    )

    folded_text: str

    def __init__(self, text: str, chars: _LineChars | None = None) -> None:
        self.text = text
        self._rule: str | None = None
        self._rule_src: object = None
        # The words themselves are not kept (``tokens`` makes them again): the
        # casefolded ones are, and a batch holds the lines of all its pages,
        # as one string (NUL between words): a list of strings costs several
        # times the memory.
        if SCAN_COMPILED:
            # A line of ASCII and General Punctuation: one call of the compiled
            # scanner, the key, the counts the patterns would find turned into
            # the features, and the icon-strip verdict.
            analysed = scan.line_analysis(text, _KEY_CLASSES)
            if analysed is not None:
                self.key, self.n_words, self.folded_text, self.base, self.icon = analysed
                return
        if chars is not None and SCAN_COMPILED:
            # The compiled scanner's one pass with the character flags of
            # ``chars`` (made for the blocks of code points the line has).
            self.key = phrase_key(text)
            counts = scan.unicode_line(text, chars.flags)
            while counts[0] < 0:
                chars.cover(counts[1])
                counts = scan.unicode_line(text, chars.flags)
            nw, joined, end, n_sent, n_comma, n_digit, n_caps, url, n_nav = counts
            self.folded_text = joined.casefold()
            self.n_words = nw
            self.base = scan.base_features(
                len(text), nw, end, n_sent, n_comma, n_digit, n_caps, url, n_nav
            )
        else:
            self.key = phrase_key(text)
            ascii_words = _ascii_words(text)
            ws = (_ASCII_WORD if ascii_words else _word_pattern(text)).findall(text)
            nw = len(ws)
            # Casefolding maps each character on its own (no context, unlike
            # lower()), so the joined words fold into the folded words.
            self.folded_text = "\x00".join(ws).casefold()
            sent_end, sent_punct, comma, digit, urlish, nav_sep = (
                _ASCII_LINE_PATTERNS if ascii_words else _LINE_PATTERNS
            )
            cap_word_start = _ASCII_CAP_WORD_START if ascii_words else _CAP_WORD_START
            end = sent_end.search(text) is not None
            n_sent = len(sent_punct.findall(text))
            n_comma = len(comma.findall(text))
            n_digit = len(digit.findall(text))
            n_caps = len(cap_word_start.findall(text))
            url = urlish.search(text) is not None
            n_nav = len(nav_sep.findall(text))
            self.n_words = nw
            self.base = scan.base_features(
                len(text), nw, end, n_sent, n_comma, n_digit, n_caps, url, n_nav
            )
        # The rule itself (the scanner reads ASCII and General Punctuation only); a
        # strip never ends a sentence (``end`` is the search of ``rules._SENT_END``).
        self.icon = not end and _icon_labels(text)

    @property
    def folded(self) -> list[str]:
        """The line's words, casefolded."""
        return self.folded_text.split("\x00") if self.n_words else []

    @property
    def tokens(self) -> list[str]:
        """The line's words (:func:`words`), made again on each use: only short
        lines and a page's first lines need them."""
        return words(self.text)

    def rule(self, max_rule_chars: int, phrases: Phrases) -> str | None:
        """:func:`rule_reason` of the line (the phrase rules are looked up once per pack set)."""
        if self.icon:
            return "icon_strip"
        if len(self.text) > max_rule_chars:
            return None
        if self._rule_src is not phrases:
            self._rule = _short_rule(self.text, self.key, self.n_words, phrases, self.base[6] > 0.0)
            self._rule_src = phrases
        return self._rule


def line_cache(ctx: Context) -> RepeatCache[str, _Line]:
    """Short lines seen on more than one page, analysed once per context (worker)."""
    return ctx.owned("boilerplate.lines", lambda: RepeatCache(LINE_CACHE_SIZE))


def _lines(texts: Iterable[str], ctx: Context) -> list[_Line]:
    """The analysis of each line, from the context's cache when it is short and repeats
    (one loop per page: no call per line but the cache's and the analysis')."""
    cache, chars = line_cache(ctx), line_chars(ctx)
    get, offer = cache.get, cache.offer
    lines = []
    for text in texts:
        if len(text) > LINE_CACHE_CHARS:
            lines.append(_Line(text, chars))
            continue
        line = get(text)
        if line is None:
            line = _Line(text, chars)
            offer(text, line)
        lines.append(line)
    return lines


def page_lines(page: Page, ctx: Context) -> list[_Line]:
    """The analysis of each block's text. Both the cross-document pass and the
    classifier read them: the pipeline makes them once per page and hands them
    to both."""
    # Page.block_text of each block, in one loop of the scanner.
    return _lines(scan.block_texts(page.text, page.blocks), ctx)


def page_lang(
    page: Page,
    tokens: Iterable[Sequence[str]] | None = None,
    *,
    folded: bool = False,
    ctx: Context | None = None,
) -> str | None:
    """The stoplist language of a page (``<html lang>`` as a hint, else the best-covering pack).

    ``tokens`` are the blocks' words when known (``folded``: casefolded already),
    in block order; only the first blocks' are read (up to 1000 words), so
    they may come from a generator.
    """
    sample: list[str] = []
    block_words = (
        tokens if tokens is not None else (words(page.text[b.start : b.end]) for b in page.blocks)
    )
    for ws in block_words:
        sample.extend(ws)
        if len(sample) >= 1000:
            break
    hint = page.metadata.get("html_lang")
    return guess_stoplist_lang(
        sample,
        hint if isinstance(hint, str) else None,
        folded=folded and tokens is not None,
        ctx=ctx,
    )


def page_stoplist(
    page: Page, lines: Sequence[_Line], ctx: Context
) -> tuple[str | None, list[int] | None]:
    """The page's stoplist language (:func:`page_lang`, from its analysed lines) and
    the number of that stoplist's words in each line (:func:`stop_counts`; ``None``
    without a stoplist).

    Compiled, each word of the page is looked up once in the packs' stop
    table (:class:`_StopTable`), where it is in its line's casefolded text
    (:func:`~normalize.kernels.word_columns`), without splitting the line:
    the guess counts the first thousand words' languages
    (:func:`~normalize.boilerplate.scan.stop_lang_counts`), and a line's count
    is that of its ids whose set of languages has the page's.
    """
    if not SCAN_COMPILED:
        folded = [line.folded for line in lines]
        lang = page_lang(page, folded, folded=True, ctx=ctx)
        return lang, stop_counts(lines, ctx.packs.pack(lang).stopwords if lang else None, folded)
    table = _stop_table(ctx)
    n_words = [line.n_words for line in lines]
    ids = np.empty(sum(n_words), np.uintc)
    compiled.kernels.word_columns(
        [line.folded_text for line in lines], "\x00", table.words, len(table.set_starts) - 1, 0, ids
    )
    n_sample = min(1000, len(ids))
    if not n_sample:
        return None, None
    counts = np.zeros(len(table.names), np.intp)
    per_set = np.zeros(len(table.set_starts) - 1, np.intp)
    scan.stop_lang_counts(ids, n_sample, table.set_starts, table.set_langs, counts, per_set)
    hint = page.metadata.get("html_lang")
    lang = _best_covering(
        counts.tolist(), n_sample, hint if isinstance(hint, str) else None, table.names
    )
    if not lang:
        return None, None
    # The guess is one of the index's languages (the hint only when it is one).
    return lang, scan.stop_counts(ids, n_words, table.columns[table.names.index(lang)])


def text_features(
    texts: Sequence[str], stop: frozenset[str] | None, ctx: Context | None = None
) -> list[dict[str, float]]:
    """Per-block text features; ``stop`` is the page's stoplist (None when unknown).

    With no stoplist the stopword features take neutral values and
    ``no_stoplist`` is set, so a language without a pack is judged by the other
    features instead of looking like a page without prose.
    """
    lines = _lines(texts, ctx or default_context())
    return _text_features(lines, stop_counts(lines, stop))


def stop_counts(
    lines: Sequence[_Line],
    stop: Collection[str] | None,
    folded: Sequence[Sequence[str]] | None = None,
) -> list[int] | None:
    """The number of words of ``stop`` in each line (``None`` when there is no stoplist);
    ``folded`` are the lines' casefolded words (:attr:`_Line.folded`) when already split.

    >>> stop_counts([_Line("The cat and the dog."), _Line("Dogs")], frozenset({"the", "and"}))
    [3, 0]
    """
    if not stop:
        return None
    if folded is None:
        folded = [line.folded for line in lines]
    has = stop.__contains__
    return [sum(map(has, ws)) for ws in folded]


def _text_features(lines: Sequence[_Line], stops: Sequence[int] | None) -> list[dict[str, float]]:
    """:func:`text_features` of the page's analysed lines; ``stops`` is the number of
    stopwords in each line (:func:`stop_counts`), ``None`` when the page has no stoplist.

    The features are the scanner's one pass
    (:func:`~normalize.boilerplate.scan.text_features`): compiled where the
    scanner is, else the same source interpreted, about as fast as loops
    written for the interpreter.
    """
    return scan.text_features(list(lines), None if stops is None else list(stops), _LOG_11, _LOG_13)
