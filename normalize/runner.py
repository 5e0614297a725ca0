"""Running a corpus: batches over worker processes, in input order, with a summary.

The unit of work is a batch of raw documents (see :mod:`normalize.pipeline`):
its boundaries depend only on the input order and the batch size, and all
cross-document evidence is gathered within it, so the records are the same
byte for byte whatever the number of workers. At most ``2 × jobs`` batches
are in flight, so memory stays flat however long the input is. Worker
processes are started with ``fork`` where available; models (langid,
translators) are loaded lazily inside each worker, after the fork.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TypeVar

from normalize.config import Config
from normalize.document import BOILERPLATE, Document, ErrorRecord, RawDocument
from normalize.pipeline import batched, process_batch

T = TypeVar("T")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def raw_size(raw: RawDocument) -> int:
    """Input size of a raw document in bytes (UTF-8 for ``str`` input)."""
    data = raw.data
    return len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, slots=True)
class Finished:
    """A record serialized where it was made, with what the run's summary and log need.

    Workers send these instead of :class:`Document` objects: one string per
    record pickles several times faster than a tree of segments, and the
    main process, which every worker waits on, then only writes lines.
    """

    id: str
    #: The record as one JSON line (no newline).
    line: str
    #: The messages of its error records.
    errors: tuple[str, ...]
    lang: str
    #: The reason of each boilerplate segment that has a language.
    boilerplate: tuple[str, ...]

    @classmethod
    def of(cls, doc: Document) -> Finished:
        return cls(
            id=doc.id,
            line=doc.to_json_line(),
            errors=tuple(err.message for err in doc.errors),
            lang=doc.lang,
            boilerplate=tuple(
                seg.reason or "unknown"
                for seg in doc.segments
                if seg.kind == BOILERPLATE and seg.lang != "zxx"
            ),
        )


@dataclass
class Summary:
    """End-of-run figures: what a person checks after a run."""

    documents: int = 0
    bytes: int = 0
    errors: int = 0
    boilerplate: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.perf_counter)

    def add(self, record: Finished, size: int) -> None:
        self.documents += 1
        self.bytes += size
        if record.errors:
            self.errors += 1
            return
        self.languages[record.lang] += 1
        self.boilerplate.update(record.boilerplate)

    def format(self) -> str:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        mb = self.bytes / 1e6
        lines = [
            f"{self.documents:,} documents, {mb:,.3g} MB in {seconds:,.1f} s "
            f"({mb / seconds:,.3g} MB/s), {self.errors:,} with errors",
        ]
        if self.languages:
            top = ", ".join(f"{lang} {n:,}" for lang, n in self.languages.most_common(12))
            lines.append(f"languages: {top}")
        if self.boilerplate:
            top = ", ".join(f"{r} {n:,}" for r, n in self.boilerplate.most_common(12))
            lines.append(f"boilerplate segments removed by reason: {top}")
        return "\n".join(lines)


def _worker_batch(batch: list[RawDocument], config: Config) -> list[Document]:
    return process_batch(batch, config)


def _worker_records(batch: list[RawDocument], config: Config) -> list[Finished]:
    return [Finished.of(doc) for doc in _worker_batch(batch, config)]


def _crashed(batch: Sequence[RawDocument], exc: BaseException) -> list[Document]:
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
        for raw in batch
    ]


def run_batches(
    raws: Iterable[RawDocument],
    config: Config | None = None,
    *,
    jobs: int = 1,
    batch_size: int = 256,
) -> Iterator[tuple[Sequence[RawDocument], list[Document]]]:
    """Yield ``(raw batch, records)`` in input order, processing on ``jobs`` processes.

    If a worker process dies, every batch in flight fails with the pool; the
    first is run again alone in a new pool, and becomes error records
    (``worker_crashed``) only if it kills that one too, then the others are
    submitted again: the run goes on and nothing goes missing.
    """
    return _run(raws, config or Config(), jobs, batch_size, _worker_batch, lambda docs: docs)


def run_records(
    raws: Iterable[RawDocument],
    config: Config | None = None,
    *,
    jobs: int = 1,
    batch_size: int = 256,
) -> Iterator[tuple[Sequence[RawDocument], list[Finished]]]:
    """:func:`run_batches`, with each record serialized in its worker (what the CLI writes)."""
    return _run(
        raws,
        config or Config(),
        jobs,
        batch_size,
        _worker_records,
        lambda docs: [Finished.of(doc) for doc in docs],
    )


def _run(
    raws: Iterable[RawDocument],
    config: Config,
    jobs: int,
    batch_size: int,
    work: Callable[[list[RawDocument], Config], list[T]],
    crashed: Callable[[list[Document]], list[T]],
) -> Iterator[tuple[Sequence[RawDocument], list[T]]]:
    """Run ``work`` on each batch; ``crashed`` turns the error records of a lost batch into results."""
    batches = batched(raws, batch_size)
    if jobs <= 1:
        for batch in batches:
            yield batch, work(batch, config)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=context)

    pool = new_pool()
    pending: deque[tuple[list[RawDocument], Future[list[T]]]] = deque()

    def next_result() -> tuple[list[RawDocument], list[T]]:
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
                results = crashed(_crashed(batch, exc))
            for b in rest:
                pending.append((b, pool.submit(work, b, config)))
            return batch, results

    try:
        for batch in batches:
            pending.append((batch, pool.submit(work, batch, config)))
            if len(pending) >= 2 * jobs:
                yield next_result()
        while pending:
            yield next_result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
