"""Writers: where the records of a run go, behind one small protocol.

A :class:`Writer` takes :class:`~normalize.io.record.OutputRecord` objects,
is told at the end of every batch how many input documents are done
(:meth:`Writer.commit`: the moment to make output durable and checkpoint),
and is closed as complete or not. Kill-and-resume lives in
:class:`~normalize.io.checkpoint.CheckpointedFile`, apart from the format.

- :class:`JsonlWriter`: one JSON record per line, to a file (``.jsonl``, or
  compressed by its suffix: ``.jsonl.gz``, ``.jsonl.zst``) or standard output.
- :class:`~normalize.io.parquet.ParquetWriter`: ``.parquet`` with the
  record's Arrow schema.
- :class:`~normalize.io.shards.ShardedWriter`: ``-o DIR/``, numbered shards
  of one of the above, each about ``--shard-size``.
- :class:`TextWriter`: one ``.txt`` per document in a folder, error records
  in ``FOLDER/errors.jsonl``.

:func:`open_writer` picks the writer from the output: its extension, or a
folder. A new output is one class with the same four members.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO, Protocol, TextIO

from normalize.config import RunConfig
from normalize.io.checkpoint import CheckpointedFile, fingerprint
from normalize.io.compression import COMPRESSORS, compression_of
from normalize.io.parquet import ParquetWriter
from normalize.io.record import OutputRecord
from normalize.io.shards import ShardedWriter, ShardWriter

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
        self._binary: BinaryIO | None = None
        if target == "-":
            self._stream = stdout if stdout is not None else sys.stdout
            # Lines are UTF-8 already: they go to the stream's bytes (its text layer,
            # which nothing else writes to, flushed once so that order is kept).
            self._binary = getattr(self._stream, "buffer", None)
            if self._binary is not None:
                self._stream.flush()
            return
        compress = COMPRESSORS.get(compression_of(target) or "")
        self._file = CheckpointedFile(
            target, resume=resume, fingerprint=fingerprint, compress=compress
        )
        self.resumed_documents = self._file.resumed_documents
        self.resumed_errors = self._file.resumed_errors

    def write(self, record: OutputRecord) -> None:
        if self._file is not None:
            self._file.write_line(record.line)
        elif self._binary is not None:
            self._binary.write(record.line + b"\n")
        else:
            self._stream.write(record.line.decode("utf-8") + "\n")
        self._failed += bool(record.errors)

    @property
    def size(self) -> int:
        """Bytes in the output file so far (compressed), as of the last commit."""
        return 0 if self._file is None else self._file.size

    def commit(self, documents: int) -> None:
        if self._file is None:
            self._flush()
        else:
            self._file.commit(documents, self._failed)
        self._failed = 0

    def close(self, complete: bool = True) -> None:
        if self._file is not None:
            self._file.close(complete)
        elif complete:
            self._flush()
        else:
            with contextlib.suppress(OSError):  # the failure was reported already
                self._flush()

    def _flush(self) -> None:
        if self._binary is not None:
            self._binary.flush()
        self._stream.flush()

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
    run appends to, and its lock keeps a second run out of the folder), and
    left out when no document had an error.
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
        """Write the text under a temporary name and rename it: never a torn ``.txt``."""
        if record.errors:
            self._error_file.write_line(record.line)
            self._failed += 1
            return
        name = text_file_name(record.id)
        path = os.path.join(self.folder, name)
        tmp = os.path.join(self.folder, f".{name}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8", errors="replace", newline="\n") as f:
                f.write(record.text + ("\n" if record.text else ""))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def commit(self, documents: int) -> None:
        self._error_file.commit(documents, self._failed)
        self._failed = 0

    def close(self, complete: bool = True) -> None:
        self._error_file.close(complete, keep_empty=False)

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)


#: Output format (``--format``) → the writer of one output file (or folder, for text).
WRITERS: Mapping[str, Callable[..., Writer]] = {
    "jsonl": JsonlWriter,
    "parquet": ParquetWriter,
    "text": TextWriter,
}

#: Shard format → the writer of one shard (it says how big it is on disk).
SHARD_WRITERS: Mapping[str, Callable[[str], ShardWriter]] = {
    "jsonl": JsonlWriter,
    "parquet": ParquetWriter,
}

#: The shard size when ``-o DIR/`` is given without ``--shard-size``.
DEFAULT_SHARD_SIZE = 200 * 10**6


def is_folder_output(run: RunConfig) -> bool:
    """Sharded output: ``-o DIR/`` (or an existing folder), or ``--shard-size``."""
    if run.format == "text" or run.output == "-":
        return False
    output = run.output
    return bool(run.shard_size) or output.endswith(("/", os.sep)) or os.path.isdir(output)


def output_format(path: str, fmt: str) -> str:
    """The format an output file's extension says, else ``fmt`` (``--format``).

    >>> output_format("out.parquet", "jsonl"), output_format("out.jsonl.zst", "jsonl")
    ('parquet', 'jsonl')
    """
    return "parquet" if path.lower().endswith(".parquet") else fmt


def open_writer(inputs: Sequence[str], run: RunConfig) -> Writer:
    """The writer of a run's ``output`` and ``format``, resuming when asked.

    A file's extension chooses: ``.parquet``; ``.jsonl`` (also ``.jsonl.gz``
    and ``.jsonl.zst``, compressed). A folder (``-o DIR/``) gets numbered
    shards of ``--shard-size`` (zstd JSONL, or Parquet with ``--format
    parquet``). Raises :class:`~normalize.io.checkpoint.ResumeError` for a
    checkpoint that does not fit, and ``OSError`` for an output that cannot
    be written.
    """
    key = fingerprint(inputs, run)
    if is_folder_output(run):
        fmt = run.format
        suffix = ".parquet" if fmt == "parquet" else ".jsonl.zst"
        return ShardedWriter(
            run.output,
            lambda path: SHARD_WRITERS[fmt](path),
            suffix=suffix,
            shard_size=run.shard_size or DEFAULT_SHARD_SIZE,
            resume=run.resume,
            fingerprint=key,
        )
    fmt = output_format(run.output, run.format)
    return WRITERS[fmt](run.output, resume=run.resume, fingerprint=key)
