"""normalize as a datatrove pipeline step: ``Normalize``.

Document in, Document out, like datatrove's formatters::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from normalize.integrations.datatrove import Normalize

    LocalPipelineExecutor(
        [WarcReader("crawl/"), Normalize(), JsonlWriter("clean/")], tasks=4
    ).run()

``text`` becomes the clean text (content only, unless the config keeps
boilerplate); ``metadata`` gets ``lang``, ``segments`` (the record's
segments: text, offsets, language, script, kind and boilerplate reason) and
``reasons`` (boilerplate segments removed, by reason). A document that
becomes an error record (binary, empty HTML, too large…) is dropped and
counted by code (``dropped_<code>``), and written to ``exclusion_writer``
with its errors in ``metadata["errors"]``, as datatrove's filters do.

Documents are normalized in batches of ``batch_size``, the unit in which
normalize finds chrome repeated across a site's pages; models load in the
worker that runs the step (datatrove's local and Slurm executors both fork
or start one process per task).
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep

from normalize.config import Config
from normalize.document import BOILERPLATE, Document, RawDocument


def raw_document(doc: DatatroveDocument) -> RawDocument:
    """A datatrove document as normalize's input: its text (HTML or text), id and URL."""
    url = doc.metadata.get("url")
    return RawDocument(
        id=str(doc.id),
        source=str(url) if url else str(doc.id),
        data=doc.text,
        metadata={"url": url} if url else {},
    )


def reasons(record: Document) -> dict[str, int]:
    """Boilerplate segments removed from a record, by reason (as in the run summary).

    >>> from normalize.document import Segment
    >>> seg = Segment("Home", 0, 4, kind="boilerplate", reason="nav")
    >>> reasons(Document("x", segments=(seg, seg)))
    {'nav': 2}
    """
    return dict(Counter(s.reason or "unknown" for s in record.segments if s.kind == BOILERPLATE))


class Normalize(PipelineStep):
    """Run normalize on each document's text; see the module docstring."""

    name = "🧹 normalize"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        config: Config | None = None,
        *,
        batch_size: int = 256,
        exclusion_writer: Any = None,
    ) -> None:
        super().__init__()
        self.config = config or Config()
        self.batch_size = batch_size
        self.exclusion_writer = exclusion_writer

    def run(
        self, data: Iterable[DatatroveDocument] | None, rank: int = 0, world_size: int = 1
    ) -> Iterator[DatatroveDocument]:
        from normalize.pipeline import process_batch

        if data is None:
            return
        with self.exclusion_writer or contextlib.nullcontext() as excluded:
            docs = iter(data)
            while batch := list(itertools.islice(docs, self.batch_size)):
                self.stat_update("batches")
                with self.track_time("batch"):
                    records = process_batch([raw_document(d) for d in batch], self.config)
                for doc, record in zip(batch, records, strict=True):
                    self.stat_update("total")
                    if record.errors:
                        self.stat_update("dropped", f"dropped_{record.errors[0].code}")
                        if excluded is not None:
                            doc.metadata["errors"] = [e.to_json() for e in record.errors]
                            excluded.write(doc, rank)
                        continue
                    doc.text = record.text
                    doc.metadata["lang"] = record.lang
                    doc.metadata["segments"] = [s.to_json() for s in record.segments]
                    doc.metadata["reasons"] = reasons(record)
                    self.stat_update("forwarded")
                    self.update_doc_stats(doc)
                    yield doc
