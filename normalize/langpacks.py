"""Language packs: what each language contributes as data (``lang_packs/<lang>/``).

A pack is a folder of plain-text files (``stopwords.txt``, ``chrome.txt``,
``segment.json``); adding a language is adding a folder. The folder is
looked up when a pack is first needed, not at import, so that
``NORMALIZE_LANG_PACKS`` set after ``import normalize`` still counts.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import regex


def lang_packs_dir() -> Path:
    """The language packs: ``$NORMALIZE_LANG_PACKS`` when set, else ``lang_packs/``
    of the source tree (an editable install, as the Makefile makes)."""
    return Path(
        os.environ.get("NORMALIZE_LANG_PACKS")
        or Path(__file__).resolve().parent.parent / "lang_packs"
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
    base = lang_packs_dir() / lang
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
    packs = lang_packs_dir()
    if not packs.is_dir():
        return ()
    return tuple(sorted(p.name for p in packs.iterdir() if p.is_dir()))


#: A word is a run of letters (with their marks) and digits; in scripts written
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
