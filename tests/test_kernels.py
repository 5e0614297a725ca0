"""The compiled core (normalize/kernels.py): compiled and interpreted builds agree to the bit.

Each kernel is checked three ways: both builds of it against the numpy steps
that run where the core is not compiled (the reference), the compiled
extension against the interpreted module (its twin), and the whole CLI run
with the compiled core against a run forced onto the interpreted path
(``NORMALIZE_PURE_PYTHON=1``), byte for byte. Where the extension should have
been built (``NORMALIZE_EXPECT_COMPILED=1``, which ``make test`` sets), a
missing one fails instead of leaving only the interpreted path tested.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import pickle
import sys
from pathlib import Path
from types import ModuleType
from unittest import mock

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from normalize import compiled, identify, segment
from normalize.canonical import nfc_tables
from normalize.config import SegmentConfig
from normalize.context import Context
from normalize.document import BOILERPLATE, CONTENT, Block, Segment
from normalize.langpacks import _edge_char, phrase_key
from tests.conftest import FIXTURES, SEEDS, case_list, core_builds, run_cli, run_doctests

PURE, BUILT, needs_extension, BUILDS = core_builds("kernels")
#: The NFC check's tables, which the word bonuses pass to the phrase key.
NFC = nfc_tables()
LID_MIXED = FIXTURES.parent.parent / "shared" / "bench" / "lid-mixed" / "dev.jsonl"


def test_the_extension_is_built_where_expected() -> None:
    """``make test`` builds the core; a build that silently fell back fails here."""
    if os.environ.get("NORMALIZE_EXPECT_COMPILED") != "1":
        pytest.skip("NORMALIZE_EXPECT_COMPILED is not set (make test sets it)")
    assert BUILT is not None, (
        "normalize.kernels is not compiled: reinstall (pip install -e .) and read "
        "the build's warning (a C compiler and the Python headers are needed)"
    )


def test_the_environment_forces_the_interpreted_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.PURE_PYTHON_ENV, "1")
    monkeypatch.delitem(sys.modules, "normalize.kernels", raising=False)
    assert not compiled.is_compiled(compiled.load("kernels"))


def test_the_kernels_doctests() -> None:
    """The examples in normalize/kernels.py (pytest's doctest collection skips the module)."""
    run_doctests(PURE)


def decode(kernels: ModuleType | None, chain: tuple) -> tuple[np.ndarray, np.ndarray]:
    """segment._decode by the loops of ``kernels``, or by numpy's steps (``None``)."""
    with (
        mock.patch.object(segment, "COMPILED", kernels is not None),
        mock.patch.object(segment, "kernels", kernels),
    ):
        return segment._decode(*chain)


def flat(array: np.ndarray) -> memoryview:
    return np.ascontiguousarray(array).reshape(-1).data


@st.composite
def chains(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float]:
    """Score rows as the segmenter makes them (log-likelihoods, -inf for a language
    langid lacks, ties), switching costs and a temperature."""
    n = draw(st.integers(2, 40))
    k = draw(st.integers(1, 70))
    values = st.one_of(
        st.floats(-400, 40, allow_nan=False, allow_subnormal=False),
        st.sampled_from([0.0, -1.0, -np.inf]),
    )
    scores = np.array(draw(st.lists(values, min_size=n * k, max_size=n * k))).reshape(n, k)
    scores[:, 0] = np.where(np.isinf(scores[:, 0]), -7.0, scores[:, 0])  # a finite best per row
    costs = st.sampled_from([0.0, 0.5, 2.0, 6.0, 40.0])
    cost = np.array(draw(st.lists(costs, min_size=n, max_size=n)))
    return scores, cost, draw(st.sampled_from([1.0, 1.7]))


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(chains())
def test_decoding_equals_numpys_steps_to_the_bit(kernels: ModuleType, chain: tuple) -> None:
    labels, conf = decode(kernels, chain)
    expected_labels, expected_conf = decode(None, chain)
    assert labels.tolist() == expected_labels.tolist()
    assert conf.tobytes() == expected_conf.tobytes()


@needs_extension
@settings(max_examples=100, deadline=None)
@given(chains())
def test_compiled_decoding_equals_interpreted(chain: tuple) -> None:
    built, pure = decode(BUILT, chain), decode(PURE, chain)
    assert built[0].tolist() == pure[0].tolist()
    assert built[1].tobytes() == pure[1].tobytes()


DEGENERATE_CHAINS = [
    # A row without a finite score (every candidate one langid lacks): NaN
    # exponents, as numpy's steps make them.
    ([[-np.inf, -np.inf], [0.0, -1.0], [-2.0, -np.inf]], [0.0, 2.0, 0.5], 1.0),
    ([[-np.inf] * 3, [-np.inf] * 3], [0.0, 2.0], 1.0),
    ([[np.nan, 1.0], [0.0, -1.0], [-2.0, -3.0]], [0.0, 2.0, 0.5], 1.7),
    # Signed zeros as a row's maximum.
    ([[-0.0, 0.0], [0.0, -0.0]], [0.0, 2.0], 1.0),
]


@pytest.mark.parametrize("kernels", BUILDS)
@pytest.mark.parametrize("chain", DEGENERATE_CHAINS)
@pytest.mark.filterwarnings("ignore:invalid value")
def test_decoding_rows_without_a_finite_best_equals_numpys_steps(
    kernels: ModuleType, chain: tuple
) -> None:
    """NaN and infinite scores take the same path as in numpy's steps, to the bit."""
    scores, cost, temperature = np.array(chain[0]), np.array(chain[1]), chain[2]
    labels, conf = decode(kernels, (scores, cost, temperature))
    expected_labels, expected_conf = decode(None, (scores, cost, temperature))
    assert labels.tolist() == expected_labels.tolist()
    assert conf.tobytes() == expected_conf.tobytes()


def emissions(
    kernels: ModuleType | None, scores: np.ndarray, short: np.ndarray, config: SegmentConfig
) -> np.ndarray:
    """segment._emissions of pieces whose evidence is ``scores`` and ``short``, by the
    loop of ``kernels`` or by numpy's steps (``None``)."""
    n, k = scores.shape

    def evidence(text, pieces, cands, config, ctx, out_short):  # noqa: ANN001, ANN202
        out_short[:] = short
        return scores.copy()

    with (
        mock.patch.object(segment, "COMPILED", kernels is not None),
        mock.patch.object(segment, "kernels", kernels),
        mock.patch.object(segment, "_cached_evidence", evidence),
    ):
        cands = IDENTIFIER.languages[:k]
        return segment._emissions("", [None] * n, cands, config, WORD_CONTEXT)


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 300),
    st.integers(2, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.35, 0.0, 1.0, 0.9]),
    st.sampled_from([24, 0]),
)
@pytest.mark.filterwarnings("ignore:invalid value")
def test_pooling_short_items_equals_numpys_steps_to_the_bit(
    kernels: ModuleType, n: int, k: int, seed: int, pool: float, short_chars: int
) -> None:
    """The compiled emissions (pooled short items, priors) are numpy's, bit for bit: the
    pooled sum adds the rows in numpy's order (one after the other, not pairwise)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(-40.0, 30.0, (n, k)) * rng.random((n, k)) ** 4
    scores[rng.random((n, k)) < 0.05] = -np.inf if seed % 3 == 0 else 0.0
    short = rng.random(n) < rng.random()
    config = SegmentConfig(short_pool=pool, short_chars=short_chars)
    got = emissions(kernels, scores, short, config)
    expected = emissions(None, scores, short, config)
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("kernels", BUILDS)
def test_pooling_refuses_sizes_its_buffers_lack(kernels: ModuleType) -> None:
    f8, u1 = (lambda n: np.zeros(n)), (lambda n: np.zeros(n, dtype=np.uint8))
    kernels.pool_rows(f8(6), 3, 2, u1(3), True, 0.5, f8(2), f8(2))  # in range
    with pytest.raises(ValueError, match="k \\(1\\) at least 2"):
        kernels.pool_rows(f8(6), 6, 1, u1(6), True, 0.5, f8(1), f8(1))
    with pytest.raises(ValueError, match="scores need 4 rows of 2"):
        kernels.pool_rows(f8(6), 4, 2, u1(4), True, 0.5, f8(2), f8(2))
    with pytest.raises(ValueError, match="short 3 items"):
        kernels.pool_rows(f8(6), 3, 2, u1(2), True, 0.5, f8(2), f8(2))
    with pytest.raises(ValueError, match="priors and pooled 2"):
        kernels.pool_rows(f8(6), 3, 2, u1(3), True, 0.5, f8(1), f8(2))


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_subnormal=False), max_size=600), st.integers(0, 3))
def test_pairwise_sum_is_numpys(kernels: ModuleType, values: list[float], power: int) -> None:
    row = np.array(values) ** (1 + 4 * power)
    lo = len(row) // 3
    assert kernels.pairwise_sum(flat(row), lo, len(row) - lo) == row[lo:].sum()


def sums(kernels: ModuleType | None, texts: list[str], langs: list[str], chunk: int) -> np.ndarray:
    """LanguageIdentifier.loglik by the walk of ``kernels``, or by numpy's steps (``None``),
    adding up rows in chunks of ``chunk`` emitting bytes."""
    with (
        mock.patch.object(identify, "COMPILED", kernels is not None),
        mock.patch.object(identify, "kernels", kernels),
        mock.patch.object(identify.LanguageIdentifier, "CHUNK", chunk),
    ):
        return IDENTIFIER.loglik(texts, langs)


IDENTIFIER = identify.load_identifier()
#: Text as pieces come: letters of several scripts, marks, digits, punctuation.
PIECES = st.lists(
    st.text(
        st.one_of(
            st.sampled_from("abcdeéèñß ثبتपहमाжщїΩあア中"),
            st.characters(codec="utf-8", categories=("L", "M", "N", "P", "Zs")),
        ),
        max_size=60,
    ),
    max_size=12,
)
CANDIDATES = st.lists(st.sampled_from(IDENTIFIER.languages), min_size=1, max_size=60, unique=True)


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(PIECES, CANDIDATES, st.sampled_from([1, 3, 7, 16_384]))
def test_scoring_equals_numpys_steps_to_the_bit(
    kernels: ModuleType, texts: list[str], langs: list[str], chunk: int
) -> None:
    assert sums(kernels, texts, langs, chunk).tobytes() == sums(None, texts, langs, chunk).tobytes()


@pytest.mark.parametrize("kernels", BUILDS)
@pytest.mark.parametrize("chunk", [7, 1_000, 16_384])
def test_scoring_of_long_texts_equals_numpys_steps(kernels: ModuleType, chunk: int) -> None:
    """Whole seed pages: sums long enough to round, chunks cut inside texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["", texts[0][:5], texts[1] * 3]
    langs = ["en", "hi", "ne", "mr", "fr", "de"]
    expected = sums(None, texts, langs, chunk)
    assert sums(kernels, texts, langs, chunk).tobytes() == expected.tobytes()


@needs_extension
@settings(max_examples=100, deadline=None)
@given(PIECES, CANDIDATES, st.sampled_from([1, 5, 16_384]))
def test_compiled_scoring_equals_interpreted(
    texts: list[str], langs: list[str], chunk: int
) -> None:
    assert sums(BUILT, texts, langs, chunk).tobytes() == sums(PURE, texts, langs, chunk).tobytes()


# The word evidence of pieces: chrome phrases and stopwords.

#: A candidate set whose packs share many words (the Latin script's, in part).
WORD_CANDIDATES = ("en", "fr", "de", "es", "it", "nl", "pt")
WORD_CONTEXT = Context()


def word_pool() -> list[str]:
    """Words and phrases the candidates' packs list (stopwords of one pack and of
    several, chrome phrases), and words none lists."""
    packs = [WORD_CONTEXT.packs.pack(lang) for lang in WORD_CANDIDATES]
    pool: set[str] = {"zorblax", "Home", "NEWS", "x"}
    for pack in packs:
        pool.update(sorted(pack.stopwords)[:40])
        pool.update(sorted(pack.phrases)[:15])
    return sorted(pool)


WORDS = word_pool()
#: Pieces made of those words, in any case, with edge punctuation, long ones
#: past the words read for stopwords.
WORD_PIECES = st.lists(
    st.builds(
        lambda words, sep, edge, upper: (
            (edge + sep.join(words) + edge)
            if not upper
            else (edge + sep.join(words) + edge).upper()
        ),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=70),
        st.sampled_from([" ", "  ", " \u00a0"]),
        st.sampled_from(["", "« ", ":", " "]),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)


def evidence(kernels: ModuleType | None, texts: list[str], config: SegmentConfig) -> np.ndarray:
    """segment._evidence with the word bonuses of ``kernels``, or of the interpreted
    loop that runs where the core is not compiled (``None``)."""
    with (
        mock.patch.object(segment, "COMPILED", kernels is not None),
        mock.patch.object(segment, "kernels", kernels),
    ):
        return segment._evidence(texts, WORD_CANDIDATES, config, WORD_CONTEXT)


WORD_CONFIGS = st.builds(
    SegmentConfig,
    chrome_bonus=st.sampled_from([0.0, 1.5, 0.1]),
    stopword_bonus=st.sampled_from([0.0, 0.6, 0.3]),
    letter_cap=st.integers(1, 4),
)


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=150, deadline=None)
@given(WORD_PIECES, WORD_CONFIGS)
def test_word_evidence_equals_the_interpreted_loop_to_the_bit(
    kernels: ModuleType, texts: list[str], config: SegmentConfig
) -> None:
    assert evidence(kernels, texts, config).tobytes() == evidence(None, texts, config).tobytes()


def test_word_evidence_is_found() -> None:
    """The pieces above do hit phrases and stopwords (else the test above proves little)."""
    config = SegmentConfig()
    phrases, owner = segment._word_tables(WORD_CANDIDATES, WORD_CONTEXT)
    word = next(w for w in WORDS if w in owner)
    phrase = next(p for p in WORDS if p in phrases)
    plain = dataclasses.replace(config, chrome_bonus=0.0, stopword_bonus=0.0)
    for kernels in (PURE, BUILT, None):
        if kernels is None and BUILT is None:
            continue
        gain = evidence(kernels, [word, phrase], config) - evidence(kernels, [word, phrase], plain)
        assert gain[0, owner[word]] > 0
        assert all(gain[1, col] >= config.chrome_bonus for col in phrases[phrase])


#: Candidate sets with letters only one of them writes (Latin, Cyrillic, Arabic).
LETTER_CANDIDATES = (
    ("en", "fr", "de", "es", "pl", "cs", "ro", "hu", "tr"),
    ("ru", "uk", "bg", "sr", "mk", "be"),
    ("ar", "fa", "ur", "ps"),
)


@pytest.mark.parametrize("kernels", BUILDS)
@pytest.mark.parametrize("cands", LETTER_CANDIDATES)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), cap=st.integers(1, 4), bonus=st.sampled_from([1.5, 0.1, 0.0]))
def test_letter_evidence_equals_the_interpreted_search_to_the_bit(
    kernels: ModuleType, cands: tuple[str, ...], data: st.DataObject, cap: int, bonus: float
) -> None:
    """The compiled core's letter count adds what the pattern's search adds, in any text:
    the letters of one candidate, of several, and characters around and between them."""
    letters = segment._letter_table(cands, WORD_CONTEXT)
    assert letters.columns
    chars = sorted(letters.columns) + list("aé ёя\n") + ["\U0001f600", "\u0301", "\u00ff"]
    texts = data.draw(
        st.lists(st.lists(st.sampled_from(chars), max_size=30).map("".join), min_size=1)
    )
    config = SegmentConfig(letter_bonus=bonus, letter_cap=cap, chrome_bonus=0.0, stopword_bonus=0.0)
    with mock.patch.object(segment, "_word_tables", side_effect=AssertionError):

        def run(kernels: ModuleType | None) -> bytes:
            with (
                mock.patch.object(segment, "COMPILED", kernels is not None),
                mock.patch.object(segment, "kernels", kernels),
            ):
                return segment._evidence(texts, cands, config, WORD_CONTEXT).tobytes()

        assert run(kernels) == run(None)


@pytest.mark.parametrize("kernels", BUILDS)
def test_letter_bonuses_check_their_tables(kernels: ModuleType) -> None:
    """Columns past the candidates, letters out of order, buffers too small: errors, not
    reads or writes past the end of a buffer (the compiled core checks no index)."""
    ip = lambda *v: np.array(v, dtype=np.intp)  # noqa: E731

    def run(codes: np.ndarray, cols: np.ndarray, rows: int = 2, k: int = 2) -> np.ndarray:
        out = np.zeros(rows * k)
        kernels.letter_bonuses(["ab", "bcb"], codes, cols, 1.0, 5, k, np.empty(k, np.intp), out)
        return out

    assert run(ip(98, 99), ip(1, 0)).tolist() == [0.0, 1.0, 1.0, 2.0]
    assert run(ip(), ip()).tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="column 2 of letter 1 is not one of 2"):
        run(ip(98, 99), ip(1, 2))
    with pytest.raises(ValueError, match="column -1 of letter 0"):
        run(ip(98), ip(-1))
    with pytest.raises(ValueError, match="letter 1 is not after letter 0"):
        run(ip(99, 98), ip(0, 0))
    with pytest.raises(ValueError, match="letter 1 is not after letter 0"):
        run(ip(98, 98), ip(0, 0))
    with pytest.raises(ValueError, match="out 2 rows of 2, cols 2 items"):
        run(ip(98, 99), ip(0))
    with pytest.raises(ValueError, match="out 2 rows of 2"):
        run(ip(98, 99), ip(0, 1), rows=1)


def word_table(kernels: ModuleType, owner: dict[str, int]) -> np.ndarray:
    """The word table of ``owner`` (word → column), made by ``kernels``."""
    words = list(owner)
    table = np.empty(kernels.word_table_size(words), dtype=np.intp)
    kernels.fill_word_table(words, [owner[w] for w in words], table)
    return table


def reference_word_bonuses(
    keys: list[str],
    phrases: dict[str, tuple[int, ...]],
    owner: dict[str, int],
    chrome: float,
    stopword: float,
    cap: int,
    max_words: int,
    out: np.ndarray,
    k: int,
) -> None:
    """word_bonuses by its definition: the phrase key's columns, then its words split
    and looked up in a dictionary, the hits per column added in column order."""
    for i, text in enumerate(keys):
        key = phrase_key(text)
        for col in phrases.get(key, ()):
            out[i * k + col] += chrome
        hits = [0] * k
        for word in key.split(None, max_words)[: max(max_words, 0)]:
            if (col := owner.get(word)) is not None:
                hits[col] += 1
        for col in range(k):
            if hits[col]:
                out[i * k + col] += stopword * min(hits[col], cap)


@pytest.mark.parametrize("kernels", BUILDS)
def test_word_bonuses_are_not_written_past_their_buffers(kernels: ModuleType) -> None:
    """A column past the candidates, or buffers too small for them: errors, not writes
    past the end of a buffer (the compiled core checks no index)."""

    def run(phrases: dict[str, tuple[int, ...]], owner: dict[str, int], rows: int = 1) -> None:
        out, hits = np.zeros(rows * 2), np.empty(2, dtype=np.intp)
        table = word_table(kernels, owner)
        kernels.word_bonuses(
            ["the cat"], _edge_char, *NFC, phrases, table, 1.0, 1.0, 3, 50, 2, hits, out
        )

    run({"the cat": (1,)}, {"the": 0})  # in range
    with pytest.raises(ValueError, match="column 2 of phrase 'the cat'"):
        run({"the cat": (0, 2)}, {})
    with pytest.raises(ValueError, match="column 5 of word 'cat'"):
        run({}, {"cat": 5})
    with pytest.raises(ValueError, match="column -1 of word 'the'"):
        run({}, {"the": -1})
    with pytest.raises(ValueError, match="out 1 rows of 2"):
        run({}, {}, rows=0)


@pytest.mark.parametrize("kernels", BUILDS)
def test_a_word_table_that_is_not_one_is_refused(kernels: ModuleType) -> None:
    """A table fill_word_table did not make (a header past its end, a slot or a start
    out of it, no empty slot) gives an error or a miss, never a read past its end."""
    good = word_table(kernels, {"the": 0, "cat": 1, "a": 0})

    def run(table: np.ndarray) -> list[float]:
        out, hits = np.zeros(2), np.empty(2, dtype=np.intp)
        kernels.word_bonuses(
            ["the cat a"], _edge_char, *NFC, {}, table, 1.0, 1.0, 9, 50, 2, hits, out
        )
        return out.tolist()

    assert run(good) == [2.0, 1.0]
    m, n = int(good[0]), int(good[1])
    for header in ([0, n], [3, n], [m, -1], [m, n + len(good)], [-m, n]):
        bad = good.copy()
        bad[:2] = header
        with pytest.raises(ValueError, match="not a word table"):
            run(bad)
    with pytest.raises(ValueError, match="no header"):
        run(good[:1])
    slots = slice(2, 2 + m)
    for entry in (n + 1, -1):
        bad = good.copy()
        bad[slots] = np.where(bad[slots] != 0, entry, 0)
        with pytest.raises(ValueError, match="an entry out of it"):
            run(bad)
    bad = good.copy()
    bad[2 + m + 1 : 2 + m + n + 1] = len(good)  # every word ends past the table
    with pytest.raises(ValueError, match="an entry out of it"):
        run(bad)
    full = good.copy()
    full[slots] = np.where(full[slots] != 0, full[slots], 2)  # no empty slot: "cat" everywhere
    assert run(full)[1] >= 1.0


@pytest.mark.parametrize("kernels", BUILDS)
def test_a_word_given_twice_is_refused(kernels: ModuleType) -> None:
    with pytest.raises(ValueError, match="word 'cat' is given twice"):
        kernels.fill_word_table(["cat", "dog", "cat"], [0, 1, 0], np.empty(64, dtype=np.intp))
    with pytest.raises(ValueError, match="cols needs the columns of the 2 words"):
        kernels.fill_word_table(["cat", "dog"], [0], np.empty(64, dtype=np.intp))
    with pytest.raises(ValueError, match="a table of 3 items"):
        kernels.fill_word_table(["cat", "dog"], [0, 1], np.empty(3, dtype=np.intp))


def word_columns(
    kernels: ModuleType, texts: list[str], owner: dict[str, int], k: int = 10, extra: int = 1
) -> list[int]:
    """``kernels.word_columns`` of the NUL-separated words of ``texts`` in the table of
    ``owner``, 0 for a word it lacks; the cells of ``out`` past them (``extra``) stay 7."""
    out = np.full(sum(len(t.split("\x00")) for t in texts if t) + extra, 7, np.uintc)
    n = kernels.word_columns(texts, "\x00", word_table(kernels, owner), k, 0, out)
    assert n == len(out) - extra
    return out.tolist()


#: Words of one, two and four bytes per code point, prefixes of one another, and the
#: empty one: a table of a few slots files most of them in the slots after their
#: own, where a lookup compares their code points with the word's.
VOCABULARY = ["the", "of", "été", "дом", "x", "北", "th", "theo", "\U0001f600", ""]


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=9)),
    st.dictionaries(st.sampled_from(VOCABULARY), st.integers(1, 9), max_size=6),
)
def test_the_word_columns_are_those_of_the_words(
    kernels: ModuleType, lines: list[list[str]], owner: dict[str, int]
) -> None:
    """Each word of the NUL-joined lines gets its column in the table (0 when it has none),
    in order: the columns that looking up the split words gives (a line of no
    characters has no word; one of NULs alone has empty words)."""
    texts = ["\x00".join(ws) for ws in lines]
    expected = [owner.get(w, 0) for t in texts if t for w in t.split("\x00")]
    assert word_columns(kernels, texts, owner) == [*expected, 7]


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(max_size=6), unique=True, max_size=40),
    st.lists(st.text(max_size=12), max_size=3),
)
def test_a_word_table_finds_each_word_as_itself(
    kernels: ModuleType, words: list[str], texts: list[str]
) -> None:
    """On any Unicode (astral, surrogates, the empty word): each word is found with its
    own column, and the words of any text with the columns a dictionary gives."""
    owner = {w: i + 1 for i, w in enumerate(words)}
    alone = [w for w in words if w and "\x00" not in w]
    assert word_columns(kernels, alone, owner, len(words) + 1, 0) == [owner[w] for w in alone]
    expected = [owner.get(w, 0) for t in texts if t for w in t.split("\x00")]
    assert word_columns(kernels, texts, owner, len(words) + 1, 0) == expected


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_word_columns_are_not_written_or_read_past_their_buffers(kernels: ModuleType) -> None:
    """More words than room for their columns, a table that is not one, a column past
    ``k``, or a separator that is not one character: errors, not writes or reads
    past the end of a buffer (the compiled core checks no index)."""
    table = word_table(kernels, {"the": 1, "cat": 0})

    def run(texts: list[str], table: np.ndarray = table, k: int = 2, sep: str = "\x00") -> None:
        kernels.word_columns(texts, sep, table, k, 0, np.zeros(2, np.uintc))

    run(["the\x00cat"])  # in range
    with pytest.raises(ValueError, match="the texts have 3 words, more than the 2 cells of out"):
        run(["the\x00cat", "of"])
    with pytest.raises(ValueError, match="no header"):
        run(["the"], table[:1])
    with pytest.raises(ValueError, match=r"not a word table \(4 slots, 2 words, 5 items\)"):
        run(["the"], table[:5])
    forged = table.copy()
    forged[2 : 2 + table[0]] = np.where(forged[2 : 2 + table[0]], 5, 0)
    with pytest.raises(ValueError, match=r"not a word table \(an entry out of it\)"):
        run(["the"], forged)
    with pytest.raises(ValueError, match="column 1 of word 'the' is not one of 1"):
        run(["the"], k=1)
    for sep in ("", "\x00\x00"):
        with pytest.raises(ValueError, match="is not one character"):
            run(["the"], sep=sep)


#: Words and keys of few characters (so that they meet), of letters that casefold to
#: more than one (ß, İ, ﬁ), spaces of several kinds and edge punctuation.
TABLE_CHARS = "ab c\xa0ßİﬁ\u3000é!"


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(TABLE_CHARS, max_size=30), max_size=8),
    st.dictionaries(st.text(TABLE_CHARS, max_size=6), st.lists(st.integers(0, 4), max_size=3)),
    st.dictionaries(st.text(TABLE_CHARS, min_size=1, max_size=3), st.integers(0, 4)),
    st.integers(1, 3),
    st.integers(-1, 6),
)
def test_word_bonuses_are_their_definition(
    kernels: ModuleType,
    keys: list[str],
    phrases: dict[str, list[int]],
    owner: dict[str, int],
    cap: int,
    max_words: int,
) -> None:
    """The word table finds what a dictionary of the words finds, in any text."""
    phrase_cols = {phrase_key(k): tuple(v) for k, v in phrases.items()}
    # The words as a key has them (the stopwords of the packs are phrase keys too).
    owner = {phrase_key(w) or w: col for w, col in owner.items()}
    expected = np.linspace(-3.0, 1.0, len(keys) * 5)
    out = _word_bonuses(kernels, keys, phrase_cols, owner, cap, max_words)
    reference_word_bonuses(keys, phrase_cols, owner, 0.7, 0.3, cap, max_words, expected, 5)
    assert out.tobytes() == expected.tobytes()


def _word_bonuses(
    kernels: ModuleType,
    keys: list[str],
    phrases: dict[str, tuple[int, ...]],
    owner: dict[str, int],
    cap: int,
    max_words: int,
) -> np.ndarray:
    """``kernels.word_bonuses`` of ``keys`` (bonuses 0.7 and 0.3, five candidates) added
    to a ramp of scores, which it returns."""
    out = np.linspace(-3.0, 1.0, len(keys) * 5)
    kernels.word_bonuses(
        keys,
        _edge_char,
        *NFC,
        phrases,
        word_table(kernels, owner),
        0.7,
        0.3,
        cap,
        max_words,
        5,
        np.empty(5, dtype=np.intp),
        out,
    )
    return out


@needs_extension
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text("ab c", max_size=30), max_size=8),
    st.dictionaries(st.text("ab c", max_size=6), st.lists(st.integers(0, 4), max_size=3)),
    st.dictionaries(st.text("abc", min_size=1, max_size=3), st.integers(0, 4)),
    st.integers(1, 3),
    st.integers(0, 6),
)
def test_compiled_word_bonuses_equal_interpreted(
    keys: list[str],
    phrases: dict[str, list[int]],
    owner: dict[str, int],
    cap: int,
    max_words: int,
) -> None:
    cols = {k: tuple(v) for k, v in phrases.items()}

    def run(kernels: ModuleType) -> bytes:
        return _word_bonuses(kernels, keys, cols, owner, cap, max_words).tobytes()

    assert run(BUILT) == run(PURE)


#: Pieces of any characters: words of the packs among letters that casefold to more
#: than one (ß, İ, ﬁ), compose (e + U+0301), marks, spaces of every kind and
#: punctuation, in any case.
UNICODE_PIECES = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(WORDS),
            st.sampled_from(
                [
                    "ß",
                    "İ",
                    "ﬁ",
                    "e\u0301",
                    "\u0301",
                    " ",
                    "  ",
                    "\xa0",
                    "\u3000",
                    "\t",
                    "«",
                    "!",
                    "-",
                    "STRASSE",
                    "Straße",
                    "ﬁn",
                ]
            ),
            st.text(max_size=4),
        ),
        max_size=40,
    ).map("".join),
    min_size=1,
    max_size=8,
)


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=150, deadline=None)
@given(UNICODE_PIECES, WORD_CONFIGS)
def test_word_evidence_of_any_text_equals_the_interpreted_loop_to_the_bit(
    kernels: ModuleType, texts: list[str], config: SegmentConfig
) -> None:
    assert evidence(kernels, texts, config).tobytes() == evidence(None, texts, config).tobytes()


# Evidence rows kept across documents.


@pytest.mark.parametrize("kernels", BUILDS)
def test_evidence_rows_are_kept_for_short_pieces_seen_before(kernels: ModuleType) -> None:
    """Each piece's row is its own evidence whatever the cache holds; the cache keeps
    the rows of short pieces from their second sighting on, never a long one's."""
    long = "Une phrase assez longue pour ne jamais être gardée dans le cache des lignes."
    text = f"Accueil | Actualités | Accueil\n{long}\nContact | Accueil"
    pieces = segment._pieces(text)
    cands = ("en", "fr", "es")
    config, ctx = SegmentConfig(), Context()
    texts = [text[p.start : p.end] for p in pieces]
    expected = segment._evidence(texts, cands, config, ctx)
    kept = []
    with mock.patch.object(segment, "kernels", kernels):
        for _ in range(3):
            short = np.empty(len(pieces), dtype=np.uint8)
            rows = segment._cached_evidence(text, pieces, cands, config, ctx, short)
            assert rows.tobytes() == expected.tobytes()
            assert short.tolist() == [len(t) <= config.short_chars for t in texts]
            kept.append(len(segment._row_cache(ctx)))
    assert kept == [0, 3, 3]  # Accueil, Actualités, Contact: not the sentence


@pytest.mark.parametrize("kernels", BUILDS)
def test_evidence_rows_check_the_pieces(kernels: ModuleType) -> None:
    """Pieces out of the text, a buffer without room for every piece, a piece that is
    not one of the rows: errors, not writes past the end (the compiled core checks
    no index)."""
    pieces = [segment._Piece(0, 2, "Latn", "Latn"), segment._Piece(3, 9, "Latn", "Latn")]

    def probe(text: str, room: int, rows: int = 2, kept: object = None) -> np.ndarray:
        short, out = np.empty(room, dtype=np.uint8), np.zeros(rows * 3)
        kernels.piece_rows(text, pieces, 5, 64, None, lambda key: kept, 3, out, {}, short)
        return out

    probe("ab cdefgh", 2)
    assert probe("ab cdefgh", 2, kept=np.arange(3.0).tobytes()).tolist() == [0, 1, 2] * 2
    with pytest.raises(ValueError, match="piece 3:9 is not within 0:8"):
        probe("ab cdefg", 2)
    with pytest.raises(ValueError, match="short needs the 2 items"):
        probe("ab cdefgh", 1)
    with pytest.raises(ValueError, match="out 2 rows"):
        probe("ab cdefgh", 2, rows=1)
    with pytest.raises(ValueError, match="a kept row of 16 bytes, not 3 numbers"):
        probe("ab cdefgh", 2, kept=np.arange(2.0).tobytes())
    fresh, out = np.arange(3.0), np.zeros(6)
    kernels.offer_rows(["ab"], fresh, {"ab": [1]}, 3, out, 64, None, print)
    assert out.tolist() == [0, 0, 0, 0, 1, 2]
    with pytest.raises(ValueError, match="piece 2 is not one of the 2 rows"):
        kernels.offer_rows(["ab"], fresh, {"ab": [0, 2]}, 3, out, 64, None, print)
    with pytest.raises(ValueError, match="fresh needs 2 rows of 3"):
        kernels.offer_rows(["ab", "c"], fresh, {"ab": [0], "c": [1]}, 3, out, 64, None, print)


@pytest.mark.parametrize("kernels", BUILDS)
def test_kept_rows_are_the_numbers_of_the_fresh_ones(kernels: ModuleType) -> None:
    """A row offered to the cache is its numbers as bytes, which come back the same."""
    offered: list = []
    fresh = np.array([[1.5, -np.inf, 2.0**-1074], [-0.0, np.nan, 7.0]])
    out = np.zeros(6)
    kernels.offer_rows(
        ["a", "b"],
        fresh.reshape(-1),
        {"a": [1], "b": [0]},
        3,
        out,
        64,
        0,
        lambda key, row: offered.append((key, row)),
    )
    assert [key for key, _ in offered] == [(0, "a"), (0, "b")]
    assert [row for _, row in offered] == [fresh[0].tobytes(), fresh[1].tobytes()]
    assert out.tobytes() == fresh[::-1].tobytes()
    again, short = np.zeros(3), np.empty(1, dtype=np.uint8)
    piece = [segment._Piece(0, 1, "Latn", "Latn")]
    kernels.piece_rows("a", piece, 5, 64, 0, dict(offered).get, 3, again, {}, short)
    assert again.tobytes() == fresh[0].tobytes()


# Spans: the runs of labelled pieces.

_URL_PATTERN = segment._URL.pattern
#: What may follow a run and belong to its segment, as patterns: a URL or e-mail
#: address after spaces, a sentence end after an optional space.
TRAILING_URL = regex.compile(r"[ \u00a0]+(?:" + _URL_PATTERN + ")")
TRAILING_STOP = regex.compile(r"[ \u00a0\u202f]?[.!?…।॥۔؟。！？．]+")


def reference_spans(text: str, pieces: list) -> list[tuple]:
    """kernels.spans by its definition, in patterns: the gaps' URLs and addresses
    replaced by a space before their kind is read, what trails a run matched."""
    out: list[tuple] = []
    pos, n, i = 0, len(pieces), 0
    while i < n:
        first = pieces[i]
        j = i + 1
        while j < n:
            p, prev = pieces[j], pieces[j - 1]
            if p.lang != prev.lang or p.script != prev.script:
                break
            gap = text[prev.end : p.start]
            if gap != " " and segment._gap_kind(segment._URL.sub(" ", gap)) > segment.SENTENCE:
                break
            j += 1
        limit = pieces[j].start if j < n else len(text)
        start, end = first.start, pieces[j - 1].end
        if url := TRAILING_URL.match(text, end, limit):
            end = url.end()
        if stop := TRAILING_STOP.match(text, end, limit):
            end = stop.end()
        if start > pos:
            out.append((pos, start, "zxx", "Zyyy", 1.0))
        run = pieces[i:j]
        size = sum(p.end - p.start for p in run)
        conf = sum([p.confidence * (p.end - p.start) for p in run]) / size
        out.append((start, end, first.lang, first.script, conf))
        pos, i = end, j
    if pos < len(text):
        out.append((pos, len(text), "zxx", "Zyyy", 1.0))
    return out


def spans(kernels: ModuleType, text: str, pieces: list) -> list[tuple]:
    """segment._spans by the kernel of ``kernels``."""
    with mock.patch.object(segment, "kernels", kernels):
        return segment._spans(text, pieces, covering(text))


@st.composite
def labelled(draw: st.DrawFn) -> tuple[str, list]:
    """A text and its pieces (as the scanner cuts them), labelled in runs as the
    decoder labels them: neighbours often share a language."""
    text = draw(SCANNED_TEXT)
    pieces = segment._pieces(text)
    langs = st.sampled_from(["en", "fr", "und"])
    confs = st.sampled_from([0.0, 0.25, 1.0 / 3.0, 0.9, 1.0])
    lang = draw(langs)
    for p in pieces:
        if draw(st.integers(0, 3)) == 0:
            lang = draw(langs)
        p.lang, p.confidence = lang, draw(confs)
        if draw(st.integers(0, 5)) == 0:
            p.script = "Latn"  # a stray given its neighbours' script
    return text, pieces


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=300, deadline=None)
@given(labelled())
def test_spans_are_their_definition(kernels: ModuleType, case: tuple) -> None:
    text, pieces = case
    made = spans(kernels, text, pieces)
    assert made == reference_spans(text, pieces)
    assert [type(v) for span in made for v in span] == [int, int, str, str, float] * len(made)


@pytest.mark.parametrize("kernels", BUILDS)
def test_spans_take_urls_and_sentence_ends_as_their_definition(kernels: ModuleType) -> None:
    texts = [
        "Read https://example.org/a?b=(1) then mail ana.b+c@mail.example.co.uk. Or www.x.y!",
        "Écrivez à contact@exemple.fr — ou lisez http:// www. @ a@b a@b. x@y.z. fin",
        "होम > दुनिया https://bbc.com/hindi|संपर्क: info@bbc.co.uk (International)",
        "See\u00a0 www.example.org\u202f!! and 12@x.org-y. next\nline a-http://b.c d",
    ]
    for text in texts:
        pieces = segment._pieces(text)
        for p in pieces:
            p.lang, p.confidence = "en", 0.5
        assert spans(kernels, text, pieces) == reference_spans(text, pieces), text


@pytest.mark.parametrize("kernels", BUILDS)
def test_spans_check_the_pieces(kernels: ModuleType) -> None:
    """Pieces out of the text, empty or out of order: errors, not reads past the
    end of the text (the compiled core checks no index)."""

    def run(*bounds: tuple[int, int]) -> list:
        pieces = [segment._Piece(a, b, "Latn", "Latn", lang="en") for a, b in bounds]
        return spans(kernels, "ab cd ef", pieces)

    assert run((0, 2), (3, 5)) == [(0, 5, "en", "Latn", 0.0), (5, 8, "zxx", "Zyyy", 1.0)]
    for bounds in [((0, 2), (3, 9)), ((3, 5), (0, 2)), ((0, 2), (4, 4)), ((-1, 2),)]:
        with pytest.raises(ValueError, match="empty, out of order or not within 0:8"):
            run(*bounds)


# Labels.


@pytest.mark.parametrize("kernels", BUILDS)
def test_labels_go_to_the_pieces_of_their_windows(kernels: ModuleType) -> None:
    chain = [segment._Piece(i, i + 1, "Latn", "Latn") for i in range(5)]
    labels, conf = np.array([1, 0, 1], dtype=np.intp), np.array([0.5, 0.25, 1.0])
    kernels.set_labels(chain, labels, conf, ("en", "fr"), 2)
    assert [(p.lang, p.confidence) for p in chain] == [
        ("fr", 0.5),
        ("fr", 0.5),
        ("en", 0.25),
        ("en", 0.25),
        ("fr", 1.0),
    ]
    assert all(type(p.confidence) is float for p in chain)  # not numpy's float64
    with pytest.raises(ValueError, match="need the 5 items of the windows"):
        kernels.set_labels(chain, labels, conf, ("en", "fr"), 1)
    with pytest.raises(ValueError, match="label 1 of window 0 is not one of 1"):
        kernels.set_labels(chain, labels, conf, ("en",), 2)
    with pytest.raises(ValueError, match="windows of 0 pieces"):
        kernels.set_labels(chain, labels, conf, ("en", "fr"), 0)


def reference_absorb(text: str, pieces: list, stray_letters: int) -> None:
    """kernels.absorb_strays by its definition, with the gaps' kinds read by patterns."""
    for i in range(1, len(pieces) - 1):
        p, before, after = pieces[i], pieces[i - 1], pieces[i + 1]
        if (
            p.end - p.start <= stray_letters
            and p.group != before.group
            and before.lang == after.lang
            and before.script == after.script
            and segment._gap_kind(text[before.end : p.start]) <= segment.SENTENCE
            and segment._gap_kind(text[p.end : after.start]) <= segment.SENTENCE
        ):
            p.lang, p.script = before.lang, before.script
            p.confidence = min(before.confidence, after.confidence)


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=300, deadline=None)
@given(st.data(), st.integers(1, 3))
def test_strays_are_absorbed_as_their_definition(
    kernels: ModuleType, data: st.DataObject, stray_letters: int
) -> None:
    text, pieces = data.draw(labelled())
    expected = [dataclasses.replace(p) for p in pieces]
    reference_absorb(text, expected, stray_letters)
    with mock.patch.object(segment, "kernels", kernels):
        config = SegmentConfig(stray_letters=stray_letters)
        segment._absorb_strays(text, pieces, config, covering(text))
    assert pieces == expected


@pytest.mark.parametrize("kernels", BUILDS)
def test_absorbing_strays_checks_the_pieces(kernels: ModuleType) -> None:
    table = segment._char_classes(SCANNER_CONTEXT)
    pieces = [segment._Piece(0, 2, "Latn", "Latn"), segment._Piece(1, 9, "Cyrl", "Cyrl")]
    with pytest.raises(ValueError, match="piece 1:9 is out of order or not within 0:8"):
        kernels.absorb_strays("ab cd ef", pieces, 2, table.classes, table.info)


# Letters.


@pytest.mark.parametrize("kernels", BUILDS)
def test_letters_are_what_str_isalpha_says(kernels: ModuleType) -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert [c for c in every if kernels.count_letters(c)] == [c for c in every if c.isalpha()]
    assert kernels.count_letters(every) == sum(map(str.isalpha, every))


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text("ab 1é.ж中\u0301", max_size=8),
            st.sampled_from(["en", "fr", "zxx", "und"]),
            st.floats(0, 1, allow_subnormal=False),
        ),
        max_size=12,
    )
)
def test_letter_totals_add_up_in_order(kernels: ModuleType, parts: list) -> None:
    """The letters and confidence-weighted letters of each language, the weighted ones
    added in the segments' order (a float sum in another order could round differently)."""
    segments = [Segment(t, 0, len(t), lang, "Latn", conf) for t, lang, conf in parts]
    letters: dict[str, int] = {}
    confident: dict[str, float] = {}
    kernels.letter_totals(segments, "zxx", letters, confident)
    expected: dict[str, int] = {}
    weighted: dict[str, float] = {}
    for seg in segments:
        if seg.lang != "zxx":
            n = sum(map(str.isalpha, seg.text))
            expected[seg.lang] = expected.get(seg.lang, 0) + n
            weighted[seg.lang] = weighted.get(seg.lang, 0.0) + n * seg.confidence
    assert letters == expected
    assert list(confident) == list(weighted)
    assert [v.hex() for v in confident.values()] == [v.hex() for v in weighted.values()]


# Segments cut at blocks.


@st.composite
def cuts(draw: st.DrawFn) -> tuple[str, list, list[Block]]:
    """A text, spans that tile it (as ``segment._spans`` makes them) and blocks that
    tile it (as a page's do), with kinds and reasons."""
    text = draw(st.text("ab é.\nж", min_size=1, max_size=60))

    def tiling() -> list[tuple[int, int]]:
        inner = (
            draw(st.sets(st.integers(1, len(text) - 1), max_size=12)) if len(text) > 1 else set()
        )
        bounds = [0, *sorted(inner), len(text)]
        return list(zip(bounds, bounds[1:], strict=False))

    labels = st.sampled_from([("en", "Latn"), ("zxx", "Zyyy"), ("ru", "Cyrl"), ("und", "Zzzz")])
    spans = [
        (a, b, *draw(labels), draw(st.floats(0, 1, allow_subnormal=False))) for a, b in tiling()
    ]
    kinds = st.sampled_from([(CONTENT, None), (BOILERPLATE, "nav"), (BOILERPLATE, "footer")])
    blocks = [Block(a, b, *draw(kinds)) for a, b in tiling()]
    return text, spans, blocks


def cut(kernels: ModuleType | None, text: str, spans: list, blocks: list[Block] | None) -> list:
    """segment._cut_at_blocks by the kernel of ``kernels``, or its own walk (``None``)."""
    with (
        mock.patch.object(segment, "kernels", kernels or PURE),
        mock.patch.object(segment, "COMPILED", kernels is not None),
    ):
        return segment._cut_at_blocks(text, spans, blocks)


def fields(segments: list[Segment]) -> list[tuple]:
    """Every field of each segment with its type: equal segments could differ in
    a field's type (1 == 1.0) or miss a field the kernel forgot."""
    return [tuple((v, type(v)) for v in dataclasses.astuple(s)) for s in segments]


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=200, deadline=None)
@given(cuts(), st.booleans())
def test_segments_are_cut_at_blocks_as_the_interpreted_walk(
    kernels: ModuleType, case: tuple, whole: bool
) -> None:
    text, spans, blocks = case
    made = cut(kernels, text, spans, None if whole else blocks)
    assert fields(made) == fields(cut(None, text, spans, None if whole else blocks))
    assert "".join(s.text for s in made) == text


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(cuts())
def test_the_block_table_is_the_blocks_fields(kernels: ModuleType, case: tuple) -> None:
    blocks = tuple(case[2])
    assert kernels.block_table(blocks, BOILERPLATE) == (
        [b.end for b in blocks],
        [b.kind for b in blocks],
        [b.reason if b.kind == BOILERPLATE else None for b in blocks],
    )


def test_the_kernel_sets_every_field_of_a_segment() -> None:
    """cut_segments sets fields by name, not through the class: a field added to
    Segment must be added there too."""
    names = tuple(f.name for f in dataclasses.fields(Segment))
    assert PURE.SEGMENT_FIELDS == names
    assert all(f.default is None for f in dataclasses.fields(Segment)[8:])
    # make_pieces likewise, for segment._Piece.
    assert tuple(f.name for f in dataclasses.fields(segment._Piece)) == PURE.PIECE_FIELDS


@pytest.mark.parametrize("kernels", BUILDS)
def test_fields_are_written_only_in_slots_that_hold_any_object(kernels: ModuleType) -> None:
    """The kernels write a new object's fields straight into its slots: a name that is
    not such a slot of the class itself is an error, not a write somewhere else."""

    class Slotted:
        __slots__ = ("a", "b")
        c = property(lambda self: 1)

    class Sub(Slotted):
        __slots__ = ()

    class Borrowed:
        __slots__ = ("b",)

    # Slotted's slot set on another class: its offset is in Slotted's layout.
    Borrowed.a = Slotted.__dict__["a"]  # type: ignore[attr-defined]

    assert len(kernels.slot_offsets(Slotted, ("a", "b"))) == 2
    cases = ((Slotted, "c"), (Slotted, "z"), (Sub, "a"), (Segment, "__init__"), (Borrowed, "a"))
    for cls, name in cases:
        with pytest.raises(ValueError, match=f"'{name}' is not a slot of {cls.__name__}"):
            kernels.slot_offsets(cls, ("a", name) if cls is Slotted else (name,))
    if kernels is BUILT:
        # Compiled, members of C types that hold a C number or are read-only too.
        with pytest.raises(ValueError, match="'__dictoffset__' is not a slot of type that"):
            kernels.slot_offsets(type, ("__dictoffset__",))
        with pytest.raises(ValueError, match="'stop' is not a slot of slice that"):
            kernels.slot_offsets(slice, ("stop",))


@needs_extension
def test_fields_written_in_slots_hold_their_references() -> None:
    """Each field written holds one reference to its value, released with the object."""
    lang = "".join(["x", "yz"])
    before = sys.getrefcount(lang)
    segs = BUILT.cut_segments(
        Segment, "hello world", [(0, 11, lang, "Latn", 0.5)], [5, 11], ["a", "b"], [None, "n"]
    )
    assert sys.getrefcount(lang) - before == 2
    assert [s.lang for s in segs] == [lang, lang]
    del segs
    gc.collect()
    assert sys.getrefcount(lang) == before


@pytest.mark.parametrize("kernels", BUILDS)
def test_segments_the_kernel_makes_are_segments(kernels: ModuleType) -> None:
    """What users do with a document's segments: compare, print, pickle (workers
    return documents), replace and convert them; and they stay frozen."""
    text = "Accueil | Bonjour"
    made = kernels.cut_segments(
        Segment,
        text,
        [(0, 7, "fr", "Latn", 0.5), (7, 10, "zxx", "Zyyy", 1.0), (10, 17, "fr", "Latn", 0.75)],
        [10, 17],
        [BOILERPLATE, CONTENT],
        ["nav", None],
    )
    seg = made[0]
    assert seg == Segment("Accueil", 0, 7, "fr", "Latn", 0.5, BOILERPLATE, "nav")
    assert repr(seg) == repr(Segment("Accueil", 0, 7, "fr", "Latn", 0.5, BOILERPLATE, "nav"))
    assert hash(seg) == hash(Segment("Accueil", 0, 7, "fr", "Latn", 0.5, BOILERPLATE, "nav"))
    assert pickle.loads(pickle.dumps(made)) == made
    assert dataclasses.replace(seg, lang="en").lang == "en"
    assert dataclasses.asdict(made[2])["translation_covers"] is None
    assert made[2].to_json_line() == Segment("Bonjour", 10, 17, "fr", "Latn", 0.75).to_json_line()
    with pytest.raises(dataclasses.FrozenInstanceError):
        seg.lang = "en"  # type: ignore[misc]


@pytest.mark.parametrize("kernels", BUILDS)
def test_cut_segments_checks_that_the_blocks_cover_the_spans(kernels: ModuleType) -> None:
    """Blocks that stop short of a span, or lists of other lengths: errors, not reads
    past the end of a list (the compiled core checks no index)."""

    def run(spans: list, ends: list[int], kinds: int = 2, reasons: int = 2) -> list:
        return kernels.cut_segments(
            Segment, "abcdef", spans, ends, [CONTENT] * kinds, [None] * reasons
        )

    assert len(run([(0, 6, "en", "Latn", 1.0)], [3, 6])) == 2
    with pytest.raises(ValueError, match="span 0:6 is not within the blocks' 0:5"):
        run([(0, 6, "en", "Latn", 1.0)], [3, 5])
    with pytest.raises(ValueError, match="span -1:2"):
        run([(-1, 2, "en", "Latn", 1.0)], [3, 6])
    with pytest.raises(ValueError, match="span 4:2"):
        run([(4, 2, "en", "Latn", 1.0)], [3, 6])
    with pytest.raises(ValueError, match="2 block ends, 1 kinds and 2 reasons"):
        run([], [3, 6], kinds=1)
    with pytest.raises(ValueError, match="0 block ends"):
        run([], [], kinds=0, reasons=0)


# The whole CLI, compiled against interpreted.


def corpus(folder: Path) -> tuple[list[str], int]:
    """Seeds, multilingual texts (the segmenter's cases, lid-mixed where the
    benchmarks are) and HTML pages, as CLI inputs; and how many documents
    the texts and pages are (the seeds add theirs)."""
    texts = folder / "mixed.jsonl"
    cases = case_list("segment_cases.json") + case_list("segment_cases_scripts.json")
    lines = [{"id": c["label"], "text": c["text"]} for c in cases]
    if LID_MIXED.exists():
        lines += [json.loads(line) for line in LID_MIXED.open(encoding="utf-8")][:40]
    texts.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    html = folder / "html"
    html.mkdir()
    pages = case_list("extract_html_cases.json")
    for case in pages:
        (html / f"{case['label']}.html").write_text(case["html"], encoding="utf-8")
    return [str(SEEDS), str(texts), str(html)], len(lines) + len(pages)


@needs_extension
def test_the_cli_writes_the_same_bytes_compiled_and_interpreted(tmp_path: Path) -> None:
    inputs, documents = corpus(tmp_path)
    outputs = []
    for pure in ("0", "1"):
        out = tmp_path / f"out-{pure}.jsonl"
        result = run_cli(
            *inputs, "-o", str(out), "--jobs", "1", env={"NORMALIZE_PURE_PYTHON": pure}
        )
        assert result.returncode in (0, 1), result.stderr.decode()
        outputs.append(out.read_bytes())
    # Every text and page has its record (the shared benchmarks are absent in a fresh clone).
    assert outputs[0].count(b"\n") > documents
    assert outputs[0] == outputs[1]


# The piece scanner.

#: Text as the segmenter meets it: words of several scripts with their marks
#: and apostrophes, letters of no word script, every kind of separator, and
#: the makings of URLs and e-mail addresses.
SCANNED_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            list(
                "abc xyz ABC éü ' ’ - – — ‐ ‑ . ! ? … । ॥ ۔ ؟ 。 ！ ？ ． , ; : | > » / \\ • · ( ) [ ]"
            )
            + list("होमदुनियाळ\u0901\u094d بپکیےښ\u064e\u0640 Жжії ΩΣ 中の日アーカ한국 ᚠᚢᛁ ߊߋ 0123")
            + ["\n", "\u00a0", "\u2003", "\u202f", "\u0301", "\u200c", "😀", "𝐀", "𝐁", "𐌰"]
            + ["\U00020000", "_", "+", "<", '"', "{"]
        ),
        st.sampled_from(["http://", "https://", "ftp://", "www.", "@", "a@b.c", ".com", "x-y"]),
        st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc")),
    ),
    max_size=100,
).map("".join)


#: One context for the scanner's tests: its character classes grow with the
#: code points beyond the BMP that the examples bring.
SCANNER_CONTEXT = Context()


def covering(text: str) -> segment._CharClasses:
    """The scanner's character classes of SCANNER_CONTEXT, with those of ``text``."""
    table = segment._char_classes(SCANNER_CONTEXT)
    table.cover(text)
    return table


def scanned(kernels: ModuleType, text: str) -> list:
    """segment._scanned_pieces by the scanner of ``kernels``."""
    with mock.patch.object(segment, "kernels", kernels):
        return segment._scanned_pieces(text, covering(text))


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.sets(st.integers(0, 0x10FFFF), max_size=40))
def test_a_text_is_classified_when_each_of_its_code_points_is(
    kernels: ModuleType, text: str, codes: set[int]
) -> None:
    classes = np.zeros(0x110000, dtype=np.uint16)
    classes[sorted(codes | {ord(c) for c in text[::2]})] = 7
    expected = all(classes[ord(c)] for c in text)
    assert kernels.classified(text, classes) == expected
    with pytest.raises(ValueError, match="a class per code point"):
        kernels.classified(text, classes[:0x10000])


def test_the_character_classes_are_made_when_a_text_first_has_them() -> None:
    """The scanner's table classifies a block of the BMP, or a code point beyond it (or
    a lone surrogate), when a text first has one, as a table of the whole plane would."""
    table = segment._CharClasses()
    assert table.classes[0xE9] and not table.classes[0x416]  # é, Ж
    whole = table._info("".join(map(chr, range(0x10000))))
    spread = "".join(chr(cp) for cp in range(0x80, 0x10000, 97))
    for text in ["Жук", "中文 😀 ok", "a\ud800b", "𐌰\U00020000x", spread, "Жук 😀"]:
        table.cover(text)
        assert all(table.classes[ord(c)] for c in text), text
    met = np.flatnonzero(table.classes)
    bmp, beyond = met[met < 0x10000], met[met >= 0x10000]
    assert (table.info[table.classes[bmp]] == whole[bmp]).all()
    assert (table.info[table.classes[beyond]] == table._info("".join(map(chr, beyond)))).all()
    assert table.classes[0x4FF] and not table.classes[0xD801] and not table.classes[0x1F601]
    assert len(set(table.info.tolist())) == len(table.info)  # one class per value


def test_a_table_from_the_kept_bmp_classes_reads_as_one_made_block_by_block() -> None:
    """The BMP's classes made at once (what _char_classes keeps on disk) give every code
    point of the BMP but the surrogates the value that a table made as texts bring the
    blocks gives; code points beyond and lone surrogates are classified on top of them."""
    tests, bmp = segment._kept_char_classes()
    kept = segment._CharClasses(tests, bmp)
    grown = segment._CharClasses(tests)
    bmp_codes = [c for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(bmp_codes), 5000):  # blocks met in several texts
        grown.cover("".join(map(chr, bmp_codes[start : start + 5000 : 7])))
    assert (kept.classes[0xD800:0xE000] == 0).all() and (kept.classes[0x10000:] == 0).all()
    assert (kept.info[kept.classes[bmp_codes]] == grown.info[grown.classes[bmp_codes]]).all()
    for text in ["中文 😀 ok", "a\ud800b", "𐌰\U00020000x\U0010ffff"]:
        kept.cover(text)
        grown.cover(text)
        codes = [ord(c) for c in text]
        assert (kept.info[kept.classes[codes]] == grown.info[grown.classes[codes]]).all()
    assert kept.classes[0x1F600] and not kept.classes[0xD801]
    assert len(set(kept.info.tolist())) == len(kept.info)  # one class per value
    assert segment._CharClasses(tests, kept.bmp()).info.tolist() == kept.info.tolist()
    with pytest.raises(ValueError, match="a class per BMP code point"):
        segment._CharClasses(tests, (bmp[0][:256], bmp[1]))
    with pytest.raises(ValueError, match="a class per BMP code point"):
        segment._CharClasses(tests, (bmp[0], bmp[1][:3]))


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=300, deadline=None)
@given(SCANNED_TEXT)
def test_the_scanner_cuts_the_pieces_the_patterns_cut(kernels: ModuleType, text: str) -> None:
    assert scanned(kernels, text) == segment._pieces(text)


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_scanner_cuts_the_case_files_as_the_patterns(kernels: ModuleType) -> None:
    cases = case_list("segment_cases.json") + case_list("segment_cases_scripts.json")
    texts = [c["text"] for c in cases]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [
        "Read https://example.org/a?b=(1) then mail ana.b+c@mail.example.co.uk. Or www.x.y!",
        "Écrivez à contact@exemple.fr — ou lisez http:// www. @ a@b a@b. x@y.z. fin",
        "होम > दुनिया https://bbc.com/hindi|संपर्क: info@bbc.co.uk (International)",
    ]
    for text in texts:
        assert scanned(kernels, text) == segment._pieces(text), text[:80]


@pytest.mark.parametrize("kernels", BUILDS)
def test_make_pieces_checks_its_buffers_and_scripts(kernels: ModuleType) -> None:
    """A count past the buffers, or a script past the names: errors, not reads past
    the end of a buffer or tuple (the compiled core checks no index)."""

    def run(count: int, script: int = 1, groups: tuple[str, ...] = ("Latn", "Cyrl")) -> list:
        # start, end, script, before, item of each piece
        found = np.array([0, 3, script, script, script, 4, 7, 0, 0, 0], dtype=np.intp)
        names = ("Latn", "Cyrl")
        return kernels.make_pieces(segment._Piece, count, found, names, groups, "und")

    assert run(2) == [
        segment._Piece(0, 3, "Cyrl", "Cyrl", 1, True),
        segment._Piece(4, 7, "Latn", "Latn", 0),
    ]
    with pytest.raises(ValueError, match="fewer than 3 pieces"):
        run(3)
    with pytest.raises(ValueError, match="fewer than -1 pieces"):
        run(-1)
    with pytest.raises(ValueError, match="script 2 of piece 0 is not one of 2"):
        run(2, script=2)
    with pytest.raises(ValueError, match="script -1 of piece 0 is not one of 2"):
        run(2, script=-1)
    with pytest.raises(ValueError, match="2 script names but 1 groups"):
        run(2, groups=("Latn",))


def test_an_extension_built_from_other_sources_is_stale(tmp_path: Path) -> None:
    """A pull or rebase that changes the core's source without a rebuild runs it
    interpreted instead of a compiled core that no longer matches its callers;
    an extension built from the sources beside it is not stale however old it is
    (a wheel's installer writes the extension before its ``.py``)."""
    here = Path(compiled.__file__).parent
    extension = tmp_path / "kernels.so"
    extension.write_bytes(b"")
    assert compiled.stale(extension, "kernels")  # no digest: it cannot be vouched for
    sources = tmp_path / f"kernels.so{compiled.SOURCES_SUFFIX}"
    sources.write_text(compiled.digest([here / "kernels.py", here / "kernels.pxd"]) + "\n")
    os.utime(extension, (0, 0))  # older than every source, as after a wheel's install
    assert not compiled.stale(extension, "kernels")
    sources.write_text(compiled.digest([here / "kernels.py"]) + "\n")
    assert compiled.stale(extension, "kernels")


@pytest.mark.parametrize("kernels", BUILDS)
@pytest.mark.parametrize("text", ["aб" * 3000, "a. " * 2000 + "Bonjour à tous", "x" * 5000])
def test_the_scanner_makes_room_for_as_many_pieces_as_there_are(
    kernels: ModuleType, text: str
) -> None:
    """Its buffers start with room for a piece every 16 characters; a text with more
    (up to one per character) is scanned again with room for them all."""
    assert scanned(kernels, text) == segment._pieces(text)


@needs_extension
def test_the_scanner_buffers_grow_with_the_pieces_not_the_text() -> None:
    """A megabyte of prose (one piece a sentence) does not take buffers for a piece per
    character: they were 33 bytes a character, 33 MB here."""
    import tracemalloc

    text = "Ceci est une phrase assez longue pour un paragraphe. " * 20_000
    scanned(BUILT, "warm")
    tracemalloc.start()
    try:
        pieces = scanned(BUILT, text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pieces) == 20_000
    assert peak < 8 * len(text), peak


def test_a_stale_core_says_once_how_to_rebuild_it(caplog, monkeypatch) -> None:
    """The warning names a rebuild that works in the Makefile's environment (which has
    no Cython: pip builds with its own), and carries the log's prefix once."""
    # The core is loaded (and found stale) only where the interpreted path is not forced.
    monkeypatch.delenv(compiled.PURE_PYTHON_ENV, raising=False)
    with (
        mock.patch.dict(sys.modules),
        mock.patch.object(compiled, "is_compiled", return_value=True),
        mock.patch.object(compiled, "stale", return_value=True),
        caplog.at_level("WARNING", logger=compiled.log.name),
    ):
        compiled.load("kernels")
    (message,) = [r.getMessage() for r in caplog.records if r.name == compiled.log.name]
    assert "make setup" in message and "pip install -e ." in message
    assert not message.startswith("normalize:")


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_decoding_loops_refuse_sizes_their_buffers_lack(kernels: ModuleType) -> None:
    """Sizes, ranges and labels the buffers cannot hold: errors, not reads or writes past
    the end of a buffer (the compiled core checks no index; before these checks each of
    these calls crashed the compiled process)."""
    f8, ip = (lambda n: np.zeros(n)), (lambda n: np.zeros(n, dtype=np.intp))
    size = kernels.decode_work_size(2, 2)
    assert kernels.decode_begin(f8(4), f8(2), 2, 2, 1.0, f8(size), ip(4)) >= 0  # in range
    with pytest.raises(ValueError, match="not 0 and 2"):
        kernels.decode_begin(f8(4), f8(2), 0, 2, 1.0, f8(size), ip(4))
    with pytest.raises(ValueError, match="need 1000 rows of 2"):
        kernels.decode_begin(f8(4), f8(2), 1000, 2, 1.0, f8(size), ip(4))
    with pytest.raises(ValueError, match="ints 4 and work 22"):
        kernels.decode_begin(f8(4), f8(2), 2, 2, 1.0, f8(size - 1), ip(4))
    with pytest.raises(ValueError, match="ints 4 and work 22"):
        kernels.decode_begin(f8(4), f8(2), 2, 2, 1.0, f8(size), ip(3))
    labels = np.array([0, 1, 0, 0], dtype=np.intp)
    kernels.decode_end(f8(size), 2, 2, labels, f8(2))
    with pytest.raises(ValueError, match="label 7 of piece 1 is not one of 2"):
        kernels.decode_end(f8(size), 2, 2, labels * 7, f8(2))
    with pytest.raises(ValueError, match="label -1 of piece 0 is not one of 2"):
        kernels.decode_end(f8(size), 2, 2, -labels - 1, f8(2))
    with pytest.raises(ValueError, match="work needs 31 numbers, ints and conf 3"):
        kernels.decode_end(f8(size), 3, 2, ip(3), f8(3))
    with pytest.raises(ValueError, match="work needs 22 numbers, ints and conf 2"):
        kernels.decode_end(f8(size), 2, 2, labels, f8(1))
    assert kernels.pairwise_sum(f8(4) + 1, 1, 3) == 3.0
    with pytest.raises(ValueError, match=r"a\[2:7\] is not within the 4 numbers"):
        kernels.pairwise_sum(f8(4), 2, 5)
    with pytest.raises(ValueError, match="not within"):
        kernels.pairwise_sum(f8(4), -1, 2)


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_langid_loop_refuses_states_outside_its_tables(kernels: ModuleType) -> None:
    """langid's automaton moving to a state its tables lack, tables or buffers too small,
    chunks of no bytes: errors (the compiled core checks no index)."""
    one_state = np.zeros(256, dtype=np.uint16)
    emitting, table = np.ones(1, dtype=np.uint8), np.ones(2, dtype=np.float32)

    def run(
        texts: list[str], nextmove: np.ndarray = one_state, chunk: int = 8, rows: int = 1
    ) -> np.ndarray:
        out = np.zeros(2 * rows)
        kernels.loglik(texts, nextmove, emitting, table, 2, chunk, np.zeros(2), out)
        return out

    assert run(["abcd"]).tolist() == [4.0, 4.0]  # in range: a row per emitting byte
    assert run(["é"]).tolist() == [2.0, 2.0]  # two UTF-8 bytes
    with pytest.raises(ValueError, match="state 1 is not one of the automaton's 1"):
        run(["abcd"], one_state + 1)
    with pytest.raises(ValueError, match="256 moves per state"):
        run(["abcd"], one_state[:100])
    with pytest.raises(ValueError, match=r"chunk \(0\) positive"):
        run(["abcd"], chunk=0)
    with pytest.raises(ValueError, match="out 2 rows of 2"):
        run(["ab", "cd"])
    # A lone surrogate: what str.encode raises, as before the walk encoded the texts.
    with pytest.raises(UnicodeEncodeError):
        run(["ab\ud800cd"])


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_langid_loop_encodes_every_length_of_utf8(kernels: ModuleType) -> None:
    """Code points at the edges of UTF-8's one- to four-byte forms are walked as the
    bytes str.encode gives them."""
    edges = [0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF]
    texts = ["".join(map(chr, edges)), "a" + chr(0x1F600) + "é中", "x"]
    langs = list(IDENTIFIER.languages[:20])
    assert sums(kernels, texts, langs, 5).tobytes() == sums(None, texts, langs, 5).tobytes()


@pytest.mark.parametrize("kernels", BUILDS)
def test_the_piece_scanner_refuses_tables_that_lack_a_character(kernels: ModuleType) -> None:
    """A class table shorter than Unicode, a class ``info`` lacks, a script ``groups``
    lacks, or a group with no slot: errors, not reads past a table (the compiled core
    checks no index); no room for the pieces: -1, for a larger buffer."""
    letter = PURE.C_LETTER << PURE.FLAG_SHIFT
    no_script = PURE.NO_SCRIPT << PURE.FIRST_SHIFT

    def run(classes: np.ndarray, info: list[int], groups: list[int], room: int = 8) -> int:
        return kernels.scan_pieces(
            "ab cd",
            False,
            False,
            classes,
            np.array(info, dtype=np.uint64),
            np.array(groups, dtype=np.intp),
            0,
            1,
            1,
            np.zeros(2, dtype=np.intp),
            np.zeros(kernels.found_size(room) + PURE.PIECE_NUMBERS - 1, dtype=np.intp),
        )

    classes = np.zeros(0x110000, dtype=np.uint16)
    classes[[ord("a"), ord("b"), ord("c"), ord("d")]] = 1
    latin = letter | 1  # a letter of script 0, its first script
    assert run(classes, [no_script, latin], [0, 1]) == 1  # in range: one piece
    with pytest.raises(ValueError, match="a class per code point"):
        run(classes[:1000], [no_script, latin], [0, 1])
    with pytest.raises(ValueError, match="'a' has class 1, which info lacks"):
        run(classes, [no_script], [0, 1])
    with pytest.raises(ValueError, match="class 1 is of script 200, which groups lacks"):
        run(classes, [no_script, letter | 200 << PURE.FIRST_SHIFT], [0, 1])
    with pytest.raises(ValueError, match="group 5 of script 0 has no slot"):
        run(classes, [no_script, latin], [5, 1])
    assert run(classes, [no_script, latin], [0, 1], room=0) == -1


@pytest.mark.parametrize("kernels", BUILDS)
@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(" a\t\n\x7f\x1f\xa0\u2003\u200bé\U0001f600\x85"), max_size=8))
def test_a_key_needs_collapsing_as_its_definition_says(kernels: ModuleType, key: str) -> None:
    """Not printable, two spaces in a row, or a space at an edge (both builds)."""
    expected = not key.isprintable() or "  " in key or key[:1] == " " or key[-1:] == " "
    assert kernels.needs_collapse(key) == expected
