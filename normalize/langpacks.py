"""Language packs: what each language contributes as data (``lang_packs/<lang>/``).

A pack is a folder of plain-text files (``stopwords.txt``, ``chrome.txt``,
``segment.json``); adding a language is adding a folder. The packs ship
inside the package (``normalize/lang_packs`` of a wheel, ``lang_packs/`` of a
checkout); ``NORMALIZE_LANG_PACKS`` names another folder. The folder is looked
up when a pack is first needed, not at import, and each pack is read once per
worker by the :class:`LangPacks` its context owns
(:class:`~normalize.context.Context`). A missing or unreadable folder is a
warning on stderr, never a silent change of output.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np
import regex

from normalize import kept
from normalize.canonical import nfc_tables
from normalize.classes import dataclass
from normalize.compiled import kernels

log = logging.getLogger("normalize")

T = TypeVar("T")

#: Where tables made from the packs are kept (see :meth:`LangPacks.cached`).
CACHE_DIR = kept.CACHE_DIR


def lang_packs_dir() -> Path:
    """The language packs: ``$NORMALIZE_LANG_PACKS`` when set, else the packs shipped
    with the package (``normalize/lang_packs`` when installed from a wheel), else
    ``lang_packs/`` of the source tree (an editable install, as the Makefile makes)."""
    env = os.environ.get("NORMALIZE_LANG_PACKS")
    if env:
        return Path(env)
    # The package's folder, as importlib.resources.files("normalize") finds it
    # for a package on disk (its import and reader are ~3 ms of start-up).
    shipped = Path(__file__).parent / "lang_packs"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "lang_packs"


@dataclass(frozen=True, slots=True)
class SegmentPack:
    """What ``<lang>/segment.json`` says about a language to the segmenter."""

    #: Log prior weight (nats) added to every piece's score for this language.
    prior: float | None = None
    #: Letters this language writes and its script neighbours rarely do.
    letters: str = ""


@dataclass(frozen=True, slots=True)
class LangPack:
    """What one language contributes: stopwords, chrome phrases (by reason) and the
    segmenter's priors."""

    lang: str
    stopwords: frozenset[str]
    phrases: Mapping[str, str]  # normalized phrase -> reason
    patterns: tuple[tuple[regex.Pattern[str], str], ...]  # wildcard phrases
    segment: SegmentPack = SegmentPack()


def _read_segment_pack(path: Path) -> SegmentPack:
    if not path.is_file():
        return SegmentPack()
    data = json.loads(path.read_text(encoding="utf-8"))
    prior = data.get("prior")
    return SegmentPack(
        prior=None if prior is None else float(prior), letters=str(data.get("letters", ""))
    )


def _data_lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def read_lang_pack(folder: Path, lang: str) -> LangPack:
    """The pack of ``lang`` from ``folder/<lang>/`` (empty if there is none).

    ``chrome.txt`` lines are phrases; a ``[reason]`` line starts a section whose
    phrases get that reason code (else ``chrome_phrase``); ``*`` in a phrase
    stands for one to four words ("follow * on"); ``segment.json`` holds the
    segmenter's prior and the letters that tell the language from its
    script's neighbours.

    >>> en = read_lang_pack(lang_packs_dir(), "en")
    >>> "the" in en.stopwords, en.phrases["leave a reply"]
    (True, 'comments')
    >>> read_lang_pack(lang_packs_dir(), "xx").stopwords
    frozenset()
    """
    return LangPack(lang, _read_stopwords(folder, lang), *_read_light(folder, lang))


def _read_stopwords(folder: Path, lang: str) -> frozenset[str]:
    return frozenset(phrase_key(w) for w in _data_lines(folder / lang / "stopwords.txt"))


#: A pack but its stopwords: its chrome phrases, wildcard patterns and segment priors.
_Light = tuple[Mapping[str, str], tuple[tuple[regex.Pattern[str], str], ...], SegmentPack]


def _read_light(folder: Path, lang: str) -> _Light:
    """What ``folder/<lang>/`` says besides its stopwords (see :func:`read_lang_pack`)."""
    base = folder / lang
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
    return phrases, tuple(patterns), _read_segment_pack(base / "segment.json")


class LangPacks:
    """The packs of one folder, each read once: a worker's context owns one.

    >>> packs = LangPacks()
    >>> "en" in packs.langs(), packs.pack("en") is packs.pack("en")
    (True, True)
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else lang_packs_dir()
        self._packs: dict[str, LangPack] = {}
        self._light: dict[str, _Light] | None = None
        self._langs: tuple[str, ...] | None = None
        self._key: str | None = None

    def langs(self) -> tuple[str, ...]:
        """Languages with a folder (adding a language = adding a folder).

        A folder that is missing or unreadable gives no language and a
        warning (once): the output then differs from a run with packs.
        """
        if self._langs is None:
            try:
                self._langs = tuple(sorted(p.name for p in self.folder.iterdir() if p.is_dir()))
            except OSError as exc:
                log.warning(
                    "language packs: cannot read %s (%s); chrome phrases, stopwords and "
                    "language priors are off. Set NORMALIZE_LANG_PACKS to the lang_packs "
                    "folder, or reinstall normalize.",
                    self.folder,
                    exc.strerror or exc,
                )
                self._langs = ()
        return self._langs

    def pack(self, lang: str) -> LangPack:
        """The pack of ``lang`` (empty if there is none), read on first use.

        The first pack asked for brings the whole folder's (every pack's
        stopwords, and what :meth:`chrome` and :meth:`segment` read), from
        the tables kept beside it when they are up to date (:meth:`cached`).
        """
        pack = self._packs.get(lang)
        if pack is None:
            if not self._packs:
                stopwords = self.cached("packs.stopwords", self._read_all_stopwords)
                for name, words in stopwords.items():
                    self._packs[name] = LangPack(name, words, *self._light_pack(name))
            pack = self._packs.get(lang)
            if pack is None:
                pack = self._packs[lang] = read_lang_pack(self.folder, lang)
        return pack

    def chrome(
        self, lang: str
    ) -> tuple[Mapping[str, str], tuple[tuple[regex.Pattern[str], str], ...]]:
        """The chrome phrases (by reason) and wildcard patterns of ``lang``'s pack:
        its :attr:`~LangPack.phrases` and :attr:`~LangPack.patterns`, without the rest.

        With :meth:`segment`, what a run reads of the packs once the tables
        made from their stopwords are kept (:meth:`cached`): the stopwords
        (58,000 words, about 8 ms to load in every worker) are kept apart and
        loaded only when a pack is asked for whole (:meth:`pack`).

        >>> packs = LangPacks()
        >>> phrases, patterns = packs.chrome("en")
        >>> phrases["leave a reply"], phrases is packs.pack("en").phrases
        ('comments', True)
        """
        phrases, patterns, _ = self._light_pack(lang)
        return phrases, patterns

    def segment(self, lang: str) -> SegmentPack:
        """The segmenter's priors of ``lang``'s pack (its :attr:`~LangPack.segment`),
        without the rest (see :meth:`chrome`).

        >>> LangPacks().segment("xx")
        SegmentPack(prior=None, letters='')
        """
        return self._light_pack(lang)[2]

    def _light_pack(self, lang: str) -> _Light:
        """``lang``'s pack but its stopwords; every pack's comes at once, as in :meth:`pack`."""
        if self._light is None:
            self._light = self.cached("packs.light", self._read_all_light)
        light = self._light.get(lang)
        if light is None:
            light = self._light[lang] = _read_light(self.folder, lang)
        return light

    def _read_all_light(self) -> dict[str, _Light]:
        return {lang: _read_light(self.folder, lang) for lang in self.langs()}

    def _read_all_stopwords(self) -> dict[str, frozenset[str]]:
        return {lang: _read_stopwords(self.folder, lang) for lang in self.langs()}

    def cached(self, name: str, build: Callable[[], T], *, read_only: bool = False) -> T:
        """``build()``, a table made from the packs alone, kept on disk beside them.

        Reading the packs and indexing their 60,000 stopwords takes about a
        tenth of a second in every worker: most of the start-up of a run on
        one small file. Pickled, the tables load in a few milliseconds. They
        are kept in ``normalize/__pycache__/langpacks.FOLDER.NAME.KEY.pickle``
        (:func:`normalize.kept.kept`); ``KEY`` hashes the path, size and
        modification time of every file of the packs and of normalize
        itself, so that an edited pack, or an edited function that builds a
        table, never gets a stale one; the versions of Python, regex and
        numpy, and regex's own files (compiled patterns are kept as its
        compiled code), are in it too. Where the folder cannot be written, or a file
        cannot be read, the table is built as if there were none.

        With ``read_only`` every numpy array of the table is made read-only
        (:func:`_read_only`), as built or as read back: a pickle's copy of an
        array is writable, and such a table is shared by every stage of a worker.
        """
        # The tables of one packs folder are a family (one key): those of another
        # folder, used by another run meanwhile, are not stale.
        family = f"langpacks.{hashlib.sha1(os.fsencode(self.folder)).hexdigest()[:8]}."
        table = kept.kept(f"{family}{name}", self._cache_key(), build, CACHE_DIR, family)
        return _read_only(table) if read_only else table

    def _cache_key(self) -> str | None:
        """What the kept tables depend on, hashed; ``None`` when it cannot be known."""
        if self._key is None:
            # The libraries the tables are made with and kept by: regex's
            # Unicode data decides phrase keys, numpy's pickles hold arrays,
            # and regex's patterns pickle as the compiled code of the very
            # build of ``_regex`` that compiled them: its files are in the key
            # (a rebuild of the same version never reads another's code).
            self._key = kept.state_key(
                (regex.__version__, np.__version__),
                (self.folder, Path(__file__).resolve().parent, Path(regex.__file__).parent),
            )
        return self._key


_PHRASE_EDGE = regex.compile(r"[\p{P}\p{S}\s]")


@functools.lru_cache(maxsize=4096)
def _edge_char(c: str) -> bool:
    """Punctuation, symbol or space: what :func:`phrase_key` strips at the edges."""
    return _PHRASE_EDGE.match(c) is not None


def _read_only(table: T) -> T:
    """``table`` with every numpy array in it read-only: the table itself, the items
    of a tuple or list, the fields of a dataclass (other values are left as they are).
    """
    if isinstance(table, np.ndarray):
        table.flags.writeable = False
    elif isinstance(table, (tuple, list)):
        for item in table:
            _read_only(item)
    elif dataclasses.is_dataclass(table) and not isinstance(table, type):
        for f in dataclasses.fields(table):
            _read_only(getattr(table, f.name))
    return table


def phrase_key(text: str) -> str:
    """The form phrases are compared in: NFC, casefolded, spaces collapsed, edge punctuation gone
    (:func:`normalize.kernels.phrase_key`, with :func:`_edge_char` for the edges and
    :func:`normalize.canonical.nfc_tables` for its NFC check).

    >>> phrase_key("  Leave a  Reply: ")
    'leave a reply'
    >>> phrase_key("« Share it with a friend! »")
    'share it with a friend'
    """
    return kernels.phrase_key(text, _edge_char, *nfc_tables())
