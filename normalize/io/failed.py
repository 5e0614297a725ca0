"""Raw documents that could not be read: the one builder every reader uses.

A reader never raises for a bad input: it yields a :class:`RawDocument`
that carries a ``read`` :class:`~normalize.document.ErrorRecord`, so the
output keeps one record per input document. The builders live here, apart
from :mod:`normalize.io.readers`, so that the format modules the readers
import (Parquet, WARC) and the integrations can use them too.
"""

from __future__ import annotations

from normalize.document import ErrorRecord, RawDocument


def read_error(
    doc_id: str, source: str | None, code: str, message: str, where: str | None = None
) -> RawDocument:
    """A raw document that could not be read; ``where`` (default: ``source``) locates it.

    >>> read_error("a.txt", "a.txt", "not_found", "a.txt: no such file.").error.where
    'a.txt'
    """
    return RawDocument(
        id=doc_id,
        source=source,
        data=b"",
        error=ErrorRecord(
            stage="read", code=code, message=message, where=source if where is None else where
        ),
    )


def too_large(
    doc_id: str,
    where: str,
    limit: int,
    *,
    source: str | None = None,
    what: str | None = None,
    split: bool = True,
) -> RawDocument:
    """A document over the per-document size limit (``--max-bytes``).

    ``source`` defaults to ``where`` and ``what`` (how the message names the
    document) to ``where``; ``split`` says whether the user can split the
    input (a file, a JSONL line), which a Parquet row or a WARC record cannot.

    >>> print(too_large("x:3", "x:3", 1000, split=False).error.message)
    x:3 is larger than the limit of 1,000 bytes per document; raise the limit with --max-bytes.
    """
    advice = "split it, or raise" if split else "raise"
    return read_error(
        doc_id,
        where if source is None else source,
        "too_large",
        f"{what or where} is larger than the limit of {limit:,} bytes per document; "
        f"{advice} the limit with --max-bytes.",
        where,
    )
