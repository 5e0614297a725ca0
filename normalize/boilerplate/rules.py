"""Rules: named kinds of chrome that a line is on its own, whatever page it is on.

A chrome phrase of any language pack (``lang_packs/<lang>/chrome.txt``), a
breadcrumb trail, an icon-label strip, a bare timestamp or dateline. A rule's
reason is certain enough to decide a block before the model speaks; a new
kind of chrome is a new function here and a branch of :func:`_short_rule`
(or, for a phrase, a line in a pack).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import regex

from normalize.boilerplate.tokens import words
from normalize.config import BoilerplateConfig
from normalize.context import Context, default_context
from normalize.langpacks import LangPacks, phrase_key

#: Chrome phrases of every pack (normalized phrase -> reason), and the wildcard
#: ones as one pattern (:func:`_wildcards`) with the reason of each alternative.
Phrases = tuple[Mapping[str, str], regex.Pattern[str] | None, tuple[tuple[int, str], ...]]


def all_phrases(ctx: Context) -> Phrases:
    """Chrome phrases of every pack at once: pages mix languages (an English
    "Share" button on an Urdu page), and a whole-line match is safe across them.
    Made once per context, and kept on disk with the packs' tables (:meth:`LangPacks.cached
    <normalize.langpacks.LangPacks.cached>`): ``regex`` pickles the wildcards' pattern as
    its compiled code, which loads in a fraction of the time a compile takes."""
    return ctx.owned(
        "boilerplate.phrases",
        lambda: ctx.packs.cached("boilerplate.phrases", lambda: _gather_phrases(ctx.packs)),
    )


def _gather_phrases(packs: LangPacks) -> Phrases:
    phrases: dict[str, str] = {}
    patterns: list[tuple[regex.Pattern[str], str]] = []
    for lang in packs.langs():
        pack_phrases, pack_patterns = packs.chrome(lang)
        for k, v in pack_phrases.items():
            phrases.setdefault(k, v)
        patterns.extend(pack_patterns)
    return (phrases, *_wildcards(patterns))


def _wildcards(
    patterns: Sequence[tuple[regex.Pattern[str], str]],
) -> tuple[regex.Pattern[str] | None, tuple[tuple[int, str], ...]]:
    """The wildcard phrases as one pattern, an alternation of theirs in their order,
    and ``(group, reason)`` of each alternative (its group number in that pattern).

    One match instead of one per phrase: the alternatives are tried in order,
    so the first one that matches is that of the first phrase that matches.

    >>> pat, groups = _wildcards([(regex.compile("^a (b)$"), "x"), (regex.compile("^a .$"), "y")])
    >>> _wildcard_reason(pat, groups, "a c"), _wildcard_reason(pat, groups, "a b")
    ('y', 'x')
    """
    if not patterns:
        return None, ()
    groups: list[tuple[int, str]] = []
    group = 1
    for pat, reason in patterns:
        groups.append((group, reason))
        group += 1 + pat.groups
    return regex.compile("|".join(f"({pat.pattern})" for pat, _ in patterns)), tuple(groups)


def _wildcard_reason(
    pattern: regex.Pattern[str] | None, groups: Sequence[tuple[int, str]], key: str
) -> str | None:
    """The reason of the first wildcard phrase (:func:`_wildcards`) that ``key`` is."""
    m = pattern.match(key) if pattern is not None else None
    if m is None:
        return None
    return next(reason for group, reason in groups if m.start(group) >= 0)


# Rules: named kinds of chrome ----------------------------------------------------

_BREADCRUMB_SEP = regex.compile(r"\s(?:>|»|›|→|/|\\|::|>>)\s")
#: The characters one of which every separator of :data:`_BREADCRUMB_SEP` has: a
#: line without any is no trail, found without splitting it (each looked for by
#: ``in``, a scan of the string in C, several times faster than a pattern's
#: character set tried at each character).
_BREADCRUMB_CHARS = (">", "»", "›", "→", "/", "\\", ":")
_TIMESTAMP = regex.compile(
    r"^(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[/|-]\s*\d{1,2}:\d{2}(?::\d{2})?)?)$"
)
_YEAR = regex.compile(r"\b(?:1[89]|20)\d\d\b|\d:\d\d")
_SENT_END = regex.compile(r"[.!?…。！？।॥؟۔][\"'”’»)\]]*$")
_NAV_SEP = regex.compile(r"\s[|•·]\s")


def chrome_phrase(text: str, *, key: str | None = None, ctx: Context | None = None) -> str | None:
    """The reason of the chrome phrase that ``text`` is, if it is one (any language pack
    of ``ctx``, the default context when omitted).

    >>> chrome_phrase("Leave a Reply"), chrome_phrase("Follow AsumeTech on")
    ('comments', 'share')
    >>> chrome_phrase("आप यहाँ पर हैं"), chrome_phrase("The reply came late.")
    ('breadcrumb', None)
    >>> chrome_phrase("Share this | Subscribe to our newsletter")
    'share'

    """
    return _chrome_phrase(text, key, all_phrases(ctx or default_context()))


def _chrome_phrase(text: str, key: str | None, known: Phrases) -> str | None:
    if key is None:
        key = phrase_key(text)
    if not key or len(key) > 120:
        return None
    phrases, wildcards, groups = known
    if key in phrases:
        return phrases[key]
    reason = _wildcard_reason(wildcards, groups, key)
    if reason is not None:
        return reason
    if "|" not in text and "•" not in text and "·" not in text:
        return None  # no separator of _NAV_SEP
    parts = _NAV_SEP.split(text)
    if len(parts) > 1:
        # "Share this | Subscribe": a strip of chrome phrases is chrome, the
        # first step's reason; one step that is not ends the search.
        first = None
        for part in parts:
            part_key = phrase_key(part)
            if part_key:
                reason = _chrome_phrase(part, part_key, known)
                if not reason:
                    return None
                first = first or reason
        return first
    return None


def breadcrumb(text: str) -> bool:
    """A trail of short steps joined by ">", "»", "/"…: where the page sits in a site.

    >>> breadcrumb("होम > दुनिया (International) > Taliban denies sharing ISIL intelligence")
    True
    >>> breadcrumb("Sales grew 5% > inflation / wages in 2019, the report says.")
    False
    """
    if len(text) < 8:
        # Two steps with a word each and two separators of three characters at least.
        return False
    if not any(map(text.__contains__, _BREADCRUMB_CHARS)):
        return False  # no separator, so one step
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
    return _SENT_END.search(text) is None and _icon_labels(text)


def _icon_labels(text: str) -> bool:
    """:func:`icon_strip` of text that ends no sentence (an analysed line knows whether
    it does: ``_Line`` asks only this)."""
    if len(text) < 11:
        return False  # six tokens and the five spaces between them
    toks = text.split()[:300]
    if len(toks) < 6:
        return False
    need = 0.4 * len(toks)
    long_toks = [t for t in map(str.casefold, toks) if len(t) >= 6]
    # No affix is shared by more tokens than there are long ones.
    if not long_toks or len(long_toks) < need:
        return False
    heads = [t[:4] for t in long_toks]
    tails = [t[-4:] for t in long_toks]
    # An affix on m tokens leaves at most n - m + 1 distinct ones among n: when
    # both sets are larger than that for m = need, no affix is shared enough
    # (prose, whose words seldom share one), and nothing needs counting.
    most = len(long_toks) + 1 - need
    if len(set(heads)) > most and len(set(tails)) > most:
        return False
    return max(max(Counter(heads).values()), max(Counter(tails).values())) >= need


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


def _timestamp(text: str, n_words: int | None, digits: bool | None = None) -> bool:
    """:func:`timestamp`, given the line's number of words and whether it has a decimal
    digit (``\\p{Nd}``) when they are known: a clock time, a year and the
    patterns' ``\\d`` are digits, so a line with neither a digit nor ":" is none."""
    if digits is False and ":" not in text:
        return False
    text = text.strip()
    if _TIMESTAMP.match(text):
        return True
    if n_words is not None and not 2 <= n_words <= 7:
        return False
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


def rule_reason(
    text: str, config: BoilerplateConfig, *, key: str | None = None, ctx: Context | None = None
) -> str | None:
    """The named kind of chrome that a block's text is on its own, if any (the phrases
    are those of ``ctx``'s packs, the default context's when omitted).

    >>> cfg = BoilerplateConfig()
    >>> rule_reason("Podcasts", cfg), rule_reason("0:00", cfg), rule_reason("Hello there.", cfg)
    ('related', 'timestamp', None)
    """
    if icon_strip(text):
        return "icon_strip"
    if len(text) > config.max_rule_chars:
        return None
    return _short_rule(text, key, None, all_phrases(ctx or default_context()))


def _short_rule(
    text: str,
    key: str | None,
    n_words: int | None,
    phrases: Phrases,
    digits: bool | None = None,
) -> str | None:
    """The rules of :func:`rule_reason` that only short text is checked against;
    ``n_words`` is the number of its :func:`words` and ``digits`` whether it has
    a decimal digit, when known."""
    reason = _chrome_phrase(text, key, phrases)
    if reason:
        return reason
    if _timestamp(text, n_words, digits):
        return "timestamp"
    if breadcrumb(text):
        return "breadcrumb"
    return None
