"""normalize for Hugging Face ``datasets``: ``normalize_batch`` for ``Dataset.map``.

::

    from datasets import load_dataset
    from normalize.integrations.hf import features, normalize_batch, normalize_dataset

    ds = load_dataset("json", data_files="pages.jsonl", split="train")
    clean = normalize_dataset(ds, batch_size=256)          # or, spelled out:
    clean = ds.map(normalize_batch, batched=True, batch_size=256, features=features(ds.features))
    # options: fn_kwargs={"text_field": "html", "config": Config(...)}

The record's fields are added as columns (``text`` is the clean text,
replacing the input's ``text`` column if it has one; ``lang``, ``segments``,
``changes``, ``errors``, ``warnings``, ``metadata``…), in the record's stable
layout; the input's other columns, its id column included, stay as they
were. ``features`` tells ``datasets`` the record's types: ``datasets`` infers
a column's type from each batch, and a batch in which no document has an
error gives ``errors`` no element type, which the next batch's errors cannot
be cast to. A batch is the unit in which chrome repeated across a site's
pages is found, so ``batch_size`` of a few hundred is a good choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from normalize.config import Config
from normalize.document import RawDocument
from normalize.io.arrow import record_schema
from normalize.io.extras import require
from normalize.io.failed import read_error


def features(input_features: Mapping[str, Any] | None = None, *, id_field: str = "id") -> Any:
    """The ``datasets.Features`` of a normalized dataset: the input's, then the record's.

    The record's come from its Arrow schema (:mod:`normalize.io.arrow`); the
    record's ``id`` is left out when the input has its own ``id_field``.
    """
    datasets = require("datasets", "hf", "normalize.integrations.hf")
    record = datasets.Features.from_arrow_schema(record_schema())
    out = dict(input_features or {})
    for name, feature in record.items():
        if name == "id" and id_field in out:
            continue
        out[name] = feature
    return datasets.Features(out)


def normalize_batch(
    batch: Mapping[str, Sequence[Any]],
    *,
    text_field: str = "text",
    id_field: str = "id",
    config: Config | None = None,
) -> dict[str, list[Any]]:
    """Normalize the documents of a batch of columns (``Dataset.map(..., batched=True)``).

    ``text_field`` holds the document (text or HTML); ``id_field`` and a
    ``url`` column, when present, give the record's id and source. A row
    whose text is not a string becomes an error record (``bad_field``).
    """
    from normalize.pipeline import process_batch

    if text_field not in batch:
        raise KeyError(
            f"the batch has no column {text_field!r}; its columns are {sorted(batch)}: "
            "pass the right one with fn_kwargs={'text_field': ...}"
        )
    texts = batch[text_field]
    ids = batch.get(id_field) or [None] * len(texts)
    urls = batch.get("url") or [None] * len(texts)
    raws = []
    for n, (text, doc_id, url) in enumerate(zip(texts, ids, urls, strict=True)):
        where = f"row {n} of the batch"
        name = str(doc_id) if doc_id is not None else where
        source = str(url) if url else None
        if isinstance(text, str | bytes):
            raws.append(RawDocument(name, source, text, metadata={"url": url} if url else {}))
        else:
            found = "missing" if text is None else f"a {type(text).__name__}"
            message = f"{where}: column {text_field!r} is {found}, not a string or bytes."
            raws.append(read_error(name, source, "bad_field", message, where))
    out: dict[str, list[Any]] = {}
    for record in process_batch(raws, config or Config()):
        for key, value in record.to_json().items():
            out.setdefault(key, []).append(value)
    if id_field in batch:
        del out["id"]  # the input's own id column stays as it was, its type included
    return out


def normalize_dataset(
    dataset: Any,
    *,
    text_field: str = "text",
    id_field: str = "id",
    config: Config | None = None,
    batch_size: int = 256,
    **map_kwargs: Any,
) -> Any:
    """``dataset.map(normalize_batch, batched=True)`` with the record's ``features``.

    Other keyword arguments (``num_proc``, ``desc``…) go to ``Dataset.map``.
    """
    return dataset.map(
        normalize_batch,
        batched=True,
        batch_size=batch_size,
        features=features(dataset.features, id_field=id_field),
        fn_kwargs={"text_field": text_field, "id_field": id_field, "config": config},
        **map_kwargs,
    )
