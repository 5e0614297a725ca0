"""Sharded output: ``-o DIR/ --shard-size 200MB`` writes ``DIR/00000.jsonl.zst``, ``DIR/00001…``.

A corpus run's output is usually too big for one file, and the tools that
read it (datatrove, ``datasets``, Spark) read folders of shards in parallel.
A shard is closed at the end of the first batch that brings it to the size
(compressed bytes on disk), so no record is split and shards are about the
size asked for. Each shard is written by the writer of its format (JSONL,
gzip or zstd JSONL, Parquet) as ``NAME.partial`` and takes its name when it
is complete.

Resume works per shard: ``DIR/checkpoint.json`` lists the finished shards
with how many input documents each holds; a resumed run keeps them, skips
their documents and writes the next shard from its start (the unfinished
shard of the killed run is discarded). When the run completes the
checkpoint is removed and the run's statistics are in ``DIR/stats.json``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any, Protocol

from normalize.io.checkpoint import ResumeError, write_atomically
from normalize.io.record import OutputRecord
from normalize.io.stats import Summary

#: The checkpoint of a sharded output and its statistics file, in the folder.
CHECKPOINT = "checkpoint.json"
STATS = "stats.json"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_size(text: str) -> int:
    """A size in bytes from ``200MB``, ``1.5G``, ``512KiB`` or a plain number.

    >>> parse_size("200MB"), parse_size("1.5g"), parse_size("64KiB"), parse_size("1000")
    (200000000, 1500000000, 65536, 1000)
    """
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r}; write it like 200MB, 1.5GB or 512KiB")
    number, unit = float(m.group(1)), (m.group(2) or "").lower()
    if "i" in unit:
        scale = 1024 ** "kmgt".index(unit[0]) * 1024
    else:
        scale = _UNITS[unit[:1]]
    size = int(number * scale)
    if size < 1:
        raise ValueError(f"the shard size must be positive, not {text!r}")
    return size


class ShardWriter(Protocol):
    """A writer of one shard: the run's Writer protocol, and how big it is on disk."""

    resumed_documents: int
    resumed_errors: int

    def write(self, record: OutputRecord) -> None: ...

    def commit(self, documents: int) -> None: ...

    def close(self, complete: bool = True) -> None: ...

    @property
    def size(self) -> int: ...


class ShardedWriter:
    """Numbered shards in a folder; see the module docstring."""

    def __init__(
        self,
        folder: str,
        open_shard: Callable[[str], ShardWriter],
        *,
        suffix: str,
        shard_size: int,
        resume: bool = False,
        fingerprint: str = "",
    ) -> None:
        self.folder = folder
        self.suffix = suffix
        self.shard_size = shard_size
        self.fingerprint = fingerprint
        self._open_shard = open_shard
        os.makedirs(folder, exist_ok=True)
        self._checkpoint = os.path.join(folder, CHECKPOINT)
        self.shards: list[dict[str, Any]] = []
        if resume and os.path.exists(self._checkpoint):
            state = self._read_checkpoint()
            if state.get("fingerprint") != fingerprint:
                raise ResumeError(
                    f"{self._checkpoint} was written by a run with other inputs or settings; "
                    "run again without --resume to start over"
                )
            self.shards = list(state["shards"])
        self.resumed_documents = sum(int(s["documents"]) for s in self.shards)
        self.resumed_errors = sum(int(s["errors"]) for s in self.shards)
        #: The statistics of the shards a resumed run keeps (the run adds them to its own).
        self.resumed_stats = Summary(started=None)
        for shard in self.shards:
            self.resumed_stats.merge(Summary.from_json(shard.get("stats", {})))
        self._current: ShardWriter | None = None
        self._documents = self._errors = 0
        self._stats = Summary(started=None)

    def _read_checkpoint(self) -> dict[str, Any]:
        try:
            with open(self._checkpoint, encoding="utf-8") as f:
                state: dict[str, Any] = json.load(f)
            return state
        except (OSError, ValueError, KeyError) as exc:
            raise ResumeError(f"cannot read {self._checkpoint}: {exc}") from exc

    def shard_name(self, index: int) -> str:
        """``00000.jsonl.zst``: numbered so that a folder listing is in input order."""
        return f"{index:05d}{self.suffix}"

    def write(self, record: OutputRecord) -> None:
        if self._current is None:
            path = os.path.join(self.folder, self.shard_name(len(self.shards)))
            self._current = self._open_shard(path)
        self._current.write(record)
        self._errors += bool(record.errors)
        self._stats.add(record)

    def commit(self, documents: int) -> None:
        self._documents += documents
        if self._current is None:
            return
        self._current.commit(documents)
        if self._current.size >= self.shard_size:
            self._finish_shard()

    def _finish_shard(self) -> None:
        assert self._current is not None
        self._current.close(complete=True)
        self._current = None
        self.shards.append(
            {
                "file": self.shard_name(len(self.shards)),
                "documents": self._documents,
                "errors": self._errors,
                "stats": self._stats.to_json(),
            }
        )
        self._documents = self._errors = 0
        self._stats = Summary(started=None)
        state = {"fingerprint": self.fingerprint, "shards": self.shards}
        write_atomically(self._checkpoint, json.dumps(state, indent=1))

    def close(self, complete: bool = True) -> None:
        """Finish the last shard; the checkpoint goes when the run is ``complete``."""
        if self._current is not None:
            if complete:
                self._finish_shard()
            else:
                self._current.close(complete=False)
                self._current = None
        if complete and os.path.exists(self._checkpoint):
            os.unlink(self._checkpoint)

    def __enter__(self) -> ShardedWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)
