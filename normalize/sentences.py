"""Sentence spans, for translation.

Translation models are trained on single sentences: fed a paragraph they
drop or repeat words, and their cost grows with the square of the input
length. Argos Translate splits with a neural sentence splitter that it
downloads on first use; normalize must stay offline, and its text is already
canonical, so a punctuation rule is enough here.

:func:`split_sentences` returns *spans* rather than strings, so the text
between sentences (spaces, line breaks) is kept and a translated text can be
put back together with the original layout.
"""

from __future__ import annotations

import re

import regex

#: Sentence-final marks that end a sentence only before a space or the end
#: of a line: Latin ``. ! ?``, Urdu full stop, Arabic question mark, and the
#: ellipsis (a full stop inside "2.1" or "e.g" ends nothing).
_SPACED_ENDS = ".!?۔؟…"
#: Marks that end a sentence wherever they are: the full-width marks of
#: Chinese and Japanese, which are not followed by a space, and the
#: Devanagari/Bengali danda and double danda, which are never anything but
#: a sentence end (scraped Hindi often lacks the space after them).
_UNSPACED_ENDS = "。！？।॥"
#: Closing quotes and brackets that stay with the sentence they close.
_CLOSERS = "\"'”’»)]}」』"

_END = regex.compile(
    rf"(?:[{regex.escape(_SPACED_ENDS)}]+[{regex.escape(_CLOSERS)}]*(?=\s|$)"
    rf"|[{regex.escape(_UNSPACED_ENDS)}]+[{regex.escape(_CLOSERS)}]*)"
)
#: A line break ends a sentence whatever precedes it: headings, list items
#: and table cells have no final punctuation.
_LINE = regex.compile(r"[^\n\r\u2028\u2029]+")
_NOT_SPACE = re.compile(r"\S")

#: Abbreviations after which a full stop does not end a sentence (compared
#: without the stop, case-sensitively). Only common English ones: other
#: languages' abbreviations are rarer in web text than a wrong split is
#: harmful, and a lowercase next word already keeps most of them together.
ABBREVIATIONS = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Prof",
        "St",
        "Sr",
        "Jr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "cf",
        "Fig",
        "No",
        "Vol",
        "pp",
        "Inc",
        "Ltd",
        "Co",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
    ]
)


def _last_word(text: str, start: int, end: int) -> str:
    """The last word of ``text[start:end]`` (spaces after it left out), read in place.

    Copying the text from the sentence's start at every full stop was
    quadratic in a long line whose stops all go on ("abc. def. ...").

    >>> _last_word("He saw Dr. ", 0, 9), _last_word("x  J  ", 1, 6), _last_word("   ", 0, 3)
    ('Dr', 'J', '')
    """
    j = end
    while j > start and text[j - 1].isspace():
        j -= 1
    i = j
    while i > start and not text[i - 1].isspace():
        i -= 1
    return text[i:j]


def _ends_here(text: str, start: int, m: regex.Match[str]) -> bool:
    """Whether the mark matched by ``m`` really ends a sentence."""
    if not m.group().startswith("."):
        return True
    word = _last_word(text, start, m.start())
    if word in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
        return False  # "Dr. Rao", "J. Smith"
    # The next character that is not a space (re's \s is str.isspace), found
    # in place: a copy of the rest of the text per full stop was quadratic.
    after = _NOT_SPACE.search(text, m.end())
    return after is None or not after.group().islower()  # "approx. twenty" goes on


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(start, end)`` spans, in order.

    A span has no leading or trailing whitespace; whatever lies between
    spans is whitespace only, so ``text`` can be rebuilt exactly from the
    spans and the gaps. Sentences end at final punctuation followed by a
    space (or at full-width Chinese/Japanese marks) and at every line break.

    >>> t = "यह घर है। वह नदी है?  Dr. Rao came.\\nNo stop here"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['यह घर है।', 'वह नदी है?', 'Dr. Rao came.', 'No stop here']
    >>> def show(s):
    ...     return [s[a:b] for a, b in split_sentences(s)]
    >>> show("今天很好。我们走吧！好")
    ['今天很好。', '我们走吧！', '好']
    >>> show("यह घर है।वह नदी है।")
    ['यह घर है।', 'वह नदी है।']
    >>> split_sentences("  \\n ")
    []
    >>> show('He said "Go." Then left.')
    ['He said "Go."', 'Then left.']
    >>> show("Version 2.1 is out... approx. twenty.")
    ['Version 2.1 is out... approx. twenty.']
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start, end = line.start(), line.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        pos = start
        for m in _END.finditer(text, start, end):
            if m.end() <= pos or not _ends_here(text, pos, m):
                continue
            spans.append((pos, m.end()))
            pos = m.end()
            while pos < end and text[pos].isspace():
                pos += 1
        if pos < end:
            spans.append((pos, end))
    return spans


def cap_length(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    """Cut a span longer than ``max_chars`` at spaces into pieces of at most that size.

    Text without final punctuation (a long list, a run-on caption) can make
    one "sentence" of thousands of characters; a translation model then
    slows to a crawl, loses words, and can run past its position table. A
    piece is cut at the last space before the limit (hard-cut when there is
    none) and never starts or ends with whitespace.

    >>> t = "one two three four five"
    >>> [t[a:b] for a, b in cap_length(t, (0, len(t)), 10)]
    ['one two', 'three four', 'five']
    >>> cap_length("abcdefghij", (0, 10), 4)
    [(0, 4), (4, 8), (8, 10)]
    >>> cap_length("short", (0, 5), 10)
    [(0, 5)]
    """
    start, end = span
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            out.append((start, start + max_chars))
            start += max_chars
        else:
            piece_end = cut
            while piece_end > start and text[piece_end - 1].isspace():
                piece_end -= 1
            out.append((start, piece_end))
            start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out
