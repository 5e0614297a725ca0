"""The local engine: batches over worker processes, in input order.

The unit of work is a batch of raw documents (see :mod:`normalize.pipeline`):
its boundaries depend only on the input order and the batch size, and all
cross-document evidence is gathered within it, so the records are the same
byte for byte whatever the number of workers. At most ``2 × jobs`` batches
are in flight, so memory stays flat however long the input is. Worker
processes are started with ``fork`` where available; models (langid,
translators) are loaded lazily inside each worker, after the fork.

The engine does no I/O: it reads through :mod:`normalize.io.readers` and
hands :class:`~normalize.io.record.OutputRecord` batches to the run
(:func:`normalize.engines.run_corpus`), which writes them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any, TypeVar

from normalize.config import Config, RunConfig
from normalize.context import default_context
from normalize.document import Document, ErrorRecord, RawDocument, Skipped
from normalize.engines import WORKER_GC_THRESHOLDS
from normalize.io.readers import JsonlLine, document, iter_inputs
from normalize.io.record import OutputRecord
from normalize.pipeline import Watch, batch_records, batched, process_batch

T = TypeVar("T")

#: What a batch holds: raw documents, or JSONL lines a worker makes them of
#: (:func:`normalize.io.readers.document`).
Raw = RawDocument | JsonlLine
R = TypeVar("R", bound=Raw)


#: glibc's threshold above which an allocation is a memory map of its own, given
#: back to the system when freed (``M_MMAP_THRESHOLD``), fixed at its initial
#: 128 KiB once a worker's first batch is done. Left alone, glibc raises it to
#: the size of each such block freed (up to 32 MiB); after a few batches a
#: batch's big buffers (its records pickled, about 4 MB for 256 documents) come
#: from the heap instead, which fragments and keeps them. Measured on the
#: 10,000 throughput documents, one job, medians of 3: peak RSS 99.6 -> 93.2
#: MiB (100 documents: 78.7 -> 79.0). Fixed from the start, it cost the
#: worker's start-up (loading the models maps and faults in every big
#: temporary) about 0.04 s; after the first batch, nothing measurable.
MMAP_THRESHOLD = 128 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

#: glibc's ``M_MMAP_THRESHOLD`` in the process that runs the pool, fixed once
#: its workers are forked (``M_TRIM_THRESHOLD`` twice that): the most glibc's
#: own dynamic threshold reaches (32 MiB on 64-bit systems), from the start.
#: Each batch's records come back as one message of megabytes read from a
#: pipe 64 KiB at a time, each read into a buffer of the size still to come;
#: mapped afresh for each read and for the message (the dynamic threshold
#: never rises, as the read buffers are shrunk before they are freed), their
#: pages were faulted in again and again; from the heap they are reused.
#: Measured with ``--jobs 1`` on the 1,000 text documents, alternating, medians
#: of 11 (load about 3): the process's run 73.3 -> 65.3 ms CPU, 7,876 -> 5,874
#: page faults; the worker's unchanged.
RUN_MMAP_THRESHOLD = 32 * 1024 * 1024


def _start_worker(parent: int) -> None:
    """Worker set-up: :func:`_die_with_parent`, and a collector tuned for batch work."""
    _die_with_parent(parent)
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def _after_batch() -> None:
    """In a worker process, once its first batch is done (its models loaded): an
    allocator that gives big blocks back (:data:`MMAP_THRESHOLD`)."""
    if multiprocessing.parent_process() is not None:
        default_context().owned("engines.mmap_threshold", fix_mmap_threshold)


def fix_mmap_threshold() -> bool:
    """Fix glibc's ``M_MMAP_THRESHOLD`` (:data:`MMAP_THRESHOLD`); ``False`` where the C
    library has no ``mallopt`` or refuses (not glibc: nothing to fix)."""
    return _mallopt((_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def fix_run_allocator() -> bool:
    """In the process that runs the pool, once its workers are forked (they keep
    glibc's own thresholds): :data:`RUN_MMAP_THRESHOLD`; ``False`` as
    :func:`fix_mmap_threshold`."""
    return _mallopt(
        (_M_MMAP_THRESHOLD, RUN_MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, 2 * RUN_MMAP_THRESHOLD)
    )


def _mallopt(*settings: tuple[int, int]) -> bool:
    """glibc's ``mallopt`` of each ``(option, value)``: whether the C library has it and
    took them all."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return all([bool(mallopt(option, value)) for option, value in settings])


def _die_with_parent(parent: int) -> None:
    """Worker set-up: never outlive the run, and leave interruptions to it.

    A worker killed with its parent (``kill -9``, an OOM kill) would
    otherwise live on under PID 1, holding the output and standard output
    open. On Linux the kernel kills it when the parent dies
    (``PR_SET_PDEATHSIG``); a parent gone before that was set is caught by
    its pid. SIGINT (Ctrl-C reaches the whole process group) is the
    parent's to handle: the worker ignores it instead of printing a
    traceback of its own; SIGTERM simply ends it (the parent's handler,
    inherited through the fork, is for the parent).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def hard_limit(config: Config) -> float:
    """CPU seconds after which a worker is killed on one document: ``0`` for none.

    ``Config.max_seconds`` is enforced with ``SIGALRM``, whose handler runs
    only between Python bytecodes: a single C call that runs for minutes
    (NFC over a pathological run of marks, a regex) cannot be interrupted.
    The hard limit is the kernel's: a CPU-time timer whose signal
    (``SIGPROF``, default action) ends the worker process, which is replaced;
    the document gets a ``timeout`` record (see :func:`_isolate`). It leaves
    the soft limit time to act on each of a document's two phases.
    """
    return 2 * config.max_seconds + 1 if config.max_seconds > 0 else 0.0


class _HardLimit:
    """A pipeline watch that arms the hard CPU-time limit for each document's phase.

    ``process_batch`` tells it which document each phase (read → canonical,
    then boilerplate → segment) is on, or each stage of a phase that runs
    stage by stage over a few documents: each call re-arms the timer with
    what is left of that document's phase (the CPU time it took in earlier
    calls of the phase is kept), so the timer measures one document's phase
    however many calls it takes; ``None`` disarms it and ends the phase (the
    batch's evidence pass and translation are not limited). Used in worker
    processes only: the timer's signal ends the process. ``progress`` (shared
    memory) tells the parent which document a killed worker was on.
    """

    def __init__(self, seconds: float, progress: Any) -> None:
        self.seconds = seconds
        self.progress = progress
        #: CPU seconds each document (by index) has taken in the phase so far.
        self.used: dict[int, float] = {}
        self.index: int | None = None
        #: What the timer was armed with for the document it is on.
        self.armed = 0.0

    def __call__(
        self, index: int | None, _arm: Any = signal.setitimer, _prof: int = signal.ITIMER_PROF
    ) -> None:
        # Called for each stage of each document (19 times a text document), with a
        # system call each time: the timer and its module are bound as defaults and
        # ``max`` is a comparison, which took the 19,000 calls of the 1,000 text
        # documents from 9.5 to 7.7 ms (in process, one core, medians of 5).
        last = self.index
        if index == last:
            # The same document's phase goes on: its timer runs on, as it would
            # be re-armed with what is left of its phase.
            return
        if index is None:
            _arm(_prof, 0)
            self.used.clear()
            self.index = None
            return
        if self.progress is not None:
            self.progress.value = index
        used = self.used
        left = self.seconds - used.get(index, 0.0)
        if left < 1e-6:
            left = 1e-6  # a phase used up ends at once (a timer of 0 would disarm it instead)
        # What the timer had left for the document it was on tells what that one
        # took (the CPU time the timer counted: a table built meanwhile with the
        # clocks stopped is not the document's), with one system call.
        remaining = _arm(_prof, left)[0]
        if last is not None:
            used[last] = used.get(last, 0.0) + self.armed - remaining
        self.index = index
        self.armed = left


def _watch(config: Config, progress: Any) -> Watch:
    """The pipeline's watch: the hard time limit in a worker process, nothing elsewhere."""
    seconds = hard_limit(config)
    if seconds and multiprocessing.parent_process() is not None:
        return _HardLimit(seconds, progress)
    return _unlimited


def _unlimited(index: int | None) -> None:
    return None


def _worker_batch(batch: Sequence[Raw], config: Config, progress: Any = None) -> list[Document]:
    docs = process_batch([document(raw) for raw in batch], config, watch=_watch(config, progress))
    _after_batch()
    return docs


def _worker_records(
    batch: Sequence[Raw],
    config: Config,
    segments: str = "full",
    progress: Any = None,
    texts: bool = True,
) -> list[OutputRecord]:
    """The batch's records, serialized as they are finished (see ``batch_records``);
    without their clean texts unless ``texts``."""
    raws = [document(raw) for raw in batch]
    records = batch_records(raws, config, segments, watch=_watch(config, progress), texts=texts)
    _after_batch()
    return records


def _child(work: Callable[..., Any], batch: Sequence[Raw], config: Config, progress: Any,
           conn: Any) -> None:  # fmt: skip
    _die_with_parent(os.getppid())
    conn.send(work(batch, config, progress=progress))
    conn.close()


def _isolate(
    context: Any, work: Callable[..., list[T]], batch: Sequence[Raw], config: Config
) -> list[T] | None:
    """Run a batch that kills workers alone, finding the document that does it.

    The batch runs in a child process that reports which document it is on.
    When the child dies on a document, that document becomes an error record
    (``timeout`` when the hard time limit ended it, ``worker_crashed``
    otherwise) and the batch runs again without it, so one bad document
    costs only its own record. ``None`` when the child dies before reaching
    any document (the whole batch is lost then).
    """
    raws = [document(raw) for raw in batch]
    for _ in range(len(raws) + 1):
        progress = context.Value("i", -1)
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(work, raws, config, progress, send))
        child.start()
        send.close()
        try:
            result: list[T] = receive.recv()
        except EOFError:
            result = None  # type: ignore[assignment]
        child.join()
        receive.close()
        if result is not None:
            return result
        index = progress.value
        if index < 0 or raws[index].error is not None:
            return None
        raw = raws[index]
        if child.exitcode == -signal.SIGPROF:
            error = ErrorRecord(
                "worker",
                "timeout",
                f"{raw.source}: took longer than the limit of {config.max_seconds:g} s per "
                "document inside a call that cannot be interrupted; its worker was replaced. "
                "Split the document or raise the limit with --max-seconds.",
                raw.source,
            )
        else:
            error = ErrorRecord(
                "worker",
                "worker_crashed",
                f"a worker process died while normalizing this document (exit status "
                f"{child.exitcode}); the run went on without it. Please report it.",
                raw.source,
            )
        raws[index] = dataclasses.replace(raw, data=b"", error=error)
    return None


def _crashed(batch: Sequence[Raw], exc: BaseException) -> list[Document]:
    """Error records for a batch whose worker process died (a crash in C code, OOM kill)."""
    message = (
        f"a worker process died while normalizing the batch this document was in ({exc}); "
        "the run went on without it. Rerun these documents with --jobs 1 to find the one "
        "that crashes, and please report it."
    )
    return [
        Document(
            id=raw.id,
            source=raw.source,
            errors=(ErrorRecord("worker", "worker_crashed", message, raw.source),),
        )
        for raw in map(document, batch)
    ]


def run_batches(
    raws: Iterable[RawDocument], run: RunConfig | None = None
) -> Iterator[tuple[Sequence[RawDocument], list[Document]]]:
    """Yield ``(raw batch, records)`` in input order, processing on ``run.workers()`` processes.

    If a worker process dies, every batch in flight fails with the pool; the
    first is run again alone in a new pool, and becomes error records
    (``worker_crashed``) only if it kills that one too, then the others are
    submitted again: the run goes on and nothing goes missing.
    """
    return _run(raws, run or RunConfig(), _worker_batch, lambda batch, docs: docs)


def run_records(
    raws: Iterable[Raw], run: RunConfig | None = None
) -> Iterator[tuple[Sequence[Raw], list[OutputRecord]]]:
    """:func:`run_batches`, with each record serialized in its worker (what a run writes);
    their clean texts only when the run writes them (``--format text``)."""
    run = run or RunConfig()
    segments = run.segments
    return _run(
        raws,
        run,
        functools.partial(_worker_records, segments=segments, texts=run.format == "text"),
        lambda batch, docs: [
            OutputRecord.of(d, document(r), segments) for d, r in zip(docs, batch, strict=True)
        ],
        processes=True,
    )


def records(
    inputs: Sequence[str], run: RunConfig, skip: int = 0, stdin: IO[bytes] | None = None
) -> Iterator[list[OutputRecord | Skipped]]:
    """The engine's interface: the records of ``inputs``, one list per batch, in input order.

    ``skip`` input documents (done by the run being resumed) are read but
    not processed; batches start after them, as they did in that run. What
    the inputs hold besides documents (:class:`~normalize.document.Skipped`:
    a WARC's requests, files that are not text) comes with the batch read
    after it, for the run to count; it takes no place in a batch.
    """
    skipped: list[Skipped] = []

    def documents() -> Iterator[Raw]:
        for item in iter_inputs(inputs, run, stdin, parsed=False):
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                yield item

    raws = itertools.islice(documents(), skip, None)
    for _, done in run_records(raws, run):
        out: list[OutputRecord | Skipped] = [*skipped, *done]
        skipped.clear()
        yield out
    if skipped:
        yield list(skipped)


def _run(
    raws: Iterable[R],
    run: RunConfig,
    work: Callable[[list[R], Config], list[T]],
    crashed: Callable[[list[R], list[Document]], list[T]],
    processes: bool = False,
) -> Iterator[tuple[Sequence[R], list[T]]]:
    """Run ``work`` on each batch; ``crashed`` turns the error records of a lost batch into results.

    With one job the batches run in this process, unless ``processes``: a
    run (the CLI) always uses worker processes, so that the hard time limit
    (:func:`hard_limit`) can end the one that hangs without ending the run,
    and this process's allocator is then made for receiving their records
    (:func:`fix_run_allocator`).
    """
    config = run.pipeline
    jobs = run.workers()
    batches = batched(raws, run.batch_size)
    if jobs <= 1 and not (processes and hard_limit(config)):
        for batch in batches:
            yield batch, work(batch, config)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    pool = new_pool()
    pending: deque[tuple[list[R], Future[list[T]]]] = deque()

    def next_result() -> tuple[list[R], list[T]]:
        nonlocal pool
        batch, future = pending.popleft()
        try:
            return batch, future.result()
        except BrokenProcessPool:
            # Every batch in flight fails with the pool, whichever one killed
            # it: run this batch again alone in a fresh pool to tell.
            pool.shutdown(wait=False, cancel_futures=True)
            rest = [b for b, _ in pending]
            pending.clear()
            pool = new_pool()
            try:
                results = pool.submit(work, batch, config).result()
            except BrokenProcessPool as exc:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                isolated = _isolate(context, work, batch, config)
                results = crashed(batch, _crashed(batch, exc)) if isolated is None else isolated
            for b in rest:
                pending.append((b, pool.submit(work, b, config)))
            return batch, results

    allocator_fixed = not processes
    try:
        for batch in batches:
            pending.append((batch, pool.submit(work, batch, config)))
            if not allocator_fixed:  # the first submission forked the workers
                fix_run_allocator()
                allocator_fixed = True
            if len(pending) >= 2 * jobs:
                yield next_result()
        while pending:
            yield next_result()
    except BaseException:
        # Interrupted (or the consumer stopped): do not wait for the batches
        # in flight, stop the workers now.
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: kill its workers, cancel what is queued.

    A worker killed while it wrote a result leaves the pool's manager thread
    reading the rest of that message, and Python's exit waits for that
    thread: the run would never end. This process keeps its own end of the
    result pipe open, so the read never meets an end of file; with the
    workers gone, closing it ends the read and the thread.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    results = getattr(pool, "_result_queue", None)
    with contextlib.suppress(Exception):
        results._writer.close()  # type: ignore[union-attr]
    pool.shutdown(wait=False, cancel_futures=True)
