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

import dataclasses
import os
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from normalize import packs
from normalize.canonical import canonicalize
from normalize.document import BOILERPLATE, CONTENT, NO_LANGUAGE, UNDETERMINED, Document, Segment
from normalize.sentences import cap_length, split_sentences

#: The provenance label of this stage in ``Document.steps``.
STEP = "translate"


@dataclass(frozen=True, slots=True)
class TranslateConfig:
    """Settings of the translation stage; ``target=None`` means no translation."""

    #: Language to translate into (ISO 639-1, as in the packs' metadata).
    target: str | None = None
    #: Translate boilerplate segments too. Off: navigation and footers are
    #: rarely wanted in another language, and they are most of the sentences
    #: of a scraped page.
    translate_boilerplate: bool = False
    #: Packs folder; ``None`` uses ``$NORMALIZE_PACKS_DIR``, else the user
    #: data folder (see :func:`normalize.packs.packs_root`).
    packs_dir: str | None = None
    #: Upper bound on the tokens CTranslate2 decodes at once. CTranslate2
    #: sorts a call's sentences by length and cuts them into batches of this
    #: size; larger batches amortise the per-step cost better, until memory
    #: or padding waste grows. Argos uses 32, tuned for interactive use.
    max_batch_tokens: int = 2048
    #: Batches decoded in parallel per translator. One: the pipeline already
    #: runs one worker process per core.
    inter_threads: int = 1
    #: Threads per batch. One: on a 2-core machine CTranslate2's default (all
    #: cores) is several times slower, as the threads fight over the cores
    #: with the other workers; set it to the core count for a single worker.
    intra_threads: int = 1
    #: Where CTranslate2 runs: ``cpu``, or ``cuda`` on a machine with a GPU
    #: (and a CUDA build of CTranslate2). CPU by default: Argos packs are
    #: int8 models sized for CPUs.
    device: str = "cpu"
    #: Beam size, length penalty: Argos's decoding settings, so that the
    #: output is the output of ``argostranslate.translate.translate()``.
    beam_size: int = 4
    length_penalty: float = 0.2
    #: Longest piece of text translated as one sentence (characters). Text
    #: without sentence punctuation is cut at spaces into pieces this long:
    #: models are trained on sentences, and slow down and drop words on
    #: longer input.
    max_sentence_chars: int = 500


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


# ---------------------------------------------------------------- the models

#: Loaded packs and CTranslate2 translators of this process, keyed by pack
#: folder and thread settings. A forked worker must not reuse its parent's
#: translators (their thread pools do not survive a fork), hence the pid.
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LOCK = threading.Lock()


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    full = (os.getpid(), *key)
    with _CACHE_LOCK:
        if full not in _CACHE:
            for stale in [k for k in _CACHE if k[0] != full[0]]:
                del _CACHE[stale]
            _CACHE[full] = build()
        return _CACHE[full]


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
                device=config.device,
                inter_threads=config.inter_threads,
                intra_threads=config.intra_threads,
                compute_type="auto",  # what Argos uses: the model's own type (int8)
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(
                f"{pack.name}: cannot load {pack.path / 'model'} ({exc})"
            ) from exc

    def translate(self, sentences: Sequence[str], config: TranslateConfig) -> list[str]:
        """Translate sentences in one CTranslate2 call, decoded as Argos decodes them."""
        if not sentences:
            return []
        pkg = self.package
        tokens = [pkg.tokenizer.encode(s) for s in sentences]
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
        )
        out = []
        for result in results:
            text = pkg.tokenizer.decode(result.hypotheses[0])
            if pkg.target_prefix and text.startswith(pkg.target_prefix):
                text = text[len(pkg.target_prefix) :]
            out.append(text.removeprefix(" "))
        return out


def _pack_model(pack: packs.InstalledPack, config: TranslateConfig) -> _PackModel:
    key = (str(pack.path), config.device, config.inter_threads, config.intra_threads)
    return _cached(key, lambda: _PackModel(pack, config))


def translate_sentences(
    sentences: Sequence[str], source: str, config: TranslateConfig
) -> list[str]:
    """Translate sentences from ``source`` into ``config.target``, through a pivot if needed.

    Raises :class:`MissingPackError` (with :func:`missing_pack_message`)
    when no chain of installed packs joins the two languages.
    """
    target = config.target
    if target is None:
        raise ValueError("TranslateConfig.target is None: there is nothing to translate into")
    if source == target:
        return list(sentences)
    installed = {(p.from_code, p.to_code): p for p in packs.list_packs(config.packs_dir)}
    route = find_route(installed, source, target)
    if route is None:
        raise MissingPackError(missing_pack_message(source, target, config.packs_dir))
    texts, where = unique_in_order(sentences)
    for pair in route:
        texts = _pack_model(installed[pair], config).translate(texts, config)
    return [texts[i] for i in where]


# ---------------------------------------------------------------- the stage


@dataclass(frozen=True, slots=True)
class _Piece:
    """Where one sentence to translate sits: document, segment, span in the segment."""

    doc: int
    seg: int
    span: tuple[int, int]


def translate_documents(docs: Sequence[Document], config: TranslateConfig) -> list[Document]:
    """Translate the eligible segments of a batch of documents into ``config.target``.

    Every ok document gets ``"translate"`` in its steps and, unless all its
    eligible segments lacked a pack, a ``translated_text`` in
    ``translated_lang``. Documents with errors are returned as they are.
    Raises :class:`packs.MissingExtraError` when argostranslate is not installed.
    """
    target = config.target
    if target is None:
        return list(docs)
    # Fail on a missing extra before anything else, rather than reporting
    # every language as lacking a pack.
    packs.import_argos_package(config.packs_dir)
    # The sentences of each eligible segment, and all sentences by language.
    plan: dict[tuple[int, int], list[tuple[int, int]]] = {}
    by_lang: dict[str, list[_Piece]] = {}
    texts: dict[str, list[str]] = {}
    for d, doc in enumerate(docs):
        if not doc.ok:
            continue
        for s, seg in enumerate(doc.segments):
            if not is_eligible(seg, target, config.translate_boilerplate):
                continue
            plan[(d, s)] = sentence_spans(seg.text, config.max_sentence_chars)
            for span in plan[(d, s)]:
                by_lang.setdefault(seg.lang, []).append(_Piece(d, s, span))
                texts.setdefault(seg.lang, []).append(seg.text[span[0] : span[1]])

    # One call per language (per pack on the route).
    results: dict[tuple[int, int, tuple[int, int]], str] = {}
    failed: dict[str, str] = {}
    for lang in sorted(by_lang):
        try:
            out = translate_sentences(texts[lang], lang, config)
        except MissingPackError as exc:
            failed[lang] = str(exc)
            continue
        except RuntimeError as exc:  # TranslationError, or CTranslate2 failing on a batch
            failed[lang] = (
                f"translate: {lang} to {target} failed, segments left untranslated: {exc}"
            )
            continue
        for piece, text in zip(by_lang[lang], out, strict=True):
            results[(piece.doc, piece.seg, piece.span)] = text

    return [
        _finish(d, doc, plan, results, failed, target) if doc.ok else doc
        for d, doc in enumerate(docs)
    ]


def _finish(
    d: int,
    doc: Document,
    plan: Mapping[tuple[int, int], list[tuple[int, int]]],
    results: Mapping[tuple[int, int, tuple[int, int]], str],
    failed: Mapping[str, str],
    target: str,
) -> Document:
    """Document ``d`` with its translations put back on its segments."""
    segments = list(doc.segments)
    translations: dict[int, str] = {}
    warnings = list(doc.warnings)
    eligible = 0
    for s, seg in enumerate(segments):
        if (d, s) not in plan:
            continue
        eligible += 1
        if seg.lang in failed:
            if failed[seg.lang] not in warnings:
                warnings.append(failed[seg.lang])
            continue
        spans = plan[(d, s)]
        pieces = [results[(d, s, span)] for span in spans]
        translations[s] = reassemble(seg.text, spans, pieces)
        segments[s] = dataclasses.replace(seg, translation=translations[s])
    nothing_translated = eligible > 0 and not translations
    return doc.replace(
        segments=tuple(segments),
        translated_text=None if nothing_translated else translated_document_text(doc, translations),
        translated_lang=None if nothing_translated else target,
        warnings=tuple(warnings),
        steps=(*doc.steps, STEP),
    )
