"""Checkpoints: an output file that survives a kill and resumes, whatever its format.

:class:`CheckpointedFile` is an append-only output written as
``NAME.partial``; at the end of every batch :meth:`~CheckpointedFile.commit`
makes what was written durable (flush, fsync) and records in
``NAME.checkpoint`` how many input documents and bytes are done. The final
name appears only when the run completes. ``resume=True`` truncates anything
after the checkpoint (a torn last record) and continues from there.

The checkpoint knows bytes and documents, not records: a writer of any
format writes through it and gets kill-and-resume for free. A compressed
file (``.jsonl.gz``, ``.jsonl.zst``) is written one compressed frame per
batch (:data:`normalize.io.compression.COMPRESSORS`), so the checkpoint
falls on a frame boundary too and a resumed run appends new frames.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from normalize.config import RunConfig


class ResumeError(ValueError):
    """A checkpoint that cannot be resumed (other settings, or damaged files)."""


def fingerprint(inputs: Sequence[str], run: RunConfig) -> str:
    """What must not change between a run and its ``--resume``: inputs and settings."""
    key = repr(
        (list(inputs), run.batch_size, run.text_field, run.id_field, run.pipeline)
        + (run.format, run.shard_size, run.segments)
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class CheckpointedFile:
    """``NAME`` written as ``NAME.partial`` + ``NAME.checkpoint``, renamed into place when done."""

    def __init__(
        self,
        target: str,
        *,
        resume: bool = False,
        fingerprint: str = "",
        compress: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.target = target
        self._compress = compress
        self._pending: list[str] = []
        self.fingerprint = fingerprint
        #: Input documents already done by an earlier run (``resume``), and
        #: how many of them have error records.
        self.resumed_documents = 0
        self.resumed_errors = 0
        self.partial = f"{target}.partial"
        self.checkpoint = f"{target}.checkpoint"
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        offset = 0
        if resume and os.path.exists(self.checkpoint) and os.path.exists(self.partial):
            state = self._read_checkpoint()
            if state.get("fingerprint") != fingerprint:
                raise ResumeError(
                    f"{self.checkpoint} was written by a run with other inputs or settings; "
                    "run again without --resume to start over"
                )
            offset = int(state["bytes"])
            self.resumed_documents = int(state["documents"])
            self.resumed_errors = int(state.get("errors", 0))
        self.stream = open(self.partial, "ab" if offset else "wb")  # noqa: SIM115
        if offset:
            self.stream.truncate(offset)  # drop a torn record after the checkpoint
            self.stream.seek(offset)
        self._documents = self.resumed_documents
        self._errors = self.resumed_errors

    def _read_checkpoint(self) -> dict[str, Any]:
        try:
            with open(self.checkpoint, encoding="utf-8") as f:
                state: dict[str, Any] = json.load(f)
                return state
        except (OSError, ValueError) as exc:
            raise ResumeError(f"cannot read {self.checkpoint}: {exc}") from exc

    def write(self, text: str) -> None:
        """Add ``text`` to the file (written, compressed as one frame, at the next commit)."""
        self._pending.append(text)

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        data = "".join(self._pending).encode("utf-8", "surrogatepass")
        self._pending = []
        self.stream.write(self._compress(data) if self._compress else data)

    def commit(self, documents: int, errors: int) -> None:
        """Make what was written so far durable; note ``documents`` more as done.

        ``errors`` of them have error records (a resumed run's exit status
        counts them).
        """
        self._flush_pending()
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self._documents += documents
        self._errors += errors
        state = {
            "documents": self._documents,
            "errors": self._errors,
            "bytes": self.stream.tell(),
            "fingerprint": self.fingerprint,
        }
        tmp = f"{self.checkpoint}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, self.checkpoint)

    @property
    def empty(self) -> bool:
        """Nothing was written to the file, by this run or the one it resumes."""
        return self.stream.tell() == 0 and not self._pending

    @property
    def size(self) -> int:
        """Bytes in the file so far (compressed), as of the last commit."""
        return self.stream.tell()

    def close(self, complete: bool = True, *, keep_empty: bool = True) -> None:
        """Finish: the file takes its final name only when ``complete``.

        An incomplete run keeps ``NAME.partial`` and ``NAME.checkpoint`` for
        ``--resume``. With ``keep_empty=False`` a complete but empty file is
        removed instead of renamed.
        """
        if complete:
            self._flush_pending()
        empty = self.empty
        self.stream.close()
        if not complete:
            return
        if empty and not keep_empty:
            os.unlink(self.partial)
        else:
            os.replace(self.partial, self.target)
        if os.path.exists(self.checkpoint):
            os.unlink(self.checkpoint)
