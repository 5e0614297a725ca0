"""The boilerplate stage's compiled scanner (normalize/boilerplate/scan.py): both builds
agree with the interpreted path (zlib through map) to the bit.

The sketch of a page is checked three ways: both builds of the scanner
against the set of shingles hashed by zlib (what runs where the scanner is not
compiled), and the compiled extension against the interpreted module. The
CLI's output with and without the compiled core is compared byte for byte in
tests/test_kernels.py.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import unicodedata
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize import compiled, langpacks
from normalize.boilerplate import features, model, repeats, rules, tokens
from normalize.config import BoilerplateConfig
from normalize.context import default_context
from normalize.document import BOILERPLATE, CONTENT, Block, Page
from normalize.extract.text import text_page
from tests.conftest import core_builds, run_doctests

PURE, BUILT, needs_extension, BUILDS = core_builds("boilerplate.scan")

#: Words from a small vocabulary, so that shingles repeat within a page; some
#: of them outside ASCII (several UTF-8 bytes) and long enough for Adler-32's
#: sums to be reduced on the way (more than 5552 bytes).
WORDS = st.sampled_from(["a", "b", "ab", "ba", "été", "дом", "北", "x" * 6000, "0"])
LINES = st.lists(st.lists(WORDS, max_size=12), max_size=12)


def test_the_scan_doctests() -> None:
    """The examples in normalize/boilerplate/scan.py (the module is compiled: pytest's
    doctest collection skips it)."""
    run_doctests(PURE)


def reference(
    lines: list[list[str]], size: int, hash_of: Callable[[bytes], int] | None = None
) -> list[int]:
    """The ``size`` smallest hashes of the set of shingles, as the interpreted path takes them."""
    hash_of = hash_of or (lambda s: zlib.crc32(s) << 32 | zlib.adler32(s))
    shingles = set()
    for ws in lines:
        data = [w.encode() for w in ws]
        if len(data) <= repeats.SHINGLE_WORDS:
            shingles.add(b"\x00".join(data))
        else:
            for i in range(len(data) - repeats.SHINGLE_WORDS + 1):
                shingles.add(b"\x00".join(data[i : i + repeats.SHINGLE_WORDS]))
    shingles.discard(b"")
    return sorted(map(hash_of, shingles))[:size]


def sketch(scan: ModuleType, lines: list[list[str]], size: int, table: np.ndarray) -> list[int]:
    datas = [b"\x00".join(w.encode() for w in ws) for ws in lines]
    blob = b"".join(datas)
    hashes, spans = repeats.shingle_sketch(datas, scan, size, table)
    for i, h in enumerate(hashes):  # each kept hash is that of the bytes it names
        shingle = blob[spans[2 * i] : spans[2 * i + 1]]
        if table is repeats._CRC_TABLE:
            assert h == zlib.crc32(shingle) << 32 | zlib.adler32(shingle)
    return hashes


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=150, deadline=None)
@given(LINES, st.sampled_from([1, 3, 64]))
def test_the_sketch_is_the_smallest_hashes_of_the_set_of_shingles(
    scan: ModuleType, lines: list[list[str]], size: int
) -> None:
    assert sketch(scan, lines, size, repeats._CRC_TABLE) == reference(lines, size)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_sketch_of_lines_longer_than_a_mebibyte(scan: ModuleType) -> None:
    """Adler-32's running sums are reduced on the way through a word of more than 2**20
    bytes (the scanner's sums hold that many bytes' worth) and at each word."""
    lines = [["a", "x" * 1_100_000, "b", "y" * 400_000, "c", "d\u00e9"], ["e"] * 7]
    assert sketch(scan, lines, 64, repeats._CRC_TABLE) == reference(lines, 64)


def zero_table_hash(shingle: bytes) -> int:
    """The scanner's hash when its CRC table is all zeros: the CRC then depends on the
    length alone, and the hash is Adler-32's, which "aca" and "bab" share."""
    crc = 0xFFFFFFFF
    for _ in shingle:
        crc >>= 8
    return (crc ^ 0xFFFFFFFF) << 32 | zlib.adler32(shingle)


#: Words whose shingles collide under :func:`zero_table_hash`.
COLLIDING = st.sampled_from(["aca", "bab", "a", "b", "ab", "ba", "c"])


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(COLLIDING, max_size=7), max_size=10), st.sampled_from([1, 3, 64]))
def test_different_shingles_with_one_hash_count_twice(
    scan: ModuleType, lines: list[list[str]], size: int
) -> None:
    """Two different shingles with one hash both count, as in the interpreted path's set
    of shingles; the same shingle twice counts once."""
    assert zero_table_hash(b"aca") == zero_table_hash(b"bab")
    zeros = np.zeros(8 * 256, np.uintc)
    assert sketch(scan, lines, size, zeros) == reference(lines, size, zero_table_hash)
    assert sketch(scan, [["aca"], ["bab"], ["aca"]], 3, zeros) == [zero_table_hash(b"aca")] * 2


@needs_extension
@settings(max_examples=150, deadline=None)
@given(LINES, st.sampled_from([1, 3, 64]))
def test_compiled_sketch_equals_interpreted(lines: list[list[str]], size: int) -> None:
    zeros = np.zeros(8 * 256, np.uintc)
    for table in (repeats._CRC_TABLE, zeros):
        assert sketch(BUILT, lines, size, table) == sketch(PURE, lines, size, table)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab éд北\n.,"), max_size=80), max_size=8))
def test_content_sketch_is_the_same_with_and_without_the_scanner(
    scan: ModuleType, paragraphs: list[str]
) -> None:
    cfg = BoilerplateConfig()
    page = text_page("\n\n".join(paragraphs), config=cfg)
    with mock.patch.object(repeats, "SCAN_COMPILED", False):
        expected = repeats.content_sketch(page, cfg)
    with (
        mock.patch.object(repeats, "SCAN_COMPILED", True),
        mock.patch.object(repeats, "scan", scan),
    ):
        assert repeats.content_sketch(page, cfg) == expected


def test_a_scanner_built_from_other_sources_is_stale(tmp_path: Path) -> None:
    """The staleness check reads a subpackage's sources (boilerplate/scan.py and .pxd)."""
    folder = Path(compiled.__file__).parent / "boilerplate"
    extension = tmp_path / "scan.so"
    extension.write_bytes(b"")
    sources = tmp_path / f"scan.so{compiled.SOURCES_SUFFIX}"
    sources.write_text(compiled.digest([folder / "scan.py", folder / "scan.pxd"]) + "\n")
    assert not compiled.stale(extension, "boilerplate.scan")
    sources.write_text(compiled.digest([folder / "scan.py"]) + "\n")
    assert compiled.stale(extension, "boilerplate.scan")


#: Feature values as the classifier sees them: floats of any sign and size
#: (zeros of both signs), and the ints and bools some HTML features are.
VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5]),
    st.integers(-3, 3),
    st.booleans(),
)
NAMES = ["a", "b", "c", "d", "e", "f"]
FEATS = st.lists(st.dictionaries(st.sampled_from(NAMES), VALUES), max_size=20)
WEIGHTS = st.dictionaries(
    st.sampled_from(NAMES), st.floats(-1e6, 1e6).map(lambda w: round(w, 4)), min_size=1
)


def bits(xs: list[float]) -> list[str]:
    """The floats as their exact values, the sign of a zero included."""
    return [float(x).hex() for x in xs]


#: Stage-2 weights: the features' and the context features' (which a block may
#: already have: the second stage reads the values the first stage's step wrote).
CONTEXT_NAMES = ["ctx_p", "ctx_p_wide", "prev_p", "next_p"]
STAGE2_WEIGHTS = st.dictionaries(
    st.sampled_from(NAMES + CONTEXT_NAMES),
    st.floats(-1e6, 1e6).map(lambda w: round(w, 4)),
    min_size=1,
)
CONTEXT_FEATS = st.lists(
    st.dictionaries(st.sampled_from(NAMES + CONTEXT_NAMES[:2]), VALUES), max_size=20
)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=300, deadline=None)
@given(WEIGHTS, STAGE2_WEIGHTS, st.one_of(FEATS, CONTEXT_FEATS))
def test_the_probabilities_are_those_of_the_interpreted_path(
    scan: ModuleType,
    stage1: dict[str, float],
    stage2: dict[str, float],
    feats: list[dict[str, float]],
) -> None:
    """Each block's P(content) is the float that the interpreted path's sums over ``map``
    and slices give, bit for bit, and its features get the same context features in
    the same order."""
    two_stage = {"stage1": stage1, "stage2": stage2}
    expected = [dict(f) for f in feats]
    with mock.patch.object(model, "SCAN_COMPILED", False):
        want = model.content_probabilities(expected, two_stage)
    got_feats = [dict(f) for f in feats]
    with (
        mock.patch.object(model, "SCAN_COMPILED", True),
        mock.patch.object(model, "scan", scan),
    ):
        got = model.content_probabilities(got_feats, two_stage)
    assert bits(got) == bits(want)
    assert [list(f) for f in got_feats] == [list(f) for f in expected]
    assert [bits(list(f.values())) for f in got_feats] == [bits(list(f.values())) for f in expected]


@pytest.mark.parametrize("scan", BUILDS)
def test_the_probabilities_read_names_equal_to_those_of_the_block_before(
    scan: ModuleType,
) -> None:
    """Blocks whose items come in another order, or whose names are other strings equal to
    the ones of the block before (the scanner takes a column without a lookup only for
    the very string it kept at that position), have the interpreted path's numbers."""
    two_stage = {"stage1": {"ab": 1.5, "cd": -2.0}, "stage2": {"cd": 0.25, "prev_p": 3.0}}

    def name(s: str) -> str:
        return "".join(list(s))  # equal, not the same string

    feats = [
        {"ab": 1.0, "cd": 2.0},
        {name("ab"): 3.0, name("cd"): 0.5},
        {"cd": 1.0, "ab": -1.0, "xy": 7.0},
        {"xy": 2.0, "ab": 0.5},
        {"ab": 1.0, "cd": 2.0},
    ]
    with mock.patch.object(model, "SCAN_COMPILED", False):
        want = model.content_probabilities([dict(f) for f in feats], two_stage)
    with (
        mock.patch.object(model, "SCAN_COMPILED", True),
        mock.patch.object(model, "scan", scan),
    ):
        got = model.content_probabilities([dict(f) for f in feats], two_stage)
    assert bits(got) == bits(want)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_probabilities_check_their_columns(scan: ModuleType) -> None:
    """Columns past the features, weights that are not one per column, or too few rows:
    errors, not reads or writes past a buffer (the compiled core checks no index)."""
    cols, weights = np.array([0, 1], np.intp), np.array([1.0, 2.0])
    context = np.full(4, -1, np.intp)
    feats = [{"a": 1.0}, {"b": 2.0}]

    def run(**kw: object) -> list[float]:
        args: dict[str, object] = {
            "names": ["a", "b"],
            "cols1": cols,
            "weights1": weights,
            "cols2": cols,
            "weights2": weights,
            "context": context,
            "feats": feats,
            "rows": np.empty(4),
        }
        args.update(kw)
        return scan.content_probabilities(
            *(v.data if isinstance(v, np.ndarray) else v for v in args.values())
        )

    assert len(run()) == 2
    with pytest.raises(ValueError, match="column 2 is not one of 2"):
        run(cols2=np.array([0, 2], np.intp))
    with pytest.raises(ValueError, match="column -1 is not one of 2"):
        run(cols1=np.array([-1, 0], np.intp))
    with pytest.raises(ValueError, match="2 and 2 columns for 1 and 2 weights"):
        run(weights1=np.array([1.0]))
    with pytest.raises(ValueError, match="context column 2 is not one of 2"):
        run(context=np.array([-1, 2, -1, -1], np.intp))
    with pytest.raises(ValueError, match=r"3 context columns \(4\)"):
        run(context=np.full(3, -1, np.intp))
    with pytest.raises(ValueError, match="2 blocks of 2 features need 4 numbers, not 3"):
        run(rows=np.empty(3))
    with pytest.raises(ValueError, match="the 2 feature names are not all different"):
        run(names=["a", "a"])


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), max_size=20))
def test_the_context_features_are_those_of_the_interpreted_path(
    scan: ModuleType, probs: list[float]
) -> None:
    """The neighbours' probabilities and their means are the interpreted path's floats,
    added to each block's features in the same order."""
    expected: list[dict[str, float]] = [{"x": 1.0} for _ in probs]
    with mock.patch.object(model, "SCAN_COMPILED", False):
        model.add_context(expected, probs)
    feats: list[dict[str, float]] = [{"x": 1.0} for _ in probs]
    scan.add_context(feats, probs)
    assert [list(f) for f in feats] == [list(f) for f in expected]
    assert [bits(list(f.values())) for f in feats] == [bits(list(f.values())) for f in expected]


@needs_extension
def test_the_classifier_runs_the_compiled_loops_when_they_are_built() -> None:
    """Where the extension is built the classifier calls it (else the tests above would
    compare a path that never runs)."""
    assert model.SCAN_COMPILED == (not compiled.pure_python())
    if model.SCAN_COMPILED:
        assert compiled.is_compiled(model.scan)


def line_reference(text: str) -> tuple[int, str, bool, int, int, int, int, bool, int]:
    """What the line patterns of the features (the path that runs interpreted) count."""
    ws = features._ASCII_WORD.findall(text)
    sent_end, sent_punct, comma, digit, urlish, nav_sep = features._ASCII_LINE_PATTERNS
    return (
        len(ws),
        "\x00".join(ws).casefold(),
        sent_end.search(text) is not None,
        len(sent_punct.findall(text)),
        len(comma.findall(text)),
        len(digit.findall(text)),
        len(features._ASCII_CAP_WORD_START.findall(text)),
        urlish.search(text) is not None,
        len(nav_sep.findall(text)),
    )


#: Lines of ASCII and General Punctuation (the scanner's domain), dense in what the
#: patterns look for: ends of sentences and their closers, separators, URLs, the
#: General Punctuation's spaces and word characters.
LINE_PIECES = st.sampled_from(
    list("aZ09_ .!?,;@|\n\t\"')]")
    + ["\u2026", "\u201d", "\u2019", "\u2022", "\u2003", "\u200b", "\u200c", "\u2054", "\u205f"]
    + ["http://", "https://", "www.", ".com", "Com", " | ", " \u2022 ", "Ab", "..."]
)
ASCII_LINES = st.lists(LINE_PIECES, max_size=30).map("".join)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=400, deadline=None)
@given(st.one_of(ASCII_LINES, st.text(st.characters(max_codepoint=0x7F), max_size=40)))
def test_the_line_scanner_counts_what_the_patterns_find(scan: ModuleType, text: str) -> None:
    assert tokens._ascii_words(text)
    assert scan.ascii_line(text) == line_reference(text)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=100, deadline=None)
@given(st.lists(ASCII_LINES, max_size=6))
def test_a_page_of_ascii_lines_has_the_same_features_with_and_without_the_scanner(
    scan: ModuleType, lines: list[str]
) -> None:
    """The scanner's counts make the same line features and feature values as the
    patterns (their types included: a count of separators stays an int)."""
    with mock.patch.object(features, "SCAN_COMPILED", False):
        expected = [
            (x.key, x.n_words, x.folded_text, x.base, x.icon) for x in map(features._Line, lines)
        ]
    with (
        mock.patch.object(features, "SCAN_COMPILED", True),
        mock.patch.object(features, "scan", scan),
    ):
        got = [
            (x.key, x.n_words, x.folded_text, x.base, x.icon) for x in map(features._Line, lines)
        ]
    assert [repr(g) for g in got] == [repr(e) for e in expected]


#: Lines of any ASCII and General Punctuation characters (spaces of every kind,
#: controls, edge punctuation, capitals), for the line's key.
KEY_LINES = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
        st.sampled_from(list(" \t\n\x1c\u2000\u2001\u2003\u2039\u203a\u2019\u2026|.!-AaZz")),
    ),
    max_size=30,
)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=500, deadline=None)
@given(KEY_LINES)
def test_the_line_scanner_makes_the_phrase_key(scan: ModuleType, text: str) -> None:
    """On ASCII and General Punctuation, the scanner's key is ``phrase_key``'s, and its
    other values those of :func:`ascii_line` and of the features made from its counts."""
    assert tokens._ascii_words(text)
    key, nw, folded, base, end = scan.ascii_analysis(text, features._KEY_CLASSES)
    assert key == langpacks.phrase_key(text)
    assert (nw, folded, end) == scan.ascii_line(text)[:3]
    with mock.patch.object(features, "SCAN_COMPILED", False):
        assert repr(base) == repr(features._Line(text).base)
    # The features' definition, written out: the one base_features implements.
    nw, _, end, n_sent, n_comma, n_digit, n_caps, url, n_nav = scan.ascii_line(text)
    defined = (
        math.log1p(len(text)),
        math.log1p(nw),
        1.0 if nw < 4 else 0.0,
        1.0 if end else 0.0,
        math.log1p(n_sent),
        min(1.0, n_comma / nw) if nw else 0.0,
        n_digit / len(text) if text else 0.0,
        n_caps / nw if nw else 0.0,
        1.0 if url else 0.0,
        min(3.0, n_nav),
    )
    assert repr(base) == repr(defined)


def test_ascii_and_general_punctuation_casefold_as_they_lower() -> None:
    """The scanner lowers a key of these characters where phrase_key casefolds it."""
    chars = "".join(chr(c) for c in [*range(0x80), *range(0x2000, 0x2070)])
    assert chars.lower() == chars.casefold()
    assert all(c.lower() == c.casefold() for c in chars)


#: Pieces of lines of any script: the line patterns' sentence ends, closers, commas,
#: separators and URL parts, Han, kana, capitals of several scripts and marks,
#: digits of other scripts, spaces of every kind, and any other character.
UNICODE_PIECES = st.one_of(
    st.sampled_from(
        list("aZ09_ .!?,;@|\n\t\"')]»·•…。！？।॥؟۔،、，؛")
        + ["http://", "https://", "www.", ".com", ".comé", "@é", " | ", " · ", " • ", "\u3000"]
        + ["北京", "ひらがな", "カタカナ", "々", "〇", "Ärger", "Ωμέγα", "Дом", "ǅ", "e\u0301"]
        + ["٣", "१२", "\u00a0", "\u2028", "\x1c", "\u200c", "\U0001d400", "\U0001f600"]
    ),
    st.characters(),
)
UNICODE_LINES = st.lists(UNICODE_PIECES, max_size=25).map("".join)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=500, deadline=None)
@given(UNICODE_LINES)
def test_the_unicode_scanner_counts_what_the_patterns_find(scan: ModuleType, text: str) -> None:
    """A line of any script analysed with the character flags has the key, words, casefolded
    words, features (their types included) and icon-strip verdict of the patterns' path."""
    with mock.patch.object(features, "SCAN_COMPILED", False):
        line = features._Line(text)
        expected = (line.key, line.n_words, line.folded_text, repr(line.base), line.icon)
    chars = features._LineChars()
    with (
        mock.patch.object(features, "SCAN_COMPILED", True),
        mock.patch.object(features, "scan", scan),
        mock.patch.object(tokens, "_ascii_words", lambda text: False),
        mock.patch.object(features, "_ascii_words", lambda text: False),
        mock.patch.object(scan, "line_analysis", lambda text, classes: None),
    ):
        line = features._Line(text, chars)
        got = (line.key, line.n_words, line.folded_text, repr(line.base), line.icon)
    assert got == expected


def test_the_kept_flags_of_the_bmp_are_those_made_block_by_block() -> None:
    """The BMP's flags made at once (what line_chars keeps on disk) are, for every code
    point of the BMP, those a table makes when a line first has the code point's block;
    code points beyond are made by blocks on top of them."""
    tests, bmp = features._LineChars.kept()
    kept, grown = features._LineChars(tests, bmp), features._LineChars(tests)
    for base in range(0, 0x10000, 256):
        grown.cover(base + 17)
    assert np.array_equal(kept.flags[:0x10000], grown.flags[:0x10000])
    assert (kept.flags[:0x10000] & features.scan.CHAR_SEEN).all() and not kept.flags[0x10000:].any()
    kept.cover(0x1F600)
    grown.cover(0x1F6FF)
    assert np.array_equal(kept.flags, grown.flags)
    with pytest.raises(ValueError, match="65,536 code points"):
        features._LineChars(tests, bmp[:256])


@pytest.mark.parametrize("scan", BUILDS)
def test_the_unicode_scanner_asks_for_the_flags_it_lacks(scan: ModuleType) -> None:
    """A code point whose flags are not made yet is named, not read as no class; a table
    that does not cover every code point is refused (the compiled core checks no index)."""
    chars = features._LineChars()
    assert scan.unicode_line("ab\u4e2d", chars.flags) == (-1, ord("a"))
    chars.cover(ord("a"))
    assert scan.unicode_line("ab\u4e2d", chars.flags) == (-1, 0x4E2D)
    chars.cover(0x4E2D)
    assert scan.unicode_line("ab\u4e2d", chars.flags)[:2] == (2, "ab\x00\u4e2d")
    with pytest.raises(ValueError, match="cover 256 code points"):
        scan.unicode_line("a", chars.flags[:256])


@pytest.mark.parametrize("scan", BUILDS)
@pytest.mark.parametrize("text", ["café", "é", "  Ø  ", "…\u3000", "a\U0001f600", "\x7f\u2070"])
def test_the_line_scanner_refuses_other_characters(scan: ModuleType, text: str) -> None:
    """A character beyond ASCII and General Punctuation is an error, not a read before
    or past the flags' table (the compiled core checks no index)."""
    with pytest.raises(ValueError, match="neither ASCII nor General Punctuation"):
        scan.ascii_analysis(text, features._KEY_CLASSES)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_line_scanner_refuses_a_table_of_classes_of_another_size(scan: ModuleType) -> None:
    """The key's table has an entry per character and one for any other: a shorter one
    is an error, not a read past it (the compiled core checks no index)."""
    with pytest.raises(ValueError, match="are 241, not 240"):
        scan.ascii_analysis("a\u2003 b", features._KEY_CLASSES[:240])


def test_general_punctuation_is_in_nfc_but_for_spaces_and_never_casefolds() -> None:
    """What lets the scanner make a key without NFC and with ASCII casefolding only: the
    characters of General Punctuation that NFC changes are spaces whose NFC forms are
    spaces, and none of them casefolds."""
    for o in range(0x2000, 0x2070):
        c = chr(o)
        nfc = unicodedata.normalize("NFC", c)
        assert nfc == c or (c.isspace() and nfc.isspace()), hex(o)
        assert c.casefold() == c, hex(o)
    for o in range(128):
        c = chr(o)
        assert c.casefold() == (c.lower() if "A" <= c <= "Z" else c)


#: Lines of a page for the text features: ASCII lines, and longer ones of
#: words, some stopwords, some ending a sentence (prose), some short.
PAGE_WORDS = st.sampled_from(["the", "a", "of", "and", "cat", "Sat", "mat", "été", "дом", "42"])
PROSE_LINES = st.builds(
    lambda ws, end: " ".join(ws) + end,
    st.lists(PAGE_WORDS, max_size=30),
    st.sampled_from(["", ".", "!", ":", " | x"]),
)
STOPLISTS = st.one_of(
    st.none(),
    st.just(frozenset()),
    st.frozensets(st.sampled_from(["the", "a", "of", "and", "дом"])),
)


def loop_text_features(
    lines: list[features._Line], stop: frozenset[str] | None, folded: list[list[str]]
) -> list[dict[str, float]]:
    """The text features as loops written for the interpreter, from their definitions
    (the oracle the scanner's one pass is held to)."""
    log11, log13 = math.log1p(10), math.log1p(12)
    n = len(lines)
    last_pos = max(1, n - 1)
    in_stop = stop.__contains__ if stop else None
    feats: list[dict[str, float]] = []
    for i, (line, ws) in enumerate(zip(lines, folded, strict=True)):
        lc, lw, short, end, sent, comma, digit, caps, url, nav = line.base
        nw = line.n_words
        sd = sum(map(in_stop, ws)) / nw if in_stop and nw else 0.0
        feats.append(
            {
                "bias": 1.0,
                "log_chars": lc,
                "log_words": lw,
                "short": short,
                "stop": sd,
                "no_stoplist": 0.0 if stop else 1.0,
                "end_punct": end,
                "sent_punct": sent,
                "comma_rate": comma,
                "digit_ratio": digit,
                "cap_ratio": caps,
                "urlish": url,
                "nav_sep": nav,
                "pos": i / last_pos,
            }
        )
    # Stopword density relative to the densest quarter of the page's long blocks.
    long_sd = sorted(f["stop"] for f in feats if f["log_words"] >= log11)
    ref = max(long_sd[int(0.75 * (len(long_sd) - 1))] if long_sd else 0.0, 0.15)
    for f in feats:
        f["stop_rel"] = min(2.0, f["stop"] / ref) if stop else 1.0
        prose = f["log_words"] >= log13 and f["end_punct"] > 0 and f["stop_rel"] >= 0.5
        f["prose"] = 1.0 if prose else 0.0
    prose_idx = [i for i, f in enumerate(feats) if f["prose"]]
    first, last = (prose_idx[0], prose_idx[-1]) if prose_idx else (n, -1)
    upto = [0.0]
    for f in feats:
        upto.append(upto[-1] + f["prose"])
    j = 0
    for i, f in enumerate(feats):
        while j + 1 < len(prose_idx) and abs(prose_idx[j + 1] - i) <= abs(prose_idx[j] - i):
            j += 1
        f["dist_prose"] = math.log1p(abs(prose_idx[j] - i)) if prose_idx else 5.0
        f["in_span"] = 1.0 if first <= i <= last else 0.0
        f["after_span"] = 1.0 if i > last else 0.0
        lo, hi = max(0, i - 3), min(n, i + 4)
        f["ctx_prose"] = (upto[hi] - upto[lo] - f["prose"]) / max(1, hi - lo - 1)
        f["prev_words"] = feats[i - 1]["log_words"] if i else 0.0
        f["next_words"] = feats[i + 1]["log_words"] if i + 1 < n else 0.0
        f["prev_end_punct"] = feats[i - 1]["end_punct"] if i else 0.0
        f["next_end_punct"] = feats[i + 1]["end_punct"] if i + 1 < n else 0.0
        f["title_like"] = 0.0
    return feats


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(ASCII_LINES, PROSE_LINES), max_size=25), STOPLISTS)
def test_the_text_features_are_those_of_the_interpreted_path(
    scan: ModuleType, texts: list[str], stop: frozenset[str] | None
) -> None:
    """A page's text features are the interpreter's loops' dicts: the same keys in the
    same order, the same values (floats to the bit, ints where the line has ints)."""
    lines = [features._Line(t) for t in texts]
    folded = [line.folded for line in lines]
    expected = loop_text_features(lines, stop, folded)
    with mock.patch.object(features, "scan", scan):
        got = features._text_features(lines, features.stop_counts(lines, stop))
        assert repr(features.text_features(texts, stop)) == repr(expected)
    assert [list(f) for f in got] == [list(f) for f in expected]
    assert repr(got) == repr(expected)
    assert [bits(list(f.values())) for f in got] == [bits(list(f.values())) for f in expected]


@pytest.mark.parametrize("scan", BUILDS)
def test_the_text_features_want_the_stopwords_of_every_line(scan: ModuleType) -> None:
    """A page whose lines and counts of stopwords differ in number is an error, not a
    read past the end of a list."""
    lines = [features._Line("The cat sat."), features._Line("On the mat.")]
    with pytest.raises(ValueError, match="2 lines"):
        scan.text_features(lines, [1], 1.0, 2.0)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_stop_ids_are_not_written_or_read_past_their_buffers(scan: ModuleType) -> None:
    """Fewer ids than words, an id past the column, or a set past the languages: errors,
    not writes or reads past the end of a buffer (the compiled core checks no index)."""
    with pytest.raises(ValueError, match="3 words, but there are 2 ids"):
        scan.stop_counts(np.zeros(2, np.uintc).data, [2, 1], bytes([0, 1]))
    with pytest.raises(ValueError, match="id 5 is not in a column of 2"):
        scan.stop_counts(np.array([1, 5], np.uintc).data, [2], bytes([0, 1]))
    starts, langs = np.array([0, 0, 2], np.intp), np.array([0, 3], np.intp)
    counts, per_set = np.zeros(2, np.intp), np.zeros(2, np.intp)
    with pytest.raises(ValueError, match="2 word sets need 2 counts, not 1"):
        scan.stop_lang_counts(
            np.zeros(2, np.uintc).data, 1, starts.data, langs.data, counts.data, per_set[:1].data
        )
    with pytest.raises(ValueError, match="3 ids asked for, but there are 2"):
        scan.stop_lang_counts(
            np.zeros(2, np.uintc).data, 3, starts.data, langs.data, counts.data, per_set.data
        )
    with pytest.raises(ValueError, match="id 2 is not one of 2 word sets"):
        scan.stop_lang_counts(
            np.array([2], np.uintc).data, 1, starts.data, langs.data, counts.data, per_set.data
        )
    with pytest.raises(ValueError, match="set 1 names language 3 of 2"):
        scan.stop_lang_counts(
            np.array([1], np.uintc).data, 1, starts.data, langs.data, counts.data, per_set.data
        )
    with pytest.raises(ValueError, match="set 1 is not within the 1 languages"):
        scan.stop_lang_counts(
            np.array([1], np.uintc).data, 1, starts.data, langs[:1].data, counts.data, per_set.data
        )
    with pytest.raises(ValueError, match="set 1 is not within"):  # a negative start
        bad = np.array([0, -5, 2], np.intp)
        scan.stop_lang_counts(
            np.array([1], np.uintc).data, 1, bad.data, langs.data, counts.data, per_set.data
        )
    assert not per_set.any()  # the scratch counts are 0 again after an error


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), max_size=30),
    st.lists(st.lists(st.integers(0, 4), max_size=3), min_size=4, max_size=4),
)
def test_the_stoplist_counts_are_those_of_the_sets_languages(
    scan: ModuleType, ids: list[int], sets: list[list[int]]
) -> None:
    """Each language's count is the number of the first ids whose set has it."""
    starts = np.array([0, *np.cumsum([len(s) for s in sets])], np.intp)
    langs = np.array([k for s in sets for k in s], np.intp)
    counts, per_set = np.zeros(5, np.intp), np.zeros(4, np.intp)
    n = min(20, len(ids))
    scan.stop_lang_counts(
        np.array(ids, np.uintc).data, n, starts.data, langs.data, counts.data, per_set.data
    )
    assert counts.tolist() == [sum(sets[i].count(k) for i in ids[:n]) for k in range(5)]
    assert not per_set.any()


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 9), max_size=20), max_size=8),
    st.binary(min_size=10, max_size=10),
)
def test_the_stop_counts_count_the_ids_of_the_column(
    scan: ModuleType, ids: list[list[int]], column: bytes
) -> None:
    """Each line's count is the number of its ids whose column byte is set (0 or 1)."""
    column = bytes(b & 1 for b in column)
    flat = np.array([i for line in ids for i in line], np.uintc)
    got = scan.stop_counts(flat.data, [len(line) for line in ids], column)
    assert got == [sum(column[i] for i in line) for line in ids]


#: Words of several languages' stoplists (and none), in either case.
STOP_WORDS = st.sampled_from(
    ["the", "The", "and", "of", "cat", "le", "et", "la", "Die", "und", "и", "в", "это", "42", "été"]
)
STOP_PAGES = st.lists(st.lists(STOP_WORDS, max_size=40).map(" ".join), min_size=1, max_size=40)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=150, deadline=None)
@given(STOP_PAGES, st.sampled_from([None, "fr", "en-GB", "xx", 7]))
def test_the_page_stoplist_is_that_of_the_words(
    scan: ModuleType, texts: list[str], hint: object
) -> None:
    """The stoplist language and the stopwords per line that the lines' stop ids give are
    the language the first thousand words give (:func:`page_lang`) and the counts of that
    language's stopwords in each line's words (compiled or not)."""
    ctx = default_context()
    page = text_page("\n\n".join(texts), config=BoilerplateConfig())
    page = dataclasses.replace(page, metadata={**page.metadata, "html_lang": hint})
    lines = [features._Line(page.block_text(b)) for b in page.blocks]
    folded = [line.folded for line in lines]
    lang = features.page_lang(page, folded, folded=True, ctx=ctx)
    stop = ctx.packs.pack(lang).stopwords if lang else None
    expected = (lang, features.stop_counts(lines, stop))
    for compiled_scan in (False, True):
        with (
            mock.patch.object(features, "SCAN_COMPILED", compiled_scan),
            mock.patch.object(features, "scan", scan),
        ):
            assert features.page_stoplist(page, lines, ctx) == expected


@pytest.mark.parametrize("scan", BUILDS)
def test_the_sketch_refuses_lines_its_buffers_cannot_hold(scan: ModuleType) -> None:
    """Lines past the data, a ring too small for a shingle's words, or no room for a
    hash: errors, not writes past a buffer (the compiled core checks no index)."""
    blob = b"a\x00b\x00c"

    def run(starts: list[int], ring: int = 8, size: int = 2) -> int:
        return scan.shingle_sketch(
            blob,
            np.array(starts, dtype=np.intp).data,
            len(starts) - 1,
            2,
            size,
            repeats._CRC_TABLE.data,
            np.zeros(ring, dtype=np.intp).data,
            np.zeros(max(size, 1), dtype=np.ulonglong).data,
            np.zeros(2 * max(size, 1), dtype=np.intp).data,
        )

    assert run([0, 5]) == 2  # in range: "a b" and "b c"
    with pytest.raises(ValueError, match="line 0 is not within the 5 bytes"):
        run([0, 50])
    with pytest.raises(ValueError, match="line 1 is not within"):
        run([0, 5, 2])
    with pytest.raises(ValueError, match="ring 8"):
        run([0, 5], ring=7)
    with pytest.raises(ValueError, match=r"size \(0\)"):
        run([0, 5], size=0)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_model_loops_refuse_lists_of_other_lengths(scan: ModuleType) -> None:
    """Fewer probabilities than blocks: an error, not a read past a list (the compiled
    core checks no index; the probabilities' columns are checked above)."""
    with pytest.raises(ValueError, match="1 probabilities for 3 blocks"):
        scan.add_context([{}, {}, {}], [0.5])


#: Lines of tokens that share affixes or not, in ASCII and General Punctuation:
#: capitals, tokens of exactly six characters, every kind of space ``str.split``
#: cuts at (the separators 0x1c-0x1f among them) and General Punctuation in the
#: affixes.
ICON_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            ["bookmarkicon", "CameraIcon", "iconclose", "ICONOPEN", "icon\u2019s", "\u2026icons"]
            + ["nation", "station", "a", "ab", "abcdef", "ABCDEF", "x" * 9, "informations"]
        ),
        st.sampled_from(["bookmarkicon", "cameraicon", "iconopen", "a"]),
        st.text(st.sampled_from("aAbB\u2014\u2019."), min_size=1, max_size=8),
    ),
    max_size=40,
).flatmap(
    lambda toks: st.lists(
        st.sampled_from([" ", "  ", "\t", "\n", "\x1c", "\x1f", "\u2003", "\u2028", "\u205f"]),
        min_size=len(toks) + 1,
        max_size=len(toks) + 1,
    ).map(lambda gaps: "".join(g + t for g, t in zip(gaps, [*toks, ""], strict=True)))
)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=600, deadline=None)
@given(st.one_of(ICON_LINES, KEY_LINES))
@example("a b c d e f")
@example(" ".join(["bookmarkicon"] * 150 + ["plain words"] * 200))
@example(" ".join(["plain words"] * 200 + ["bookmarkicon"] * 150))
def test_the_scanner_reads_icon_strips_as_the_rule_does(scan: ModuleType, text: str) -> None:
    """The scanner's icon-strip verdict on a line of ASCII and General Punctuation is the
    rule's, over the first 300 tokens; any other character is refused."""
    assert scan.icon_labels(text) == rules._icon_labels(text)


@pytest.mark.parametrize("scan", BUILDS)
def test_the_icon_scanner_refuses_other_characters(scan: ModuleType) -> None:
    with pytest.raises(ValueError, match="neither ASCII nor General Punctuation"):
        scan.icon_labels("bookmarkicon cameraicon checkicon downicon éicon closeicon")


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=500, deadline=None)
@given(
    st.text(
        st.one_of(
            st.characters(max_codepoint=0x7F),
            st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
            st.sampled_from(["\x7f", "\x80", "\xe9", "\u1fff", "\u2000", "\u206f", "\u2070"]),
            st.sampled_from(["\u4e2d", "\U0001f600"]),
        ),
        max_size=30,
    )
)
def test_the_scanner_tells_ascii_and_general_punctuation_as_the_pattern(
    scan: ModuleType, text: str
) -> None:
    assert scan.ascii_words(text) == (tokens._BEYOND_ASCII_PUNCT.search(text) is None)
    with mock.patch.object(tokens, "SCAN_COMPILED", False):
        assert tokens._ascii_words(text) == scan.ascii_words(text)


#: A block's features for the reasons they name: every cue of the structure's and the
#: model's, present or not, with values that are true, false or near the thresholds.
REASON_FEATURES = st.dictionaries(
    st.sampled_from(
        [
            "is_title",
            "noscript_notice",
            "cls_cookie",
            "cls_breadcrumb",
            "log_words",
            "in_nav",
            "link_density",
            "cls_share",
            "cls_comments",
            "in_container",
            "cls_subscribe",
            "cls_related",
            "cls_ads",
            "cls_nav",
            "in_footer",
            "cls_footer",
            "in_aside",
            "cls_sidebar",
            "short",
            "tag_p",
        ]
    ),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 0.4999, 0.7, 2.0, math.log1p(12), math.log1p(13), 3]),
)


def _model_reason_by_cues(f: dict[str, float]) -> str:
    """The model's reason as the classifier named it before the scanner did: its
    cues tried in order (the oracle the scanner's chain of tests is held to)."""
    for cue, reason in (
        ("cls_breadcrumb", "breadcrumb"),
        ("cls_comments", "comments"),
        ("cls_share", "share"),
        ("cls_subscribe", "subscribe"),
        ("cls_cookie", "cookie"),
        ("cls_related", "related"),
        ("cls_ads", "ads"),
        ("in_nav", "nav"),
        ("cls_nav", "nav"),
        ("in_footer", "footer"),
        ("cls_footer", "footer"),
        ("in_aside", "sidebar"),
        ("cls_sidebar", "sidebar"),
    ):
        if f.get(cue):
            return reason
    if f.get("link_density", 0.0) >= 0.5:
        return "link_dense"
    return "short" if f.get("short") else "low_score"


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=500, deadline=None)
@given(REASON_FEATURES)
def test_the_reasons_are_those_of_the_cues(scan: ModuleType, f: dict[str, float]) -> None:
    """The model's reason is that of its cues in order, and the structure's reason of
    both builds is the model module's (whose doctests and cases hold its rule)."""
    log13 = math.log1p(12)
    assert scan.model_reason(f) == _model_reason_by_cues(f)
    assert scan.structural_reason(f, log13) == PURE.structural_reason(f, log13)
    assert model.structural_reason(f) == PURE.structural_reason(f, log13)


@pytest.mark.parametrize("scan", BUILDS)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(REASON_FEATURES, st.sampled_from([None, "", "nav", "repeated"]))))
def test_the_container_blocks_are_those_of_the_tests(
    scan: ModuleType, blocks: list[tuple[dict[str, float], str | None]]
) -> None:
    """The container's fallback considers the blocks inside it that nothing forced and
    that are no link lists, as the tests read them."""
    feats, forced = [f for f, _ in blocks], [why for _, why in blocks]
    expected = [
        i
        for i, f in enumerate(feats)
        if f.get("in_container") and not forced[i] and f.get("link_density", 0.0) < 0.5
    ]
    assert scan.container_blocks(feats, forced) == expected
    if feats:
        with pytest.raises(ValueError, match="forced reasons for"):
            scan.container_blocks(feats, forced[1:])


def _verdicts_reference(
    feats: list[dict[str, float]],
    forced: list[str | None],
    probs: list[float],
    title_index: int | None,
    threshold: float,
    rescue_threshold: float | None,
) -> tuple[float | None, list[str | None]]:
    """The model's verdicts as Python says them: ``max`` of the free probabilities and a
    comprehension's tests per block."""
    free = [
        p
        for i, (p, why) in enumerate(zip(probs, forced, strict=True))
        if i != title_index and not why
    ]
    verdicts: list[str | None] = []
    for i, (f, why, p) in enumerate(zip(feats, forced, probs, strict=True)):
        if i == title_index:
            verdicts.append(None)
        elif why:
            verdicts.append(why)
        elif p < threshold and not (rescue_threshold is not None and p >= rescue_threshold):
            verdicts.append(PURE.model_reason(f))
        else:
            verdicts.append(None)
    return (max(free) if free else None), verdicts


_BLOCK_VERDICTS = st.lists(
    st.tuples(
        st.sampled_from([{}, {"short": 1.0}, {"in_nav": 1.0}, {"link_density": 0.7}]),
        st.sampled_from([None, "", "nav", "repeated"]),
        st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.9, 1.0]),
    ),
    max_size=8,
)


@pytest.mark.parametrize("scan", BUILDS)
@given(
    _BLOCK_VERDICTS,
    st.integers(-1, 8),
    st.sampled_from([0.25, 0.5]),
    st.sampled_from([None, 0.0, 0.1, 0.25]),
)
def test_the_verdict_loops_say_what_python_says(
    scan: ModuleType,
    blocks: list[tuple[dict[str, float], str | None, float]],
    title_index: int,
    threshold: float,
    rescue_threshold: float | None,
) -> None:
    """scan.best_free and scan.verdicts give the free blocks' ``max`` and the verdicts of
    the tests written in Python, the title, forced reasons and the rescue included."""
    feats = [f for f, _, _ in blocks]
    forced = [why for _, why, _ in blocks]
    probs = [p for _, _, p in blocks]
    title = title_index if title_index >= 0 else None
    best, expected = _verdicts_reference(feats, forced, probs, title, threshold, rescue_threshold)
    assert scan.best_free(probs, forced, title_index) == best
    assert scan.verdicts(feats, forced, probs, title_index, threshold, rescue_threshold) == expected


@pytest.mark.parametrize("scan", BUILDS)
def test_the_verdict_loops_refuse_lists_of_other_lengths(scan: ModuleType) -> None:
    """Fewer reasons or probabilities than blocks: an error, not a read past a list (the
    compiled core checks no index)."""
    with pytest.raises(ValueError, match="1 reasons and 2 probabilities for 2 blocks"):
        scan.verdicts([{}, {}], [None], [0.5, 0.5], -1, 0.5, None)
    with pytest.raises(ValueError, match="1 reasons for 2 probabilities"):
        scan.best_free([0.5, 0.5], [None], -1)


class _RuledLine:
    """A line as the forced reasons read it: a key, and a rule that names "share"."""

    def __init__(self, key: str) -> None:
        self.key = key

    def rule(self, max_rule_chars: int, phrases: object) -> str | None:
        return "share" if self.key == "share" else None


@pytest.mark.parametrize("scan", BUILDS)
@given(
    st.lists(st.sampled_from(["", "a", "b", "nav", "share", "title"]), max_size=9),
    st.integers(-1, 9),
    st.sampled_from(["", "title", "a"]),
    st.lists(st.sampled_from([{}, {"cls_cookie": 1.0}, {"tag_p": 1.0}]), min_size=9, max_size=9),
)
def test_the_forced_reasons_loop_says_what_python_says(
    scan: ModuleType,
    keys: list[str],
    title_index: int,
    title_key: str,
    structures: list[dict[str, float]],
) -> None:
    """scan.forced_reasons gives the reasons of the tests written in Python: the title,
    repetition, the title's and the last line's duplicates, the rule, the structure."""
    lines = [_RuledLine(k) for k in keys]
    structure = structures[: len(keys)]
    feats = [dict(f) for f in structure]
    expected: list[str | None] = []
    prev_key = None
    for i, line in enumerate(lines):
        k = line.key
        if i == title_index:
            reason = None
        elif k and k in {"nav"}:
            reason = "repeated"
        elif title_key and k == title_key:
            reason = "duplicate_title"
        elif k and k == prev_key:
            reason = "duplicate_line"
        else:
            reason = line.rule(80, None) or (
                PURE.structural_reason(feats[i], math.log1p(12)) if structure[i] else None
            )
        expected.append(reason)
        if k:
            prev_key = k
    got = scan.forced_reasons(
        lines,
        frozenset({"nav"}),
        title_index,
        title_key,
        feats,
        structure,
        80,
        None,
        math.log1p(12),
    )
    assert got == expected
    with pytest.raises(ValueError, match="lines for"):
        scan.forced_reasons(lines, frozenset(), -1, "", feats + [{}], structure, 80, None, 1.0)


@pytest.mark.parametrize("scan", BUILDS)
@given(
    text=st.text(alphabet="ab\n", max_size=40),
    max_blocks=st.integers(min_value=1, max_value=8),
)
@example(text="a\nb\n\nc", max_blocks=100)
@example(text="\n\na\n", max_blocks=1)
def test_line_blocks_are_the_lines_as_blocks(scan: ModuleType, text: str, max_blocks: int) -> None:
    """Each line with its breaks, the rest one block past ``max_blocks``: blocks as their
    class makes them (equal, every field, a new empty dict of features each), that tile
    the text."""
    blocks, truncated = scan.line_blocks(Block, text, max_blocks, CONTENT)
    assert all(type(b) is Block and b.kind == CONTENT and b.reason is None for b in blocks)
    assert [b.features for b in blocks] == [{}] * len(blocks)
    assert len({id(b.features) for b in blocks}) == len(blocks)
    assert "".join(text[b.start : b.end] for b in blocks) == text
    assert [b.start for b in blocks[1:]] == [b.end for b in blocks[:-1]]
    assert len(blocks) <= max(1, max_blocks) and truncated == (
        "\n" in text[blocks[-1].start : blocks[-1].end].rstrip("\n") if blocks else False
    )
    expected = [Block(b.start, b.end) for b in blocks]
    assert list(blocks) == expected and list(map(repr, blocks)) == list(map(repr, expected))
    page = Page(text, blocks)
    assert scan.block_texts(text, blocks) == [page.block_text(b) for b in blocks]
    wide = (Block(0, len(text)), Block(len(text), len(text)))
    assert scan.block_texts(text, wide) == [page.block_text(b) for b in wide]


@pytest.mark.parametrize("scan", BUILDS)
def test_marked_and_span_blocks_are_blocks_of_their_fields(scan: ModuleType) -> None:
    """The blocks of a verdict, and of spans, are their class's: frozen, equal and pickled
    as made by its constructor; the features are the very dicts given (``p_content``
    added to the verdicts')."""
    feats: list[dict[str, float]] = [{"short": 1.0}, {}]
    blocks = scan.marked_blocks(
        Block, (Block(0, 2), Block(2, 5)), [None, "nav"], feats, [0.75, 0.25], BOILERPLATE, CONTENT
    )
    assert blocks == (Block(0, 2), Block(2, 5, BOILERPLATE, "nav"))
    assert blocks[0].features is feats[0] and feats[1] == {"p_content": 0.25}
    assert pickle.loads(pickle.dumps(blocks)) == blocks
    with pytest.raises(dataclasses.FrozenInstanceError):
        blocks[0].kind = BOILERPLATE  # type: ignore[misc]
    spans = scan.span_blocks(Block, [0, 3], [3, 4], feats, CONTENT)
    assert spans == (Block(0, 3), Block(3, 4)) and spans[1].features is feats[1]
    assert dataclasses.replace(spans[0], end=4) == Block(0, 4)


@pytest.mark.parametrize("scan", BUILDS)
def test_blocks_of_sizes_that_differ_are_refused(scan: ModuleType) -> None:
    two = (Block(0, 1), Block(1, 2))
    with pytest.raises(ValueError, match="1 verdicts, 2 features and 2 probabilities for 2"):
        scan.marked_blocks(Block, two, [None], [{}, {}], [0.5, 0.5], BOILERPLATE, CONTENT)
    with pytest.raises(ValueError, match="2 verdicts, 2 features and 1 probabilities for 2"):
        scan.marked_blocks(Block, two, [None, None], [{}, {}], [0.5], BOILERPLATE, CONTENT)
    with pytest.raises(ValueError, match="1 ends and 2 features for 2 starts"):
        scan.span_blocks(Block, [0, 1], [1], [{}, {}], CONTENT)
    with pytest.raises(ValueError, match="2 ends and 1 features for 2 starts"):
        scan.span_blocks(Block, [0, 1], [1, 2], [{}], CONTENT)
    with pytest.raises(ValueError, match="a block of 0:3 in a text of 2 characters"):
        scan.block_texts("ab", (Block(0, 3),))
    with pytest.raises(ValueError, match="a block of -1:2 in a text of 2 characters"):
        scan.block_texts("ab", (Block(-1, 2),))
