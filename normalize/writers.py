"""Writers: JSONL records (file or stdout) and plain-text files.

A JSONL file is written to ``OUT.partial`` with a checkpoint after every
batch and renamed to ``OUT`` when complete, so a killed run never leaves a
torn file under the final name, and ``--resume`` continues where it stopped.
Standard output gets whole lines only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from normalize.document import Document

_UNSAFE = re.compile(r"[^\w.-]+")


class ResumeError(ValueError):
    """A checkpoint that cannot be resumed (other settings, or damaged files)."""


class JsonlWriter:
    """Writes one JSON record per line to a path or to standard output (``-``).

    A file target is written as ``OUT.partial`` and renamed to ``OUT`` when
    the run completes. After every batch, :meth:`commit` flushes the records
    to disk and records in ``OUT.checkpoint`` how many input documents and
    bytes are done; a killed run therefore leaves whole records up to the
    last checkpoint, and ``resume=True`` truncates anything after it and
    continues from there.
    """

    def __init__(
        self,
        target: str = "-",
        stdout: TextIO | None = None,
        *,
        resume: bool = False,
        fingerprint: str = "",
    ) -> None:
        self.target = target
        self.fingerprint = fingerprint
        #: Input documents already done by an earlier run (``resume``).
        self.resumed_documents = 0
        self._partial: str | None = None
        if target == "-":
            self._stream = stdout if stdout is not None else sys.stdout
            return
        folder = os.path.dirname(os.path.abspath(target))
        os.makedirs(folder, exist_ok=True)
        self._partial = f"{target}.partial"
        self._checkpoint = f"{target}.checkpoint"
        offset = 0
        if resume and os.path.exists(self._checkpoint) and os.path.exists(self._partial):
            state = self._read_checkpoint()
            if state.get("fingerprint") != fingerprint:
                raise ResumeError(
                    f"{self._checkpoint} was written by a run with other inputs or settings; "
                    "run again without --resume to start over"
                )
            offset = int(state["bytes"])
            self.resumed_documents = int(state["documents"])
        self._stream = open(self._partial, "a" if offset else "w", encoding="utf-8", newline="\n")
        if offset:
            self._stream.truncate(offset)  # drop a torn record after the checkpoint
            self._stream.seek(offset)
        self._documents = self.resumed_documents

    def _read_checkpoint(self) -> dict:
        try:
            with open(self._checkpoint, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as exc:
            raise ResumeError(f"cannot read {self._checkpoint}: {exc}") from exc

    def write(self, doc: Document) -> None:
        self._stream.write(doc.to_json_line() + "\n")

    def write_line(self, line: str) -> None:
        """Write a record that is already one JSON line (from another process)."""
        self._stream.write(line + "\n")

    def write_all(self, docs: Iterable[Document]) -> None:
        for doc in docs:
            self.write(doc)

    def commit(self, documents: int) -> None:
        """Make the records written so far durable and note ``documents`` more as done."""
        self._stream.flush()
        if self._partial is None:
            return
        os.fsync(self._stream.fileno())
        self._documents += documents
        state = {
            "documents": self._documents,
            "bytes": self._stream.tell(),
            "fingerprint": self.fingerprint,
        }
        tmp = f"{self._checkpoint}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, self._checkpoint)

    def close(self, complete: bool = True) -> None:
        """Finish the output; a file is renamed into place only when ``complete``.

        An incomplete run keeps ``OUT.partial`` and ``OUT.checkpoint`` for
        ``--resume``.
        """
        if self._partial is None:
            self._stream.flush()
            return
        self._stream.close()
        if complete:
            os.replace(self._partial, self.target)
            if os.path.exists(self._checkpoint):
                os.unlink(self._checkpoint)

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)


def text_file_name(doc_id: str) -> str:
    """A safe, unique file name for a document id.

    The readable part is the id with unsafe characters replaced; a short hash
    of the full id keeps two ids that differ only in unsafe characters apart.

    >>> text_file_name("fixtures/seeds/000_a.txt")
    'fixtures_seeds_000_a.txt-a9b8b759.txt'
    """
    readable = _UNSAFE.sub("_", doc_id).strip("._")[:80] or "doc"
    digest = hashlib.sha1(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}.txt"


class TextWriter:
    """Writes each document's ``text`` to ``FOLDER/<id>.txt``.

    Records with errors have no text to write; they go to
    ``FOLDER/errors.jsonl`` so that no input document goes missing.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._errors: JsonlWriter | None = None

    def write(self, doc: Document) -> None:
        if doc.errors:
            if self._errors is None:
                self._errors = JsonlWriter(os.path.join(self.folder, "errors.jsonl"))
            self._errors.write(doc)
            return
        path = os.path.join(self.folder, text_file_name(doc.id))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(doc.text + ("\n" if doc.text else ""))

    def write_line(self, line: str) -> None:
        """Write a record that is already one JSON line (from a worker process)."""
        self.write(Document.from_json(json.loads(line)))

    def commit(self, documents: int) -> None:
        """Text files are complete when written; nothing to checkpoint."""

    def close(self, complete: bool = True) -> None:
        if self._errors is not None:
            self._errors.close(complete)

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)
