"""The compiled writer of a record's line (normalize/jsonl.py): the bytes of ``json``.

Both builds of :func:`normalize.jsonl.record_line` are held to
``json.dumps`` of each segment's :meth:`~normalize.document.Segment.to_json`
(and so to :meth:`~normalize.document.Segment.to_json_line`) between the
record's other parts, in UTF-8 with the line breaks a record line escapes
(:func:`normalize.io.record.json_line`), over segments whose fields take
every type and value a writer must tell apart: strings that need escapes
(quotes, backslashes, control characters, line separators), lone
surrogates (no line: the record is written as ASCII then), confidences that
are ints, zeros of both signs, NaN and infinities, or repeat within a
record, and translations.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from types import ModuleType
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalize.document import Document, Segment
from normalize.io import record
from tests.conftest import core_builds, run_doctests

PURE, BUILT, needs_extension, BUILDS = core_builds("jsonl")

#: Text with what JSON escapes, what it leaves raw (U+2028, DEL, non-ASCII)
#: and lone surrogates.
TEXT = st.text(st.sampled_from('ab "\\\n\t\x00\x1f\x7f\u2028é北\ud800\udfff'), max_size=12)
CONFIDENCE = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 0.98765, 0.00004, 1e-9, 123456.78912]),
    st.floats(),
    st.integers(-2, 2),
    st.booleans(),
)
SEGMENT = st.builds(
    Segment,
    text=TEXT,
    start=st.one_of(st.integers(0, 10**6), st.booleans()),
    end=st.integers(0, 10**6),
    lang=st.one_of(st.sampled_from(["en", "zxx", "und"]), TEXT),
    script=st.sampled_from(["Latn", "Zyyy", 'Q"']) | st.just(None),
    confidence=CONFIDENCE,
    kind=st.sampled_from(["content", "boilerplate", "gap"]),
    reason=st.one_of(st.none(), TEXT),
    translation=st.one_of(st.none(), st.none(), TEXT),
    translation_covers=st.one_of(
        st.none(), st.none(), st.tuples(st.integers(0, 9), st.integers(0, 9))
    ),
    translation_source_lang=st.one_of(st.none(), st.none(), st.just("hi")),
)


def json_dumps(segments: list[Segment], text: bool) -> str:
    return ",".join(
        json.dumps(s.to_json(text=text), ensure_ascii=False, separators=(",", ":"))
        for s in segments
    )


#: The line breaks a record line writes as JSON escapes.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def expected_line(
    head: str,
    segments: list[Segment],
    text: bool,
    tail: str,
    record_text: str = "",
    middle: str = "",
) -> bytes | None:
    """What :func:`normalize.jsonl.record_line` writes: the parts by ``json``, in UTF-8."""
    quoted = json.dumps(record_text, ensure_ascii=False)[1:-1]
    line = head + quoted + middle + json_dumps(segments, text) + tail
    try:
        return line.translate(_LINE_BREAKS).encode("utf-8")
    except UnicodeEncodeError:
        return None


def segments_line(jsonl: ModuleType, segments: list[Segment], text: bool) -> bytes | None:
    return jsonl.record_line('{"segments":[', "", "", segments, text, "]}")


def test_the_extension_is_built_where_expected() -> None:
    """``make test`` builds the core; a build that silently fell back fails here."""
    if os.environ.get("NORMALIZE_EXPECT_COMPILED") != "1":
        pytest.skip("NORMALIZE_EXPECT_COMPILED is not set (make test sets it)")
    assert BUILT is not None, "normalize.jsonl is not compiled: reinstall (pip install -e .)"
    assert record.JSONL_COMPILED


def test_the_doctests() -> None:
    """The examples in normalize/jsonl.py (pytest's doctest collection skips the module)."""
    run_doctests(PURE)


@pytest.mark.parametrize("jsonl", BUILDS)
@settings(max_examples=400, deadline=None)
@given(st.lists(SEGMENT, max_size=6), st.booleans(), st.data())
def test_segments_are_written_as_json_writes_them(
    jsonl: ModuleType, segments: list[Segment], text: bool, data: st.DataObject
) -> None:
    # A confidence that comes again in the record takes the written form kept for it.
    if segments and data.draw(st.booleans()):
        segments.append(segments[0])
        segments.append(Segment("x", 0, 1, confidence=-segments[0].confidence))
    expected = expected_line('{"segments":[', segments, text, "]}")
    assert segments_line(jsonl, segments, text) == expected
    assert segments_line(jsonl, tuple(segments), text) == expected


@pytest.mark.parametrize("jsonl", BUILDS)
@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT, TEXT, st.lists(SEGMENT, max_size=3), st.booleans(), TEXT)
def test_the_parts_around_the_segments_are_written_as_they_are(
    jsonl: ModuleType,
    head: str,
    record_text: str,
    middle: str,
    segments: list[Segment],
    text: bool,
    tail: str,
) -> None:
    # JSON already: only the line breaks are escaped (they can only be in a
    # string); the record's text is a string's content.
    written = jsonl.record_line(head, record_text, middle, segments, text, tail)
    assert written == expected_line(head, segments, text, tail, record_text, middle)


@pytest.mark.parametrize("jsonl", BUILDS)
def test_numbers_and_long_text_are_written_whole(jsonl: ModuleType) -> None:
    # Offsets of every size and sign (the digits are written by hand), and a text
    # long enough to make the line's buffer grow several times.
    long_text = 'é北😀\n"' * 5000
    segments = [
        Segment("x", start, end, confidence=0.5)
        for start, end in [
            (0, 9),
            (10, 99),
            (-1, -(10**6)),
            (2**62, -(2**62)),
            (-(2**63), 2**63 - 1),
        ]
    ]
    segments.append(Segment(long_text, 0, len(long_text), "en", "Latn", 0.25))
    assert segments_line(jsonl, segments, True) == expected_line(
        '{"segments":[', segments, True, "]}"
    )


@pytest.mark.parametrize("jsonl", BUILDS)
def test_offsets_beyond_a_c_integer_are_written_as_json_writes_them(jsonl: ModuleType) -> None:
    # A segment made through the API may hold any int; the compiled writer's C
    # integers do not (an OverflowError before), so such a segment takes its own method.
    segments = [
        Segment("x", 2**64, -(2**70), confidence=0.5),
        Segment("y", 0, 2**63, confidence=0.5),
        Segment("z", 1, 2, confidence=0.25),
    ]
    assert segments_line(jsonl, segments, True) == expected_line(
        '{"segments":[', segments, True, "]}"
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Subsegment(Segment):
    """A class of its own with Segment's fields."""

    note: str = ""


@pytest.mark.parametrize("jsonl", BUILDS)
def test_segments_of_other_classes_are_read_by_their_attributes(jsonl: ModuleType) -> None:
    """Segments of several classes in one record (a subclass, a duck type), whichever
    comes first, are written alike; an unset field raises as reading it does."""
    plain = Segment('a "b"', 0, 5, "en", "Latn", 0.98765, reason=None)
    sub = _Subsegment("é", 5, 6, "fr", "Latn", 0.5, "boilerplate", "nav", note="n")
    names = [f.name for f in dataclasses.fields(Segment)]
    duck = mock.Mock(spec=Segment, **{f: getattr(plain, f) for f in names})
    for segments in ([plain, sub, duck, plain], [sub, plain, sub], [duck, plain]):
        written = segments_line(jsonl, segments, True)
        assert written == expected_line(
            '{"segments":[', [plain if s is duck else s for s in segments], True, "]}"
        )
    unset = object.__new__(Segment)
    for segments in ([plain, unset], [unset]):
        with pytest.raises(AttributeError):
            segments_line(jsonl, segments, True)


@pytest.mark.parametrize("escape", ['"', "\\", "\n", "\x00", "\x1f"])
@pytest.mark.parametrize("jsonl", BUILDS)
def test_a_string_is_escaped_wherever_the_character_is(jsonl: ModuleType, escape: str) -> None:
    # ASCII strings (written from their bytes) and others (character by character).
    for text in (
        escape,
        f"a{escape}",
        f"{escape}b",
        f"long text {escape} in the middle",
        f"\u00e9{escape}",
        f"{escape}\u4e2d",
    ):
        seg = Segment(text, 0, len(text), lang=text, reason=text)
        assert segments_line(jsonl, [seg], True) == expected_line(
            '{"segments":[', [seg], True, "]}"
        )
    # Raw in JSON, and in a record line but the line breaks.
    seg = Segment("\u2028 é \x7f \x85 \u2029", 0, 1)
    assert b'"text":"\\u2028 \xc3\xa9 \x7f \\u0085 \\u2029"' in segments_line(jsonl, [seg], True)


@needs_extension
@pytest.mark.parametrize("segments", ["full", "offsets"])
def test_a_records_line_is_the_same_with_and_without_the_compiled_writer(segments: str) -> None:
    doc = Document(
        id="a",
        text='say "hi"\n',
        segments=(
            Segment('say "hi"', 0, 8, "en", "Latn", 0.98765),
            Segment("\n", 8, 9, confidence=0.98765, kind="gap"),
            Segment("x", 9, 10, confidence=0.5, translation="y"),
        ),
    )
    line = record.json_line(doc, segments=segments)
    with mock.patch.object(record, "JSONL_COMPILED", False):
        assert record.json_line(doc, segments=segments) == line
    head, middle, tail = doc.to_json_parts(segments=segments)
    assert PURE.record_line(head, doc.text, middle, doc.segments, segments == "full", tail) == line
    assert line.decode() == json.dumps(
        doc.to_json(segments=segments), ensure_ascii=False, separators=(",", ":")
    )


@pytest.mark.parametrize(
    "doc",
    [
        # Keys of the record inside its strings; line separators and escapes in its text.
        Document(id='x","text":"y', source='"segments":[', text="a\u2028b\x85\tc\\"),
        Document(id="a", text="lone \ud800"),  # no UTF-8: ASCII-only JSON
        Document(id="a", text=None),  # type: ignore[arg-type]  # not a str: no compiled line
        Document(id="a", text="", segments=(Segment("", 0, 0),), metadata={"url": "\u2029"}),
    ],
    ids=["keys-in-strings", "surrogate", "text-not-str", "empty"],
)
@pytest.mark.parametrize("segments", ["full", "offsets", "none"])
def test_every_record_gets_the_line_json_writes(doc: Document, segments: str) -> None:
    line = record.json_line(doc, segments=segments)
    with mock.patch.object(record, "JSONL_COMPILED", False):
        assert record.json_line(doc, segments=segments) == line
    ensure_ascii = "\ud800" in doc.text if isinstance(doc.text, str) else False
    expected = json.dumps(
        doc.to_json(segments=segments), ensure_ascii=ensure_ascii, separators=(",", ":")
    )
    assert line.decode() == expected.translate(_LINE_BREAKS)


#: Confidences whose four places are hard to get right: halves of the fourth
#: place (ties, and the floats beside them), values that round up to a whole
#: number, and sizes up to the edge of the digit path (``jsonl._FIXED_BELOW``).
HARD_CONFIDENCES = [
    *((k + 0.5) / 10000 for k in range(0, 10000, 7)),
    *(math.nextafter((k + 0.5) / 10000, side) for k in range(0, 10000, 13) for side in (0, 2)),
    0.99995,
    0.999949999,
    9.99995,
    123456.78915,
    999999999.99995,
    math.nextafter(1e9, 0),
    1e9,
    1e-4,
    5e-5,
    math.nextafter(5e-5, 0),
    -0.00015,
    -0.98765,
]


@pytest.mark.parametrize("jsonl", BUILDS)
@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(-2.0, 2.0),
            st.floats(-1e10, 1e10),
            st.sampled_from(HARD_CONFIDENCES),
        ),
        max_size=8,
    )
)
def test_a_confidence_is_written_as_repr_of_its_rounding(
    jsonl: ModuleType, confidences: list[float]
) -> None:
    """The digits written for a confidence (:func:`normalize.jsonl.four_places`, for
    most of them) are ``repr(round(c, 4))``, as ``json.dumps`` writes them."""
    segments = [Segment("x", 0, 1, confidence=c) for c in [*confidences, *HARD_CONFIDENCES]]
    assert segments_line(jsonl, segments, True) == expected_line(
        '{"segments":[', segments, True, "]}"
    )
