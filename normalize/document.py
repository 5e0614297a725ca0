"""The records that flow through normalize: documents, segments, errors.

Everything here is a frozen dataclass. Stages never mutate a record; they
return a new one with :func:`dataclasses.replace`, so a record seen by one
stage cannot change under another (and can be shared across threads).

The JSON form of a :class:`Document` is described by
``normalize/schema/record.schema.json`` (see ``SCHEMA_VERSION``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON record layout. Bump the minor part for additive
#: changes (new optional fields), the major part for anything that breaks
#: a reader.
SCHEMA_VERSION = "1.0"

#: Language code for text that is not in any language: digits, punctuation,
#: timestamps, URLs, whitespace between blocks (ISO 639-2 "no linguistic content").
NO_LANGUAGE = "zxx"
#: Language code for text whose language could not be determined.
UNDETERMINED = "und"

CONTENT = "content"
BOILERPLATE = "boilerplate"


@dataclass(frozen=True, slots=True)
class Segment:
    """A contiguous piece of the canonical full text in one language and script.

    ``start`` and ``end`` are code-point offsets (Python ``str`` indices,
    end exclusive) into the *full* canonical text, boilerplate included, so
    that the segments of a document, concatenated in order, give that full
    text back: nothing is dropped without a record.
    """

    text: str
    start: int
    end: int
    lang: str = UNDETERMINED
    script: str = "Zyyy"
    confidence: float = 0.0
    kind: str = CONTENT
    reason: str | None = None
    #: The translation of this segment's text; or, when the segment starts a
    #: sentence that runs on into the next segments (code-switched text),
    #: of the text ``translation_covers`` names.
    translation: str | None = None
    #: ``(start, end)`` offsets of the full text that ``translation``
    #: translates when it is more than this segment: a sentence is
    #: translated whole, and its translation is kept on its first segment
    #: (the segments after it up to ``end`` get none).
    translation_covers: tuple[int, int] | None = None
    #: The language the translation was made from, when it is not ``lang``:
    #: a pack of a close language (``hi`` for a segment labelled ``mr``), or
    #: the language forced with ``--source-lang``.
    translation_source_lang: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "lang": self.lang,
            "script": self.script,
            "confidence": round(self.confidence, 4),
            "kind": self.kind,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        if self.translation is not None:
            out["translation"] = self.translation
        if self.translation_covers is not None:
            out["translation_covers"] = list(self.translation_covers)
        if self.translation_source_lang is not None:
            out["translation_source_lang"] = self.translation_source_lang
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Segment:
        return cls(
            text=data["text"],
            start=data["start"],
            end=data["end"],
            lang=data.get("lang", UNDETERMINED),
            script=data.get("script", "Zyyy"),
            confidence=data.get("confidence", 0.0),
            kind=data.get("kind", CONTENT),
            reason=data.get("reason"),
            translation=data.get("translation"),
            translation_covers=tuple(covers)
            if (covers := data.get("translation_covers"))
            else None,
            translation_source_lang=data.get("translation_source_lang"),
        )


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """What went wrong with a document, where, and what to do about it.

    ``code`` is a stable machine-readable identifier (e.g. ``binary``,
    ``too_large``, ``unreadable``); ``message`` is a plain-language sentence
    for a person, naming the input and suggesting a remedy.
    """

    stage: str
    code: str
    message: str
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"stage": self.stage, "code": self.code, "message": self.message}
        if self.where is not None:
            out["where"] = self.where
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorRecord:
        return cls(data["stage"], data["code"], data["message"], data.get("where"))


@dataclass(frozen=True, slots=True)
class Document:
    """One normalized document.

    ``text`` is the clean canonical document: content only, unless
    boilerplate was asked to be kept. ``segments`` tile the *full* canonical
    text (boilerplate included). ``changes`` counts, per normalization step,
    how many times it changed the text; a step that changed nothing does not
    appear. ``steps`` lists the stages that ran, in order.
    """

    id: str
    source: str | None = None
    text: str = ""
    lang: str = UNDETERMINED
    segments: tuple[Segment, ...] = ()
    changes: Mapping[str, int] = field(default_factory=dict)
    errors: tuple[ErrorRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    steps: tuple[str, ...] = ()
    translated_text: str | None = None
    translated_lang: str | None = None

    @property
    def ok(self) -> bool:
        """True when the document has no error record."""
        return not self.errors

    @property
    def full_text(self) -> str:
        """The full canonical text, boilerplate included (the segments joined)."""
        return "".join(s.text for s in self.segments)

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (see the JSON Schema in ``normalize/schema``)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "text": self.text,
            "lang": self.lang,
            "segments": [s.to_json() for s in self.segments],
            "changes": dict(self.changes),
            "errors": [e.to_json() for e in self.errors],
            "warnings": list(self.warnings),
            "metadata": dict(self.metadata),
            "steps": list(self.steps),
        }
        if self.translated_text is not None:
            out["translated_text"] = self.translated_text
            out["translated_lang"] = self.translated_lang
        return out

    def to_json_line(self) -> str:
        """One JSONL line (no trailing newline); UTF-8 characters are kept as they are."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Document:
        return cls(
            id=data["id"],
            source=data.get("source"),
            text=data.get("text", ""),
            lang=data.get("lang", UNDETERMINED),
            segments=tuple(Segment.from_json(s) for s in data.get("segments", ())),
            changes=dict(data.get("changes", {})),
            errors=tuple(ErrorRecord.from_json(e) for e in data.get("errors", ())),
            warnings=tuple(data.get("warnings", ())),
            metadata=dict(data.get("metadata", {})),
            steps=tuple(data.get("steps", ())),
            translated_text=data.get("translated_text"),
            translated_lang=data.get("translated_lang"),
        )

    def replace(self, **changes: Any) -> Document:
        """A copy with some fields replaced (stages use this; records stay frozen)."""
        return dataclasses.replace(self, **changes)


def add_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Merge two change counters, keeping only steps that changed something.

    >>> add_counts({"nfc": 1}, {"nfc": 2, "trim_lines": 0})
    {'nfc': 3}
    """
    out = dict(a)
    for k, v in b.items():
        if v:
            out[k] = out.get(k, 0) + v
    return out


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A document as read, before any processing.

    ``format`` is ``text`` or ``html`` (``None``: sniff the content). An
    ``error`` means the document could not be read; the pipeline passes it
    through as an error record. ``http_charset`` is the charset its transport
    declared (a WARC record's HTTP ``Content-Type``): decoding evidence.
    """

    id: str
    source: str | None
    data: bytes | str
    format: str | None = None
    error: ErrorRecord | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    http_charset: str | None = None
