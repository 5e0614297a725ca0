"""Language segments: data-driven cases, the tiling invariant, edge cases.

Cases live in ``fixtures/segment_cases.json`` (``label`` is the test id;
``expected`` lists the language segments as ``[text, lang]``, ``zxx`` pieces
left out; ``expect: fail`` cases are strict xfails, so a fix is
noticed).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalize.document import BOILERPLATE, CONTENT, NO_LANGUAGE, Block, Segment
from normalize.segment import (
    LanguageHints,
    SegmentConfig,
    _cut_at_blocks,
    dominant_language,
    segment_languages,
)
from normalize.sentences import split_sentences
from tests.conftest import case_list, load_cases


def assert_tiles(text, segs):
    assert "".join(s.text for s in segs) == text
    pos = 0
    for s in segs:
        assert s.start == pos and s.end > s.start and text[s.start : s.end] == s.text
        assert 0.0 <= s.confidence <= 1.0
        pos = s.end
    assert pos == len(text)


@pytest.mark.parametrize("case", load_cases("segment_cases.json"))
def test_case(case):
    hints = LanguageHints(html_lang=case["html_lang"]) if case.get("html_lang") else None
    segs = segment_languages(case["text"], hints=hints)
    assert_tiles(case["text"], segs)
    got = [[s.text, s.lang] for s in segs if s.lang != NO_LANGUAGE]
    assert got == case["expected"]


_ALPHABET = st.sampled_from(
    list("abcxyz ABC éü")
    + list("होमदुनियाळ")
    + list("بپکیےښ")
    + list("Жжії")
    + list("0123456789")
    + list(" \n.,!?:>|()«»\"'-–।۔؟")
    + ["😀", "👍🏽", "❤️", "\u0301", "\u200c", "中", "の"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_segments_tile_the_text(text):
    segs = segment_languages(text)
    assert_tiles(text, segs)
    for s in segs:
        if s.lang == NO_LANGUAGE:
            assert not any(ch.isalpha() for ch in s.text) or "://" in s.text or "@" in s.text


def test_empty_text():
    assert segment_languages("") == []


@pytest.mark.parametrize(
    "text", ["0123456789", "12:30, 2024-05-01", "😀🎉👍🏽❤️", "  \n\n ", "--- >> ||"]
)
def test_no_letters_is_one_zxx_segment(text):
    segs = segment_languages(text)
    assert_tiles(text, segs)
    assert [s.lang for s in segs] == [NO_LANGUAGE]


def test_one_megabyte_line_completes_and_tiles():
    unit = "Hello world, this is a test. नमस्ते दुनिया, यह एक परीक्षण है। 42 "
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    segs = segment_languages(text)
    assert_tiles(text, segs)
    assert {s.lang for s in segs} >= {"en", "hi"}


def test_one_megabyte_word_completes():
    text = "a" * 1_000_000
    segs = segment_languages(text)
    assert_tiles(text, segs)
    assert len(segs) == 1


def test_candidate_languages_restrict_labels():
    text = "Ceci est une phrase en français, sans aucun doute."
    assert segment_languages(text)[0].lang == "fr"
    restricted = segment_languages(text, ["en", "de"])
    assert {s.lang for s in restricted} <= {"en", "de", NO_LANGUAGE}
    config = SegmentConfig(languages=("en", "de"))
    assert [s.lang for s in segment_languages(text, config=config)] == [s.lang for s in restricted]


def test_script_without_candidates_is_undetermined():
    segs = segment_languages("नमस्ते दुनिया", ["en"])
    assert [s.lang for s in segs] == ["und"]
    assert segs[0].script == "Deva"


def test_source_languages_hint_tips_a_short_crumb():
    text = "नवभारत टाइम्स"
    hinted = segment_languages(text, hints=LanguageHints(source_langs=("hi",)))
    assert hinted[0].lang == "hi"


def test_scripts_are_iso_15924():
    segs = segment_languages("Hello world. Привет мир. مرحبا بالعالم. 你好世界。")
    assert [s.script for s in segs if s.lang != NO_LANGUAGE] == ["Latn", "Cyrl", "Arab", "Hani"]


def test_dominant_language_counts_letters():
    segs = segment_languages("होम > दुनिया > Taliban denies sharing ISIL intelligence with Russia")
    assert dominant_language(segs) == "en"
    assert dominant_language(segment_languages("2024")) == "und"


def test_split_sentences_spans():
    """Sentences come from one splitter, normalize.sentences, for every script."""
    text = "First one. Second one?\nدوسرا جملہ۔ 最后。"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one?", "دوسرا جملہ۔", "最后。"]


def test_long_chains_are_decoded_in_windows():
    text = "Ceci est une phrase. " * 30 + "This is an English sentence. " * 30
    config = SegmentConfig(max_pieces=8)
    segs = segment_languages(text, config=config)
    assert_tiles(text, segs)
    langs = [s.lang for s in segs if s.lang != NO_LANGUAGE]
    assert langs[0] == "fr" and langs[-1] == "en"


def test_html_lang_hint_is_a_prior_not_a_verdict():
    text = "Ceci est une longue phrase en français, écrite pour le vérifier."
    segs = segment_languages(text, hints=LanguageHints(html_lang="en-US"))
    assert [s.lang for s in segs if s.lang != NO_LANGUAGE] == ["fr"]


@pytest.mark.parametrize(
    "text", ["Bonjour à tous.", "Merci beaucoup pour votre aide.", "Nous sommes ici."]
)
def test_hints_move_only_unsure_pieces(text):
    """The page's hints are a prior for what the text leaves unsure, never for a sure piece."""
    config = SegmentConfig(html_lang_bonus=5.0)
    alone = segment_languages(text, config=config)
    hinted = segment_languages(text, hints=LanguageHints(html_lang="en"), config=config)
    if alone[0].confidence >= config.unsure_confidence:
        assert hinted == alone
    else:
        assert hinted[0].lang == "en"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(1, 5),
    st.integers(2, 4),
    st.lists(st.floats(-30, 30), min_size=20, max_size=20),
    st.lists(st.sampled_from([0.0, 1.5, 2.0, 3.0, 6.0, 40.0]), min_size=5, max_size=5),
)
def test_decode_is_exact_on_small_chains(n, k, values, costs):
    """Viterbi labels and posteriors equal a brute force over every labelling of the chain."""
    import itertools

    import numpy as np

    from normalize.segment import _decode

    scores = np.array(values[: n * k]).reshape(n, k) if n * k <= 20 else None
    if scores is None:
        return
    switch = np.array(costs[:n])
    weights = {}
    for path in itertools.product(range(k), repeat=n):
        score = sum(scores[i, lab] for i, lab in enumerate(path))
        score -= sum(switch[i] for i in range(1, n) if path[i] != path[i - 1])
        weights[path] = score
    best = max(weights.values())
    total = sum(np.exp(w - best) for w in weights.values())
    labels, conf = _decode(scores, switch)
    assert weights[tuple(int(x) for x in labels)] == pytest.approx(best, abs=1e-9)
    for i, lab in enumerate(labels):
        marginal = sum(np.exp(w - best) for p, w in weights.items() if p[i] == lab) / total
        assert conf[i] == pytest.approx(marginal, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("case", load_cases("segment_cases_scripts.json"))
def test_script_family_case(case):
    """One file of cases per script family (``family``): CJK, Brahmic, Arabic, Cyrillic, …

    A case may give the page's ``html_lang`` and its source's ``source_langs``.
    """
    hints = LanguageHints(
        html_lang=case.get("html_lang"), source_langs=tuple(case.get("source_langs", ()))
    )
    segs = segment_languages(case["text"], hints=hints)
    assert_tiles(case["text"], segs)
    langs = [s for s in segs if s.lang != NO_LANGUAGE]
    assert [[s.text, s.lang] for s in langs] == case["expected"]
    if "scripts" in case:
        assert [s.script for s in langs] == case["scripts"]


def test_script_family_cases_cover_the_families():
    cases = case_list("segment_cases_scripts.json")
    families = {c["family"] for c in cases}
    assert {"cjk", "brahmic", "arabic", "cyrillic", "greek", "hebrew", "georgian"} <= families
    assert {"armenian", "thai", "latin"} <= families


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.data())
def test_letter_pattern_finds_exactly_the_letters_one_candidate_writes(data):
    """The search for the letters only one candidate's pack lists finds each of them,
    and nothing else, in any text (whatever module compiles the pattern)."""
    from normalize.context import default_context
    from normalize.scripts import SCRIPT_LANGUAGES
    from normalize.segment import _letter_pattern, _letter_table

    ctx = default_context()
    for cands in SCRIPT_LANGUAGES.values():
        letters = _letter_table(tuple(cands), ctx)
        table = letters.columns
        # The compiled core's table: the same letters and columns, by code point.
        assert [chr(c) for c in letters.codes] == sorted(table)
        assert letters.cols.tolist() == [table[c] for c in sorted(table)]
        if not table:
            continue
        pattern = _letter_pattern(tuple(cands), ctx)
        chars = sorted(table) + list("a-]^\\[.*ё eé\n") + ["\U0001f600", "\u0301"]
        text = data.draw(st.lists(st.sampled_from(chars), max_size=40).map("".join))
        assert pattern.findall(text) == [c for c in text if c in table]


def _cut_every_piece(segments: list[Segment], blocks: list[Block]) -> list[Segment]:
    """Segments cut at block boundaries, every piece made anew (the reference)."""
    out = []
    for seg in segments:
        for block in blocks:
            start, end = max(seg.start, block.start), min(seg.end, block.end)
            if start < end:
                reason = block.reason if block.kind == BOILERPLATE else None
                out.append(
                    Segment(
                        seg.text[start - seg.start : end - seg.start],
                        start,
                        end,
                        seg.lang,
                        seg.script,
                        seg.confidence,
                        block.kind,
                        reason,
                    )
                )
    return out


def _block_cuts(draw: st.DrawFn, text: str) -> list[Block]:
    """Blocks of either kind that tile ``text``."""
    inner = draw(st.sets(st.integers(1, len(text) - 1))) if len(text) > 1 else set()
    cuts = [0, *sorted(inner), len(text)]
    blocks = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        chrome = draw(st.booleans())
        blocks.append(Block(a, b, BOILERPLATE if chrome else CONTENT, "nav" if chrome else None))
    return blocks


@st.composite
def _tilings(draw: st.DrawFn) -> tuple[str, list[Segment], list[Block]]:
    """A text tiled twice: by language segments and by blocks of either kind."""
    text = draw(st.text("ab\n", min_size=1, max_size=40))
    inner = draw(st.sets(st.integers(1, len(text) - 1))) if len(text) > 1 else set()
    cuts = [0, *sorted(inner), len(text)]
    segments = [
        Segment(text[a:b], a, b, draw(st.sampled_from(["en", "fr"])), "Latn", 0.5)
        for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    return text, segments, _block_cuts(draw, text)


@given(_tilings())
def test_spans_are_cut_at_blocks_and_take_their_kind(
    tiling: tuple[str, list[Segment], list[Block]],
) -> None:
    """Every part of a span in one block is a segment with the block's kind, as if cut anew."""
    text, segments, blocks = tiling
    spans = [(s.start, s.end, s.lang, s.script, s.confidence) for s in segments]
    assert _cut_at_blocks(text, spans, blocks) == _cut_every_piece(segments, blocks)
    assert _cut_at_blocks(text, spans, None) == segments


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_segments_made_with_blocks_are_the_segments_cut_at_them(data: st.DataObject) -> None:
    """``blocks`` gives the segments of the text alone, cut at the blocks and of their kind."""
    words = st.sampled_from(["Home", "News", "होम", "दुनिया", "Привет", "мир", "bonjour", "2024"])
    seps = st.sampled_from([" ", " > ", "\n", ". ", " | ", ", ", "\n\n"])
    parts = data.draw(st.lists(st.tuples(words, seps), min_size=1, max_size=12))
    text = "".join(w + s for w, s in parts)
    blocks = _block_cuts(data.draw, text)
    alone = segment_languages(text)
    assert segment_languages(text, blocks=blocks) == _cut_every_piece(alone, blocks)
