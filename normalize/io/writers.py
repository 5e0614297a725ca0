"""Writers: where the records of a run go, behind one small protocol.

A :class:`Writer` takes :class:`~normalize.io.record.OutputRecord` objects,
is told at the end of every batch how many input documents are done
(:meth:`Writer.commit`: the moment to make output durable and checkpoint),
and is closed as complete or not. Kill-and-resume lives in
:class:`~normalize.io.checkpoint.CheckpointedFile`, apart from the format.

- :class:`JsonlWriter`: one JSON record per line, to a file or standard output.
- :class:`TextWriter`: one ``.txt`` per document in a folder, error records
  in ``FOLDER/errors.jsonl``.

A new output (Parquet, sharded JSONL, ``.jsonl.zst``) is one class with the
same four members and one entry in :data:`WRITERS`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TextIO

from normalize.config import RunConfig
from normalize.io.checkpoint import CheckpointedFile, fingerprint
from normalize.io.record import OutputRecord

_UNSAFE = re.compile(r"[^\w.-]+")


class Writer(Protocol):
    """What both engines write records through."""

    #: Input documents already done by the run this one resumes (0 when not
    #: resuming), and how many of them have error records.
    resumed_documents: int
    resumed_errors: int

    def write(self, record: OutputRecord) -> None:
        """Write one record."""

    def commit(self, documents: int) -> None:
        """A batch of ``documents`` input documents is written: make it durable."""

    def close(self, complete: bool = True) -> None:
        """Finish; outputs take their final names only when ``complete``."""


class JsonlWriter:
    """One JSON record per line, to a path (checkpointed) or to standard output (``-``).

    Standard output gets whole lines only, flushed at the end of each batch.
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
        self.resumed_documents = self.resumed_errors = 0
        self._failed = 0
        self._file: CheckpointedFile | None = None
        if target == "-":
            self._stream = stdout if stdout is not None else sys.stdout
            return
        self._file = CheckpointedFile(target, resume=resume, fingerprint=fingerprint)
        self._stream = self._file.stream
        self.resumed_documents = self._file.resumed_documents
        self.resumed_errors = self._file.resumed_errors

    def write(self, record: OutputRecord) -> None:
        self._stream.write(record.line + "\n")
        self._failed += bool(record.errors)

    def commit(self, documents: int) -> None:
        if self._file is None:
            self._stream.flush()
        else:
            self._file.commit(documents, self._failed)
        self._failed = 0

    def close(self, complete: bool = True) -> None:
        if self._file is None:
            self._stream.flush()
        else:
            self._file.close(complete)

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


#: The file in a ``--format text`` folder that holds the records with errors.
ERRORS_FILE = "errors.jsonl"


class TextWriter:
    """Writes each document's ``text`` to ``FOLDER/<id>.txt``.

    Records with errors have no text to write; they go to
    ``FOLDER/errors.jsonl`` so that no input document goes missing. That
    file is checkpointed like a JSONL output (it is the one file a resumed
    run appends to), and left out when no document had an error.
    """

    def __init__(self, folder: str, *, resume: bool = False, fingerprint: str = "") -> None:
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._error_file = CheckpointedFile(
            os.path.join(folder, ERRORS_FILE), resume=resume, fingerprint=fingerprint
        )
        self.resumed_documents = self._error_file.resumed_documents
        self.resumed_errors = self._error_file.resumed_errors
        self._failed = 0

    def write(self, record: OutputRecord) -> None:
        if record.errors:
            self._error_file.stream.write(record.line + "\n")
            self._failed += 1
            return
        path = os.path.join(self.folder, text_file_name(record.id))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(record.text + ("\n" if record.text else ""))

    def commit(self, documents: int) -> None:
        self._error_file.commit(documents, self._failed)
        self._failed = 0

    def close(self, complete: bool = True) -> None:
        self._error_file.close(complete, keep_empty=False)

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)


#: Output format → how to open its writer for a run.
WRITERS: Mapping[str, Callable[..., Writer]] = {"jsonl": JsonlWriter, "text": TextWriter}


def open_writer(inputs: Sequence[str], run: RunConfig) -> Writer:
    """The writer of a run's ``format`` and ``output``, resuming when asked.

    Raises :class:`~normalize.io.checkpoint.ResumeError` for a checkpoint
    that does not fit, and ``OSError`` for an output that cannot be written.
    """
    return WRITERS[run.format](run.output, resume=run.resume, fingerprint=fingerprint(inputs, run))
