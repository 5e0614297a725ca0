"""Word tokens: what every rule and feature of the boilerplate stage counts with.

Below the rules and the features (both count words), so that neither has to
import the other to tokenize.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import regex

from normalize import compiled

if TYPE_CHECKING:
    from normalize.boilerplate import scan
else:
    scan = compiled.load("boilerplate.scan")
#: Whether the boilerplate stage's compiled scanner runs: known here, at the
#: bottom of the stage's modules, and taken from here by the others. Here: it
#: reads a line's characters for :func:`_ascii_words` (interpreted, the
#: pattern is faster than its loop).
SCAN_COMPILED = compiled.is_compiled(scan)

#: A word is a run of letters (with their marks) and digits; in scripts written
#: without spaces (Han, kana) each character counts as one, so that a Chinese
#: paragraph is long, as it is, rather than a handful of "words".
_WORD = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}]|[[\p{L}\p{M}\p{N}_]--[\p{Han}\p{Hiragana}\p{Katakana}]]+",
    regex.V1,
)

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
    if text.isascii():
        return True
    if SCAN_COMPILED:
        return scan.ascii_words(text)
    return _BEYOND_ASCII_PUNCT.search(text) is None


def _word_pattern(text: str) -> Any:
    """The fastest of the word patterns that gives :data:`_WORD`'s tokens on ``text``."""
    if _ascii_words(text):
        return _ASCII_WORD
    if _NO_SPACE_SCRIPT.search(text) is None:
        return _WORD_RUN
    return _WORD
