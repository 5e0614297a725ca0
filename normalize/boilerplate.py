"""Boilerplate: separate page chrome from content, in HTML and in extracted text.

Every page carries chrome (navigation, breadcrumbs, share and subscribe
prompts, comment forms, icon-label strips, podcast timestamps, related-story
lists). This stage never deletes it: it turns a page into :class:`Block` s that
tile the canonical page text and marks each one ``content`` or ``boilerplate``
with a stable reason code, so the pipeline can build ``text`` from the content
and still keep every character in ``segments``.

One engine, two inputs:

* HTML (:func:`html_page`, in :mod:`normalize.boilerplate_html`): blocks carry
  structural features (tag, link density, ``nav``/``footer``/``aside``
  ancestors, class/id words such as ``share`` or ``comment``, the main-content
  container).
* Already-extracted text (:func:`text_page`): blocks are lines; only what the
  text itself shows (length, stopword density, punctuation, position,
  neighbours) is available.

:func:`mark_boilerplate` decides in three layers, most certain first: exact
evidence (cross-document repetition, duplicate title or line), rules whose
reason is a named kind of chrome (a phrase from ``lang_packs/<lang>/chrome.txt``,
a breadcrumb trail, an icon-label strip, a bare timestamp, a ``nav`` or
``share`` container), then a small logistic model (weights are data in
:mod:`normalize.boilerplate_weights`, trained and cross-validated by
``bench/train_boilerplate.py``) for everything else.

Work per document is bounded, and says so in the page's metadata:

* HTML past ``max_html_chars`` is cut before parsing (``truncated: True``);
* at most ``max_blocks`` blocks; the rest of a text page becomes one last
  block, the rest of an HTML page is dropped (``truncated: True``);
* the tree walk is iterative; elements nested past ``max_depth`` lend their
  text to their ancestor's block; libxml2 keeps at most 2048 levels, and a
  page whose text lies deeper is read as text instead (``flattened: True``);
* empty or unparsable HTML raises :class:`BoilerplateError` (a ``ValueError``)
  with a message saying what is wrong; never a hang or a ``RecursionError``.

Cost is linear in the page size: about 15 ms for a typical news page on one
core, faster than trafilatura (``bench/article_extraction.py`` measures both).
Each line is analysed once per page (key, words, features, rules; kept on
the page by :func:`page_lines`), and short lines that repeat across pages
once per process: a bounded cache keeps them, because site chrome repeats
on every page of a source (see :data:`LINE_CACHE_SIZE`).

>>> cfg = BoilerplateConfig()
>>> page = text_page("Home\\n\\nA long sentence about the weather, which is a thing people "
...     "like to talk about when they meet in the street and have nothing else to say.\\n\\n"
...     "Leave a Reply", config=cfg)
>>> [(b.kind, b.reason) for b in mark_boilerplate(page, config=cfg).blocks]
[('boilerplate', 'nav'), ('content', None), ('boilerplate', 'comments')]
"""

from __future__ import annotations

import functools
import math
import os
import posixpath
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import regex

from normalize.caches import RepeatCache
from normalize.document import BOILERPLATE, CONTENT

# Configuration ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Settings of the boilerplate stage. Every default says why it is what it is."""

    #: Off: every block is content (the page is still split into blocks).
    enabled: bool = True
    #: A block counts as repeated chrome of a source group when it appears in
    #: at least ``repeat_min_fraction`` of the group's documents (and in two at
    #: least): a template line is on most pages of a site. Half, because the
    #: seeds' icon strip is on two pages of four.
    repeat_min_fraction: float = 0.5
    #: ...or, in a large group, in at least this many documents: a template
    #: line need not be on half of a big crawl's pages, while ten pages of one
    #: host quoting the same short sentence is rare. See :func:`find_repeats`.
    repeat_min_documents: int = 10
    #: Blocks longer than this (in words) are never counted as repeats: a long
    #: repeated paragraph is more likely syndicated content than chrome.
    repeat_max_words: int = 60
    #: Probability of being content below which the model calls a block
    #: boilerplate. 0.5 is the calibrated decision point of the logistic model.
    threshold: float = 0.5
    #: When no block reaches ``threshold``, the page's best blocks are kept down
    #: to half the best probability, but never below this.
    min_threshold: float = 0.05
    #: HTML larger than this (in code points) is cut before parsing, and the
    #: page gets ``truncated: True`` in its metadata. 8 Mi is far above real
    #: article pages (the median is ~100 k) and keeps a page under a second.
    max_html_chars: int = 8 * 1024 * 1024
    #: At most this many blocks per page; later blocks are dropped and the page
    #: is marked ``truncated``. Bounds the classifier and the output size.
    max_blocks: int = 20_000
    #: Elements nested deeper than this are read as text of their ancestor at
    #: this depth (libxml2 itself stops at 256). The walk is iterative, so
    #: depth never raises ``RecursionError``; this bounds per-block work.
    max_depth: int = 200
    #: Block texts (lines) longer than this many code points are never chrome
    #: phrases, breadcrumbs or icon strips; cheap rules only look at short text.
    max_rule_chars: int = 400


_DEFAULT_CONFIG = BoilerplateConfig()


class BoilerplateError(ValueError):
    """A page that the boilerplate stage cannot turn into blocks (e.g. not HTML at all).

    ``code`` is the stable identifier an error record carries: ``empty_html``
    (nothing to read) or ``bad_html`` (the parser found no document).
    """

    def __init__(self, message: str, code: str = "bad_html") -> None:
        super().__init__(message)
        self.code = code


# Records ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch ``text[start:end]`` of a page's canonical text, with its verdict.

    The separator after the block ("\\n" or "\\n\\n") belongs to the block, so
    that the blocks of a page tile its text. ``reason`` is ``None`` for content
    and a short stable code for boilerplate (see :data:`REASONS`). ``features``
    are what the classifier saw; they are not part of equality or output.
    """

    start: int
    end: int
    kind: str = CONTENT
    reason: str | None = None
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Page:
    """A page as blocks: ``blocks`` tile ``text`` (contiguous, in order, 0 to ``len(text)``).

    ``metadata`` holds what the page says about itself when known: ``title``,
    ``date``, ``html_lang`` (and ``truncated`` when a limit was hit). ``origin``
    is ``"html"`` when blocks carry structural features, ``"text"`` otherwise.
    """

    text: str
    blocks: tuple[Block, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "text"
    #: The blocks' line analyses once :func:`page_lines` has made them: both
    #: the cross-document pass and the classifier read them. Not an argument,
    #: so a page made from another (``dataclasses.replace``) starts empty.
    lines: list[_Line] = field(default_factory=list, init=False, compare=False, repr=False)

    def block_text(self, block: Block) -> str:
        """The text of ``block`` without its trailing separator."""
        return self.text[block.start : block.end].rstrip("\n")


#: Reason codes, most specific first. ``repeated``, ``duplicate_title`` and
#: ``duplicate_line`` are exact evidence; the named kinds of chrome come from
#: structure (tags, class/id words) or from ``chrome.txt`` sections; the last
#: three are the model's verdicts, named for the strongest cue it saw.
REASONS: tuple[str, ...] = (
    "repeated",
    "duplicate_title",
    "duplicate_line",
    "breadcrumb",
    "nav",
    "share",
    "subscribe",
    "comments",
    "related",
    "cookie",
    "ads",
    "legal",
    "footer",
    "sidebar",
    "icon_strip",
    "timestamp",
    "chrome_phrase",
    "link_dense",
    "short",
    "low_score",
)


def tile(texts: Sequence[str], separators: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join block texts with their separators; return the text and each block's span.

    >>> tile(["a", "bc"], ["\\n\\n", ""])
    ('a\\n\\nbc', [(0, 3), (3, 5)])
    """
    spans, parts, pos = [], [], 0
    for t, sep in zip(texts, separators, strict=True):
        piece = t + sep
        parts.append(piece)
        spans.append((pos, pos + len(piece)))
        pos += len(piece)
    return "".join(parts), spans


def html_page(html: str, *, canonicalize: Callable[[str], str], config: BoilerplateConfig) -> Page:
    """Read an HTML page into blocks with structural features (see :mod:`normalize.boilerplate_html`)."""
    from normalize.boilerplate_html import html_page as read_html

    return read_html(html, canonicalize=canonicalize, config=config)


def text_page(text: str, *, config: BoilerplateConfig) -> Page:
    """Split already-canonical ``text`` into line blocks.

    Paragraphs are separated by a blank line and lines within a paragraph by
    "\\n"; every line is a block because extracted text puts one visible
    block of the page per line.

    >>> p = text_page("a\\nb\\n\\nc", config=BoilerplateConfig())
    >>> [(b.start, b.end, p.block_text(b)) for b in p.blocks]
    [(0, 2, 'a'), (2, 5, 'b'), (5, 6, 'c')]
    """
    blocks: list[Block] = []
    pos, n = 0, len(text)
    truncated = False
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        while end < n and text[end] == "\n":
            end += 1
        if len(blocks) >= config.max_blocks - 1 and end < n:
            # The rest of the page becomes one last block: nothing is lost,
            # and ``truncated`` in the metadata says why it is one block.
            blocks.append(Block(pos, n))
            truncated = True
            break
        blocks.append(Block(pos, end))
        pos = end
    return Page(text=text, blocks=tuple(blocks), metadata={"truncated": True} if truncated else {})


# Language packs -------------------------------------------------------------

#: The language packs: ``$NORMALIZE_LANG_PACKS`` when set, else ``lang_packs/``
#: of the source tree (an editable install, as the Makefile makes).
LANG_PACKS = Path(
    os.environ.get("NORMALIZE_LANG_PACKS") or Path(__file__).resolve().parent.parent / "lang_packs"
)


@dataclass(frozen=True, slots=True)
class LangPack:
    """What one language contributes: stopwords and chrome phrases (by reason)."""

    lang: str
    stopwords: frozenset[str]
    phrases: Mapping[str, str]  # normalized phrase -> reason
    patterns: tuple[tuple[regex.Pattern[str], str], ...]  # wildcard phrases


def _data_lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@functools.cache
def lang_pack(lang: str) -> LangPack:
    """The pack of ``lang`` from ``lang_packs/<lang>/`` (empty if there is none); read once.

    ``chrome.txt`` lines are phrases; a ``[reason]`` line starts a section whose
    phrases get that reason code (else ``chrome_phrase``); ``*`` in a phrase
    stands for one to four words ("follow * on").

    >>> "the" in lang_pack("en").stopwords, lang_pack("en").phrases["leave a reply"]
    (True, 'comments')
    >>> lang_pack("xx").stopwords
    frozenset()
    """
    base = LANG_PACKS / lang
    stop = frozenset(phrase_key(w) for w in _data_lines(base / "stopwords.txt"))
    phrases: dict[str, str] = {}
    patterns: list[tuple[regex.Pattern[str], str]] = []
    reason = "chrome_phrase"
    for line in _data_lines(base / "chrome.txt"):
        if line.startswith("[") and line.endswith("]"):
            reason = line[1:-1].strip() or "chrome_phrase"
            continue
        key = phrase_key(line)
        if "*" in key:
            toks = key.replace("*", " * ").split()
            pat = " ".join(r"\S+(?: \S+){0,3}" if t == "*" else regex.escape(t) for t in toks)
            patterns.append((regex.compile("^" + pat + "$"), reason))
        elif key:
            phrases[key] = reason
    return LangPack(lang, stop, phrases, tuple(patterns))


@functools.cache
def available_langs() -> tuple[str, ...]:
    """Languages with a folder in ``lang_packs`` (adding a language = adding a folder)."""
    if not LANG_PACKS.is_dir():
        return ()
    return tuple(sorted(p.name for p in LANG_PACKS.iterdir() if p.is_dir()))


#: A word is a run of letters (with their marks) and digits; in scripts written
#: without spaces (Han, kana) each character counts as one, so that a Chinese
#: paragraph is long, as it is, rather than a handful of "words".
_WORD = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}]|[[\p{L}\p{M}\p{N}_]--[\p{Han}\p{Hiragana}\p{Katakana}]]+",
    regex.V1,
)
_PHRASE_EDGE = regex.compile(r"[\p{P}\p{S}\s]")


@functools.lru_cache(maxsize=4096)
def _edge_char(c: str) -> bool:
    """Punctuation, symbol or space: what :func:`phrase_key` strips at the edges."""
    return _PHRASE_EDGE.match(c) is not None


def phrase_key(text: str) -> str:
    """The form phrases are compared in: NFC, casefolded, spaces collapsed, edge punctuation gone.

    Only the edges are looked at (character by character), so a long
    paragraph costs its casefold and split, not a regex scan.

    >>> phrase_key("  Leave a  Reply: ")
    'leave a reply'
    >>> phrase_key("« Share it with a friend! »")
    'share it with a friend'
    """
    text = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    i, j = 0, len(text)
    while i < j and _edge_char(text[i]):
        i += 1
    while j > i and _edge_char(text[j - 1]):
        j -= 1
    return text[i:j]


#: The same tokens in text without Han or kana (one class, no alternation), and
#: in ASCII text (where that class is just [A-Za-z0-9_]; ``re`` is faster there).
_WORD_RUN = regex.compile(r"[\p{L}\p{M}\p{N}_]+")
_NO_SPACE_SCRIPT = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


def words(text: str) -> list[str]:
    """Word tokens (letters with their combining marks, digits).

    >>> words("आप यहाँ पर हैं, ok?")
    ['आप', 'यहाँ', 'पर', 'हैं', 'ok']
    >>> words("北京欢迎你 2008")
    ['北', '京', '欢', '迎', '你', '2008']
    """
    return _word_pattern(text).findall(text)


#: A character outside ASCII and the General Punctuation block (curly quotes,
#: dashes, ellipsis, odd spaces: no letter, mark or digit there).
_BEYOND_ASCII_PUNCT = re.compile(r"[^\x00-\x7f\u2000-\u206f]")


def _ascii_words(text: str) -> bool:
    """Whether every letter, mark and digit of ``text`` is ASCII: English with
    typographic punctuation is, and the ``re`` patterns then give the same tokens."""
    return text.isascii() or _BEYOND_ASCII_PUNCT.search(text) is None


def _word_pattern(text: str) -> Any:
    """The fastest of the word patterns that gives :data:`_WORD`'s tokens on ``text``."""
    if _ascii_words(text):
        return _ASCII_WORD
    if _NO_SPACE_SCRIPT.search(text) is None:
        return _WORD_RUN
    return _WORD


@functools.cache
def _stop_index() -> Mapping[str, tuple[str, ...]]:
    """word -> languages whose stoplist has it (one lookup per word for guessing)."""
    index: dict[str, list[str]] = {}
    for lang in available_langs():
        for w in lang_pack(lang).stopwords:
            index.setdefault(w, []).append(lang)
    return {w: tuple(ls) for w, ls in index.items()}


def guess_stoplist_lang(
    sample_words: Sequence[str], hint: str | None = None, *, folded: bool = False
) -> str | None:
    """The language pack whose stopwords cover most of ``sample_words``.

    ``hint`` (e.g. ``<html lang>``) wins when it has a pack and covers at
    least a tenth of the words: pages mislabel their language less often than
    they mix scripts, but a wrong label must not blind the stopword feature.
    ``folded`` says the words are already casefolded.

    >>> guess_stoplist_lang("the cat sat on the mat and it was fine".split())
    'en'
    >>> guess_stoplist_lang("это был очень хороший день и мы гуляли".split())
    'ru'
    """
    lowered = list(sample_words[:1000]) if folded else [w.casefold() for w in sample_words[:1000]]
    if not lowered:
        return None
    index = _stop_index()
    # Count each word's tuple of languages, then spread: one dict update per
    # word instead of one per (word, language).
    by_langs = Counter(map(index.get, lowered))
    counts: Counter[str] = Counter()
    for langs, c in by_langs.items():
        if langs is None:
            continue
        for lang in langs:
            counts[lang] += c
    if hint:
        hint = hint.split("-")[0].split("_")[0].lower()
        if counts.get(hint, 0) >= 0.1 * len(lowered):
            return hint
    if not counts:
        return None
    best, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return best if n >= 0.05 * len(lowered) else None


@functools.cache
def _all_phrases() -> tuple[Mapping[str, str], tuple[tuple[regex.Pattern[str], str], ...]]:
    """Chrome phrases of every pack at once: pages mix languages (an English
    "Share" button on an Urdu page), and a whole-line match is safe across them."""
    phrases: dict[str, str] = {}
    patterns: list[tuple[regex.Pattern[str], str]] = []
    for lang in available_langs():
        pack = lang_pack(lang)
        for k, v in pack.phrases.items():
            phrases.setdefault(k, v)
        patterns.extend(pack.patterns)
    return phrases, tuple(patterns)


# Rules: named kinds of chrome ----------------------------------------------------

_BREADCRUMB_SEP = regex.compile(r"\s(?:>|»|›|→|/|\\|::|>>)\s")
_TIMESTAMP = regex.compile(
    r"^(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[/|-]\s*\d{1,2}:\d{2}(?::\d{2})?)?)$"
)
_YEAR = regex.compile(r"\b(?:1[89]|20)\d\d\b|\d:\d\d")
_SENT_END = regex.compile(r"[.!?…。！？।॥؟۔][\"'”’»)\]]*$")
_SENT_PUNCT = regex.compile(r"[.!?…。！？।॥؟۔](?:\s|$)")
_COMMA = regex.compile(r"[,،、，;؛]")
_DIGIT = regex.compile(r"\p{Nd}")
_URLISH = regex.compile(r"https?://|www\.|@\w|\.com\b")
_NAV_SEP = regex.compile(r"\s[|•·]\s")


def chrome_phrase(text: str, *, key: str | None = None) -> str | None:
    """The reason of the chrome phrase that ``text`` is, if it is one (any language pack).

    >>> chrome_phrase("Leave a Reply"), chrome_phrase("Follow AsumeTech on")
    ('comments', 'share')
    >>> chrome_phrase("आप यहाँ पर हैं"), chrome_phrase("The reply came late.")
    ('breadcrumb', None)
    >>> chrome_phrase("Share this | Subscribe to our newsletter")
    'share'

    """
    if key is None:
        key = phrase_key(text)
    if not key or len(key) > 120:
        return None
    phrases, patterns = _all_phrases()
    if key in phrases:
        return phrases[key]
    for pat, reason in patterns:
        if pat.match(key):
            return reason
    parts = _NAV_SEP.split(text)
    if len(parts) > 1:
        # "Share this | Subscribe": a strip of chrome phrases is chrome.
        reasons = [chrome_phrase(p) for p in parts if phrase_key(p)]
        if reasons and all(reasons):
            return reasons[0]
    return None


def breadcrumb(text: str) -> bool:
    """A trail of short steps joined by ">", "»", "/"…: where the page sits in a site.

    >>> breadcrumb("होम > दुनिया (International) > Taliban denies sharing ISIL intelligence")
    True
    >>> breadcrumb("Sales grew 5% > inflation / wages in 2019, the report says.")
    False
    """
    parts = _BREADCRUMB_SEP.split(text)
    if len(parts) < 3 or _SENT_END.search(text):
        return False
    if len({sep.strip() for sep in _BREADCRUMB_SEP.findall(text)}) != 1:
        return False  # one trail uses one separator
    head = parts[:-1]  # the last step is often the (long) page title
    return all(0 < len(words(p)) <= 4 for p in head)


def icon_strip(text: str) -> bool:
    """Icon-font labels flattened into a line ("bookmarkicon cameraicon checkicon…").

    The mark of such a strip is many tokens sharing one affix of four or more
    letters; prose never has a third of its words end (or start) alike.

    >>> icon_strip("icon bookmark-bicon bookmarkicon cameraicon checkicon chevron downicon closeicon")
    True
    >>> icon_strip("The nation's station ran a relation of the situation and information.")
    False
    """
    toks = text.split()[:300]
    if len(toks) < 6 or _SENT_END.search(text):
        return False
    affixes: list[str] = []
    for t in toks:
        t = t.casefold()
        if len(t) >= 6:
            affixes.append("^" + t[:4])
            affixes.append(t[-4:] + "$")
    return bool(affixes) and max(Counter(affixes).values()) >= 0.4 * len(toks)


def timestamp(text: str) -> bool:
    """A bare clock time or duration ("0:00", "28:20"), or a bare dateline.

    A dateline is a short line of numbers with a year or a clock time and at
    most two words (a month name, "Updated"); its date belongs in metadata.

    >>> timestamp("28:20"), timestamp("1 Oct, 2018 10:37"), timestamp("November 9, 2018")
    (True, True, True)
    >>> timestamp("At 10:30 we left."), timestamp("Chapter 3 of 10"), timestamp("2018")
    (False, False, False)
    """
    return _timestamp(text, None)


def _timestamp(text: str, toks: Sequence[str] | None) -> bool:
    """:func:`timestamp`, given the line's words when they are known."""
    text = text.strip()
    if _TIMESTAMP.match(text):
        return True
    if toks is None:
        toks = words(text)  # stripping only removes spaces, never word characters
    if not 2 <= len(toks) <= 7 or _SENT_END.search(text):
        return False
    nums = [t for t in toks if t.isdigit()]
    alpha = [t for t in toks if not t.isdigit()]
    return (
        len(nums) >= 2
        and len(alpha) <= 2
        and all(len(t) <= 10 for t in alpha)
        and (bool(_YEAR.search(text)) or ":" in text)
    )


def rule_reason(text: str, config: BoilerplateConfig, *, key: str | None = None) -> str | None:
    """The named kind of chrome that a block's text is on its own, if any.

    >>> cfg = BoilerplateConfig()
    >>> rule_reason("Podcasts", cfg), rule_reason("0:00", cfg), rule_reason("Hello there.", cfg)
    ('related', 'timestamp', None)
    """
    if icon_strip(text):
        return "icon_strip"
    if len(text) > config.max_rule_chars:
        return None
    return _short_rule(text, key)


def _short_rule(text: str, key: str | None, toks: Sequence[str] | None = None) -> str | None:
    """The rules of :func:`rule_reason` that only short text is checked against."""
    reason = chrome_phrase(text, key=key)
    if reason:
        return reason
    if _timestamp(text, toks):
        return "timestamp"
    if breadcrumb(text):
        return "breadcrumb"
    return None


# Cross-document repetition ---------------------------------------------------------


def repeat_keys(page: Page, config: BoilerplateConfig | None = None) -> frozenset[str]:
    """Normalized keys of the page's blocks that may count as repeated chrome.

    Long blocks are left out (``repeat_max_words``): a long paragraph shared
    by pages is syndicated content, not a template.

    >>> sorted(repeat_keys(text_page("Share it!\\nA\\n\\nShare it!", config=BoilerplateConfig())))
    ['a', 'share it']
    """
    config = config or BoilerplateConfig()
    limit = config.repeat_max_words
    keys = {line.key for line in page_lines(page) if 0 < line.n_words <= limit}
    keys.discard("")
    return frozenset(keys)


def find_repeats(
    key_sets: Sequence[frozenset[str]], config: BoilerplateConfig | None = None
) -> frozenset[str]:
    """Keys that repeat across the documents of one source group: that group's chrome.

    A key counts when it is in at least two documents and either in
    ``repeat_min_fraction`` of the group or in ``repeat_min_documents`` of
    them, whichever is fewer. Counting sets (not orders) makes the result
    independent of order.

    >>> cfg = BoilerplateConfig()
    >>> sorted(find_repeats([frozenset({"nav", "a"}), frozenset({"nav", "b"}),
    ...                      frozenset({"c"}), frozenset({"d"})], cfg))
    ['nav']
    >>> find_repeats([frozenset({"x"})], cfg)
    frozenset()
    """
    config = config or BoilerplateConfig()
    n = len(key_sets)
    if n < 2:
        return frozenset()
    counts: Counter[str] = Counter()
    for ks in key_sets:
        counts.update(ks)
    need = min(config.repeat_min_documents, max(2, math.ceil(config.repeat_min_fraction * n)))
    return frozenset(k for k, c in counts.items() if c >= max(2, need))


def source_group(source: str | None, metadata: Mapping[str, Any] | None = None) -> str:
    """The group whose documents share chrome: a JSONL ``source`` field, a URL's host, a file's folder.

    >>> source_group("https://www.rt.com/news/440239/", {})
    'host:rt.com'
    >>> source_group("fixtures/seeds/000.txt", {}), source_group(None, {"source": "cc-2018"})
    ('dir:fixtures/seeds', 'source:cc-2018')
    >>> source_group(None, {"url": "http://Example.org/a"}), source_group(None, {})
    ('host:example.org', '')
    """
    metadata = metadata or {}
    field_source = metadata.get("source")
    if isinstance(field_source, str) and field_source:
        return "source:" + field_source
    for cand in (metadata.get("url"), source):
        if isinstance(cand, str) and "://" in cand:
            host = (urlsplit(cand).hostname or "").lower()
            host = host.removeprefix("www.")
            if host:
                return "host:" + host
    if source:
        return "dir:" + posixpath.dirname(source.replace("\\", "/"))
    return ""


# Features and the model -------------------------------------------------------

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

#: Features that only HTML blocks have (set by :mod:`normalize.boilerplate_html`).
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
    "in_nav",
    "in_header",
    "in_footer",
    "in_aside",
    "in_form",
    "in_article",
    "in_main",
    "in_list",
    "in_table",
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
)

#: Second-stage features: the first stage's verdict on the neighbours. Chrome
#: comes in runs (a menu, a footer) and so does content.
CONTEXT_FEATURES: tuple[str, ...] = ("ctx_p", "prev_p", "next_p", "ctx_p_wide")


_LOG_13 = math.log1p(12)
_LOG_11 = math.log1p(10)


def _prose(f: Mapping[str, float]) -> bool:
    return f["log_words"] >= _LOG_13 and f["end_punct"] > 0 and f["stop_rel"] >= 0.5


#: A capital that starts a word of :data:`_WORD`: capitals are never Han or
#: kana, so one starts a word unless a letter, mark, digit or "_" of another
#: script comes right before it. One pass over the line instead of one match
#: per word.
_CAP_WORD_START = regex.compile(
    r"(?<![[\p{L}\p{M}\p{N}_]--[\p{Han}\p{Hiragana}\p{Katakana}]])\p{Lu}", regex.V1
)
_ASCII_CAP_WORD_START = re.compile(r"(?<![A-Za-z0-9_])[A-Z]")
#: Lines up to this many code points are analysed once per process when they
#: repeat (see :func:`_line`): chrome lines are short and repeat on every page
#: of a site, while paragraphs rarely repeat.
LINE_CACHE_CHARS = 400
#: How many lines the cache keeps (least recently used go first). Only lines
#: seen on an earlier page are kept (:class:`~normalize.caches.RepeatCache`):
#: chrome, not the paragraphs that would make memory grow with the run.
#: 1024 lines are a few dozen sites' chrome and about 3 MB.
LINE_CACHE_SIZE = 1024


class _Line:
    """What a block's text says on its own, whatever page it is on.

    ``base`` holds the context-free features in the order of
    :func:`text_features`' dict; the page-dependent ones (stopword density,
    position, neighbours) are computed per page from ``folded``.
    """

    __slots__ = ("_folded", "_rule", "_rule_src", "base", "icon", "key", "n_words", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.key = phrase_key(text)
        ascii_words = _ascii_words(text)
        ws = (_ASCII_WORD if ascii_words else _word_pattern(text)).findall(text)
        # The words themselves are not kept (``tokens`` makes them again): the
        # casefolded ones are, and a batch holds the lines of all its pages.
        self.n_words = len(ws)
        # Casefolding maps each character on its own (no context, unlike
        # lower()), so the joined words fold into the folded words.
        # The casefolded words, kept as one string (NUL between words): a
        # list of strings costs several times the memory.
        self._folded = "\x00".join(ws).casefold()
        nw = len(ws)
        end = _SENT_END.search(text) is not None
        self.base = (
            math.log1p(len(text)),
            math.log1p(nw),
            1.0 if nw < 4 else 0.0,
            1.0 if end else 0.0,
            math.log1p(len(_SENT_PUNCT.findall(text))),
            min(1.0, len(_COMMA.findall(text)) / nw) if nw else 0.0,
            len(_DIGIT.findall(text)) / len(text) if text else 0.0,
            len((_ASCII_CAP_WORD_START if ascii_words else _CAP_WORD_START).findall(text)) / nw
            if nw
            else 0.0,
            1.0 if _URLISH.search(text) else 0.0,
            min(3.0, len(_NAV_SEP.findall(text))),
        )
        self.icon = not end and icon_strip(text)  # a strip never ends a sentence
        self._rule: str | None = None
        self._rule_src: object = None

    @property
    def folded(self) -> list[str]:
        """The line's words, casefolded."""
        return self._folded.split("\x00") if self.n_words else []

    @property
    def tokens(self) -> list[str]:
        """The line's words (:func:`words`), made again on each use: only short
        lines and a page's first lines need them."""
        return words(self.text)

    def rule(self, max_rule_chars: int) -> str | None:
        """:func:`rule_reason` of the line (the phrase rules are looked up once per pack set)."""
        if self.icon:
            return "icon_strip"
        if len(self.text) > max_rule_chars:
            return None
        src = _all_phrases()
        if self._rule_src is not src:
            self._rule = _short_rule(self.text, self.key, self.tokens)
            self._rule_src = src
        return self._rule


#: Short lines seen on more than one page, analysed once per process.
_LINES: RepeatCache[str, _Line] = RepeatCache(LINE_CACHE_SIZE)


def _line(text: str) -> _Line:
    """The analysis of one line, from the process cache when it is short and repeats."""
    if len(text) > LINE_CACHE_CHARS:
        return _Line(text)
    line = _LINES.get(text)
    if line is None:
        line = _Line(text)
        _LINES.offer(text, line)
    return line


def page_lines(page: Page) -> list[_Line]:
    """The analysis of each block's text, made once per page (kept on the page)."""
    if len(page.lines) != len(page.blocks):
        page.lines[:] = [_line(page.block_text(b)) for b in page.blocks]
    return page.lines


def page_lang(
    page: Page, tokens: Sequence[Sequence[str]] | None = None, *, folded: bool = False
) -> str | None:
    """The stoplist language of a page (``<html lang>`` as a hint, else the best-covering pack).

    ``tokens`` are the blocks' words when known (``folded``: casefolded already).
    """
    sample: list[str] = []
    for i, b in enumerate(page.blocks):
        sample.extend(tokens[i] if tokens is not None else words(page.text[b.start : b.end]))
        if len(sample) >= 1000:
            break
    hint = page.metadata.get("html_lang")
    return guess_stoplist_lang(
        sample, hint if isinstance(hint, str) else None, folded=folded and tokens is not None
    )


def text_features(texts: Sequence[str], stop: frozenset[str] | None) -> list[dict[str, float]]:
    """Per-block text features; ``stop`` is the page's stoplist (None when unknown).

    With no stoplist the stopword features take neutral values and
    ``no_stoplist`` is set, so a language without a pack is judged by the other
    features instead of looking like a page without prose.
    """
    return _text_features([_line(t) for t in texts], stop)


def _text_features(lines: Sequence[_Line], stop: frozenset[str] | None) -> list[dict[str, float]]:
    n = len(lines)
    last_pos = max(1, n - 1)
    no_stoplist = 0.0 if stop else 1.0
    in_stop = stop.__contains__ if stop else None
    feats: list[dict[str, float]] = []
    for i, line in enumerate(lines):
        lc, lw, short, end, sent, comma, digit, caps, url, nav = line.base
        nw = line.n_words
        sd = sum(map(in_stop, line.folded)) / nw if in_stop and nw else 0.0
        feats.append(
            {
                "bias": 1.0,
                "log_chars": lc,
                "log_words": lw,
                "short": short,
                "stop": sd,
                "no_stoplist": no_stoplist,
                "end_punct": end,
                "sent_punct": sent,
                "comma_rate": comma,
                "digit_ratio": digit,
                "cap_ratio": caps,
                "urlish": url,
                "nav_sep": nav,
                "pos": i / last_pos,
            }
        )
    # Stopword density relative to the page's prose: languages and stoplists differ
    # in how dense prose is, a page's own long blocks say what prose looks like here.
    long_sd = sorted(f["stop"] for f in feats if f["log_words"] >= _LOG_11)
    ref = long_sd[int(0.75 * (len(long_sd) - 1))] if long_sd else 0.0
    ref = max(ref, 0.15)
    for f in feats:
        f["stop_rel"] = min(2.0, f["stop"] / ref) if stop else 1.0
        f["prose"] = 1.0 if _prose(f) else 0.0
    prose_idx = [i for i, f in enumerate(feats) if f["prose"]]
    first, last = (prose_idx[0], prose_idx[-1]) if prose_idx else (n, -1)
    # Prefix counts of prose blocks (0/1 values: sums are exact in any order).
    upto = [0.0]
    for f in feats:
        upto.append(upto[-1] + f["prose"])
    j = 0
    for i, f in enumerate(feats):
        while j + 1 < len(prose_idx) and abs(prose_idx[j + 1] - i) <= abs(prose_idx[j] - i):
            j += 1
        f["dist_prose"] = math.log1p(abs(prose_idx[j] - i)) if prose_idx else 5.0
        f["in_span"] = 1.0 if first <= i <= last else 0.0
        f["after_span"] = 1.0 if i > last else 0.0
        lo, hi = max(0, i - 3), min(n, i + 4)
        f["ctx_prose"] = (upto[hi] - upto[lo] - f["prose"]) / max(1, hi - lo - 1)
        f["prev_words"] = feats[i - 1]["log_words"] if i else 0.0
        f["next_words"] = feats[i + 1]["log_words"] if i + 1 < n else 0.0
        f["prev_end_punct"] = feats[i - 1]["end_punct"] if i else 0.0
        f["next_end_punct"] = feats[i + 1]["end_punct"] if i + 1 < n else 0.0
        f["title_like"] = 0.0
    return feats


def _logit(weights: Mapping[str, float], f: Mapping[str, float]) -> float:
    return sum([w * f[name] for name, w in weights.items() if name in f])


def _logits(weights: Mapping[str, float], feats: Sequence[Mapping[str, float]]) -> list[float]:
    """:func:`_logit` of every block, with the products taken in C.

    A feature a block lacks adds ``w * 0.0`` where :func:`_logit` adds
    nothing; the terms are otherwise the same, in the same order, so the sums
    are the same floats (up to the sign of a zero sum, which the sigmoid maps
    to 0.5 either way).
    """
    names, ws = tuple(weights), tuple(weights.values())
    return [sum(map(mul, ws, map(f.get, names, repeat(0.0)))) for f in feats]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def add_context(feats: list[dict[str, float]], probs: list[float]) -> None:
    """Add the first stage's probabilities of the neighbours to each block's features."""
    n = len(feats)
    for i, f in enumerate(feats):
        # Slices keep the order of the terms, so the sums are the same floats.
        lo, hi = max(0, i - 2), min(n, i + 3)
        f["ctx_p"] = sum(probs[lo:i] + probs[i + 1 : hi]) / max(1, hi - lo - 1)
        lo, hi = max(0, i - 6), min(n, i + 7)
        f["ctx_p_wide"] = sum(probs[lo:i] + probs[i + 1 : hi]) / max(1, hi - lo - 1)
        f["prev_p"] = probs[i - 1] if i else 0.0
        f["next_p"] = probs[i + 1] if i + 1 < n else 0.0


def content_probabilities(feats: list[dict[str, float]], model: Mapping[str, Any]) -> list[float]:
    """P(content) per block from a two-stage model (``stage1``, ``stage2`` weight maps)."""
    p1 = [_sigmoid(z) for z in _logits(model["stage1"], feats)]
    add_context(feats, p1)
    return [_sigmoid(z) for z in _logits(model["stage2"], feats)]


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What mark_boilerplate knows about a page before the model speaks."""

    texts: list[str]
    feats: list[dict[str, float]]
    forced: list[str | None]  # a reason when exact evidence or a rule decides
    title_index: int | None


def _evidence(page: Page, repeated: Collection[str], config: BoilerplateConfig) -> _Evidence:
    texts = [page.block_text(b) for b in page.blocks]
    lines = page_lines(page)
    keys = [line.key for line in lines]
    lang = page_lang(page, [line.folded for line in lines], folded=True)
    stop = lang_pack(lang).stopwords if lang else None
    feats = _text_features(lines, stop or None)
    for f, b in zip(feats, page.blocks, strict=True):
        if b.features:
            f.update(b.features)
    title_key = phrase_key(str(page.metadata.get("title") or ""))
    title_index = _find_title(page, lines, keys, feats, title_key)
    if title_index is not None:
        feats[title_index]["title_like"] = 1.0
        title_key = keys[title_index]
    forced: list[str | None] = []
    prev_key = None
    max_rule_chars = config.max_rule_chars
    for i, (line, k) in enumerate(zip(lines, keys, strict=True)):
        reason = None
        if i == title_index:
            reason = None
        elif k and k in repeated:
            reason = "repeated"
        elif title_key and k == title_key:
            reason = "duplicate_title"
        elif k and k == prev_key:
            reason = "duplicate_line"
        else:
            reason = line.rule(max_rule_chars) or structural_reason(feats[i])
        forced.append(reason)
        if k:
            prev_key = k
    return _Evidence(texts, feats, forced, title_index)


def _find_title(
    page: Page,
    lines: Sequence[_Line],
    keys: Sequence[str],
    feats: Sequence[Mapping[str, float]],
    title_key: str,
) -> int | None:
    """The block that is the page's title: the one marked so by the HTML reader,
    the one equal to the metadata title, or in text, the first heading-like line
    near the top (4 to 30 words, no sentence-final period, not chrome)."""
    for i, f in enumerate(feats):
        if f.get("is_title"):
            return i
    if title_key:
        for i, k in enumerate(keys):
            if k == title_key:
                return i
    if page.origin == "html":
        return None
    max_rule_chars = _DEFAULT_CONFIG.max_rule_chars
    for i, line in enumerate(lines[:8]):
        if not 4 <= line.n_words <= 30:
            continue
        ws = line.tokens
        if (
            4 <= len(ws) <= 30
            and sum(any(c.isalpha() for c in w) for w in ws) >= 0.75 * len(ws)
            and not line.text.rstrip().endswith(".")
            and line.rule(max_rule_chars) is None
        ):
            return i
    return None


def structural_reason(f: Mapping[str, float]) -> str | None:
    """Chrome that the HTML structure names with certainty, whatever the text says.

    Cookie banners and breadcrumb trails are never the article; a short block
    in a share bar or a link-dense one in a ``nav`` neither; a comment thread
    outside the main container is the readers', not the page's, text.

    >>> structural_reason({"cls_cookie": 1.0}), structural_reason({"tag_p": 1.0})
    ('cookie', None)
    """
    if f.get("is_title"):
        return None
    if f.get("cls_cookie"):
        return "cookie"
    if f.get("cls_breadcrumb") and f.get("log_words", 0.0) <= math.log1p(12):
        return "breadcrumb"
    if f.get("in_nav") and f.get("link_density", 0.0) >= 0.5:
        return "nav"
    if f.get("cls_share") and f.get("log_words", 0.0) <= math.log1p(12):
        return "share"
    if f.get("cls_comments") and not f.get("in_container"):
        return "comments"
    return None


def _model_reason(f: Mapping[str, float]) -> str:
    """Name the strongest cue behind a model verdict of boilerplate."""
    for cue, reason in (
        ("cls_breadcrumb", "breadcrumb"),
        ("cls_comments", "comments"),
        ("cls_share", "share"),
        ("cls_subscribe", "subscribe"),
        ("cls_cookie", "cookie"),
        ("cls_related", "related"),
        ("cls_ads", "ads"),
        ("in_nav", "nav"),
        ("cls_nav", "nav"),
        ("in_footer", "footer"),
        ("cls_footer", "footer"),
        ("in_aside", "sidebar"),
        ("cls_sidebar", "sidebar"),
    ):
        if f.get(cue):
            return reason
    if f.get("link_density", 0.0) >= 0.5:
        return "link_dense"
    if f.get("short"):
        return "short"
    return "low_score"


def classify(
    page: Page, repeated: Collection[str], config: BoilerplateConfig
) -> tuple[_Evidence, list[float], list[str | None]]:
    """Evidence, P(content) and verdicts (a reason, or None for content) per block."""
    from normalize.boilerplate_weights import HTML_MODEL, TEXT_MODEL

    ev = _evidence(page, repeated, config)
    model = HTML_MODEL if page.origin == "html" else TEXT_MODEL
    probs = content_probabilities(ev.feats, model) if ev.feats else []
    threshold = config.threshold
    free = [p for i, p in enumerate(probs) if i != ev.title_index and not ev.forced[i]]
    rescue = False
    if free and max(free) < threshold:
        # Nothing reaches the threshold (a short article among much chrome, or a
        # one-line document, makes the model unsure): rather than an empty
        # article, keep the page's best blocks. Blocks that a rule named as
        # chrome are not candidates, so a page of only chrome stays boilerplate.
        rescue = True
        rescue_threshold = max(config.min_threshold, 0.5 * max(free))
    verdicts: list[str | None] = []
    for i, f in enumerate(ev.feats):
        if i == ev.title_index:
            verdicts.append(None)
        elif ev.forced[i]:
            verdicts.append(ev.forced[i])
        elif probs[i] < threshold and not (rescue and probs[i] >= rescue_threshold):
            verdicts.append(_model_reason(f))
        else:
            verdicts.append(None)
    return ev, probs, verdicts


def mark_boilerplate(
    page: Page, *, repeated: Collection[str] = frozenset(), config: BoilerplateConfig
) -> Page:
    """The page with every block's kind and reason decided.

    ``repeated`` are the keys :func:`find_repeats` found for the page's source
    group. Blocks with no words (a lone "|" or "•") follow the verdict of the
    block before them: they are separators of whatever surrounds them.
    """
    if not config.enabled or not page.blocks:
        return replace(
            page, blocks=tuple(replace(b, kind=CONTENT, reason=None) for b in page.blocks)
        )
    ev, probs, verdicts = classify(page, repeated, config)
    blocks = []
    for b, reason, f, p in zip(page.blocks, verdicts, ev.feats, probs, strict=True):
        f["p_content"] = p
        blocks.append(Block(b.start, b.end, BOILERPLATE if reason else CONTENT, reason, f))
    return replace(page, blocks=tuple(blocks))
