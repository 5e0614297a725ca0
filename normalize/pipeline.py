"""The pipeline: a table of stages folded over a batch of documents.

Per document, in order (:data:`PREPARE`): ``read`` (the size limit),
``decode`` (bytes to text, encoding repair), ``extract`` (HTML or text to
blocks of raw text, and what the page says about itself), ``canonical``
(the canonical Unicode form of every block, and the page they tile). Then,
once per batch, the **evidence pass** (:func:`gather_evidence`): documents
are grouped by source; chrome that repeats across a group's pages (copies
of one page counted once) and the languages of that chrome become evidence
for each page. Then per document again (:data:`FINISH`): ``boilerplate``
(every block marked content or chrome, with a reason) and ``segment``
(language and script segments; the record's text and language). Then,
once per batch, optional ``translate``. Each per-document phase runs stage
by stage over runs of a few documents (:data:`STAGE_RUN`).

Every stage is run by one wrapper (:func:`_fold`): it names the stage that
is running, so that an error, a timeout or a bug is reported with the stage
that actually failed; a failure turns that document into an error record
and the run goes on (nothing raises out of :func:`process_batch`). Each of
the two per-document phases has its own time limit (``Config.max_seconds``).

A batch is the unit of work, of memory and of parallelism, and its
boundaries depend only on the input order and ``batch_size``, so the output
is the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, TypeVar

from normalize import boilerplate, canonical, decode, segment
from normalize.boilerplate import features
from normalize.classes import dataclass
from normalize.compiled import kernels
from normalize.config import Config
from normalize.context import Context, default_context
from normalize.document import (
    CONTENT,
    NO_LANGUAGE,
    UNDETERMINED,
    Document,
    ErrorRecord,
    Page,
    RawDocument,
    Segment,
    Stage,
    add_counts,
)
from normalize.extract.metadata import record_metadata
from normalize.extract.text import text_page
from normalize.io.record import OutputRecord
from normalize.sniff import sniff_format

if TYPE_CHECKING:
    from normalize.extract import html as extract_html

log = logging.getLogger("normalize")

_Item = TypeVar("_Item")


@dataclass(slots=True)
class Work:
    """One document on its way through the stages: what each stage hands to the next.

    Private to the pipeline and to one document; stages fill it in order.
    """

    raw: RawDocument
    html: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    warnings: list[ErrorRecord] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    #: The decoded text (``decode``).
    text: str = ""
    #: The decoded text in UTF-8 when the input's bytes are it (``decode``):
    #: the HTML parser reads them rather than encode the page again.
    utf8: bytes | None = None
    #: The page as read, before canonical form (``extract``).
    draft: extract_html.HtmlDraft | None = None
    #: The page of canonical blocks (``canonical``), marked (``boilerplate``).
    page: Page | None = None
    #: The record so far (made when the page is), and its source group.
    doc: Document | None = None
    group: str = ""
    #: The batch's evidence for this page: its line analyses, the chrome keys
    #: repeated across its source group, that group's languages.
    lines: list[Any] | None = None
    repeated: frozenset[str] = frozenset()
    source_langs: tuple[str, ...] = ()
    #: The stage running now: the one an error or a timeout is reported for.
    stage: str = Stage.READ


class StageError(Exception):
    """A stage refused a document (bad input); ``code`` goes into the error record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DocumentTimeout(BaseException):
    """A document took longer than ``Config.max_seconds``.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no stage's
    ``except Exception`` can swallow it.
    """


def _expire(signum: int, frame: object) -> None:
    raise DocumentTimeout


@contextlib.contextmanager
def alarms() -> Iterator[bool]:
    """In the block, ``SIGALRM`` raises :class:`DocumentTimeout` (a timer armed in it is a
    wall-clock time limit); whether it can (only in the main thread: elsewhere no
    limit is kept). The caller's handler of ``SIGALRM`` is back when the block ends.

    A run of documents' folds (:func:`_staged`) sets the handler once for
    them all; each fold only arms and disarms the timer.
    """
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = _set_handler(signal.SIGALRM, _expire)
    try:
        yield True
    finally:
        _set_handler(signal.SIGALRM, previous)


try:
    # signal.signal without its wrapper, which turns the handler it replaces
    # into an enum member and, for a function (ours, put back after every
    # document), raises and catches a ValueError to tell: two thirds of the
    # time limit's cost, 2 % of a run on short documents. The handlers are the
    # same objects either way.
    from _signal import signal as _set_handler
except ImportError:  # not CPython
    _set_handler = signal.signal


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


# The stages: one adapter each, from the work so far to the next ------------------


def read(work: Work, config: Config, ctx: Context) -> None:
    """The input's format (sniffed when no reader said it) and the size limit."""
    raw = work.raw
    fmt = raw.format or sniff_format(raw.data)
    work.html = fmt == "html"
    work.metadata = dict(raw.metadata)
    work.metadata["format"] = fmt
    work.warnings = list(raw.warnings)
    size = len(raw.data)
    if size > config.max_bytes:
        unit = "bytes" if isinstance(raw.data, bytes) else "characters"
        raise StageError(
            "too_large",
            f"{raw.source}: {size:,} {unit} is over the limit of "
            f"{config.max_bytes:,} per document; raise it with --max-bytes.",
        )


def decode_text(work: Work, config: Config, ctx: Context) -> None:
    """Bytes to text (a ``str`` input is text already), then encoding repair."""
    raw, data = work.raw, work.raw.data
    utf8: bytes | None = None
    hint_chars: str | None = None
    if isinstance(data, bytes):
        try:
            decoded = decode.decode_bytes(
                data, html=work.html, http_charset=raw.http_charset, config=config.decode
            )
        except decode.DecodeError as exc:
            raise StageError(exc.code, f"{raw.source}: {exc}") from exc
        text, utf8, hint_chars = decoded.text, decoded.utf8, decoded.hint_chars
        work.metadata["encoding"] = decoded.encoding
        work.changes = add_counts(work.changes, decoded.changes)
        work.warnings.extend(dataclasses.replace(w, where=raw.source) for w in decoded.warnings)
    else:
        text = data
    work.text, repaired = decode.repair_and_explain(
        text,
        html=work.html,
        config=config.decode,
        canonical=config.canonical,
        hint_chars=hint_chars,
    )
    work.utf8 = utf8 if work.text == text else None
    work.changes = add_counts(work.changes, repaired)


def extract(work: Work, config: Config, ctx: Context) -> None:
    """HTML to blocks of raw text with their structure (text waits for its canonical form)."""
    if work.html:
        from normalize.extract import html as extract_html  # see _html_page

        try:
            work.draft = extract_html.read_html(work.text, config.boilerplate, utf8=work.utf8)
        except ValueError as exc:
            code = getattr(exc, "code", "bad_html")
            raise StageError(code, f"{work.raw.source}: {exc}") from exc


def canonicalize(work: Work, config: Config, ctx: Context) -> None:
    """The canonical form of every block (of the text, for text input), and the page
    the canonical blocks tile; the record takes the page's metadata."""
    draft = work.draft
    counts: dict[str, int]
    if draft is None:
        text, counts = canonical.canonicalize_and_explain(work.text, config.canonical)
        page = text_page(text, config=config.boilerplate)
    else:
        page, counts = _html_page(draft, config)
    work.page, work.draft, work.text, work.utf8 = page, None, "", None
    work.changes = add_counts(work.changes, counts)
    raw = work.raw
    metadata = record_metadata(raw.metadata, {**work.metadata, **page.metadata}, raw.source)
    work.doc = Document(
        id=raw.id,
        source=raw.source,
        changes=work.changes,
        warnings=tuple(work.warnings),
        metadata=metadata,
        steps=tuple(work.steps),
    )
    work.group = boilerplate.source_group(raw.source, metadata)


def _html_page(draft: extract_html.HtmlDraft, config: Config) -> tuple[Page, dict[str, int]]:
    """The page of an HTML draft's canonical blocks, and the changes of its canonical form.

    The HTML reader is imported here and in :func:`extract`, by the first
    page of HTML: a run of text never loads it (nor lxml).
    """
    from normalize.extract import html as extract_html

    if draft.flat is not None:
        text, counts = canonical.canonicalize_and_explain(draft.flat, config.canonical)
        page, _ = extract_html.page_of(draft, [text], None, config.boilerplate)
        return page, counts
    texts, counts = canonical.canonicalize_blocks(draft.texts, config.canonical)
    title: str | None = None
    title_counts: dict[str, int] = {}
    if draft.title is not None:
        title, title_counts = canonical.canonicalize_and_explain(draft.title, config.canonical)
    page, title_used = extract_html.page_of(draft, texts, title, config.boilerplate)
    if title_used:
        counts = add_counts(counts, title_counts)
    return page, counts


def mark_boilerplate(work: Work, config: Config, ctx: Context) -> None:
    """Every block of the page marked content or chrome (with a reason), given the
    batch's evidence."""
    assert work.page is not None
    work.page = boilerplate.mark_boilerplate(
        work.page, repeated=work.repeated, config=config.boilerplate, lines=work.lines, ctx=ctx
    )
    work.lines = None


def segment_text(work: Work, config: Config, ctx: Context) -> None:
    """Language and script segments of the page, cut at its blocks; the record's text
    (its content, in canonical form again: joining blocks can leave blank lines or
    spaces the canonical form would not have) and its languages."""
    page, doc = work.page, work.doc
    assert page is not None and doc is not None
    hints = segment.LanguageHints(
        html_lang=page.metadata.get("html_lang"), source_langs=work.source_langs
    )
    segments = segment.segment_languages(
        page.text,
        config.segment.languages,
        hints=hints,
        config=config.segment,
        ctx=ctx,
        blocks=page.blocks,
    )
    content = [s for s in segments if s.kind == CONTENT]
    if config.keep_boilerplate:
        text = page.text
    else:
        text = canonical.canonical_join(
            "".join(s.text for s in content),
            config.canonical,
            whole_lines=_whole_lines(page.text, segments),
        )
    summary = segment.language_summary(content)
    work.doc = doc.replace(
        text=text,
        lang=summary.lang,
        lang_confidence=summary.confidence,
        lang_shares=summary.shares,
        segments=tuple(segments),
    )


def _whole_lines(text: str, segments: Sequence[Segment]) -> bool:
    """Whether the content of ``segments`` (which tile ``text``) is whole lines of it: each
    run of content segments begins at the text's start or after a line break, and ends
    at its end or after one (the segments are cut at blocks, which are lines or end
    with one).

    The page's text is whole lines of texts in canonical form (the canonical text;
    an HTML page's canonical blocks and title, joined by blank lines), so such
    content is too: :func:`normalize.canonical.canonical_join` then knows it is
    canonical without looking (all 1,000 text pages, all 181 HTML pages).
    """
    return all(
        text[b.start - 1] == "\n"
        for a, b in zip(segments, segments[1:], strict=False)
        if (a.kind == CONTENT) != (b.kind == CONTENT)
    )


def _always(config: Config) -> bool:
    return True


def _boilerplate_enabled(config: Config) -> bool:
    return config.boilerplate.enabled


@dataclass(frozen=True, slots=True)
class Step:
    """A stage in the table: its name (:class:`~normalize.document.Stage`), its
    adapter, whether it runs under ``config`` (``when``), and whether the record's
    ``steps`` name it (``label``: the stages that may change the text)."""

    name: str
    run: Callable[[Work, Config, Context], None]
    label: bool = True
    when: Callable[[Config], bool] = _always


#: The per-document stages before the batch's evidence pass, in order.
PREPARE: tuple[Step, ...] = (
    Step(Stage.READ, read, label=False),
    Step(Stage.DECODE, decode_text),
    Step(Stage.EXTRACT, extract, label=False),
    Step(Stage.CANONICAL, canonicalize),
)
#: The per-document stages after it, in order.
FINISH: tuple[Step, ...] = (
    Step(Stage.BOILERPLATE, mark_boilerplate, when=_boilerplate_enabled),
    Step(Stage.SEGMENT, segment_text),
)


def _fold(
    steps: Sequence[Step],
    work: Work,
    config: Config,
    ctx: Context,
    spent: float = 0.0,
    limited: bool = False,
) -> ErrorRecord | None:
    """Run ``steps`` on one document under one time limit; the error record of the
    stage that failed (bad input, timeout or bug), or None.

    ``spent`` is the time the document's phase has taken already (in an
    earlier fold of its steps): the limit is what is left of the phase's.
    The limit is kept when ``limited``: the caller is in :func:`alarms`,
    which said it can.
    """
    where = work.raw.source
    seconds = config.max_seconds
    if seconds > 0:
        seconds -= spent
        if seconds <= 0:
            work.stage = steps[0].name
            return _timeout_error(work.stage, config, where)
    armed = limited and seconds > 0
    try:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            for step in steps:
                if not step.when(config):
                    continue
                work.stage = step.name
                step.run(work, config, ctx)
                if step.label:
                    work.steps.append(step.name)
        finally:
            if armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except DocumentTimeout:
        return _timeout_error(work.stage, config, where)
    except StageError as exc:
        return ErrorRecord(work.stage, exc.code, str(exc), where)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop a run
        return _internal_error(work.stage, exc, where)
    return None


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
        if seg.lang not in (NO_LANGUAGE, UNDETERMINED):
            letters[seg.lang] += kernels.count_letters(seg.text)
    return tuple(sorted(lang for lang, n in letters.items() if n >= 3))


def gather_evidence(works: Sequence[Work | None], config: Config, ctx: Context) -> None:
    """The batch's evidence pass: what the pages of one source say about each other.

    Pages are grouped by source (:func:`~normalize.boilerplate.source_group`).
    In a group of two pages or more, each page's lines are analysed (once:
    the boilerplate stage reads them again), copies of one page (the same
    canonical URL, or near-identical content) are found and count once, and
    the keys that repeat across the group's other pages are its chrome
    (``repeated``); the languages of that chrome are a prior for the group's
    pages (``source_langs``). A copy gets ``metadata.duplicate_of`` and a
    warning.
    """
    if not config.boilerplate.enabled:
        return
    by_group: dict[str, list[Work]] = defaultdict(list)
    for work in works:
        if work is not None and work.page is not None and work.doc is not None:
            by_group[work.group].append(work)
    for group_works in by_group.values():
        if len(group_works) < 2:
            continue
        for work in group_works:
            assert work.page is not None
            work.lines = features.page_lines(work.page, ctx)
        urls = [
            url if isinstance(url := work.doc.metadata.get("url"), str) else None
            for work in group_works
            if work.doc is not None
        ]
        firsts = boilerplate.find_duplicates(
            [
                boilerplate.content_sketch(work.page, config.boilerplate, lines=work.lines)
                for work in group_works
                if work.page is not None
            ],
            urls,
            config.boilerplate,
        )
        units: dict[int, set[str]] = defaultdict(set)
        for work, (first, why) in zip(group_works, firsts, strict=True):
            assert work.page is not None and work.doc is not None
            units[first] |= boilerplate.repeat_keys(work.page, config.boilerplate, lines=work.lines)
            if why:
                original = group_works[first].raw
                note = ErrorRecord(
                    Stage.BOILERPLATE,
                    "duplicate",
                    f"{work.raw.source}: a duplicate of {original.id} in this batch ({why}); "
                    "its lines count once when finding chrome repeated across the source.",
                    work.raw.source,
                )
                work.doc = work.doc.replace(
                    metadata={**work.doc.metadata, "duplicate_of": original.id},
                    warnings=(*work.doc.warnings, note),
                )
        repeated = boilerplate.find_repeats(
            [frozenset(keys) for keys in units.values()], config.boilerplate
        )
        langs = source_languages(repeated, config, ctx)
        for work in group_works:
            work.repeated, work.source_langs = repeated, langs


#: Called with a document's index in the batch before each stage of its
#: phases (which run stage by stage over a few documents: see
#: :data:`STAGE_RUN`), and with ``None`` when a phase's per-document work is
#: over: how an engine watches which document a worker is on
#: (``engines/local.py`` arms a hard CPU-time limit with it, each document's
#: phase getting one limit however many calls it takes).
Watch = Callable[[int | None], None]


def _no_watch(index: int | None) -> None:
    return None


def process_batch(
    raws: Sequence[RawDocument],
    config: Config | None = None,
    ctx: Context | None = None,
    *,
    watch: Watch = _no_watch,
) -> list[Document]:
    """Normalize a batch of raw documents; one output record per input, in order.

    ``ctx`` is the worker's context (models, packs, caches); the process's
    default context when omitted. ``watch`` is told which document each
    phase is on (see :data:`Watch`).
    """
    return list(iter_batch(raws, config, ctx, watch=watch))


def iter_batch(
    raws: Sequence[RawDocument],
    config: Config | None = None,
    ctx: Context | None = None,
    *,
    watch: Watch = _no_watch,
) -> Iterator[Document]:
    """:func:`process_batch`, the records given as soon as they are finished (a run
    of :data:`STAGE_RUN` at a time).

    A worker that serializes the records as they come (:func:`batch_records`)
    never holds the whole batch's records as objects beside their serialized
    form: the batch's peak memory is the pages and one form of the records,
    not both forms. The record is the same; so is the order. With
    translation (one pass over the batch's records) they come when the pass
    is over. While the caller works on a run's records, the watch is still on
    the run's last document.
    """
    config = config or Config()
    ctx = ctx or default_context()
    try:
        if config.translate.target:
            from normalize import translate

            docs = list(_process_batch(raws, config, ctx, watch))
            watch(None)
            yield from translate.translate_documents(docs, config.translate, ctx)
        else:
            yield from _process_batch(raws, config, ctx, watch)
    finally:
        watch(None)


#: How many documents each per-document phase (:data:`PREPARE`,
#: :data:`FINISH`) runs through each of its stages before the next stage (the
#: second phase's records then given one after another): each stage's tables
#: and code (decoding's, the canonical form's, boilerplate's, segmentation's,
#: then the serializer's in :func:`batch_records`) stay in the CPU's caches
#: over a run of documents instead of taking turns for each. Measured
#: in-process (one core), a worker's whole work (batches pickled in and out,
#: records serialized, the hard limit armed) on 1,000 text documents, min of
#: 4: 0.844 s document by document, 0.798 s with the records of 16
#: serialized together, 0.766 s with the second phase in runs of 16 too,
#: 0.738 s with both phases. The same records. A run holds a few documents'
#: records as objects beside the batch's pages.
STAGE_RUN = 16
#: A run ends early once its documents hold this many bytes (or characters)
#: of input: a big page's own data is what its stages share, and sixteen of
#: them do not stay in the caches between two stages. On 181 HTML pages
#: (median 114 KB) runs of 16 gained nothing (1.63 s either way, min of 3);
#: with this bound they run one at a time, as before, and 16 text documents
#: (2 KB each) stay one run.
STAGE_RUN_BYTES = 64 * 1024


def batch_records(
    raws: Sequence[RawDocument],
    config: Config | None = None,
    segments: str = "full",
    ctx: Context | None = None,
    *,
    watch: Watch = _no_watch,
    texts: bool = True,
) -> list[OutputRecord]:
    """The batch's records as a worker sends them: :func:`iter_batch`'s documents, each
    serialized (:meth:`OutputRecord.of <normalize.io.record.OutputRecord.of>`, with
    ``segments``, and their clean texts only when ``texts``) as it comes, a run of
    :data:`STAGE_RUN` at a time.

    The watch is on each document again while its record is serialized, so a
    serialization that never ends is charged to its own document (within
    its second phase's limit).
    """
    records: list[OutputRecord] = []
    try:
        for index, doc in enumerate(iter_batch(raws, config, ctx, watch=watch)):
            watch(index)
            records.append(OutputRecord.of(doc, raws[index], segments, texts))
    finally:
        watch(None)
    return records


def _process_batch(
    raws: Sequence[RawDocument], config: Config, ctx: Context, watch: Watch
) -> Iterator[Document]:
    works: list[Work | None] = [None if raw.error is not None else Work(raw) for raw in raws]
    failed: list[Document | None] = [
        None if raw.error is None else _error_doc(raw, raw.error) for raw in raws
    ]
    prepare = [step for step in PREPARE if step.when(config)]
    runs = list(_runs(raws))
    for run in runs:
        for i, refused in _staged(prepare, works, run, config, ctx, watch).items():
            works[i], failed[i] = None, _error_doc(raws[i], refused)
    watch(None)
    gather_evidence(works, config, ctx)
    finish = [step for step in FINISH if step.when(config)]
    for run in runs:
        errors = _staged(finish, works, run, config, ctx, watch)
        for i in run:
            # Let each page (and the analyses it holds) go once its record is made.
            pending, works[i] = works[i], None
            if pending is None:
                doc, failed[i] = failed[i], None
                assert doc is not None
                yield doc
                continue
            doc = pending.doc
            assert doc is not None
            pending = None
            error = errors.get(i)
            yield doc if error is None else doc.replace(errors=(error,))


def _runs(raws: Sequence[RawDocument]) -> Iterator[range]:
    """The indices of ``raws`` in runs of :data:`STAGE_RUN`, each ended early once
    it holds :data:`STAGE_RUN_BYTES` of input.

    >>> docs = [RawDocument(str(i), None, "x" * size) for i, size in enumerate([10, 10, 70_000, 10])]
    >>> list(_runs(docs))
    [range(0, 3), range(3, 4)]
    """
    start = size = 0
    for i, raw in enumerate(raws):
        size += len(raw.data)
        if i + 1 - start >= STAGE_RUN or size >= STAGE_RUN_BYTES:
            yield range(start, i + 1)
            start, size = i + 1, 0
    if start < len(raws):
        yield range(start, len(raws))


def _staged(
    steps: Sequence[Step],
    works: Sequence[Work | None],
    run: range,
    config: Config,
    ctx: Context,
    watch: Watch,
) -> dict[int, ErrorRecord]:
    """The documents ``run`` of ``works`` through ``steps`` (a phase) stage by stage;
    the error record of each that failed (its later stages are not run).

    Each document's phase has one time limit over its stages: each stage's
    fold gets what the document's earlier stages left of it. The record lists
    the steps done, failed or not: they are written into it once a
    document's phase is over (a copy of the record), not after each stage.
    """
    errors: dict[int, ErrorRecord] = {}
    spent: dict[int, float] = {}
    with alarms() as limited:
        for step in steps:
            for i in run:
                work = works[i]
                if work is None or i in errors:
                    continue
                watch(i)
                started = time.monotonic()
                error = _fold((step,), work, config, ctx, spent.get(i, 0.0), limited)
                spent[i] = spent.get(i, 0.0) + time.monotonic() - started
                if error is not None:
                    errors[i] = error
    for i in run:
        work = works[i]
        if work is not None and work.doc is not None and len(work.doc.steps) < len(work.steps):
            work.doc = work.doc.replace(steps=tuple(work.steps))
    return errors


def batched(items: Iterable[_Item], size: int) -> Iterator[list[_Item]]:
    """Consecutive batches of at most ``size`` items."""
    batch: list[_Item] = []
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
