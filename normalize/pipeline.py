"""The pipeline: the stages composed, one batch of documents at a time.

Per document: ``decode`` (bytes to text, ftfy repair) → ``canonical``
(the canonical Unicode form) → ``boilerplate`` (blocks, chrome marked) →
``segment`` (language and script segments) → optional ``translate``.

Cross-document evidence (chrome that repeats across a source) is gathered
within one batch: a batch is the unit of work, of memory and of parallelism,
and its boundaries depend only on the input order and ``batch_size``, so the
output is the same whatever the number of workers.

A failure in any stage turns that document into an error record and the run
goes on; nothing raises out of :func:`process_batch`.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from normalize import boilerplate, canonical, decode, segment
from normalize.boilerplate import features
from normalize.config import Config
from normalize.context import Context, default_context
from normalize.document import (
    BOILERPLATE,
    CONTENT,
    Block,
    Document,
    ErrorRecord,
    Page,
    RawDocument,
    Segment,
    add_counts,
)
from normalize.extract.html import html_page
from normalize.extract.metadata import record_metadata
from normalize.extract.text import text_page
from normalize.sniff import sniff_format

log = logging.getLogger("normalize")


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A document after the per-document stages, before batch-level ones."""

    doc: Document
    page: Page | None
    group: str


class StageError(Exception):
    """A stage failed on a document; carries what the error record needs."""

    def __init__(self, stage: str, code: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.code = code


class DocumentTimeout(BaseException):
    """A document took longer than ``Config.max_seconds``.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no stage's
    ``except Exception`` can swallow it.
    """


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block after ``seconds`` of wall-clock time.

    Uses ``SIGALRM``, so it only works in the main thread; elsewhere (or
    with ``seconds <= 0``) the block runs without a limit.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timeout_error(stage: str, config: Config, where: str | None) -> ErrorRecord:
    return ErrorRecord(
        stage=stage,
        code="timeout",
        message=f"{where}: took longer than the limit of {config.max_seconds:g} s per document; "
        "split the document or raise the limit with --max-seconds (Config.max_seconds).",
        where=where,
    )


def _error_doc(raw: RawDocument, error: ErrorRecord, steps: tuple[str, ...] = ()) -> Document:
    return Document(
        id=raw.id,
        source=raw.source,
        errors=(error,),
        warnings=raw.warnings,
        steps=steps,
        metadata=dict(raw.metadata),
    )


def _internal_error(stage: str, exc: BaseException, where: str | None) -> ErrorRecord:
    log.debug("%s failed on %s:\n%s", stage, where, traceback.format_exc())
    return ErrorRecord(
        stage=stage,
        code="internal",
        message=f"{type(exc).__name__} in stage {stage!r}: {exc}. This is a bug in normalize; "
        "please report it with the input document.",
        where=where,
    )


def _prepare(raw: RawDocument, config: Config) -> _Prepared:
    """decode → canonical → page blocks, for one document."""
    fmt = raw.format or sniff_format(raw.data)
    html = fmt == "html"
    changes: dict[str, int] = {}
    warnings: list[ErrorRecord] = list(raw.warnings)
    metadata = dict(raw.metadata)
    metadata["format"] = fmt
    data = raw.data
    if isinstance(data, bytes):
        if len(data) > config.max_bytes:
            raise StageError(
                "read",
                "too_large",
                f"{raw.source}: {len(data):,} bytes is over the limit of {config.max_bytes:,} "
                "per document; raise it with --max-bytes.",
            )
        try:
            decoded = decode.decode_bytes(
                data, html=html, http_charset=raw.http_charset, config=config.decode
            )
        except decode.DecodeError as exc:
            raise StageError("decode", exc.code, f"{raw.source}: {exc}") from exc
        text = decoded.text
        metadata["encoding"] = decoded.encoding
        changes = add_counts(changes, decoded.changes)
        warnings.extend(
            ErrorRecord("decode", "declared_charset", w, raw.source) for w in decoded.warnings
        )
    else:
        if len(data) > config.max_bytes:
            raise StageError(
                "read",
                "too_large",
                f"{raw.source}: {len(data):,} characters is over the limit of "
                f"{config.max_bytes:,} per document; raise it with --max-bytes.",
            )
        text = data
    text, repaired = decode.repair_and_explain(text, html=html, config=config.decode)
    changes = add_counts(changes, repaired)
    steps = ["decode", "canonical"]

    canon_counts: dict[str, int] = {}

    def canonicalize(piece: str) -> str:
        nonlocal canon_counts
        out, counts = canonical.canonicalize_and_explain(piece, config.canonical)
        canon_counts = add_counts(canon_counts, counts)
        return out

    page: Page | None
    try:
        if html:
            page = html_page(text, canonicalize=canonicalize, config=config.boilerplate)
        else:
            page = text_page(canonicalize(text), config=config.boilerplate)
    except ValueError as exc:
        raise StageError(
            "boilerplate", getattr(exc, "code", "bad_html"), f"{raw.source}: {exc}"
        ) from exc
    changes = add_counts(changes, canon_counts)
    metadata = record_metadata(raw.metadata, {**metadata, **page.metadata}, raw.source)
    doc = Document(
        id=raw.id,
        source=raw.source,
        changes=changes,
        warnings=tuple(warnings),
        metadata=metadata,
        steps=tuple(steps),
    )
    return _Prepared(doc, page, boilerplate.source_group(raw.source, metadata))


def _split_at_blocks(segments: Sequence[Segment], blocks: Sequence[Block]) -> list[Segment]:
    """Cut language segments at block boundaries and give each piece its block's kind.

    Both sequences tile the same text, so one merge walk suffices.
    """
    out: list[Segment] = []
    bi = 0
    for seg in segments:
        start = seg.start
        while start < seg.end:
            while blocks[bi].end <= start:
                bi += 1
            block = blocks[bi]
            end = min(seg.end, block.end)
            out.append(
                Segment(
                    text=seg.text[start - seg.start : end - seg.start],
                    start=start,
                    end=end,
                    lang=seg.lang,
                    script=seg.script,
                    confidence=seg.confidence,
                    kind=block.kind,
                    reason=block.reason if block.kind == BOILERPLATE else None,
                )
            )
            start = end
    return out


def source_languages(
    repeated: frozenset[str], config: Config, ctx: Context | None = None
) -> tuple[str, ...]:
    """The languages of the chrome that repeats across a source (a prior for its pages).

    A site's chrome is in its site language; knowing it from the lines that
    repeat across the site's pages labels its short crumbs and menu items
    ("होम", "दुनिया") that langid alone cannot tell apart from Nepali. Every
    language with at least three letters of repeated chrome counts.
    """
    if not repeated:
        return ()
    segs = segment.segment_languages(
        "\n".join(sorted(repeated)), config.segment.languages, config=config.segment, ctx=ctx
    )
    letters: dict[str, int] = defaultdict(int)
    for seg in segs:
        if seg.lang not in ("zxx", "und"):
            letters[seg.lang] += sum(ch.isalpha() for ch in seg.text)
    return tuple(sorted(lang for lang, n in letters.items() if n >= 3))


def _finish(
    prep: _Prepared,
    lines: list[Any] | None,
    repeated: frozenset[str],
    source_langs: tuple[str, ...],
    config: Config,
    ctx: Context,
) -> Document:
    """boilerplate marking → language segments → the record's text and language."""
    doc, page = prep.doc, prep.page
    assert page is not None
    steps = list(doc.steps)
    if config.boilerplate.enabled:
        page = boilerplate.mark_boilerplate(
            page, repeated=repeated, config=config.boilerplate, lines=lines, ctx=ctx
        )
        steps.append("boilerplate")
    hints = segment.LanguageHints(
        html_lang=page.metadata.get("html_lang"), source_langs=source_langs
    )
    lang_segments = segment.segment_languages(
        page.text, config.segment.languages, hints=hints, config=config.segment, ctx=ctx
    )
    steps.append("segment")
    segments = _split_at_blocks(lang_segments, page.blocks) if page.text else []
    content = [s for s in segments if s.kind == CONTENT]
    if config.keep_boilerplate:
        text = page.text
    else:
        text = canonical.canonicalize("".join(s.text for s in content), config.canonical)
    summary = segment.language_summary(content)
    return doc.replace(
        text=text,
        lang=summary.lang,
        lang_confidence=summary.confidence,
        lang_shares=summary.shares,
        segments=tuple(segments),
        steps=tuple(steps),
    )


def process_batch(
    raws: Sequence[RawDocument], config: Config | None = None, ctx: Context | None = None
) -> list[Document]:
    """Normalize a batch of raw documents; one output record per input, in order.

    ``ctx`` is the worker's context (models, packs, caches); the process's
    default context when omitted.
    """
    config = config or Config()
    ctx = ctx or default_context()
    prepared: list[_Prepared | Document | None] = []
    for raw in raws:
        if raw.error is not None:
            prepared.append(_error_doc(raw, raw.error))
            continue
        try:
            with time_limit(config.max_seconds):
                prepared.append(_prepare(raw, config))
        except DocumentTimeout:
            prepared.append(_error_doc(raw, _timeout_error("prepare", config, raw.source)))
        except StageError as exc:
            prepared.append(_error_doc(raw, ErrorRecord(exc.stage, exc.code, str(exc), raw.source)))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop a run
            prepared.append(_error_doc(raw, _internal_error("prepare", exc, raw.source)))

    lines: list[list[Any] | None] = [None] * len(prepared)
    repeated, copies = _repeats_by_group(prepared, lines, config, ctx)
    for i, (first, why) in copies.items():
        prep = prepared[i]
        assert isinstance(prep, _Prepared)
        note = ErrorRecord(
            "boilerplate",
            "duplicate",
            f"{raws[i].source}: a duplicate of {raws[first].id} in this batch ({why}); "
            "its lines count once when finding chrome repeated across the source.",
            raws[i].source,
        )
        doc = prep.doc.replace(
            metadata={**prep.doc.metadata, "duplicate_of": raws[first].id},
            warnings=(*prep.doc.warnings, note),
        )
        prepared[i] = _Prepared(doc, prep.page, prep.group)
    langs = {group: source_languages(keys, config, ctx) for group, keys in repeated.items()}
    docs: list[Document] = []
    for i, raw in enumerate(raws):
        # Let each page (and the analyses it holds) go once its record is made.
        prep, prepared[i] = prepared[i], None
        page_lines, lines[i] = lines[i], None
        assert prep is not None
        if isinstance(prep, Document):
            docs.append(prep)
            continue
        try:
            with time_limit(config.max_seconds):
                group = prep.group
                docs.append(
                    _finish(
                        prep,
                        page_lines,
                        repeated.get(group, frozenset()),
                        langs.get(group, ()),
                        config,
                        ctx,
                    )
                )
        except DocumentTimeout:
            docs.append(prep.doc.replace(errors=(_timeout_error("finish", config, raw.source),)))
        except Exception as exc:  # noqa: BLE001
            docs.append(prep.doc.replace(errors=(_internal_error("finish", exc, raw.source),)))
    if config.translate.target:
        from normalize import translate

        docs = translate.translate_documents(docs, config.translate, ctx)
    return docs


def _repeats_by_group(
    prepared: Sequence[_Prepared | Document | None],
    lines: list[list[Any] | None],
    config: Config,
    ctx: Context,
) -> tuple[dict[str, frozenset[str]], dict[int, tuple[int, str]]]:
    """Repeated chrome keys per source group, and the documents that are copies of others.

    Copies of one page (the same canonical URL, or near-identical content)
    count once: chrome is what a source's *other* pages repeat, and two
    copies of an article must not turn it into chrome. ``copies`` maps a
    document's index to the index of the first copy in the batch and why.
    The line analyses of the pages looked at are made here, once, into
    ``lines``: the boilerplate stage reads them again.
    """
    if not config.boilerplate.enabled:
        return {}, {}
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, prep in enumerate(prepared):
        if isinstance(prep, _Prepared) and prep.page is not None:
            by_group[prep.group].append(i)
    repeats: dict[str, frozenset[str]] = {}
    copies: dict[int, tuple[int, str]] = {}
    for group, idxs in by_group.items():
        if len(idxs) < 2:
            continue
        preps = [prepared[i] for i in idxs]
        pages = [p.page for p in preps if isinstance(p, _Prepared) and p.page is not None]
        urls = [
            url if isinstance(url := p.doc.metadata.get("url"), str) else None
            for p in preps
            if isinstance(p, _Prepared)
        ]
        for i, page in zip(idxs, pages, strict=True):
            lines[i] = features.page_lines(page, ctx)
        firsts = boilerplate.find_duplicates(
            [
                boilerplate.content_sketch(page, config.boilerplate, lines=lines[i])
                for i, page in zip(idxs, pages, strict=True)
            ],
            urls,
            config.boilerplate,
        )
        units: dict[int, set[str]] = defaultdict(set)
        for i, page, (first, why) in zip(idxs, pages, firsts, strict=True):
            units[first] |= boilerplate.repeat_keys(page, lines=lines[i])
            if why:
                copies[i] = (idxs[first], why)
        repeats[group] = boilerplate.find_repeats(
            [frozenset(keys) for keys in units.values()], config.boilerplate
        )
    return repeats, copies


def batched(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    """Consecutive batches of at most ``size`` items."""
    batch: list[RawDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(
    raws: Iterable[RawDocument], config: Config | None = None, *, batch_size: int = 256
) -> Iterator[Document]:
    """Normalize a stream of raw documents, batch by batch, keeping the input order."""
    config = config or Config()
    for batch in batched(raws, batch_size):
        yield from process_batch(batch, config)


def normalize_document(
    data: bytes | str,
    *,
    source: str | None = None,
    config: Config | None = None,
    id: str | None = None,
    format: str | None = None,
) -> Document:
    """Run the whole pipeline on one document.

    ``data`` is bytes (decoded as described in :mod:`normalize.decode`) or an
    already decoded ``str``; ``format`` is ``text`` or ``html`` (sniffed when
    omitted). Errors do not raise: they are in the returned record's
    ``errors``.
    """
    raw = RawDocument(id=id or source or "-", source=source, data=data, format=format)
    return process_batch([raw], config)[0]
