"""Invariants of whole records, checked over generated documents (hypothesis).

- the segments, joined, are the full canonical text (nothing dropped);
- every record is valid against the JSON Schema;
- normalize is idempotent on its own output: ``text`` normalized again is
  unchanged (with boilerplate kept, so that only the text rules apply);
- with the default settings (boilerplate left out of ``text``), normalizing
  ``text`` again keeps every character of it (the second record's segments
  tile it exactly: decoding, repair and the canonical form are at their
  fixpoint) and its content is some of its lines; whether a line is content
  may change, since it is judged again without its neighbours ("the\nthe"
  gives "the": the second line is a duplicate);
- repair reaches its fixpoint in one pass: the canonical form of a repaired
  text has no mojibake left for a second repair, even where a character the
  canonical form drops (soft hyphen, C1 control, zero-width space) or
  composes sat inside the mojibake.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from normalize import Config, canonicalize, normalize_document
from normalize.decode import repair_and_explain
from tests.test_pipeline import check_record

#: ``make fuzz`` sets this to run the fuzz target for that many seconds.
FUZZ_SECONDS = float(os.environ.get("NORMALIZE_FUZZ_SECONDS", "0"))

_WORDS = [
    "the",
    "news",
    "Taliban",
    "होम",
    "दुनिया",
    "समाचार",
    "سلام",
    "دنیا",
    "خبر",
    "Привет",
    "мир",
    "новости",
    "Leave a Reply",
    "Share",
    ">",
    "|",
    "(International)",
    "2018",
    "10:37",
    "“",
    "”",
    "\u00a0",
    "\u200c",
    "\u200b",
    "\u202e",
    "\u0301",
    "\t",
    "\r\n",
    "\n\n",
    "😀",
    "\x00",
    # CJK, kana, Hangul, Thai and the width forms fold_width acts on.
    "你好，世界！（测试）",
    "ニュースをお伝えします。",
    "人々",
    "ｶﾀｶﾅﾞｰ",
    "ＮＨＫ（日本）",
    "１，０００",
    "Ｈｅｌｌｏ，",
    "서울은 한국의 수도입니다",
    "\u1100\u1161",
    "กรุงเทพมหานคร",
    "\u3000",
    # Mojibake, and the characters that hid it from a one-pass repair.
    "CafÃ©",
    "Ã©",
    "Ã",
    "©",
    "Â",
    "â€™",
    "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
    "РїСЂРёРІРµС‚",
    "Ã¢â‚¬â„¢",
    "\u00ad",
    "\x85",
    "\x81",
    "\x9d",
    "\u0303",
    "\u2009",
    "\x1c",
]
documents = st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join)
#: Tokens glued together (no spaces), where mojibake hides next to a control.
glued = st.lists(st.sampled_from(_WORDS), max_size=12).map("".join)
texts = st.one_of(documents, glued, st.text(max_size=200))
KEEP = Config(keep_boilerplate=True)


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(texts)
def test_segments_are_the_full_canonical_text(text: str) -> None:
    doc = normalize_document(text, config=KEEP)
    check_record(doc)
    assert doc.errors == ()
    repaired = repair_and_explain(text, canonical=KEEP.canonical)[0]
    assert doc.full_text == canonicalize(repaired)
    assert canonicalize(doc.full_text) == doc.full_text
    assert doc.text == doc.full_text  # boilerplate kept


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(texts)
def test_normalize_is_idempotent_on_its_output(text: str) -> None:
    once = normalize_document(text, config=KEEP).text
    assert normalize_document(once, config=KEEP).text == once


@settings(max_examples=400, deadline=None, derandomize=True)
@given(texts)
@example("Caf\xadÃ© au lait")
@example("Â\u200b©")
@example("Â\tÃ")
@example("A\u0303©")
def test_repair_reaches_its_fixpoint_in_one_pass(text: str) -> None:
    once = canonicalize(repair_and_explain(text, canonical=KEEP.canonical)[0])
    assert repair_and_explain(once, canonical=KEEP.canonical)[0] == once


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(texts)
@example("A\n;.]A`\n;")
@example("the \r\n Taliban \x85 the")
def test_normalizing_text_again_keeps_it_whole(text: str) -> None:
    once = normalize_document(text).text
    assert canonicalize(once) == once
    again = normalize_document(once)
    assert again.errors == ()
    assert again.full_text == once  # nothing of it is changed or lost
    lines = set(once.split("\n"))
    assert all(line in lines for line in again.text.split("\n") if line)


def _fuzz_one(data: bytes | str) -> None:
    doc = normalize_document(data, source="fuzz")
    check_record(doc)  # valid, tiling, never an exception
    for err in doc.errors:
        assert err.code != "internal", err.message


fuzz_inputs = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400),
    documents,
    documents.map(lambda t: f"<html><body><p>{t}</p></body></html>"),
    documents.map(lambda t: t.encode("utf-16")),
)


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(fuzz_inputs)
def test_fuzz_normalize_document(data: bytes | str) -> None:
    """The fuzz target, on a short deterministic budget (``make fuzz`` runs it longer)."""
    _fuzz_one(data)


def test_fuzz_for_a_while() -> None:
    """``make fuzz``: random (not derandomized) batches until the time is up."""
    if not FUZZ_SECONDS:
        pytest.skip("fuzzing for a while is `make fuzz` (NORMALIZE_FUZZ_SECONDS=seconds)")
    deadline = time.monotonic() + FUZZ_SECONDS
    rounds = 0

    @settings(
        max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(fuzz_inputs)
    def fuzz(data: bytes | str) -> None:
        _fuzz_one(data)

    while time.monotonic() < deadline:
        fuzz()
        rounds += 1
    assert rounds > 0
