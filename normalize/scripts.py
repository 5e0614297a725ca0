"""Unicode scripts: ISO 15924 codes of letters, and which languages write which script.

A language identifier asked "which of 97 languages is होम?" may answer
Nepali; asked "which of the languages written in Devanagari?" it can only
confuse Hindi, Marathi and Nepali. Knowing the script first shrinks the
question, and a change of script is the surest language boundary there is.

>>> script_of("a"), script_of("ह"), script_of("ب"), script_of("Ж"), script_of("中")
('Latn', 'Deva', 'Arab', 'Cyrl', 'Hani')
>>> script_of("1"), script_of("\\u0301")
('Zyyy', 'Zinh')
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import regex

#: ISO 15924 code of each script the segmenter tells apart (``regex`` names).
SCRIPT_CODES: dict[str, str] = {
    "Latin": "Latn",
    "Cyrillic": "Cyrl",
    "Arabic": "Arab",
    "Devanagari": "Deva",
    "Bengali": "Beng",
    "Han": "Hani",
    "Hiragana": "Hira",
    "Katakana": "Kana",
    "Hangul": "Hang",
    "Greek": "Grek",
    "Hebrew": "Hebr",
    "Thai": "Thai",
    "Georgian": "Geor",
    "Armenian": "Armn",
    "Ethiopic": "Ethi",
    "Gurmukhi": "Guru",
    "Gujarati": "Gujr",
    "Oriya": "Orya",
    "Tamil": "Taml",
    "Telugu": "Telu",
    "Kannada": "Knda",
    "Malayalam": "Mlym",
    "Sinhala": "Sinh",
    "Khmer": "Khmr",
    "Lao": "Laoo",
    "Tibetan": "Tibt",
    "Myanmar": "Mymr",
    "Syriac": "Syrc",
    "Thaana": "Thaa",
    "Mongolian": "Mong",
    "Tifinagh": "Tfng",
    "Cherokee": "Cher",
    "Canadian_Aboriginal": "Cans",
    "Yi": "Yiii",
    "Bopomofo": "Bopo",
    "Common": "Zyyy",
    "Inherited": "Zinh",
}

#: Code for letters of a script not in :data:`SCRIPT_CODES`.
UNKNOWN_SCRIPT = "Zzzz"

#: Languages of langid's model written in each script. Japanese writes Han
#: together with kana; the segmenter decodes Han, Hiragana and Katakana as
#: one group (see :data:`SCRIPT_GROUP`).
# fmt: off
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "Latn": (
        "af", "an", "az", "br", "bs", "ca", "cs", "cy", "da", "de", "en", "eo", "es", "et",
        "eu", "fi", "fo", "fr", "ga", "gl", "hr", "ht", "hu", "id", "is", "it", "jv", "ku",
        "la", "lb", "lt", "lv", "mg", "ms", "mt", "nb", "nl", "nn", "no", "oc", "pl", "pt",
        "qu", "ro", "rw", "se", "sk", "sl", "sq", "sv", "sw", "tl", "tr", "vi", "vo", "wa",
        "xh", "zu",
    ),
    "Cyrl": ("be", "bg", "kk", "ky", "mk", "mn", "ru", "sr", "uk"),
    "Arab": ("ar", "fa", "ps", "ur", "ug"),
    "Deva": ("hi", "mr", "ne"),
    "Beng": ("bn", "as"),
    "Hani": ("zh", "ja"),
    "Hira": ("ja",),
    "Kana": ("ja",),
    "Hang": ("ko",),
    "Grek": ("el",),
    "Hebr": ("he",),
    "Thai": ("th",),
    "Geor": ("ka",),
    "Armn": ("hy",),
    "Ethi": ("am",),
    "Guru": ("pa",),
    "Gujr": ("gu",),
    "Orya": ("or",),
    "Taml": ("ta",),
    "Telu": ("te",),
    "Knda": ("kn",),
    "Mlym": ("ml",),
    "Sinh": ("si",),
    "Khmr": ("km",),
    "Laoo": ("lo",),
    "Tibt": ("dz",),
}
# fmt: on

#: Scripts decoded together: a Japanese sentence alternates Han and kana.
SCRIPT_GROUP: dict[str, str] = {"Hira": "Hani", "Kana": "Hani"}


@functools.cache
def _script_pattern() -> regex.Pattern[str]:
    """One named group per script of :data:`SCRIPT_CODES`, compiled when first needed
    (only translation asks for a character's script: not compiled at every run's
    import)."""
    return regex.compile(
        "|".join(f"(?P<{code}>\\p{{Script={name}}})" for name, code in SCRIPT_CODES.items())
    )


@functools.lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    """ISO 15924 code of one character's script (``Zzzz`` for scripts we do not tell apart)."""
    m = _script_pattern().match(char)
    return m.lastgroup if m and m.lastgroup else UNKNOWN_SCRIPT


def word_scripts(word: str) -> list[tuple[int, int, str]]:
    """Split a word of letters and marks into runs of one script: ``(start, end, code)``.

    Marks (``Zinh``) and ``Zyyy`` letters stay with the run before them.

    >>> word_scripts("होमpage")
    [(0, 3, 'Deva'), (3, 7, 'Latn')]
    >>> word_scripts("naïve")
    [(0, 5, 'Latn')]
    """
    runs: list[tuple[int, int, str]] = []
    start = 0
    current = ""
    for i, ch in enumerate(word):
        code = script_of(ch)
        if code in ("Zinh", "Zyyy"):
            continue
        if not current:
            current = code
        elif code != current:
            runs.append((start, i, current))
            start, current = i, code
    runs.append((start, len(word), current or "Zyyy"))
    return runs


#: Every language the segmenter can label: langid's languages, each under
#: the scripts it is written in.
KNOWN_LANGUAGES: frozenset[str] = frozenset(
    lang for langs in SCRIPT_LANGUAGES.values() for lang in langs
)


class UnknownLanguageError(ValueError):
    """A candidate language code that no script of :data:`SCRIPT_LANGUAGES` lists."""


def validate_languages(codes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The candidate languages ``codes``, checked: ISO 639-1 codes langid knows.

    An unknown code would silently make every piece ``und``; it is a usage
    error instead, whose message names the valid codes.

    >>> validate_languages(["en", "hi"])
    ('en', 'hi')
    >>> validate_languages(["english"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    normalize.scripts.UnknownLanguageError: unknown language code 'english': ... one of af, am, ...
    """
    unknown = [code for code in codes if code not in KNOWN_LANGUAGES]
    if unknown:
        names = ", ".join(repr(code) for code in unknown)
        raise UnknownLanguageError(
            f"unknown language code{'s' if len(unknown) > 1 else ''} {names}: candidate "
            f"languages are ISO 639-1 codes, one of {', '.join(sorted(KNOWN_LANGUAGES))} "
            "(e.g. --languages en,hi)"
        )
    if not codes:
        raise UnknownLanguageError(
            "no candidate language given: name at least one ISO 639-1 code (e.g. --languages en,hi)"
        )
    return tuple(codes)


def mark_matches(out: Any, chars: str, tests: Iterable[tuple[int, Any]]) -> None:
    """OR ``bit`` into ``out[i]`` (a numpy array, one item per character) for each
    character ``chars[i]`` that ``pattern`` matches, for each ``(bit, pattern)``.

    The compiled scanners' character tables (the segmenter's classes, the
    boilerplate lines' flags) are filled this way, by the very patterns the
    interpreted path runs, so that both read a character alike.

    >>> import numpy as np
    >>> out = np.zeros(4, np.uint8)
    >>> mark_matches(out, "a1 b", [(1, regex.compile(r"\\p{L}+")), (2, regex.compile(r"\\w+"))])
    >>> out.tolist()
    [3, 2, 0, 3]
    """
    for bit, pattern in tests:
        value = out.dtype.type(bit)
        for m in pattern.finditer(chars):
            out[m.start() : m.end()] |= value
