"""The Ray Data engine: the same readers and per-batch function, scaled out on a Ray cluster.

``normalize run --engine ray INPUT... -o OUT`` expands the inputs into
sources on the driver (:func:`normalize.io.readers.sources`: the same files,
in the same order, as the local engine), reads each source in a Ray task
with the same readers and limits (:func:`normalize.io.readers.read_source`;
standard input is read on the driver), runs
:func:`normalize.pipeline.process_batch` with ``map_batches`` on an actor
pool, so models (langid, translators) load once per actor, and streams the
records back in input order. The run (:func:`normalize.run.run_corpus`)
writes them with the same writers, summary and exit status as the local
engine. Translation actors ask for a GPU where the cluster has one.

Caveats, by design: each input *file* is read whole by one task (shard big
corpora into files of a few hundred MB); cross-document chrome evidence
comes from the documents Ray puts into one batch; a resumed run reads and
normalizes the done part again and drops it. Ray joins the cluster at
``RunConfig.ray_address`` (``$RAY_ADDRESS``) when set, else starts a local
one. Needs the ``[ray]`` extra: ``pip install 'normalize[ray]'``.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import IO, Any

from normalize.config import Config, RunConfig
from normalize.document import RawDocument, Skipped
from normalize.io.readers import Item, read_source, sources
from normalize.io.record import OutputRecord
from normalize.pipeline import batch_records

#: The CPU share of a read task; each actor asks for the rest of a CPU.
_READ_CPUS = 0.1


def _require_ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "normalize: --engine ray needs Ray Data: pip install 'normalize[ray]'"
        ) from exc
    return ray


def raw_to_row(raw: Item) -> dict[str, Any]:
    """A raw document as a Ray row: one binary column Arrow can store.

    Pickled whole, so every field of the record (present and future) makes
    the trip; rows travel only between the processes of one run.
    """
    return {"raw": pickle.dumps(raw)}


def row_to_raw(row: dict[str, Any]) -> RawDocument | Skipped:
    """The raw document of a Ray row (see :func:`raw_to_row`), or a skipped input."""
    raw: RawDocument | Skipped = pickle.loads(row["raw"])
    return raw


def read_item(item: dict[str, Any], run: RunConfig) -> Iterator[dict[str, Any]]:
    """The rows of one source (a Ray task), or a row the driver read already (stdin)."""
    if item["raw"] is not None:
        yield {"raw": item["raw"]}
        return
    for raw in read_source(item["source"], run):
        yield raw_to_row(raw)


class NormalizeBatch:
    """The Ray actor: holds the config; models load lazily on first use, once per actor."""

    def __init__(self, config: Config, segments: str = "full") -> None:
        self.config = config
        self.segments = segments

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        # A pyarrow table: to_pylist keeps nulls as None (numpy would make them NaN).
        items = [row_to_raw(row) for row in batch.to_pylist()]
        # What the inputs hold besides documents passes through, to be counted.
        skipped = [item for item in items if isinstance(item, Skipped)]
        raws = [item for item in items if not isinstance(item, Skipped)]
        out: list[OutputRecord | Skipped] = [*batch_records(raws, self.config, self.segments)]
        return {"record": [pickle.dumps(item) for item in [*skipped, *out]]}


def _items(inputs: Sequence[str], run: RunConfig, stdin: IO[bytes] | None) -> list[dict[str, Any]]:
    """The run's sources as Ray items, in order; standard input is read here, on the driver.

    The sources are those of the local engine (:func:`sources` with the run,
    so the run's own output is left out); a file skipped while listing a
    folder travels as a row of its own, to be counted.
    """
    items: list[dict[str, Any]] = []
    for source in sources(inputs, run):
        if isinstance(source, Skipped):
            items.append({"source": None, "raw": pickle.dumps(source)})
        elif source == "-":
            items.extend(
                {"source": source, "raw": pickle.dumps(raw)}
                for raw in read_source(source, run, stdin)
            )
        else:
            items.append({"source": source, "raw": None})
    return items


def records(
    inputs: Sequence[str], run: RunConfig, skip: int = 0, stdin: IO[bytes] | None = None
) -> Iterator[list[OutputRecord | Skipped]]:
    """The engine's interface: the records of ``inputs``, in batches of ``run.batch_size``."""
    ray = _require_ray()
    if not ray.is_initialized():
        ray.init(
            address=run.ray_address,
            num_cpus=None if run.ray_address else run.workers(),
            include_dashboard=False,
            log_to_driver=False,
        )
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False

    items = _items(inputs, run, stdin)
    if not items:
        return
    gpus = 0.0
    if run.pipeline.translate.target and ray.cluster_resources().get("GPU", 0) > 0:
        gpus = 1.0
    # Reading is I/O: a small CPU share, and the actors leave that share
    # free, so a pool as large as the cluster (one actor on one CPU with
    # --jobs 1) can never starve the reading it waits for.
    ds = ray.data.from_items(items)
    ds = ds.flat_map(read_item, fn_kwargs={"run": run}, num_cpus=_READ_CPUS)
    workers = run.jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))
    ds = ds.map_batches(
        NormalizeBatch,
        fn_constructor_args=(run.pipeline, run.segments),
        batch_size=run.batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers),
        num_cpus=1 - _READ_CPUS,
        num_gpus=gpus,
    )
    batch: list[OutputRecord | Skipped] = []
    documents = done = 0
    for row in ds.iter_rows():
        item = pickle.loads(row["record"])
        if isinstance(item, Skipped):
            batch.append(item)
            continue
        if done < skip:
            done += 1
            continue
        batch.append(item)
        documents += 1
        if documents >= run.batch_size:
            yield batch
            batch = []
            documents = 0
    if batch:
        yield batch
