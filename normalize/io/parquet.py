"""Parquet: documents from a column of a Parquet file, and records written as Parquet.

Reading: one document per row of the ``--text-field`` column (default
``text``), with the ``--id-field`` column (default ``id``) and a ``url``
column when the file has them; other columns are carried to ``metadata``.
The file is read one row group at a time, only the columns needed, and a
text over the size limit becomes a ``too_large`` error record. A file
without the text column gives one error record that names the columns it
has.

Writing: the records of a run with the record's Arrow schema
(:func:`normalize.io.arrow.record_schema`, made from the JSON Schema),
zstd-compressed, one row group per batch. A Parquet file is complete only
once its footer is written, so it is written as ``OUT.partial`` and renamed
when the run completes; an interrupted run cannot be continued inside a
Parquet file, so ``--resume`` starts a single Parquet output over (with
``--shard-size``, finished shards are kept and only the unfinished one is
redone).

Both need pyarrow: the ``parquet`` extra.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import IO, Any

from normalize.document import RawDocument
from normalize.io.arrow import record_schema
from normalize.io.extras import require
from normalize.io.failed import read_error, too_large
from normalize.io.record import OutputRecord


def _parquet() -> Any:
    return require("pyarrow.parquet", "parquet", "Parquet")


def read_parquet(
    stream: IO[bytes], name: str, text_field: str, id_field: str, max_bytes: int
) -> Iterator[RawDocument]:
    """One raw document per row; see the module docstring."""
    pq = _parquet()
    table = pq.ParquetFile(stream)
    columns = table.schema_arrow.names
    if text_field not in columns:
        yield read_error(
            name,
            name,
            "bad_field",
            f"{name} has no column {text_field!r}; its columns are "
            f"{', '.join(columns)}. Choose the text column with --text-field.",
        )
        return
    row = 0
    for batch in table.iter_batches(batch_size=1024):
        for values in batch.to_pylist():
            row += 1
            where = f"{name}:{row}"
            text = values.pop(text_field)
            doc_id = values.pop(id_field, None)
            doc_id = where if doc_id is None else str(doc_id)
            url = values.get("url") or values.get("source")
            source = str(url) if url else name
            if not isinstance(text, str | bytes):
                found = "null" if text is None else f"a {type(text).__name__}"
                yield read_error(
                    doc_id,
                    where,
                    "bad_field",
                    f"{where}: column {text_field!r} is {found}, not a string; "
                    "choose the field with --text-field.",
                )
                continue
            size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "replace"))
            if size > max_bytes:
                yield too_large(doc_id, where, max_bytes, split=False)
                continue
            meta = {k: v for k, v in values.items() if v is not None}
            yield RawDocument(id=doc_id, source=source, data=text, metadata=meta)


class ParquetWriter:
    """Records as one Parquet file with the record's schema; see the module docstring."""

    def __init__(self, target: str, *, resume: bool = False, fingerprint: str = "") -> None:
        pq = _parquet()
        self.pa = require("pyarrow", "parquet", "Parquet")
        self.target = target
        self.partial = f"{target}.partial"
        #: A Parquet file cannot be continued: a resumed run starts it over.
        self.resumed_documents = self.resumed_errors = 0
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        self.schema = record_schema()
        self._writer = pq.ParquetWriter(self.partial, self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []

    def write(self, record: OutputRecord) -> None:
        self._rows.append(json.loads(record.line))

    def commit(self, documents: int) -> None:
        if self._rows:
            self._writer.write_table(self.pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    @property
    def size(self) -> int:
        """Bytes written to the file so far (row groups are written at each commit)."""
        return os.path.getsize(self.partial) if os.path.exists(self.partial) else 0

    def close(self, complete: bool = True) -> None:
        if complete:
            self.commit(0)
        self._writer.close()
        if complete:
            os.replace(self.partial, self.target)

    def __enter__(self) -> ParquetWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)
