"""A run's statistics: the end-of-run summary, and the same figures as ``stats.json``.

What a person checks after a run, and what a pipeline checks by program:
documents and bytes read, documents with errors and errors by code,
documents by language, boilerplate segments by reason, changes by step,
inputs skipped by reason (a WARC's requests and images, files that are not
text) and seconds. ``--stats FILE`` writes them as JSON; a sharded output
writes ``DIR/stats.json``, merged over its shards, those of a resumed run
included (each shard's figures are kept in the shard checkpoint). Figures
from several runs or workers add up with :meth:`Summary.merge`, as
datatrove's ``stats.json`` do.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from normalize.classes import dataclass
from normalize.document import Skipped
from normalize.io.checkpoint import write_atomically
from normalize.io.record import OutputRecord

_COUNTERS = (
    "errors",
    "languages",
    "boilerplate",
    "changes",
    "skipped",
    "untranslated_documents",
    "untranslated_characters",
)


@dataclass
class Summary:
    """End-of-run figures (mutable: filled while the run streams)."""

    documents: int = 0
    bytes: int = 0
    #: Documents with at least one error record.
    failed: int = 0
    #: Error records by code.
    errors: Counter[str] = field(default_factory=Counter)
    #: Documents without errors by dominant language.
    languages: Counter[str] = field(default_factory=Counter)
    #: Boilerplate segments (with a language) by reason.
    boilerplate: Counter[str] = field(default_factory=Counter)
    #: Changes by normalization step, summed over documents.
    changes: Counter[str] = field(default_factory=Counter)
    #: Inputs that hold no document, by reason (see :class:`~normalize.document.Skipped`).
    skipped: Counter[str] = field(default_factory=Counter)
    #: Documents, and characters, left untranslated for lack of a pack, by
    #: language pair (``ta->en``).
    untranslated_documents: Counter[str] = field(default_factory=Counter)
    untranslated_characters: Counter[str] = field(default_factory=Counter)
    #: Seconds of the runs merged into this one; a running clock adds its own.
    seconds: float = 0.0
    #: When this run's clock started (``None``: figures read back, no clock).
    started: float | None = field(default_factory=time.perf_counter, repr=False)

    def add(self, record: OutputRecord) -> None:
        self.documents += 1
        self.bytes += record.size
        self.changes.update(dict(record.changes))
        if record.error_codes:
            self.failed += 1
            self.errors.update(record.error_codes)
            return
        self.languages[record.lang] += 1
        self.boilerplate.update(record.boilerplate)
        for source, target, chars in record.untranslated:
            self.untranslated_documents[f"{source}->{target}"] += 1
            self.untranslated_characters[f"{source}->{target}"] += chars

    def skip(self, item: Skipped) -> None:
        self.skipped[item.reason] += 1

    def merge(self, other: Summary) -> None:
        """Add ``other``'s figures to these (shards, workers, an earlier run)."""
        self.documents += other.documents
        self.bytes += other.bytes
        self.failed += other.failed
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))
        self.seconds += other.seconds

    def elapsed(self) -> float:
        """Seconds: those merged in, and this run's so far."""
        running = 0.0 if self.started is None else time.perf_counter() - self.started
        return self.seconds + running

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON (what ``stats.json`` holds)."""
        out: dict[str, Any] = {
            "documents": self.documents,
            "bytes": self.bytes,
            "failed": self.failed,
        }
        for name in _COUNTERS:
            out[name] = dict(getattr(self, name).most_common())
        out["seconds"] = round(self.elapsed(), 3)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """Figures read back (to merge): ``seconds`` are those of that run."""
        out = cls(
            documents=int(data.get("documents", 0)),
            bytes=int(data.get("bytes", 0)),
            failed=int(data.get("failed", 0)),
            seconds=float(data.get("seconds", 0.0)),
            started=None,
        )
        for name in _COUNTERS:
            getattr(out, name).update(data.get(name) or {})
        return out

    def write(self, path: str) -> None:
        """Write ``stats.json`` atomically (under a temporary name, then renamed)."""
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write_atomically(path, json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n")

    def format(self) -> str:
        """The summary printed on standard error at the end of a run."""
        seconds = max(self.elapsed(), 1e-9)
        mb = self.bytes / 1e6
        lines = [
            f"{self.documents:,} documents, {mb:,.3g} MB in {seconds:,.1f} s "
            f"({mb / seconds:,.3g} MB/s), {self.failed:,} with errors",
        ]
        for title, counter in (
            ("errors by code", self.errors),
            ("languages", self.languages),
            ("boilerplate segments removed by reason", self.boilerplate),
            ("skipped inputs by reason", self.skipped),
        ):
            if counter:
                top = ", ".join(f"{key} {n:,}" for key, n in counter.most_common(12))
                lines.append(f"{title}: {top}")
        for pair, n in sorted(self.untranslated_documents.items()):
            from normalize.packs import SUFFIX, pack_name

            source, target = pair.split("->")
            lines.append(
                f"left untranslated, no {pair} pack: {n:,} documents, "
                f"{self.untranslated_characters[pair]:,} characters "
                f"(get {pack_name(source, target)}{SUFFIX})"
            )
        return "\n".join(lines)
