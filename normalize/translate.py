"""Offline translation of segments with Argos Translate packs.

``normalize … --translate-to en`` translates every content segment whose
language is not the target (boilerplate too with ``--translate-boilerplate``)
and records the result on the segment (``translation``) and as a translated
document (``translated_text``, ``translated_lang``). Segments already in the
target language, ``zxx`` (no language) and ``und`` (unknown) stay as they are.

How, and why not simply ``argostranslate.translate.translate()``:

* **Offline.** Argos's ``translate()`` splits sentences with a model it
  downloads on first use (no timeout; it hangs or fails without a network).
  Here sentences come from :func:`normalize.sentences.split_sentences`, and
  Argos is used for what it does well: the installed packs and their
  metadata and tokenizer (``argostranslate.package``, which imports in
  milliseconds, unlike ``argostranslate.translate`` which pulls in torch,
  stanza and spacy), and the packs' CTranslate2 models.
* **Fast.** All sentences of a batch of documents are collected, grouped by
  language, de-duplicated (navigation and footers repeat), and each group
  goes through one ``translate_batch`` call per pack, on a Translator built
  once per process. Decoding uses Argos's own settings (beam 4, length
  penalty 0.2, unknown tokens replaced), so a sentence translates exactly as
  ``argostranslate.translate.translate()`` translates it alone.
* **Pivoting.** With no direct pack (hi→es) but two that chain (hi→en,
  en→es), sentences go through both, as Argos does; the shortest chain of
  installed packs is used, a direct pack when there is one.
* **Missing packs** are not errors: the documents are written untranslated
  for that language, with a warning in the record naming the pack to get
  and where to put it.
"""

from __future__ import annotations

import bisect
import dataclasses
import unicodedata
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import numpy as np
import regex

from normalize import packs
from normalize.canonical import canonicalize
from normalize.classes import dataclass
from normalize.config import TranslateConfig
from normalize.context import Context, default_context
from normalize.document import (
    BOILERPLATE,
    CONTENT,
    NO_LANGUAGE,
    UNDETERMINED,
    Document,
    ErrorRecord,
    Segment,
    Stage,
)
from normalize.identify import LanguageIdentifier
from normalize.scripts import SCRIPT_GROUP, SCRIPT_LANGUAGES, script_of
from normalize.sentences import cap_length, split_sentences

#: The provenance label of this stage in ``Document.steps``.
STEP = Stage.TRANSLATE


class TranslationError(RuntimeError):
    """A pack could not be loaded or run; the message names the pack and the cause."""


class MissingPackError(LookupError):
    """No installed pack, nor chain of packs, translates a language pair."""


# ---------------------------------------------------------------- pure helpers


def is_eligible(segment: Segment, target: str, translate_boilerplate: bool = False) -> bool:
    """Whether a segment is to be translated into ``target``.

    >>> is_eligible(Segment("नमस्ते", 0, 6, "hi"), "en")
    True
    >>> is_eligible(Segment("Hello", 0, 5, "en"), "en")
    False
    >>> is_eligible(Segment(" — ", 0, 3, "zxx"), "en")
    False
    >>> is_eligible(Segment("होम", 0, 3, "hi", kind="boilerplate"), "en")
    False
    >>> is_eligible(Segment("होम", 0, 3, "hi", kind="boilerplate"), "en", translate_boilerplate=True)
    True
    """
    if segment.lang in (target, NO_LANGUAGE, UNDETERMINED) or not segment.text.strip():
        return False
    return segment.kind == CONTENT or (translate_boilerplate and segment.kind == BOILERPLATE)


def sentence_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """The pieces of ``text`` translated one at a time: sentences, long ones cut.

    >>> t = "पहला वाक्य। दूसरा वाक्य।"
    >>> [t[a:b] for a, b in sentence_spans(t, 500)]
    ['पहला वाक्य।', 'दूसरा वाक्य।']
    """
    return [piece for span in split_sentences(text) for piece in cap_length(text, span, max_chars)]


def reassemble(text: str, spans: Sequence[tuple[int, int]], pieces: Sequence[str]) -> str:
    """``text`` with each span replaced by its translation; the layout between spans is kept.

    >>> reassemble("  One. Two.\\n", [(2, 6), (7, 11)], ["Uno.", "Dos."])
    '  Uno. Dos.\\n'
    """
    out: list[str] = []
    pos = 0
    for (start, end), piece in zip(spans, pieces, strict=True):
        out.append(text[pos:start])
        out.append(piece)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def unique_in_order(items: Iterable[str]) -> tuple[list[str], list[int]]:
    """The distinct items in first-seen order, and for each item the index of its copy.

    Scraped pages repeat sentences (menus, footers, "Read more"); each is
    translated once.

    >>> unique_in_order(["a", "b", "a"])
    (['a', 'b'], [0, 1, 0])
    """
    index: dict[str, int] = {}
    where = [index.setdefault(item, len(index)) for item in items]
    return list(index), where


def find_route(
    pairs: Iterable[tuple[str, str]], source: str, target: str
) -> list[tuple[str, str]] | None:
    """The shortest chain of installed pairs from ``source`` to ``target``, or ``None``.

    A direct pack wins; otherwise the text pivots through intermediate
    languages (hi→en→es), as Argos does. Ties go to the alphabetically first
    chain, so the choice does not depend on the order packs were installed.

    >>> find_route([("hi", "en"), ("en", "es")], "hi", "es")
    [('hi', 'en'), ('en', 'es')]
    >>> find_route([("hi", "en"), ("en", "es"), ("hi", "es")], "hi", "es")
    [('hi', 'es')]
    >>> find_route([("hi", "en")], "ta", "en") is None
    True
    >>> find_route([], "en", "en")
    []
    """
    edges: dict[str, list[str]] = {}
    for a, b in sorted(set(pairs)):
        edges.setdefault(a, []).append(b)
    previous: dict[str, str] = {source: source}
    queue = deque([source])
    while queue:
        lang = queue.popleft()
        if lang == target:
            route: list[tuple[str, str]] = []
            while lang != source:
                route.append((previous[lang], lang))
                lang = previous[lang]
            return route[::-1]
        for nxt in edges.get(lang, ()):
            if nxt not in previous:
                previous[nxt] = lang
                queue.append(nxt)
    return None


#: The values of :attr:`TranslateConfig.device`.
DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str, cuda_devices: int) -> str:
    """The CTranslate2 device for a ``TranslateConfig.device`` and the number of GPUs seen.

    >>> resolve_device("auto", 0), resolve_device("auto", 2), resolve_device("cpu", 2)
    ('cpu', 'cuda', 'cpu')
    >>> resolve_device("cuda", 0)
    Traceback (most recent call last):
    ...
    normalize.translate.TranslationError: --device cuda: CTranslate2 sees no CUDA device (no GPU, or a CPU-only build of ctranslate2); use --device auto or cpu
    """
    if device not in DEVICES:
        raise TranslationError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if cuda_devices > 0 else "cpu"
    if device == "cuda" and cuda_devices <= 0:
        raise TranslationError(
            "--device cuda: CTranslate2 sees no CUDA device (no GPU, or a CPU-only build of "
            "ctranslate2); use --device auto or cpu"
        )
    return device


def translation_device(config: TranslateConfig) -> str:
    """The device the translators of this process use (``cpu`` or ``cuda``).

    Raises :class:`TranslationError` for ``cuda`` without a GPU, and
    :class:`packs.MissingExtraError` without ctranslate2.
    """
    try:
        import ctranslate2
    except ImportError as exc:  # a dependency of the translate extra
        raise packs.MissingExtraError(
            f"translation needs ctranslate2 ({exc}); install the translate extra: "
            f"{packs.EXTRA_HINT}"
        ) from exc
    return resolve_device(config.device, ctranslate2.get_cuda_device_count())


def missing_pack_message(source: str, target: str, packs_dir: str | None = None) -> str:
    """What a record says when no installed pack (or chain of packs) translates a pair.

    >>> print(missing_pack_message("ta", "en", "/srv/packs"))  # doctest: +NORMALIZE_WHITESPACE
    translate: no pack translates ta to en, so ta segments were left untranslated;
    get translate-ta_en.argosmodel (Argos Translate package index) and put it in lang_packs/
    then run `make lang-packs`, or run `normalize packs install FILE`
    (packs folder: /srv/packs)
    """
    return (
        f"translate: no pack translates {source} to {target}, so {source} segments were left "
        f"untranslated; get {packs.pack_name(source, target)}{packs.SUFFIX} (Argos Translate "
        "package index) and put it in lang_packs/ then run `make lang-packs`, or run "
        f"`normalize packs install FILE` (packs folder: {packs.packs_root(packs_dir)})"
    )


_MISSING_PACK = regex.compile(r"translate: no pack translates (\S+) to (\S+), so ")


def untranslated(doc: Document) -> dict[tuple[str, str], int]:
    """Per language pair that lacked a pack, the characters of ``doc`` left untranslated.

    Read from the record itself (its missing-pack warnings, and the segments
    of that language without a translation), so that a run's summary can
    count them wherever the record was made.

    >>> doc = Document(id="d", segments=(Segment("வணக்கம்", 0, 7, "ta"),),
    ...                warnings=(ErrorRecord(STEP, "missing_pack",
    ...                                      missing_pack_message("ta", "en", "/srv/packs")),))
    >>> untranslated(doc)
    {('ta', 'en'): 7}
    """
    pairs = [
        m.groups()
        for w in doc.warnings
        if w.code == "missing_pack" and (m := _MISSING_PACK.match(w.message))
    ]
    if not pairs:
        return {}
    # A segment is covered when some unit's span holds it: of the spans that
    # start at or before it, the one reaching furthest must reach its end.
    # (Sorted starts and running maxima of the ends: one bisect per segment,
    # not a scan of every span.)
    covered = sorted(seg.translation_covers for seg in doc.segments if seg.translation_covers)
    starts = [a for a, _ in covered]
    reach: list[int] = []
    for _, b in covered:
        reach.append(max(b, reach[-1]) if reach else b)

    def is_covered(seg: Segment) -> bool:
        i = bisect.bisect_right(starts, seg.start)
        return i > 0 and reach[i - 1] >= seg.end

    out: dict[tuple[str, str], int] = {}
    for source, target in pairs:
        out[(source, target)] = sum(
            len(seg.text)
            for seg in doc.segments
            if seg.lang == source and seg.translation is None and not is_covered(seg)
        )
    return out


def translated_document_text(doc: Document, translations: Mapping[int, str]) -> str:
    """The document's text with segments replaced by their translations.

    ``Document.text`` is the content segments joined (then canonicalized),
    or every segment when boilerplate was kept in the text; the translated
    text is built the same way from the translated segments.
    ``translations`` maps segment indexes to their translation.

    >>> segs = (Segment("नमस्ते।", 0, 7, "hi"), Segment("\\n", 7, 8, "zxx"),
    ...         Segment("Menu", 8, 12, "en", kind="boilerplate"))
    >>> doc = Document(id="d", text="नमस्ते।", segments=segs)
    >>> translated_document_text(doc, {0: "Hello."})
    'Hello.'
    >>> kept = doc.replace(text=doc.full_text)  # boilerplate kept in the text
    >>> translated_document_text(kept, {0: "Hello."})
    'Hello.\\nMenu'
    """
    keep_boilerplate = bool(doc.segments) and doc.text == doc.full_text
    parts = [
        translations.get(i, seg.text)
        for i, seg in enumerate(doc.segments)
        if seg.kind == CONTENT or keep_boilerplate
    ]
    return canonicalize("".join(parts))


@dataclass(frozen=True, slots=True)
class Piece:
    """Text translated in one go: a sentence (or part of a long one), in one language.

    ``start``/``end`` are offsets into the document's full text; ``lang`` is
    the language most of its letters were labelled with.
    """

    start: int
    end: int
    lang: str
    #: The text, ``full_text[start:end]``.
    text: str


@dataclass(frozen=True, slots=True)
class Unit:
    """Segments ``first`` to ``last`` (exclusive) whose text is translated together.

    A unit is one segment, or several when a sentence runs across segments
    (a Hindi sentence with English words in it): its translation goes on its
    first segment. ``start``/``end`` are the full-text offsets it spans.
    """

    first: int
    last: int
    start: int
    end: int
    pieces: tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class _Source:
    """The language a piece is translated from (``None``: not translated), and why."""

    lang: str | None
    why: str | None = None


def majority_language(letters: Mapping[str, int]) -> str | None:
    """The language of more than half of the letters, or ``None``.

    >>> majority_language({"hi": 30, "en": 12}), majority_language({"hi": 5, "en": 5})
    ('hi', None)
    """
    total = sum(letters.values())
    for lang, n in letters.items():
        if 2 * n > total:
            return lang
    return None


def translation_units(
    doc: Document, target: str, translate_boilerplate: bool = False, max_chars: int = 500
) -> list[Unit]:
    """What of ``doc`` is translated, sentence by sentence, and which segments each covers.

    Sentences are found in runs of segments of one kind (content, or
    boilerplate when it is translated too). A sentence most of whose letters
    are in one language is one piece in that language, whatever other words
    are embedded in it: a translation model needs the whole sentence, and a
    Hindi sentence cut around its English words comes out as fragments. A
    sentence in the target language is left as it is; a sentence with no
    majority language is translated segment by segment.

    >>> parts = [("मैंने कल ", "hi"), ("machine learning", "en"), (" की नई किताब पढ़ी।", "hi"),
    ...          (" Done.", "en")]
    >>> segs, pos = [], 0
    >>> for text, lang in parts:
    ...     segs.append(Segment(text, pos, pos + len(text), lang))
    ...     pos += len(text)
    >>> doc = Document(id="d", segments=tuple(segs))
    >>> [(u.first, u.last, [(p.start, p.end, p.lang) for p in u.pieces])
    ...  for u in translation_units(doc, "en")]
    [(0, 3, [(0, 43, 'hi')])]
    """
    segs = doc.segments
    full = doc.full_text
    units: list[Unit] = []
    i = 0
    while i < len(segs):
        kind = segs[i].kind
        j = i
        while j < len(segs) and segs[j].kind == kind:
            j += 1
        # A run with no segment in another language than the target has no
        # sentence to translate (every majority is the target's, or none):
        # not split into sentences at all, the common case of an English
        # page translated into English.
        if (kind == CONTENT or (translate_boilerplate and kind == BOILERPLATE)) and any(
            seg.lang not in (target, NO_LANGUAGE, UNDETERMINED) for seg in segs[i:j]
        ):
            units.extend(_run_units(segs, i, j, full, target, max_chars))
        i = j
    return units


def _run_units(
    segs: Sequence[Segment], i: int, j: int, full: str, target: str, max_chars: int
) -> list[Unit]:
    """The units of segments ``i`` to ``j`` (one kind), from their sentences.

    The segments tile the text in order, so their starts and ends both
    ascend: those a sentence touches are one range, found by bisection
    (scanning the run for each sentence was quadratic in a long document).
    """
    run_start = segs[i].start
    starts = [seg.start for seg in segs[i:j]]
    ends = [seg.end for seg in segs[i:j]]
    pieces: list[tuple[Piece, int, int]] = []  # with the range of segments each touches
    for a, b in sentence_spans(full[run_start : segs[j - 1].end], max_chars):
        start, end = run_start + a, run_start + b
        # The segments with start < end and end > start.
        over = range(i + bisect.bisect_right(ends, start), i + bisect.bisect_left(starts, end))
        letters: dict[str, int] = {}
        for k in over:
            seg = segs[k]
            if seg.lang not in (NO_LANGUAGE, UNDETERMINED):
                n = count_letters(full[max(start, seg.start) : min(end, seg.end)])
                letters[seg.lang] = letters.get(seg.lang, 0) + n
        lang = majority_language(letters)
        if lang is not None:
            if lang != target:
                pieces.append((Piece(start, end, lang, full[start:end]), over[0], over[-1] + 1))
            continue
        for k in over:
            seg = segs[k]
            if is_eligible(seg, target, translate_boilerplate=True):
                a2, b2 = max(start, seg.start), min(end, seg.end)
                while a2 < b2 and full[a2].isspace():
                    a2 += 1
                while b2 > a2 and full[b2 - 1].isspace():
                    b2 -= 1
                if a2 < b2:
                    pieces.append((Piece(a2, b2, seg.lang, full[a2:b2]), k, k + 1))
    units: list[Unit] = []
    for piece, first, last in pieces:
        if units and first < units[-1].last:
            prev = units[-1]
            last = max(last, prev.last)
            units[-1] = Unit(
                prev.first, last, prev.start, segs[last - 1].end, (*prev.pieces, piece)
            )
        else:
            units.append(Unit(first, last, segs[first].start, segs[last - 1].end, (piece,)))
    return units


#: Where a sentence too long for the model is cut first: after a clause
#: mark followed by a space (Latin, Arabic, CJK commas and semicolons,
#: colons, dashes), before falling back to spaces between words.
_CLAUSE_END = regex.compile(r"[,;:،؛—–]\s+|[、，；：]\s*")


def fit_spans(text: str, count: Callable[[str], int], limit: int) -> list[tuple[int, int]]:
    """Cut ``text`` into consecutive pieces of at most ``limit`` (by ``count``), as few as fit.

    Pieces end at clause marks where possible, else between words, else
    (one word longer than the limit) anywhere; none starts or ends with
    whitespace, and only whitespace lies between them. ``count`` is the
    model's tokenizer: its limit is in tokens, not characters.

    >>> t = "one two three, four five six; seven"
    >>> [t[a:b] for a, b in fit_spans(t, lambda s: len(s.split()), 3)]
    ['one two three,', 'four five six;', 'seven']
    >>> [t[a:b] for a, b in fit_spans(t, lambda s: len(s.split()), 4)]
    ['one two three,', 'four five six; seven']
    >>> [t[a:b] for a, b in fit_spans(t, lambda s: len(s.split()), 2)]
    ['one two', 'three,', 'four five', 'six;', 'seven']
    >>> fit_spans("abcdef", len, 4)
    [(0, 4), (4, 6)]
    """
    if count(text) <= limit:
        return [(0, len(text))]
    clauses: list[tuple[int, int]] = []  # whole clauses, joined while they fit
    out: list[tuple[int, int]] = []
    for a, b in _cuts(text, 0, len(text), _CLAUSE_END):
        if count(text[a:b]) <= limit:
            clauses.append((a, b))
            continue
        out.extend(_merge(text, clauses, count, limit))
        clauses = []
        words: list[tuple[int, int]] = []
        for c, d in _cuts(text, a, b, _SPACES):
            if count(text[c:d]) <= limit:
                words.append((c, d))
                continue
            start = c
            while start < d:  # a "word" over the limit: as many characters as fit
                end = start + 1
                while end < d and count(text[start : end + 1]) <= limit:
                    end += 1
                words.append((start, end))
                start = end
        out.extend(_merge(text, words, count, limit))
    out.extend(_merge(text, clauses, count, limit))
    return out


_SPACES = regex.compile(r"\s+")


def _cuts(text: str, start: int, end: int, sep: regex.Pattern[str]) -> list[tuple[int, int]]:
    """``text[start:end]`` cut after each match of ``sep``, without the whitespace around cuts."""
    out, pos = [], start
    for m in sep.finditer(text, start, end):
        piece_end = m.end()
        while piece_end > pos and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > pos:
            out.append((pos, piece_end))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def _merge(
    text: str, spans: list[tuple[int, int]], count: Callable[[str], int], limit: int
) -> list[tuple[int, int]]:
    """Join consecutive spans while the joined text stays within the limit."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and count(text[out[-1][0] : b]) <= limit:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def plausible_sources(
    texts: Sequence[str],
    labels: Sequence[str],
    offered: Sequence[str],
    min_posterior: float,
    ctx: Context | None = None,
) -> list[dict[str, float]]:
    """For each text, the offered languages the language identifier finds plausible for it.

    A language is plausible for a text when it is written in the text's
    script and its posterior probability, among the languages of that script
    (langid's model and priors), is at least ``min_posterior``. Hindi,
    Marathi and Nepali share a script and much of their vocabulary: on a
    short sentence the identifier's first choice is often wrong, and a
    Hindi pack is a better translator of a sentence labelled Marathi than
    none. ``labels`` are the texts' own labels, never offered for them.

    >>> [sorted(p) for p in plausible_sources(["घर बड़ा है।", "Hello"], ["mr", "en"], ["hi"], 0.05)]
    [['hi'], []]
    """
    ctx = ctx or default_context()
    out: list[dict[str, float]] = [{} for _ in texts]
    by_script: dict[str, list[int]] = {}
    for n, text in enumerate(texts):
        by_script.setdefault(main_script(text), []).append(n)
    identifier = ctx.identifier
    tables: LanguageIdentifier.Tables = ctx.owned("identify.tables", dict)
    for script, members in by_script.items():
        langs = [lang for lang in SCRIPT_LANGUAGES.get(script, ()) if lang in identifier.index]
        if not any(lang in offered for lang in langs):
            continue
        scores = identifier.loglik([texts[n] for n in members], langs, tables)
        scores += identifier.class_logprior[identifier.columns(langs)]
        scores -= scores.max(axis=1, keepdims=True)
        post = np.exp(scores)
        post /= post.sum(axis=1, keepdims=True)
        for row, n in zip(post, members, strict=True):
            for col, lang in enumerate(langs):
                if lang in offered and lang != labels[n] and row[col] >= min_posterior:
                    out[n][lang] = float(row[col])
    return out


def count_letters(text: str) -> int:
    """Letters and combining marks: the characters that carry a language.

    Marks count: a Devanagari word is half vowel signs, and counting only
    its consonants would weigh it against a Latin word of the same length.

    >>> count_letters("किताब"), count_letters("book 42!")
    (5, 4)
    """
    return len(_LETTERS_AND_MARKS.findall(text))


_LETTERS_AND_MARKS = regex.compile(r"[\p{L}\p{M}]")


def main_script(text: str) -> str:
    """The script of most of the letters and marks of ``text`` (Han and kana count as one).

    >>> main_script("होम page होम"), main_script("42")
    ('Deva', 'Zyyy')
    """
    counts: dict[str, int] = {}
    code = ""
    for ch in text:
        cat = unicodedata.category(ch)[0]
        if cat == "L":
            code = script_of(ch)
            code = SCRIPT_GROUP.get(code, code)
        elif cat != "M" or not code:  # a mark belongs to the letter before it
            continue
        counts[code] = counts.get(code, 0) + 1
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else "Zyyy"


# ---------------------------------------------------------------- the models


class _PackModel:
    """One installed pack: its Argos package (tokenizer, metadata) and its Translator."""

    def __init__(self, pack: packs.InstalledPack, config: TranslateConfig) -> None:
        argos_package = packs.import_argos_package(config.packs_dir)
        try:
            import ctranslate2
        except ImportError as exc:  # a dependency of argostranslate
            raise packs.MissingExtraError(
                f"translation needs ctranslate2 ({exc}); install the translate extra: "
                f"{packs.EXTRA_HINT}"
            ) from exc
        self.pack = pack
        self.package = argos_package.Package(pack.path)
        if getattr(self.package, "tokenizer", None) is None:
            raise TranslationError(
                f"{pack.name} ({pack.path}) has neither sentencepiece.model nor bpe.model; "
                "reinstall the pack"
            )
        try:
            self.translator = ctranslate2.Translator(
                str(pack.path / "model"),
                device=translation_device(config),
                inter_threads=config.inter_threads,
                intra_threads=config.intra_threads,
                compute_type="auto",  # what Argos uses: the model's own type (int8)
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(
                f"{pack.name}: cannot load {pack.path / 'model'} ({exc})"
            ) from exc

    def translate(self, sentences: Sequence[str], config: TranslateConfig) -> list[str]:
        """Translate sentences in one CTranslate2 call, decoded as Argos decodes them.

        A sentence of more than ``config.max_input_tokens`` tokens is cut
        (:func:`fit_spans`) and its parts translated apart, then put back
        together: never cut off by the model's input or output limit.
        """
        if not sentences:
            return []
        pkg = self.package
        limit = config.max_input_tokens

        def count(text: str) -> int:
            return len(pkg.tokenizer.encode(text))

        tokens: list[list[str]] = []
        parts: list[list[tuple[int, int]]] = []
        for sentence in sentences:
            encoded = pkg.tokenizer.encode(sentence)
            if len(encoded) <= limit:
                parts.append([(0, len(sentence))])
                tokens.append(encoded)
            else:
                spans = fit_spans(sentence, count, limit)
                parts.append(spans)
                tokens.extend(pkg.tokenizer.encode(sentence[a:b]) for a, b in spans)
        prefix = [[pkg.target_prefix]] * len(tokens) if pkg.target_prefix else None
        results = self.translator.translate_batch(
            tokens,
            target_prefix=prefix,
            replace_unknowns=True,
            max_batch_size=config.max_batch_tokens,
            batch_type="tokens",
            beam_size=config.beam_size,
            num_hypotheses=1,
            length_penalty=config.length_penalty,
            # Room for a translation longer than its source; the default
            # (256) cuts a translation off without a word.
            max_decoding_length=max(256, 2 * limit + 16),
            max_input_length=0,
        )
        texts = []
        for result in results:
            text = pkg.tokenizer.decode(result.hypotheses[0])
            if pkg.target_prefix and text.startswith(pkg.target_prefix):
                text = text[len(pkg.target_prefix) :]
            texts.append(text.removeprefix(" "))
        out, pos = [], 0
        for sentence, spans in zip(sentences, parts, strict=True):
            if len(spans) == 1 and spans[0] == (0, len(sentence)):
                out.append(texts[pos])
            else:
                out.append(reassemble(sentence, spans, texts[pos : pos + len(spans)]))
            pos += len(spans)
        return out


def _pack_model(
    pack: packs.InstalledPack, config: TranslateConfig, ctx: Context | None = None
) -> _PackModel:
    """The loaded pack and its CTranslate2 translator, kept by the worker's context by
    pack folder and thread settings (a forked worker makes its own context, as its
    parent's translator thread pools do not survive a fork)."""
    key = (
        "translate.model",
        str(pack.path),
        config.device,
        config.inter_threads,
        config.intra_threads,
    )
    return (ctx or default_context()).owned(key, lambda: _PackModel(pack, config))


def installed_packs(config: TranslateConfig) -> dict[tuple[str, str], packs.InstalledPack]:
    """The installed packs by language pair (of two for one pair, the last listed)."""
    return {(p.from_code, p.to_code): p for p in packs.list_packs(config.packs_dir)}


def translate_sentences(
    sentences: Sequence[str],
    source: str,
    config: TranslateConfig,
    ctx: Context | None = None,
    installed: Mapping[tuple[str, str], packs.InstalledPack] | None = None,
) -> list[str]:
    """Translate sentences from ``source`` into ``config.target``, through a pivot if needed.

    ``installed`` is :func:`installed_packs`, when the caller has read it
    already (a batch reads the packs folder once, not once per language).
    Raises :class:`MissingPackError` (with :func:`missing_pack_message`)
    when no chain of installed packs joins the two languages.
    """
    target = config.target
    if target is None:
        raise ValueError("TranslateConfig.target is None: there is nothing to translate into")
    if source == target:
        return list(sentences)
    if installed is None:
        installed = installed_packs(config)
    route = find_route(installed, source, target)
    if route is None:
        raise MissingPackError(missing_pack_message(source, target, config.packs_dir))
    texts, where = unique_in_order(sentences)
    for pair in route:
        texts = _pack_model(installed[pair], config, ctx).translate(texts, config)
    return [texts[i] for i in where]


# ---------------------------------------------------------------- the stage


def _choose_sources(
    docs: Sequence[Document],
    plans: Mapping[int, Sequence[Unit]],
    installed: Collection[tuple[str, str]],
    config: TranslateConfig,
    ctx: Context,
) -> dict[tuple[int, int, int], _Source]:
    """The language each piece is translated from, and why when it is not its own.

    A piece is translated from ``config.source_lang`` when it is set, else
    from its own language when a chain of packs leads from it to the target,
    else from the most probable :func:`plausible_sources` language, else not
    at all (``_Source(None)``: the pack is missing).
    """
    target = config.target
    assert target is not None
    routes: dict[str, bool] = {}

    def has_route(lang: str) -> bool:
        if lang not in routes:
            routes[lang] = find_route(installed, lang, target) is not None
        return routes[lang]

    out: dict[tuple[int, int, int], _Source] = {}
    pending: list[tuple[tuple[int, int, int], str, str]] = []
    for d, units in plans.items():
        for u, unit in enumerate(units):
            for k, piece in enumerate(unit.pieces):
                key = (d, u, k)
                if config.source_lang:
                    forced = config.source_lang
                    out[key] = _Source(forced if forced != target else None, "--source-lang")
                elif has_route(piece.lang):
                    out[key] = _Source(piece.lang)
                else:
                    out[key] = _Source(None)
                    pending.append((key, piece.lang, piece.text))
    if not pending:
        return out
    offered = sorted({a for a, _ in installed if has_route(a)})
    dominant = _source_dominant_languages(docs)
    posteriors = plausible_sources(
        [text for _, _, text in pending],
        [lang for _, lang, _ in pending],
        offered,
        config.alternative_min_posterior,
        ctx,
    )
    for (key, _lang, text), found in zip(pending, posteriors, strict=True):
        doc = docs[key[0]]
        written = SCRIPT_LANGUAGES.get(main_script(text), ())  # same script only
        for cand in sorted(
            {c for c in offered if c in (doc.lang, dominant.get(key[0]))} | set(found),
            key=lambda c: (-found.get(c, 0.0), c),
        ):
            if cand in found:
                why = f"{cand} is within the language identifier's uncertainty"
            elif cand == doc.lang:
                why = f"{cand} is the document's dominant language"
            else:
                why = f"{cand} is the dominant language of the document's source"
            if cand not in written:
                continue
            out[key] = _Source(cand, why)
            break
    return out


def _source_dominant_languages(docs: Sequence[Document]) -> dict[int, str]:
    """Each document's source group's dominant language (the group's content segments)."""
    from normalize.boilerplate import source_group
    from normalize.segment import dominant_language

    groups: dict[str, list[int]] = {}
    for d, doc in enumerate(docs):
        if doc.ok:
            groups.setdefault(source_group(doc.source, doc.metadata), []).append(d)
    out: dict[int, str] = {}
    for members in groups.values():
        lang = dominant_language(
            [seg for d in members for seg in docs[d].segments if seg.kind == CONTENT]
        )
        out.update(dict.fromkeys(members, lang))
    return out


def translate_documents(
    docs: Sequence[Document], config: TranslateConfig, ctx: Context | None = None
) -> list[Document]:
    """Translate the eligible text of a batch of documents into ``config.target``.

    Every ok document gets ``"translate"`` in its steps and, unless all its
    pieces to translate lacked a pack, a ``translated_text`` in
    ``translated_lang``. Documents with errors are returned as they are.
    Raises :class:`packs.MissingExtraError` when argostranslate is not
    installed, :class:`TranslationError` for an unusable device.
    """
    target = config.target
    if target is None:
        return list(docs)
    # Fail on a missing extra or an unusable device before anything else,
    # rather than reporting every language as lacking a pack.
    packs.import_argos_package(config.packs_dir)
    translation_device(config)
    plans = {
        d: translation_units(doc, target, config.translate_boilerplate, config.max_sentence_chars)
        for d, doc in enumerate(docs)
        if doc.ok
    }
    installed = installed_packs(config)
    ctx = ctx or default_context()
    sources = _choose_sources(docs, plans, installed, config, ctx)

    # One call per source language (per pack on its route), over the whole batch.
    by_source: dict[str, list[tuple[int, int, int]]] = {}
    for key, source in sources.items():
        if source.lang is not None:
            by_source.setdefault(source.lang, []).append(key)
    results: dict[tuple[int, int, int], str] = {}
    failed: dict[str, ErrorRecord] = {}
    for lang in sorted(by_source):
        keys = by_source[lang]
        texts = [plans[d][u].pieces[k].text for d, u, k in keys]
        try:
            out = translate_sentences(texts, lang, config, ctx, installed)
            if len(out) != len(keys):
                raise TranslationError(
                    f"{len(out)} translations came back for {len(keys)} sentences"
                )
        except MissingPackError as exc:
            failed[lang] = ErrorRecord(STEP, "missing_pack", str(exc))
            continue
        except packs.MissingExtraError:
            raise  # the whole run lacks the extra: one message, not one per document
        except Exception as exc:  # any failure of a pack is the pack's
            # TranslationError, CTranslate2 failing on a batch (RuntimeError),
            # a vocabulary that does not match the model (ValueError: Invalid
            # token ID), a broken tokenizer: the documents go on untranslated.
            failed[lang] = ErrorRecord(
                STEP,
                "translation_failed",
                f"translate: {lang} to {target} failed, segments left untranslated "
                f"({type(exc).__name__}: {exc}); check or reinstall the pack "
                "(normalize packs list)",
            )
            continue
        results.update(zip(keys, out, strict=True))
    return [
        _finish(d, doc, plans[d], sources, results, failed, config) if doc.ok else doc
        for d, doc in enumerate(docs)
    ]


def _finish(
    d: int,
    doc: Document,
    units: Sequence[Unit],
    sources: Mapping[tuple[int, int, int], _Source],
    results: Mapping[tuple[int, int, int], str],
    failed: Mapping[str, ErrorRecord],
    config: TranslateConfig,
) -> Document:
    """Document ``d`` with its translations put back on its segments."""
    assert config.target is not None
    full = doc.full_text
    segments = list(doc.segments)
    translations: dict[int, str] = {}
    warnings = list(doc.warnings)
    substituted: dict[tuple[str, str, str], int] = {}

    def warn(warning: ErrorRecord) -> None:
        if warning not in warnings:
            warnings.append(warning)

    for u, unit in enumerate(units):
        spans, pieces, used = [], [], []
        for k, piece in enumerate(unit.pieces):
            source = sources[(d, u, k)]
            if (d, u, k) in results:
                spans.append((piece.start - unit.start, piece.end - unit.start))
                pieces.append(results[(d, u, k)])
                if source.lang != piece.lang:
                    used.append((piece.end - piece.start, source.lang))
                    if source.why != "--source-lang":
                        key = (piece.lang, str(source.lang), str(source.why))
                        substituted[key] = substituted.get(key, 0) + 1
            elif source.lang is None:
                if source.why is None:
                    message = missing_pack_message(piece.lang, config.target, config.packs_dir)
                    warn(ErrorRecord(STEP, "missing_pack", message))
            else:
                warn(failed[source.lang])
        if not pieces:
            continue
        text = reassemble(full[unit.start : unit.end], spans, pieces)
        first = segments[unit.first]
        segments[unit.first] = dataclasses.replace(
            first,
            translation=text,
            translation_covers=(unit.start, unit.end) if unit.last - unit.first > 1 else None,
            translation_source_lang=max(used)[1] if used else None,
        )
        translations[unit.first] = text
        translations.update(dict.fromkeys(range(unit.first + 1, unit.last), ""))
    for (lang, used_lang, why), n in sorted(substituted.items()):
        warn(
            ErrorRecord(
                STEP,
                "close_language_pack",
                f"translate: no pack translates {lang} to {config.target}; {n} sentence(s) "
                f"labelled {lang} were translated from {used_lang} instead ({why}; same script); "
                "the segments say so in translation_source_lang. Use --source-lang to choose "
                "the source language",
            )
        )
    nothing_translated = any(unit.pieces for unit in units) and not translations
    return doc.replace(
        segments=tuple(segments),
        translated_text=None if nothing_translated else translated_document_text(doc, translations),
        translated_lang=None if nothing_translated else config.target,
        warnings=tuple(warnings),
        steps=(*doc.steps, STEP),
    )
