"""Writers: JSONL records (file or stdout) and plain-text files.

A JSONL file is written to a temporary name next to the target and renamed
when complete, so a killed run never leaves a torn file under the final
name. Standard output gets whole lines only.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from normalize.document import Document

_UNSAFE = re.compile(r"[^\w.-]+")


class JsonlWriter:
    """Writes one JSON record per line to a path or to standard output (``-``)."""

    def __init__(self, target: str = "-", stdout: TextIO | None = None) -> None:
        self.target = target
        self._tmp: str | None = None
        if target == "-":
            self._stream = stdout if stdout is not None else sys.stdout
        else:
            folder = os.path.dirname(os.path.abspath(target))
            os.makedirs(folder, exist_ok=True)
            self._tmp = f"{target}.tmp-{os.getpid()}"
            self._stream = open(self._tmp, "w", encoding="utf-8", newline="\n")

    def write(self, doc: Document) -> None:
        self._stream.write(doc.to_json_line() + "\n")

    def write_all(self, docs: Iterable[Document]) -> None:
        for doc in docs:
            self.write(doc)

    def close(self, complete: bool = True) -> None:
        """Finish the output; a file is renamed into place only when ``complete``."""
        if self._tmp is None:
            self._stream.flush()
            return
        self._stream.close()
        if complete:
            os.replace(self._tmp, self.target)
        else:
            os.unlink(self._tmp)

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

    def close(self, complete: bool = True) -> None:
        if self._errors is not None:
            self._errors.close(complete)

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(complete=exc_type is None)
