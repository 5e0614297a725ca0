"""The compiled writer of a record's segments (normalize/jsonl.py): the bytes of ``json``.

Both builds of :func:`normalize.jsonl.segments_json` are held to
``json.dumps`` of each segment's :meth:`~normalize.document.Segment.to_json`
(and so to :meth:`~normalize.document.Segment.to_json_line`), over segments
whose fields take every type and value a writer must tell apart: strings
that need escapes (quotes, backslashes, control characters, lone
surrogates), confidences that are ints, zeros of both signs, NaN and
infinities, or repeat within a record, and translations.
"""

from __future__ import annotations

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
    expected = json_dumps(segments, text)
    assert jsonl.segments_json(segments, text) == expected
    assert jsonl.segments_json(tuple(segments), text) == expected


@pytest.mark.parametrize("escape", ['"', "\\", "\n", "\x00", "\x1f"])
@pytest.mark.parametrize("jsonl", BUILDS)
def test_a_string_is_escaped_wherever_the_character_is(jsonl: ModuleType, escape: str) -> None:
    for text in (escape, f"a{escape}", f"{escape}b", f"long text {escape} in the middle"):
        seg = Segment(text, 0, len(text), lang=text, reason=text)
        assert jsonl.segments_json([seg], True) == json_dumps([seg], True)
    assert jsonl.escaped("\u2028 é \x7f") == "\u2028 é \x7f"  # raw in JSON


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
    assert doc.to_json_line(segments=segments, write_segments=BUILT.segments_json) == line.decode()
    assert line.decode() == json.dumps(
        doc.to_json(segments=segments), ensure_ascii=False, separators=(",", ":")
    )


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
    assert jsonl.segments_json(segments, True) == json_dumps(segments, True)
