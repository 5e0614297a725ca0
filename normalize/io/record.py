"""The record a worker hands to the writer: serialized once, where it was made.

Workers (processes or Ray actors) send an :class:`OutputRecord` instead of a
:class:`~normalize.document.Document`: one JSON line and a few strings
pickle several times faster than a tree of segments, and the process that
writes, which every worker waits on, then only writes. It carries what
every writer and the summary need, so none of them parses the line back:
the JSONL writer writes ``line``, the text writer writes ``text`` (or
``line`` to its error file), the summary counts the rest.
"""

from __future__ import annotations

import json
import operator
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from normalize import compiled
from normalize.classes import dataclass
from normalize.document import BOILERPLATE, NO_LANGUAGE, Document, RawDocument

if TYPE_CHECKING:
    from normalize import jsonl
else:
    jsonl = compiled.load("jsonl")
#: Whether a record's line is written by the compiled loop
#: (:func:`normalize.jsonl.record_line`) or by the record's own method and
#: ``str.encode`` (faster than the same loop interpreted).
JSONL_COMPILED = compiled.is_compiled(jsonl)

#: Characters that ``str.splitlines()`` (and many JSONL readers) take for line
#: ends but JSON leaves raw in strings; escaped, a record stays one line.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_line(doc: Document, segments: str = "full") -> bytes:
    r"""A record as one JSONL line in UTF-8, which every reader splits where it should.

    Encoded once, in the worker that made the record: the bytes are what a
    worker sends and a writer writes (half the size of a ``str`` holding any
    character beyond Latin-1, and nothing to decode or encode again in the
    process that writes, which every worker waits on).

    U+0085, U+2028 and U+2029 are written as JSON escapes. A string that
    still holds a lone surrogate (which UTF-8 cannot encode) makes the
    record fall back to ASCII-only JSON, where it is an escape too: the
    record is written rather than stopping the run.

    >>> line = json_line(Document(id="a\u2028b\ud800"))
    >>> "\u2028".encode() in line, b'"id":"a\\u2028b\\ud800"' in line
    (False, True)
    """
    if JSONL_COMPILED and type(doc.text) is str:
        # Each character written once, escaped and encoded in one pass.
        head, middle, tail = doc.to_json_parts(segments=segments)
        segs = () if segments == "none" else doc.segments
        written = jsonl.record_line(head, doc.text, middle, segs, segments == "full", tail)
        if written is not None:
            return written
    else:
        line = doc.to_json_line(segments=segments)
        # Looked for in the str: its search is 15 times as fast as in the UTF-8
        # bytes, where the lead byte of U+2028 (that of every General Punctuation
        # character: ’ “ ” – …) is common.
        if "\u2028" in line or "\u2029" in line or "\x85" in line:
            line = line.translate(_LINE_BREAKS)
        try:
            return line.encode("utf-8")
        except UnicodeEncodeError:
            pass
    return json.dumps(
        doc.to_json(segments=segments), ensure_ascii=True, separators=(",", ":")
    ).encode("ascii")


def raw_size(raw: RawDocument) -> int:
    """Input size of a raw document in bytes (UTF-8 for ``str`` input).

    >>> raw_size(RawDocument(id="a", source=None, data="é"))
    2
    """
    data = raw.data
    return len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, slots=True)
class OutputRecord:
    """A finished document as the writers and the run's summary use it."""

    id: str
    #: The record as one JSON line in UTF-8 (no newline): :func:`json_line`.
    line: bytes
    #: The document's clean text (what ``--format text`` writes).
    text: str
    #: The messages of its error records.
    errors: tuple[str, ...]
    lang: str
    #: The reason of each boilerplate segment that has a language.
    boilerplate: tuple[str, ...]
    #: Size of the input document in bytes.
    size: int
    #: The codes of its error records (as ``errors``, for the run's statistics).
    error_codes: tuple[str, ...] = ()
    #: What each normalization step changed (``Document.changes``).
    changes: tuple[tuple[str, int], ...] = ()
    #: ``(source, target, characters)`` per language pair left untranslated
    #: for lack of a pack (:func:`normalize.translate.untranslated`).
    untranslated: tuple[tuple[str, str, int], ...] = ()

    @classmethod
    def of(
        cls, doc: Document, raw: RawDocument, segments: str = "full", text: bool = True
    ) -> OutputRecord:
        """``doc`` serialized; ``segments`` says how (see ``document.SEGMENT_MODES``).

        Without ``text`` its :attr:`text` is empty: what a worker sends when the
        run writes no texts (only ``--format text`` does). Sent, each text was
        encoded by the worker and decoded by the run: 1.6 million characters for
        the 1,000 text documents, about 2 ms of CPU.
        """
        return cls(
            id=doc.id,
            line=json_line(doc, segments),
            text=doc.text if text else "",
            errors=tuple(err.message for err in doc.errors),
            error_codes=tuple(err.code for err in doc.errors),
            changes=tuple(doc.changes.items()),
            lang=doc.lang,
            boilerplate=tuple(
                seg.reason or "unknown"
                for seg in doc.segments
                if seg.kind == BOILERPLATE and seg.lang != NO_LANGUAGE
            ),
            size=raw_size(raw),
            untranslated=_untranslated(doc),
        )

    def __reduce__(self) -> tuple[type[OutputRecord], tuple[Any, ...]]:
        """Pickled as its fields, rebuilt by its constructor (how records leave a worker);
        see :meth:`RawDocument.__reduce__ <normalize.document.RawDocument.__reduce__>`."""
        return OutputRecord, _record_fields(self)


_record_fields = operator.attrgetter(*(f.name for f in fields(OutputRecord)))


def _untranslated(doc: Document) -> tuple[tuple[str, str, int], ...]:
    """:attr:`OutputRecord.untranslated` of ``doc``.

    Only a record with a missing-pack warning can have any: the translation
    stack (and numpy with it) is imported for those alone, not by every run
    that writes records.
    """
    if not any(w.code == "missing_pack" for w in doc.warnings):
        return ()
    from normalize.translate import untranslated

    return tuple((s, t, n) for (s, t), n in untranslated(doc).items())
