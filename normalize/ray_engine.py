"""The Ray Data engine: the same per-batch function, scaled out on a Ray cluster.

``normalize --engine ray INPUT... -o OUT`` reads the input files with Ray
Data (``read_binary_files``), turns each file into raw documents with the
same readers as the local engine, and runs :func:`normalize.pipeline.process_batch`
with ``map_batches`` on an actor pool, so models (langid, translators) load
once per actor. Translation actors ask for a GPU where the cluster has one.

Output: a ``.jsonl`` path (or ``-``) gets the records in input order,
streamed to the driver and written there (writing lines is cheap next to
normalizing them). Paths that are not files, and stdin, are read on the
driver; their records come after the others.

Caveats, by design: each input *file* is read whole by one task (shard big
corpora into files of a few hundred MB), and cross-document chrome evidence
comes from the documents Ray puts into one batch, as in the local engine.
Ray connects to the cluster in ``RAY_ADDRESS`` when set, else starts a local
one. Needs the ``[ray]`` extra: ``pip install 'normalize[ray]'``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from normalize.config import Config
from normalize.document import Document, ErrorRecord, RawDocument
from normalize.pipeline import process_batch
from normalize.readers import ReadOptions, iter_inputs, read_jsonl

log = logging.getLogger("normalize")


def _require_ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "normalize: --engine ray needs Ray Data: pip install 'normalize[ray]'"
        ) from exc
    return ray


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """The files the local engine would read, in the same order (folders expanded)."""
    from normalize.readers import _walk, format_of

    files: list[str] = []
    for item in inputs:
        if os.path.isdir(item):
            files.extend(p for p in _walk(item) if format_of(p) is not None)
        else:
            files.append(item)
    return files


def raw_rows(row: dict[str, Any], options: ReadOptions) -> Iterator[dict[str, Any]]:
    """One Ray row per raw document of a file (the local readers' logic).

    Rows hold plain columns Arrow can store: the data as ``bytes`` or
    ``text`` (one of them null), the error and metadata as JSON strings.
    """
    import io

    from normalize.readers import format_of

    path, data = row["path"], row["bytes"]
    fmt = format_of(path)
    if path.lower().endswith(".gz"):
        import gzip

        data = gzip.decompress(data)
    if fmt == "jsonl":
        raws: Iterator[RawDocument] = read_jsonl(io.BytesIO(data), path, options)
    else:
        raws = iter([RawDocument(id=path, source=path, data=data, format=fmt)])
    for raw in raws:
        yield {
            "id": raw.id,
            "source": raw.source,
            "format": raw.format,
            "data_bytes": raw.data if isinstance(raw.data, bytes) else None,
            "data_text": raw.data if isinstance(raw.data, str) else None,
            "error": json.dumps(raw.error.to_json()) if raw.error else None,
            "metadata": json.dumps(dict(raw.metadata)),
        }


def rows_to_raw(rows: Sequence[dict[str, Any]]) -> list[RawDocument]:
    """Rebuild raw documents from Ray rows."""
    out = []
    for row in rows:
        data = row["data_bytes"] if row["data_bytes"] is not None else row["data_text"]
        error = row["error"]
        out.append(
            RawDocument(
                id=row["id"],
                source=row["source"],
                data=data,
                format=row["format"],
                error=ErrorRecord.from_json(json.loads(error)) if error else None,
                metadata=json.loads(row["metadata"]),
            )
        )
    return out


class NormalizeBatch:
    """The Ray actor: holds the config; models load lazily on first use, once per actor."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        # A pyarrow table: to_pylist keeps nulls as None (numpy would make them NaN).
        docs = process_batch(rows_to_raw(batch.to_pylist()), self.config)
        return {
            "record": [d.to_json_line() for d in docs],
            "failed": [bool(d.errors) for d in docs],
        }


def run_ray(
    inputs: Sequence[str],
    output: str,
    config: Config,
    options: ReadOptions,
    *,
    batch_size: int = 256,
    jobs: int | None = None,
) -> int:
    """Run normalize on Ray; the exit status follows the local CLI's rules."""
    ray = _require_ray()
    if not ray.is_initialized():
        ray.init(
            address=os.environ.get("RAY_ADDRESS"),
            num_cpus=None if os.environ.get("RAY_ADDRESS") else jobs,
            include_dashboard=False,
            log_to_driver=False,
        )
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False

    files = expand_inputs([i for i in inputs if i != "-"])
    failed = 0
    missing = [RawDocument(id=f, source=f, data=b"") for f in files if not os.path.isfile(f)]
    if missing or "-" in inputs:
        # Unreadable paths and stdin are read on the driver, exactly as locally.
        local = [i for i in inputs if i == "-"] + [m.id for m in missing]
        extra_docs: list[Document] = process_batch(list(iter_inputs(local, options)), config)
        files = [f for f in files if os.path.isfile(f)]
    else:
        extra_docs = []

    gpus = 0.0
    if config.translate.target and ray.cluster_resources().get("GPU", 0) > 0:
        gpus = 1.0
    records: Any = None
    if files:
        # Reading is I/O: a small CPU share, so that the actors, which take a
        # whole CPU each, can never starve it (a pool as large as the cluster
        # would otherwise wait forever for input).
        ds = ray.data.read_binary_files(
            files, include_paths=True, ray_remote_args={"num_cpus": 0.1}
        )
        ds = ds.flat_map(raw_rows, fn_kwargs={"options": options}, num_cpus=0.1)
        workers = jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ds.map_batches(
            NormalizeBatch,
            fn_constructor_args=(config,),
            batch_size=batch_size,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers),
            num_cpus=1,
            num_gpus=gpus,
        )
        records = ds

    from normalize.writers import JsonlWriter

    with JsonlWriter(output) as writer:
        if records is not None:
            for row in records.iter_rows():
                writer.write_line(row["record"])
                failed += bool(row["failed"])
        for doc in extra_docs:
            writer.write(doc)
            failed += bool(doc.errors)
            print(f"normalize: {doc.id}: {doc.errors[0].message}", file=sys.stderr)
    return 1 if failed else 0
