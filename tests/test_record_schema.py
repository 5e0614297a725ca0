"""The stable record (schema 2.0): every field in every record, one type per field."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize import Config, Document, normalize_document
from normalize.document import SCHEMA_VERSION, SEGMENT_MODES, ErrorRecord, RawDocument, Segment
from normalize.io.arrow import record_json_schema, record_schema
from normalize.pipeline import process_batch
from tests.warc_fixtures import ENGLISH_PAGE, RUSSIAN_PAGE


def objects(schema: dict, path: str = "$"):
    """Every object schema inside ``schema``, with its path."""
    if "$ref" in schema:
        schema = record_json_schema()["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "properties" in schema:
        yield path, schema
        for name, sub in schema["properties"].items():
            yield from objects(sub, f"{path}.{name}")
    if "items" in schema:
        yield from objects(schema["items"], f"{path}[]")


def test_every_field_is_required_everywhere() -> None:
    """A field that may be missing is a field whose type a reader has to guess."""
    for path, schema in objects(record_json_schema()):
        assert sorted(schema["required"]) == sorted(schema["properties"]), path
        assert schema.get("additionalProperties") is False, path


def varied_records() -> list[dict]:
    """Records of every kind: HTML, text, an error, a warning, input metadata."""
    raws = [
        RawDocument("html", "https://a.example/x", ENGLISH_PAGE.encode(), format="html"),
        RawDocument(
            "warned",
            "https://b.example/y",
            RUSSIAN_PAGE.encode("cp1251"),
            format="html",
            http_charset="us-ascii",
            metadata={"url": "https://b.example/y", "crawl_date": "2026-11-30T12:00:00Z"},
        ),
        RawDocument("text", "t.txt", "Plain text.\n", metadata={"lang": "en", "stars": 5}),
        RawDocument("binary", "b.bin", bytes(range(256)) * 4),
    ]
    return [doc.to_json() for doc in process_batch(raws, Config())]


def test_records_of_every_kind_have_the_same_fields_and_types() -> None:
    records = varied_records()
    schema = record_json_schema()
    for rec in records:
        jsonschema.validate(rec, schema)
        assert rec["schema_version"] == SCHEMA_VERSION == "2.0"
    assert records[1]["warnings"][0]["code"] == "declared_charset"
    assert records[1]["metadata"]["crawl_date"] == "2026-11-30T12:00:00Z"
    assert records[2]["metadata"]["extra"] == [
        {"key": "lang", "value": "en"},
        {"key": "stars", "value": "5"},
    ]
    assert records[3]["errors"][0]["code"] == "binary"


def test_the_arrow_schema_takes_every_record_as_it_is() -> None:
    """Made from the JSON Schema; a record that did not fit would raise or lose a field."""
    pa = pytest.importorskip("pyarrow")
    records = varied_records()
    table = pa.Table.from_pylist(records, schema=record_schema())
    assert table.schema.names == list(record_json_schema()["properties"])
    back = table.to_pylist()
    assert back == records


@pytest.mark.parametrize("mode", ["full", "offsets", "none"])
def test_segment_modes_keep_the_layout(mode: str) -> None:
    doc = normalize_document(ENGLISH_PAGE, source="https://a.example/")
    rec = doc.to_json(segments=mode)
    jsonschema.validate(rec, record_json_schema())
    if mode == "none":
        assert rec["segments"] == []
    else:
        assert len(rec["segments"]) == len(doc.segments)
        texts = [s["text"] for s in rec["segments"]]
        assert texts == ([s.text for s in doc.segments] if mode == "full" else [None] * len(texts))
    assert len(json.dumps(rec)) <= len(json.dumps(doc.to_json()))


def test_an_unknown_segment_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="segments must be one of full, offsets, none"):
        Document("x").to_json(segments="short")


def test_a_record_reads_back_to_the_same_record() -> None:
    for rec in varied_records():
        assert Document.from_json(json.loads(json.dumps(rec))).to_json() == rec


_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3), st.just(0.123456789)
)
_SEGMENTS = st.builds(
    Segment,
    text=st.text(),
    start=st.integers(0, 10**9),
    end=st.integers(0, 10**9),
    lang=st.sampled_from(["en", "hi", "und", "zxx", 'q"\\\u2028']),
    script=st.sampled_from(["Latn", "Deva", "Zyyy"]),
    confidence=_FLOATS,
    kind=st.sampled_from(["content", "boilerplate"]),
    reason=st.one_of(st.none(), st.text(max_size=8)),
    translation=st.one_of(st.none(), st.none(), st.text(max_size=8)),
    translation_covers=st.one_of(st.none(), st.none(), st.tuples(st.integers(), st.integers())),
    translation_source_lang=st.one_of(st.none(), st.none(), st.just("hi")),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(_SEGMENTS, max_size=6),
    st.text(max_size=20),
    st.dictionaries(st.sampled_from(["url", "title", "segments"]), st.text(max_size=8)),
    st.sampled_from(SEGMENT_MODES),
)
@example([Segment('"segments":[]\ud800\x00é', 0, 1, confidence=0.99995)], "", {}, "full")
def test_a_record_line_is_json_dumps_of_the_record(
    segments: list[Segment], text: str, metadata: dict, mode: str
) -> None:
    doc = Document(
        id='d"\\',
        text=text,
        segments=tuple(segments),
        metadata=metadata,
        lang_shares=(("en", 1.0),),
    )
    expected = json.dumps(doc.to_json(segments=mode), ensure_ascii=False, separators=(",", ":"))
    assert doc.to_json_line(segments=mode) == expected


_STRINGS = st.one_of(st.none(), st.text(max_size=8), st.integers(-2, 2), st.booleans())
_ERRORS = st.lists(
    st.builds(ErrorRecord, _STRINGS, _STRINGS, st.text(max_size=12), _STRINGS), max_size=2
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.text(max_size=8), st.integers()),
            "source": _STRINGS,
            "text": st.text(max_size=20),
            "lang": _STRINGS,
            "lang_confidence": _FLOATS,
            "lang_shares": st.lists(st.tuples(_STRINGS, _FLOATS), max_size=3).map(tuple),
            "changes": st.dictionaries(
                st.text(max_size=6), st.one_of(st.integers(), st.booleans(), _FLOATS), max_size=3
            ),
            "errors": _ERRORS.map(tuple),
            "warnings": _ERRORS.map(tuple),
            "steps": st.lists(_STRINGS, max_size=3).map(tuple),
            "translated_text": _STRINGS,
            "translated_lang": _STRINGS,
        }
    ),
    st.lists(_SEGMENTS, max_size=2),
    st.sampled_from(SEGMENT_MODES),
)
def test_every_field_of_a_record_line_is_written_as_json_dumps_writes_it(
    fields: dict, segments: list[Segment], mode: str
) -> None:
    """Each field written directly (:meth:`Document.to_json_line`), whatever type it
    holds: strings that need escapes, ints and booleans where numbers or strings
    go, NaN and infinities, null."""
    doc = Document(segments=tuple(segments), **fields)
    expected = json.dumps(doc.to_json(segments=mode), ensure_ascii=False, separators=(",", ":"))
    assert doc.to_json_line(segments=mode) == expected


def test_a_replaced_record_is_what_dataclasses_replace_makes() -> None:
    doc = Document("a", text="x", metadata={"url": "u"}, steps=("decode",))
    changed = {"text": "y", "lang": "en", "steps": ("decode", "segment")}
    assert doc.replace(**changed) == dataclasses.replace(doc, **changed)
    assert doc.replace() == doc
    with pytest.raises(TypeError, match="no field 'texts'"):
        doc.replace(texts="y")
