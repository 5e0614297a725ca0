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
import math
import operator
from collections.abc import Mapping
from dataclasses import field
from json.encoder import encode_basestring
from typing import Any

from normalize.classes import dataclass

#: Version of the JSON record layout. Bump the minor part for additive
#: changes (a new field), the major part for anything that breaks a reader.
#: 2.0: every record has every field with one type (see :meth:`Document.to_json`).
SCHEMA_VERSION = "2.0"

#: How a record carries its segments (``--segments``): ``full`` (with their
#: text: the default, nothing is lost), ``offsets`` (start/end only, ``text``
#: null: the full text is not repeated, records are a fraction of the size)
#: or ``none`` (an empty list).
SEGMENT_MODES = ("full", "offsets", "none")

#: The typed keys of a record's ``metadata``, each always present: strings
#: (null when unknown), lists of strings (empty) and flags (false unless set).
#: Any other key an input carries goes to ``metadata.extra`` as key/value
#: strings, so that the record's type never depends on its content.
METADATA_FIELDS: Mapping[str, type] = {
    "format": str,
    "encoding": str,
    "title": str,
    "date": str,
    "author": str,
    "sitename": str,
    "url": str,
    "hostname": str,
    "description": str,
    "categories": list,
    "tags": list,
    "html_lang": str,
    "crawl_date": str,
    "truncated": bool,
    "flattened": bool,
    "duplicate_of": str,
}

#: Language code for text that is not in any language: digits, punctuation,
#: timestamps, URLs, whitespace between blocks (ISO 639-2 "no linguistic content").
NO_LANGUAGE = "zxx"
#: Language code for text whose language could not be determined.
UNDETERMINED = "und"

CONTENT = "content"
BOILERPLATE = "boilerplate"


#: ``json.dumps`` as a record line writes values (compact, UTF-8 kept): one
#: encoder for every call rather than one made per call.
_json_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Stage:
    """The names of the stages, in pipeline order: each is written once, here.

    A name is the stage's module (or package) in ``normalize/``, the field of
    its settings in :class:`~normalize.config.Config` (when it has settings),
    its label in a record's ``steps`` (when it changes the text) and the
    ``stage`` of the errors and warnings it reports. ``read`` is the input:
    the readers and the pipeline's size limit.
    """

    READ = "read"
    DECODE = "decode"
    EXTRACT = "extract"
    CANONICAL = "canonical"
    BOILERPLATE = "boilerplate"
    SEGMENT = "segment"
    TRANSLATE = "translate"


#: Every stage name, in pipeline order.
STAGES: tuple[str, ...] = (
    Stage.READ,
    Stage.DECODE,
    Stage.EXTRACT,
    Stage.CANONICAL,
    Stage.BOILERPLATE,
    Stage.SEGMENT,
    Stage.TRANSLATE,
)


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

    @property
    def translated(self) -> bool:
        """Whether any of the translation fields is set.

        >>> Segment("a", 0, 1).translated, Segment("a", 0, 1, translation="b").translated
        (False, True)
        """
        return not (
            self.translation is None
            and self.translation_covers is None
            and self.translation_source_lang is None
        )

    def to_json(self, *, text: bool = True) -> dict[str, Any]:
        """The segment as JSON: every field, null when absent; ``text`` null unless ``text``."""
        return {
            "text": self.text if text else None,
            "start": self.start,
            "end": self.end,
            "lang": self.lang,
            "script": self.script,
            "confidence": round(self.confidence, 4),
            "kind": self.kind,
            "reason": self.reason,
            "translation": self.translation,
            "translation_covers": None
            if self.translation_covers is None
            else list(self.translation_covers),
            "translation_source_lang": self.translation_source_lang,
        }

    def to_json_line(self, *, text: bool = True) -> str:
        """:meth:`to_json` as compact JSON (a record line's separators), written directly.

        A record holds hundreds of segments; building a dict for each and
        handing it to ``json.dumps`` costs three times as much as writing the
        few strings and numbers of a segment into one string. The same bytes
        as ``json.dumps`` (a test checks it): strings through ``json``'s own
        escaping, the confidence as ``json`` writes a float; a segment with
        a translation, a non-finite confidence or a field of another type
        takes ``json.dumps``.

        >>> seg = Segment('say "hi"', 0, 8, "en", "Latn", 0.98765)
        >>> seg.to_json_line()[:50]
        '{"text":"say \\\\"hi\\\\"","start":0,"end":8,"lang":"en"'
        >>> seg.to_json_line() == json.dumps(seg.to_json(), ensure_ascii=False, separators=(",", ":"))
        True
        """
        confidence = round(self.confidence, 4)
        reason = self.reason
        if (
            type(confidence) is float
            and math.isfinite(confidence)
            and type(self.start) is int
            and type(self.end) is int
            and not self.translated
        ):
            try:
                return (
                    f'{{"text":{encode_basestring(self.text) if text else "null"},'
                    f'"start":{self.start},"end":{self.end},'
                    f'"lang":{encode_basestring(self.lang)},'
                    f'"script":{encode_basestring(self.script)},'
                    f'"confidence":{float.__repr__(confidence)},'
                    f'"kind":{encode_basestring(self.kind)},'
                    f'"reason":{"null" if reason is None else encode_basestring(reason)},'
                    '"translation":null,"translation_covers":null,"translation_source_lang":null}'
                )
            except TypeError:  # a field that is not a str
                pass
        return json.dumps(self.to_json(text=text), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Segment:
        return cls(
            text=data["text"] or "",
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
    for a person, naming the input and suggesting a remedy. A document's
    warnings (things worth knowing that did not stop it, such as a charset
    declaration that lies) are records of the same shape.
    """

    stage: str
    code: str
    message: str
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "code": self.code,
            "message": self.message,
            "where": self.where,
        }

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
    appear. ``steps`` lists the stages that ran, in order. ``warnings`` are
    :class:`ErrorRecord` objects for things that did not stop the document.
    """

    id: str
    source: str | None = None
    text: str = ""
    lang: str = UNDETERMINED
    #: Expected share of the content letters written in ``lang`` (0 for ``und``).
    lang_confidence: float = 0.0
    #: Up to three ``(language, share of content letters)``, most letters first.
    lang_shares: tuple[tuple[str, float], ...] = ()
    segments: tuple[Segment, ...] = ()
    changes: Mapping[str, int] = field(default_factory=dict)
    errors: tuple[ErrorRecord, ...] = ()
    warnings: tuple[ErrorRecord, ...] = ()
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

    def to_json(self, *, segments: str = "full") -> dict[str, Any]:
        """The record as a JSON-ready dict (see the JSON Schema in ``normalize/schema``).

        Every record has every field, each with one type whatever the
        document: lists are lists of one kind of object (empty when there is
        nothing), ``changes`` is a list of ``{step, count}`` (a map whose keys
        depend on what fired would be a new type per record for Arrow and
        ``datasets``), absent values are null, and ``metadata`` has a fixed
        set of keys (:data:`METADATA_FIELDS`) plus ``extra``. ``segments`` is
        one of :data:`SEGMENT_MODES`.

        >>> rec = Document("d", changes={"nfc": 2}).to_json(segments="offsets")
        >>> rec["changes"], rec["translated_text"], rec["metadata"]["truncated"]
        ([{'step': 'nfc', 'count': 2}], None, False)
        """
        _check_segments(segments)
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "text": self.text,
            "lang": self.lang,
            "lang_confidence": round(self.lang_confidence, 4),
            "lang_shares": [
                {"lang": lang, "share": round(share, 4)} for lang, share in self.lang_shares
            ],
            "segments": []
            if segments == "none"
            else [s.to_json(text=segments == "full") for s in self.segments],
            "changes": [{"step": step, "count": n} for step, n in self.changes.items()],
            "errors": [e.to_json() for e in self.errors],
            "warnings": [w.to_json() for w in self.warnings],
            "metadata": metadata_json(self.metadata),
            "steps": list(self.steps),
            "translated_text": self.translated_text,
            "translated_lang": self.translated_lang,
        }

    def to_json_line(self, *, segments: str = "full") -> str:
        """One JSONL line (no trailing newline); UTF-8 characters are kept as they are.

        ``json.dumps(self.to_json(segments=segments), ensure_ascii=False,
        separators=(",", ":"))``, byte for byte: the record without its
        segments by one encoder kept for every call (``json.dumps`` with
        these options makes a new one each time), and the segments, most of
        a record and most of its cost, each written by
        :meth:`Segment.to_json_line` between the brackets of its
        ``"segments"``. A writer of records writes the same line in UTF-8
        with :func:`normalize.io.record.json_line`.

        >>> doc = Document("d", text='say "hi"', lang_shares=(("en", 0.98765),), changes={"nfc": 1})
        >>> doc.to_json_line() == json.dumps(doc.to_json(), ensure_ascii=False, separators=(",", ":"))
        True
        """
        _check_segments(segments)
        line = _json_dumps(self.to_json(segments="none"))
        if segments == "none" or not self.segments:
            return line
        text = segments == "full"
        at = _segments_at(line)
        return (
            line[:at] + ",".join([seg.to_json_line(text=text) for seg in self.segments]) + line[at:]
        )

    def to_json_parts(self, *, segments: str = "full") -> tuple[str, str, str]:
        """:meth:`to_json_line` around the record's text and its segments, for a writer of
        both: ``(head, middle, tail)``, the line being ``head``, the text as JSON
        writes a string's content, ``middle``, the segments' objects
        comma-separated (:meth:`Segment.to_json_line`) and ``tail``. Only for a
        record whose text is a ``str`` (else a TypeError).

        >>> Document("d", text="hi").to_json_parts(segments="offsets")[0]
        '{"schema_version":"2.0","id":"d","source":null,"text":"'
        >>> Document("d", text="hi").to_json_parts(segments="offsets")[1][:30]
        '","lang":"und","lang_confidenc'
        """
        _check_segments(segments)
        if type(self.text) is not str:
            raise TypeError(f"the record's text is a {type(self.text).__name__}, not a str")
        record = self.to_json(segments="none")
        first = {key: record.pop(key) for key in ("schema_version", "id", "source")}
        del record["text"]
        rest = _json_dumps(record)
        at = _segments_at(rest)
        return _json_dumps(first)[:-1] + ',"text":"', '",' + rest[1:at], rest[at:]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Document:
        return cls(
            id=data["id"],
            source=data.get("source"),
            text=data.get("text", ""),
            lang=data.get("lang", UNDETERMINED),
            lang_confidence=data.get("lang_confidence", 0.0),
            lang_shares=tuple((s["lang"], s["share"]) for s in data.get("lang_shares", ())),
            segments=tuple(Segment.from_json(s) for s in data.get("segments", ())),
            changes={c["step"]: c["count"] for c in data.get("changes", ())},
            errors=tuple(ErrorRecord.from_json(e) for e in data.get("errors", ())),
            warnings=tuple(ErrorRecord.from_json(w) for w in data.get("warnings", ())),
            metadata=metadata_from_json(data.get("metadata", {})),
            steps=tuple(data.get("steps", ())),
            translated_text=data.get("translated_text"),
            translated_lang=data.get("translated_lang"),
        )

    def replace(self, **changes: Any) -> Document:
        """A copy with some fields replaced (stages use this; records stay frozen).

        ``dataclasses.replace(self, **changes)``, with the fields read in one
        call and passed by position: half its cost, and the pipeline makes
        a few copies of every record.

        >>> Document("a", text="x").replace(text="y") == Document("a", text="y")
        True
        """
        values = list(_document_fields(self))
        for name, value in changes.items():
            index = _DOCUMENT_FIELD_INDEX.get(name)
            if index is None:
                raise TypeError(f"Document has no field {name!r}")
            values[index] = value
        return Document(*values)


#: The fields of a :class:`Document` in order (its ``__init__``'s parameters),
#: read all at once by :func:`_document_fields` for :meth:`Document.replace`.
_DOCUMENT_FIELD_INDEX = {f.name: i for i, f in enumerate(dataclasses.fields(Document))}
_document_fields = operator.attrgetter(*_DOCUMENT_FIELD_INDEX)


def _check_segments(segments: str) -> None:
    if segments not in SEGMENT_MODES:
        raise ValueError(f"segments must be one of {', '.join(SEGMENT_MODES)}, not {segments!r}")


def _segments_at(line: str) -> int:
    """Where a record's segments go in its line without them: inside the brackets of its
    ``"segments"``, the first such run of characters (the fields before it are
    strings, in which a quote is escaped, and the language shares' ``{"lang",
    "share"}`` objects)."""
    return line.index('"segments":[') + len('"segments":[')


def _as_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def metadata_json(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A document's metadata in the record's fixed layout (see :data:`METADATA_FIELDS`).

    A typed key given with another type (a JSONL ``title`` that is a number)
    is converted to the key's type. Other keys go to ``extra`` as
    ``{key, value}`` strings (JSON for values that are not strings): a map,
    written as a list, which Arrow and Hugging Face ``datasets`` read alike in
    every record (``datasets`` has no map type). Keys starting with ``_`` are
    a stage's own.

    >>> meta = metadata_json({"format": "html", "truncated": True, "tags": "x", "lang": "hi"})
    >>> meta["format"], meta["title"], meta["truncated"], meta["tags"], meta["extra"]
    ('html', None, True, ['x'], [{'key': 'lang', 'value': 'hi'}])
    """
    out: dict[str, Any] = {}
    for key, kind in METADATA_FIELDS.items():
        value = metadata.get(key)
        if kind is bool:
            out[key] = bool(value)
        elif kind is list:
            items = value if isinstance(value, list | tuple) else [] if value is None else [value]
            out[key] = [_as_string(item) for item in items]
        else:
            out[key] = None if value is None else _as_string(value)
    out["extra"] = [
        {"key": str(key), "value": _as_string(value)}
        for key, value in metadata.items()
        if key not in METADATA_FIELDS and not str(key).startswith("_")
    ]
    return out


def metadata_from_json(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata of a :class:`Document` read back from a record (inverse of :func:`metadata_json`).

    >>> metadata_from_json(metadata_json({"format": "text", "lang": "hi"}))
    {'format': 'text', 'lang': 'hi'}
    """
    out = {
        k: v for k, v in metadata.items() if k != "extra" and v is not None and v not in (False, [])
    }
    out.update((item["key"], item["value"]) for item in metadata.get("extra") or ())
    return out


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
    ``warnings`` are what the reader noticed (a field it had to repair); they
    reach the record's ``warnings``.
    """

    id: str
    source: str | None
    data: bytes | str
    format: str | None = None
    error: ErrorRecord | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    http_charset: str | None = None
    warnings: tuple[ErrorRecord, ...] = ()

    def __reduce__(self) -> tuple[type[RawDocument], tuple[Any, ...]]:
        """Pickled as its fields, rebuilt by its constructor (how a batch goes to a worker).

        A slotted dataclass's own pickling reads and sets its fields one by
        one in Python through ``dataclasses.fields`` (about 4 µs a document,
        each way); one C call reads them here and the constructor sets them.
        """
        return RawDocument, _raw_fields(self)


_raw_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(RawDocument)))


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the input that is not a document to normalize, and why.

    A WARC archive holds requests, images and redirects besides pages; a
    folder holds files of other kinds. They give no record, but they are
    never dropped silently: the run counts them by ``reason`` in its summary
    and its stats.
    """

    reason: str
    where: str


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch ``text[start:end]`` of a page's canonical text, with its verdict.

    The separator after the block ("\\n" or "\\n\\n") belongs to the block, so
    that the blocks of a page tile its text. ``reason`` is ``None`` for content
    and a short stable code for boilerplate (see :data:`REASONS`). ``features``
    are what the classifier saw; they are not part of equality or output.
    """

    start: int
    end: int
    kind: str = CONTENT
    reason: str | None = None
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Page:
    """A page as blocks: ``blocks`` tile ``text`` (contiguous, in order, 0 to ``len(text)``).

    ``metadata`` holds what the page says about itself when known: ``title``,
    ``date``, ``html_lang`` (and ``truncated`` when a limit was hit). ``origin``
    is ``"html"`` when blocks carry structural features, ``"text"`` otherwise.
    """

    text: str
    blocks: tuple[Block, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "text"

    def block_text(self, block: Block) -> str:
        """The text of ``block`` without its trailing separator."""
        return self.text[block.start : block.end].rstrip("\n")
