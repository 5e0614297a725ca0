"""Checkpoints: an output file that survives a kill and resumes, whatever its format.

:class:`CheckpointedFile` is an append-only output written as
``NAME.partial``; at the end of every batch :meth:`~CheckpointedFile.commit`
makes what was written durable (flush, fsync) and records in
``NAME.checkpoint`` how many input documents are done and the length and
SHA-256 of the committed bytes. The final name appears only when
the run completes. ``resume=True`` checks the partial file against its
checkpoint, truncates anything after it (a torn last record) and continues
from there; a damaged or edited pair is refused rather than trusted.

While a run writes, it holds an exclusive lock on ``NAME.partial``: a second
run writing the same output stops at once instead of interleaving its
records with the first one's.

The checkpoint knows bytes and documents, not records: a writer of any
format writes through it and gets kill-and-resume for free. A compressed
file (``.jsonl.gz``, ``.jsonl.zst``) is written one compressed frame per
batch (:data:`normalize.io.compression.COMPRESSORS`), so the checkpoint
falls on a frame boundary too and a resumed run appends new frames.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from normalize import __version__
from normalize.config import RunConfig


class OutputError(ValueError):
    """An output that cannot be used as asked (a usage error: exit status 2)."""


class ResumeError(OutputError):
    """A checkpoint that cannot be resumed (other inputs or settings, or damaged files)."""


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a checkpoint, ``stats.json``).

    The text goes to ``PATH.tmp``, is made durable, and is renamed over
    ``path``: a kill at any moment leaves the old file or the new one, never
    half of one, which a resumed run would refuse.
    """
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


#: The most buffers one ``writev`` takes (Linux: 1024).
IOV_MAX = os.sysconf("SC_IOV_MAX")


def write_parts(fd: int, parts: Sequence[bytes], offset: int) -> int:
    """Write ``parts`` one after another at ``offset`` in the file ``fd``; how many bytes.

    One ``pwritev`` per :data:`IOV_MAX` parts writes them where they are: a
    batch's lines and their newlines (:meth:`CheckpointedFile.write_line`)
    are not joined into one more copy first, whose fresh pages the kernel
    faults in (3 MB a batch of the 1,000 text documents). A short write
    (which a file rarely makes) goes on with the rest; a failure raises
    ``OSError`` as a write does.
    """
    written = 0
    for i in range(0, len(parts), IOV_MAX):
        chunk = parts[i : i + IOV_MAX]
        size = sum(map(len, chunk))
        done = os.pwritev(fd, chunk, offset + written)
        if done < size:
            rest = memoryview(b"".join(chunk))[done:]
            while rest:
                rest = rest[os.pwrite(fd, rest, offset + written + size - len(rest)) :]
        written += size
    return written


def _tree_state(root: Path) -> Iterator[tuple[str, int, int]]:
    """``(path, size, mtime_ns)`` of every file below ``root``, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            yield os.path.relpath(path, root), st.st_size, st.st_mtime_ns


def _source_state(source: str) -> tuple[str, int, int] | tuple[str]:
    if source == "-":
        return (source,)
    try:
        st = os.stat(source)
    except OSError:
        return (source,)
    return source, st.st_size, st.st_mtime_ns


def fingerprint(inputs: Sequence[str], run: RunConfig) -> str:
    """What the output depends on, so that ``--resume`` refuses when any of it changed.

    The settings (batch size, fields, the pipeline's ``Config``), the
    normalize version, every input file (path, size and modification time:
    a file changed in place, added to or removed from an input folder), and
    the language packs and translation packs the run reads.
    """
    from normalize.document import Skipped
    from normalize.io.readers import sources
    from normalize.langpacks import lang_packs_dir

    key: list[Any] = [
        __version__,
        list(inputs),
        run.batch_size,
        run.text_field,
        run.id_field,
        repr(run.pipeline),
        run.format,
        run.shard_size,
        run.segments,
        [s if isinstance(s, Skipped) else _source_state(s) for s in sources(inputs, run)],
        list(_tree_state(lang_packs_dir())),
    ]
    if run.pipeline.translate.target:
        from normalize.packs import packages_dir

        key.append(list(_tree_state(packages_dir(run.pipeline.translate.packs_dir))))
    data = repr(key).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


_COUNTS = ("documents", "records", "errors", "bytes")


def _checksum(state: dict[str, Any]) -> str:
    body = {k: v for k, v in state.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


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
        self._pending: list[bytes] = []
        self.fingerprint = fingerprint
        self.partial = f"{target}.partial"
        self.checkpoint = f"{target}.checkpoint"
        #: Input documents already done by an earlier run (``resume``), and
        #: how many of them have error records.
        self.resumed_documents = 0
        self.resumed_errors = 0
        if os.path.isdir(target):
            raise OutputError(
                f"{target} is a folder; give the path of a file to write (or use "
                "--format text to write one .txt per document into a folder)"
            )
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        self._file = self._open_locked()
        state = {k: 0 for k in _COUNTS}
        self._hash = hashlib.sha256()
        try:
            if resume and os.path.exists(self.checkpoint):
                state = self._read_checkpoint()
                self._verify_prefix(state)
            self._file.truncate(state["bytes"])  # drop a torn record after the checkpoint
            self._file.seek(state["bytes"])
        except BaseException:
            self._file.close()
            raise
        self.resumed_documents = self._documents = state["documents"]
        self.resumed_errors = self._errors = state["errors"]
        self._records = state["records"]
        self._size = state["bytes"]

    def _open_locked(self) -> IO[bytes]:
        """``NAME.partial``, opened without truncating it, under an exclusive lock."""
        fd = os.open(self.partial, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                f"another normalize run is writing {self.target} (it holds {self.partial}); "
                "wait for it to finish, or choose another output"
            ) from None
        return os.fdopen(fd, "r+b")

    def _read_checkpoint(self) -> dict[str, Any]:
        """The checkpoint's state, or :class:`ResumeError` when it is damaged or not ours."""
        try:
            with open(self.checkpoint, encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError, RecursionError) as exc:
            raise ResumeError(
                f"cannot read {self.checkpoint} ({exc}); run again without --resume to start over"
            ) from exc
        if not isinstance(state, dict):
            raise ResumeError(self._damaged("it is not a JSON object"))
        if state.get("fingerprint") != self.fingerprint:
            raise ResumeError(
                f"{self.checkpoint} was written by a run with other inputs or settings; "
                "run again without --resume to start over"
            )
        for key in _COUNTS:
            value = state.get(key)
            if type(value) is not int or value < 0:
                raise ResumeError(self._damaged(f"{key!r} is {value!r}, not a count"))
        if not isinstance(state.get("sha256"), str) or state.get("checksum") != _checksum(state):
            raise ResumeError(self._damaged("its checksum does not match its content"))
        return state

    def _damaged(self, why: str) -> str:
        return f"{self.checkpoint} is damaged ({why}); run again without --resume to start over"

    def _verify_prefix(self, state: dict[str, Any]) -> None:
        """The committed bytes of ``NAME.partial`` are those the checkpoint describes."""
        size = os.fstat(self._file.fileno()).st_size
        if size < state["bytes"]:
            raise ResumeError(
                f"{self.partial} holds {size:,} bytes, fewer than the {state['bytes']:,} its "
                "checkpoint committed (it was truncated or replaced); run again without "
                "--resume to start over"
            )
        left = state["bytes"]
        self._file.seek(0)
        while left:
            chunk = self._file.read(min(left, 1 << 20))
            if not chunk:
                break
            self._hash.update(chunk)
            left -= len(chunk)
        if self._hash.hexdigest() != state["sha256"]:
            raise ResumeError(
                f"{self.partial} does not match its checkpoint (its committed part was "
                "changed); run again without --resume to start over"
            )

    def write(self, data: bytes) -> None:
        """Add ``data`` (UTF-8 lines) to the file (written, compressed as one frame, at the
        next commit)."""
        self._pending.append(data)
        self._records += data.count(b"\n")

    def write_line(self, line: bytes) -> None:
        """:meth:`write` of ``line + b"\\n"``, for a ``line`` that holds no newline (a
        JSONL record): neither copied to append the newline nor searched for others."""
        self._pending += (line, b"\n")
        self._records += 1

    def _flush_pending(self) -> None:
        """Write what is pending at the end of the file: as it is, without joining it
        (:func:`write_parts`), or compressed as one frame."""
        if not self._pending:
            return
        parts, self._pending = self._pending, []
        if self._compress:
            parts = [self._compress(b"".join(parts))]
        for part in parts:
            self._hash.update(part)
        self._size += write_parts(self._file.fileno(), parts, self._size)

    def commit(self, documents: int, errors: int) -> None:
        """Make the bytes written so far durable; note ``documents`` more as done.

        ``errors`` of them have error records (a resumed run's exit status
        counts them).
        """
        self._flush_pending()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._documents += documents
        self._errors += errors
        state: dict[str, Any] = {
            "documents": self._documents,
            "records": self._records,
            "errors": self._errors,
            "bytes": self._size,
            "sha256": self._hash.hexdigest(),
            "fingerprint": self.fingerprint,
        }
        state["checksum"] = _checksum(state)
        write_atomically(self.checkpoint, json.dumps(state))

    @property
    def empty(self) -> bool:
        """Nothing was written to the file, by this run or the one it resumes."""
        return self._size == 0 and not self._pending

    @property
    def size(self) -> int:
        """Bytes in the file so far (compressed), as of the last commit."""
        return self._size

    def close(self, complete: bool = True, *, keep_empty: bool = True) -> None:
        """Finish: the file takes its final name only when ``complete``.

        An incomplete run keeps ``NAME.partial`` and ``NAME.checkpoint`` for
        ``--resume``. With ``keep_empty=False`` a complete but empty file is
        removed instead of renamed.
        """
        if self._file.closed:
            return
        try:
            if complete:
                self._flush_pending()
                self._file.flush()
                if self.empty and not keep_empty:
                    os.unlink(self.partial)
                else:
                    os.replace(self.partial, self.target)
                if os.path.exists(self.checkpoint):
                    os.unlink(self.checkpoint)
        finally:
            try:
                self._file.close()  # releases the lock, after the rename
            except OSError:
                pass  # a failed flush was reported already; the checkpoint is what counts
