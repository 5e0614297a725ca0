"""The canonical Unicode form: case files and the idempotence property."""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any
from unittest import mock

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize.canonical import (
    _MARK_RUN,
    _SPACE_RUN,
    _SPACES,
    MAX_COMBINING_MARKS,
    STEPS,
    CanonicalConfig,
    _long_run_from_u0300,
    apply_steps,
    canonical_join,
    canonicalize,
    canonicalize_and_explain,
    cap_combining_marks_n,
    is_canonical,
    normalize_spaces_n,
    remove_stray_joiners_n,
)
from tests.conftest import core_builds, load_cases


@pytest.mark.parametrize("case", load_cases("canonical_cases.json"))
def test_canonical_case(case: dict) -> None:
    config = CanonicalConfig(**case.get("config", {}))
    assert canonicalize(case["original"], config) == case["fixed"]


def test_every_rule_is_a_config_field() -> None:
    fields = set(CanonicalConfig.__dataclass_fields__)
    assert {name for name, _ in STEPS} == fields


def test_explain_counts_only_rules_that_changed_something() -> None:
    text, changes = canonicalize_and_explain("a\u00a0b\u200b\r\n")
    assert text == "a b"
    assert changes == {
        "line_endings": 1,
        "remove_invisibles": 1,
        "normalize_spaces": 1,
        "collapse_blank_lines": 1,
    }
    assert canonicalize_and_explain(text) == (text, {})


def test_rule_can_be_switched_off() -> None:
    assert canonicalize("a\u00a0b", CanonicalConfig(normalize_spaces=False)) == "a\u00a0b"


# Text drawn from the characters that make canonical forms hard: Devanagari
# with virama and nukta, Arabic/Persian with ZWNJ, bidi controls, combining
# marks, every kind of space and line break, controls, emoji with ZWJ.
_HARD = (
    "कखगक्षि्ँ़ािीुूेैोौंः।"
    "سلامدنیامیخواهمےںٹڑښړ"
    "abcXYZ éñ"
    "\u0300\u0301\u0308\u0327\u094d\u093c\u064b\u0651"
    "\u200c\u200d\u200b\u200e\u200f\u202a\u202b\u202c\u202e\u2066\u2067\u2069\u061c\u00ad\ufeff\u2060"
    " \t\n\r\u00a0\u2002\u2009\u202f\u3000\u2028\u2029\x85\x0b\x0c"
    "\x00\x01\x1b\x7f\x80\x9f"
    "“”‘’„–—"
    "👨👩👧\ufe0f🏽"
    # CJK and kana (ー 々 and the voiced marks, which NFC composes), Hangul
    # syllables and conjoining jamo, Thai with its vowel signs and tone marks.
    "中文你好、。「」（），！ニュースーを々\u3099\u309aカかﾞｰ"
    "한국어가\u1100\u1161\u11a8"
    "กรุงเทพำ\u0e48\u0e49\u0e31"
)
hard_text = st.text(alphabet=st.sampled_from(_HARD), max_size=60)
any_text = st.text(max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.one_of(hard_text, any_text, st.lists(hard_text, max_size=4).map("\n".join)))
# NFC swaps a Thai vowel sign and an Arabic fathatan beside a ZWNJ: the
# joiner's context must not depend on the marks' order.
@example("\u0e38\u064b\u200c\u0627")
@example("\u0628\u0e38\u064b\u200c\u0627")
def test_canonicalize_is_idempotent(text: str) -> None:
    once = canonicalize(text)
    assert canonicalize(once) == once


@settings(max_examples=150, deadline=None)
@given(hard_text, st.booleans(), st.booleans())
# A joiner after a base and a mark that NFC composes (X + U+0308 -> U+1E8C)
# was kept on the first pass and dropped on the second.
@example("X\u0308\u200c\u0627", False, False)
def test_idempotent_under_other_configs(text: str, uncurl: bool, spaces: bool) -> None:
    config = CanonicalConfig(uncurl_quotes=uncurl, ascii_dashes=uncurl, normalize_spaces=spaces)
    once = canonicalize(text, config)
    assert canonicalize(once, config) == once


# Joiners among letters of joiner scripts and others, marks (ones that NFD
# gives a letter, as U+0622 and U+0958 hold), emoji, and any character.
_JOINERS = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "\u200c\u200d" * 4 + "\u0622\u0958\u0915\u0628\u0710\u07ca\u0d15x\u00e9\u1e8c"
        ),
        st.sampled_from(_HARD),
        st.characters(),
    ),
    max_size=16,
)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_JOINERS)
@example("\u0628\u200c\u0627")
@example("\u0622\u200d\u200c\u0958")
@example("x\u200c\u0627")
@example("\u0627\u064b\u200c\u0627")
@example("\u0627\u200c\U0001f600")
def test_kept_joiners_shortcut_is_the_contexts(text: str) -> None:
    """The shortcut of remove_stray_joiners (letters of a joiner script on both
    sides) gives what reading the contexts gives."""
    fast = remove_stray_joiners_n(text)
    with mock.patch("normalize.canonical._script_beside", lambda ch: False):
        slow = remove_stray_joiners_n(text)
    assert fast == slow


# Mostly clean text with the odd character a rule acts on: the shortcut's hard case.
_MOSTLY_CLEAN = st.text(
    alphabet=st.one_of(
        st.sampled_from("ab é  \n\nकि़سلام“–\u200c\u200d"), st.sampled_from(_HARD), st.characters()
    ),
    max_size=12,
)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_MOSTLY_CLEAN, st.booleans(), st.booleans(), st.booleans())
# One example per rule, at the edges of what its trigger must see.
@example("a \nb", False, True, True)
@example("a\n b", False, True, True)
@example(" a", False, True, True)
@example("a\n", False, True, True)
@example("a\n\n\nb", False, True, True)
@example("a  b", False, True, True)
@example("a\u00a0b", False, True, True)
@example("e\u0301", False, True, True)
@example("e" + "\u0301\u0327" * 20, False, True, True)
@example("a\tb\rc\x85", False, True, True)
@example("\ufeffa\u200bb\u200ec\u200dd", False, True, True)
@example("“a” – b", True, True, True)
# Joiners the rule keeps, alone or beside other triggers, or a joiner it drops.
@example("\u0628\u200c\u0627", False, True, True)
@example("\u0628\u200c\u0627\u00a0b", False, True, True)
@example("\u0628 \u200c \u0627", False, True, True)
@example("\u0628\u200c\u0627 a\u200cb", False, True, True)
@example("\u0628\u200c\u0627\u0654", False, True, True)
@example("\u0915\u094d\u200d\u0937", False, True, True)
def test_shortcut_gives_what_the_rules_give(
    text: str, uncurl: bool, spaces: bool, nfc: bool
) -> None:
    config = CanonicalConfig(
        uncurl_quotes=uncurl, ascii_dashes=uncurl, normalize_spaces=spaces, nfc=nfc
    )
    # Every rule, run whether or not its triggers are in the text.
    slow, changes = text, {}
    for name, step in STEPS:
        if getattr(config, name):
            slow, n = step(slow)
            if n:
                changes[name] = n
    assert apply_steps(text, config) == (slow, changes)
    assert canonicalize_and_explain(text, config) == (slow, changes)
    if is_canonical(text, config):
        assert (slow, changes) == (text, {})


@pytest.mark.parametrize(
    "config",
    [CanonicalConfig(), CanonicalConfig(uncurl_quotes=True, ascii_dashes=True)],
    ids=["default", "all-rules"],
)
def test_shortcut_knows_every_character_a_rule_acts_on(config: CanonicalConfig) -> None:
    """Every BMP character between two letters: a rule changes it only if a trigger has it."""
    missed = []
    for code in range(0x10000):
        text = f"a{chr(code)}b"
        if not is_canonical(text, config):
            continue
        out = text
        for name, step in STEPS:
            if getattr(config, name):
                out = step(out)[0]
        if out != text:
            missed.append(f"U+{code:04X}")
    assert not missed, missed[:20]


# Marks that compose, reorder (classes 202, 220, 230, 7, 9), decompose into
# two marks (U+0344, U+0F73), and bases that decompose into a base and marks
# (U+1F82: alpha and three marks; U+0958: ka and nukta, excluded from NFC).
_MARKS = "\u0301\u0308\u0327\u0300\u0323\u093c\u094d\u0344\u0f73\u0f71\u0345"
_BASES = "ae\u1f82\u0958\u0915 \n"
mark_runs = st.lists(
    st.tuples(
        st.sampled_from(_BASES),
        st.integers(0, 3 * MAX_COMBINING_MARKS),
        st.text(alphabet=st.sampled_from(_MARKS), min_size=1, max_size=4),
    ).map(lambda t: t[0] + (t[2] * t[1])[: t[1]]),
    max_size=4,
).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(mark_runs)
def test_capped_mark_runs_stay_capped_and_idempotent(text: str) -> None:
    once = canonicalize(text)
    assert canonicalize(once) == once
    assert cap_combining_marks_n(once) == (once, 0)
    # No run of non-starters in the decomposition is longer than the cap.
    run = 0
    for ch in unicodedata.normalize("NFD", once):
        run = run + 1 if unicodedata.combining(ch) else 0
        assert run <= MAX_COMBINING_MARKS


def test_a_million_marks_are_capped() -> None:
    """The issue's pile-up: 1M mixed-class marks on one base (NFC alone is quadratic on it)."""
    text = "e" + "\u0301\u0308\u0327\u0300" * 250_000 + " z"
    out, changes = canonicalize_and_explain(text)
    assert changes == {"cap_combining_marks": 1_000_000 - MAX_COMBINING_MARKS, "nfc": 1}
    # e + cedilla composes; the other marks keep their order after the
    # cedillas (class 202 sorts before class 230).
    assert out == "\u0229" + "\u0327" * 6 + "\u0301\u0308\u0300" * 7 + "\u0301\u0308 z"


def test_the_mark_class_knows_every_non_starter() -> None:
    """The run pattern matches every character whose decomposition starts with a mark."""
    missed = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.combining(unicodedata.normalize("NFD", chr(code))[0])
        and not _MARK_RUN.match(chr(code) * 14)
    ]
    assert not missed, missed[:20]


def test_no_non_starter_comes_before_the_mark_run_shortcut() -> None:
    """A run of _MARK_RUN is a run of _long_run_from_u0300() (every non-starter is U+0300 or later)."""
    below = [code for code in range(0x300) if _MARK_RUN.match(chr(code) * 14)]
    assert not below
    assert _long_run_from_u0300().search("\u0300" * 14) and not _long_run_from_u0300().search(
        "\u0300" * 13 + "a" + "\u0300" * 13
    )


@given(st.text(alphabet="ab \u00a0\u3000\t\n\r\x0b\u2028\u200b", max_size=30))
@example("a  b\u00a0c \u00a0 \n \t")
def test_the_space_runs_are_those_of_their_definition(text: str) -> None:
    """Two or more whitespace characters but LF in a row, or one other than U+0020."""
    definition = re.compile(r"[^\S\n]{2,}|[^\S\n\x20]")
    assert [m.span() for m in _SPACE_RUN.finditer(text)] == [
        m.span() for m in definition.finditer(text)
    ]


@settings(deadline=None)  # a loaded machine took 355 ms for one example
@given(st.lists(st.text(alphabet="ab \u00a0\u200b\u2029\r\n\t\ufeff", max_size=8), max_size=4))
def test_block_changes_are_counted_once(blocks: list[str]) -> None:
    """The changes of a page's blocks are those of the texts kept, never counted twice.

    When the joined blocks do not split back (a block that canonicalizes to
    nothing), each block is canonicalized on its own; the joined attempt's
    changes were counted as well (15 of the 181 article pages).
    """
    from normalize.canonical import _canonical_blocks, canonicalize_and_explain, canonicalize_blocks
    from normalize.document import add_counts

    texts, counts = canonicalize_blocks(blocks)
    one_by_one: dict[str, int] = {}
    for block in blocks:
        one_by_one = add_counts(one_by_one, canonicalize_and_explain(block.strip())[1])
    if not _canonical_blocks(blocks, canonicalize)[1]:  # one by one
        assert counts == one_by_one
        assert texts == [canonicalize(b.strip()) for b in blocks]


def test_a_vanishing_block_beside_a_paragraph_separator_keeps_its_place() -> None:
    # One block vanishes and the other gains a blank line: the joined blocks
    # split back into as many parts, which used to go to the wrong blocks.
    from normalize.canonical import canonicalize_blocks

    assert canonicalize_blocks(["\u200b", "a\u2029a"])[0] == ["", "a\n\na"]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet="ab \u00a0\u200b\u200d\u2028\u2029\r\n\t\ufeff\u0301\u0915\u094d~|", max_size=8
        ),
        max_size=5,
    )
)
@example(["\u200b", "a\u2029a"])
@example(["a~|~b", "\u200b", "c"])
@example(["a~\u200b|~b", "c"])
def test_blocks_are_canonicalized_as_each_alone(blocks: list[str]) -> None:
    """Whatever one call on the joined blocks does, each block gets its own canonical form."""
    from normalize.canonical import canonical_blocks

    assert canonical_blocks(blocks, canonicalize) == [canonicalize(b.strip()) for b in blocks]


def test_every_character_normalize_spaces_matches_is_whitespace_to_re() -> None:
    # normalize_spaces_n looks for its pattern only inside runs of what re
    # calls whitespace (LF aside): every character the pattern can match must be one.
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    matched = set(regex.findall(r"[^\S\n]|\p{Zs}", everything, regex.V1))
    assert matched and all(re.fullmatch(r"[^\S\n]", ch) for ch in matched)


@settings(max_examples=500, deadline=None)
@given(st.one_of(hard_text, any_text))
@example("a \u00a0\t b\n  c\u3000")
def test_normalize_spaces_is_its_pattern_applied_to_the_whole_text(text: str) -> None:
    assert normalize_spaces_n(text) == _SPACES.subn(" ", text)


#: Blocks joined as a page's content is: canonical lines, and text that is
#: not, with line breaks (and spaces) at the edges and between them.
_JOINED = st.builds(
    lambda edges, parts, canon: (
        edges[0] + "".join(canonicalize(p) if canon else p for p in parts) + edges[1]
    ),
    st.tuples(*[st.sampled_from(["", "\n", "\n\n", "\n\n\n", " \n", "\n ", "\u200d\n"])] * 2),
    st.lists(
        st.one_of(hard_text, _MOSTLY_CLEAN, mark_runs, st.sampled_from(["\n", "\n\n"])),
        max_size=5,
    ),
    st.booleans(),
)


@settings(max_examples=500, deadline=None)
@given(_JOINED, st.booleans(), st.booleans(), st.booleans(), st.booleans())
@example("\nHello world.\n\n", True, True, True, True)
@example("a\n", False, True, True, True)
@example("\n a", True, True, False, True)
@example("\n\u0301a", True, True, True, True)
@example("\n\u0628\u200c\u0627\n", True, True, True, True)
@example("\n\u0628\u200c\u0627\u00a0\n", True, True, True, True)
def test_canonical_join_is_canonicalize(
    text: str, collapse: bool, trim: bool, spaces: bool, nfc: bool
) -> None:
    config = CanonicalConfig(
        collapse_blank_lines=collapse, trim_lines=trim, normalize_spaces=spaces, nfc=nfc
    )
    assert canonical_join(text, config) == canonicalize(text, config)


# The compiled check (one pass: kernels.canonical_flags) against the two
# patterns of the interpreted one.
KERNELS, KERNELS_BUILT, NEEDS_KERNELS, KERNEL_BUILDS = core_builds("kernels")
_ODD = (
    "a  \n\n\u00a0\u200b\u0301\u0327\u094d\u0f73\u2019\u2013\ufeff\r\t\n\x85\U0001f600\U0001d165"
    "\u200c\u200d\u0628\u0627\u0915"
)


def _is_canonical_by(text: str, config: CanonicalConfig, compiled: bool) -> bool:
    """:func:`is_canonical` by the compiled check or by the interpreted one."""
    from normalize import canonical

    saved = canonical.KERNELS_COMPILED
    canonical.KERNELS_COMPILED = compiled
    try:
        return canonical.is_canonical(text, config)
    finally:
        canonical.KERNELS_COMPILED = saved


@NEEDS_KERNELS
@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.one_of(st.sampled_from(_ODD), st.characters()), max_size=60),
    st.booleans(),
    st.booleans(),
)
@example("e" + "\u0301" * 13, False, True)
@example("e" + "\u0301" * 14, False, True)
@example("e" + "\u0301" * 40, False, True)
@example("e" + "\u0301" * 7 + "\U0001d165" + "\u0301" * 7, False, True)
@example("\U0001f600" + "\u0301" * 40, False, True)
@example("x" * 3 + "\u2019", True, True)
@example("a  b", False, True)
@example("a \nb", False, True)
@example("a\n\n\nb", False, True)
@example("a\n\n\u0301\nb", False, True)
@example(" a", False, True)
@example("a\n", False, True)
@example("\u0628\u200c\u0627", False, True)
@example("\u0628\u200c\u0627\u00a0b", False, True)
@example("\u0628\u200c\u0627 a\u200cb", False, True)
def test_compiled_and_interpreted_checks_agree(text: str, uncurl: bool, nfc: bool) -> None:
    config = CanonicalConfig(uncurl_quotes=uncurl, ascii_dashes=uncurl, nfc=nfc)
    assert _is_canonical_by(text, config, True) == _is_canonical_by(text, config, False)


@pytest.mark.parametrize("build", KERNEL_BUILDS)
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(_ODD), st.characters()), max_size=40))
# Quiet runs (read in a loop of their own) before, between and after the rest.
@example("")
@example("plain words")
@example("ab  cd")
@example("ab\n\n\ncd")
@example("caf\u00e9 \nx")
@example("\u00e9\u0301\u0301x")
@example("x\u00a0")
@example("\U0001f600ab")
def test_canonical_flags_of_both_builds(build: Any, text: str) -> None:
    """The kernel's flags, by the definition: triggers, a run of marks, beyond ASCII, astral."""
    from normalize import canonical

    config = CanonicalConfig(uncurl_quotes=True, ascii_dashes=True)
    table = canonical._compiled_check(canonical._enabled(config))[1]
    run = canonical._MARK_RUN_LENGTH
    expected = 0
    bmp = "".join(ch if ord(ch) < 0x10000 else "\n" for ch in text)
    if canonical._triggers(canonical._enabled(config)).chars.search(bmp):
        expected |= KERNELS.CANON_TRIGGER
    if canonical._MARK_RUN.search(bmp):
        expected |= KERNELS.CANON_MARK
    if canonical._NFC_UNSURE.search(bmp) or canonical._MARKS.search(bmp):
        expected |= KERNELS.CANON_NFC  # the marks' entries have the bit too
    if not text.isascii():
        expected |= KERNELS.CANON_NON_ASCII
    if any(ord(ch) >= 0x10000 for ch in text):
        expected |= KERNELS.CANON_ASTRAL
    if "  " in text:
        expected |= KERNELS.CANON_SPACES
    if "\n " in text or " \n" in text:
        expected |= KERNELS.CANON_LINE_SPACE
    if "\n\n\n" in text:
        expected |= KERNELS.CANON_BLANK_LINES
    assert build.canonical_flags(text, table, run) == expected


@pytest.mark.parametrize("build", KERNEL_BUILDS)
def test_canonical_flags_refuses_a_short_table_or_run(build: Any) -> None:
    with pytest.raises(ValueError, match="table"):
        build.canonical_flags("abc", bytes(0x100), 14)
    with pytest.raises(ValueError, match="run"):
        build.canonical_flags("abc", bytes(0x10000), 0)


def test_characters_the_nfc_bit_leaves_out_pass_the_quick_check() -> None:
    """A BMP character without CANON_NFC in the compiled check's table is, by
    ``unicodedata`` (what ``is_normalized`` reads), a starter that NFC keeps
    (not NFC_Quick_Check No) and that composes with no character before it
    (not Maybe: the second of no pair NFC composes, not a Hangul vowel or
    trailing consonant): text of such characters alone is in NFC, as the
    compiled check then says without ``is_normalized``."""
    import unicodedata

    import numpy as np

    from normalize import canonical

    config = CanonicalConfig()
    table = np.frombuffer(canonical._compiled_check(canonical._enabled(config))[1], np.uint8)
    left_out = np.flatnonzero((table & KERNELS.CANON_NFC) == 0)
    # The second characters of the canonical pairs NFC composes (an excluded
    # composition's pair stays apart).
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            pair = "".join(chr(int(part, 16)) for part in parts)
            if unicodedata.normalize("NFC", pair) == chr(code):
                seconds.add(ord(pair[1]))
    hangul = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in left_out.tolist():
        ch = chr(code)
        assert unicodedata.combining(ch) == 0, hex(code)
        assert unicodedata.normalize("NFC", ch) == ch, hex(code)
        assert code not in seconds and code not in hangul, hex(code)
    # What the bit is for: the quick check's characters, where it has a say.
    for ch in "\u0301\u0bbe\u1161\u11a8\u212b\u0958\uf900":
        assert table[ord(ch)] & KERNELS.CANON_NFC, hex(ord(ch))


@NEEDS_KERNELS
@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("ae\u0301\u0327\u0bbe\u0b92\u1100\u1161\u11a8\uac00\u212b\uf900"),
            st.characters(max_codepoint=0xFFFF),
        ),
        max_size=30,
    )
)
@example("\u0b92\u0bd7")  # composes (Maybe) to U+0B94
@example("\u1100\u1161")  # Hangul L V: a syllable
@example("\uac00\u11a8")  # Hangul LV T
@example("e\u0327\u0301")
@example("e\u0301\u0327")  # marks out of order
def test_compiled_check_says_nfc_as_unicodedata(text: str) -> None:
    """The compiled check's NFC answer is ``is_normalized``'s, with or without a call to it."""
    import unicodedata

    only_nfc = CanonicalConfig(**{name: name == "nfc" for name, _ in STEPS})
    assert _is_canonical_by(text, only_nfc, True) == unicodedata.is_normalized("NFC", text)


def test_no_rule_has_a_trigger_character_beyond_the_bmp() -> None:
    """What lets the compiled check leave astral characters out of its table."""
    from normalize import canonical

    every = tuple(name for name, _ in STEPS)
    astral = "".join(map(chr, range(0x10000, 0x110000)))
    assert canonical._triggers(every).chars.search(astral) is None


@pytest.mark.parametrize("compiled", [False, pytest.param(True, marks=NEEDS_KERNELS)])
def test_a_text_whose_joiners_are_all_kept_is_canonical(compiled: bool) -> None:
    """Both checks ask the joiner rule itself when joiners are a text's only triggers."""
    config = CanonicalConfig()
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert _is_canonical_by(persian, config, compiled)
    assert _is_canonical_by("\u0915\u094d\u200d\u0937 " + persian, config, compiled)
    assert not _is_canonical_by(persian + "\u00a0x", config, compiled)  # another trigger
    assert not _is_canonical_by(persian + " zero\u200cwidth", config, compiled)  # one dropped
    assert not _is_canonical_by(persian + " \u200c a", config, compiled)


# NFC without unicodedata's pass: kernels.in_nfc and its tables (canonical.nfc_tables).
#: Characters whose order and composition NFC cares about: Latin letters bare and
#: composed (é is e U+0301, ạ a U+0323, ǖ u U+0308 U+0304), marks of several
#: classes that compose (U+0301, U+0323, U+0327, U+0345, U+0654, U+093C) or do
#: not (U+0316, U+0328, U+094D), Indic vowel signs that compose with the letter
#: before (U+09BE, U+0BBE, U+0BD7, U+0B3E, U+0CC2, U+0DCF, U+0DCA) and those
#: letters, Hangul jamo and syllables, singletons and exclusions (U+212B, U+2126,
#: U+0958, U+F900, U+0344, U+0F73, U+0340), characters beyond the BMP (a mark,
#: an excluded composite, an emoji, Kaithi's pair).
_NFC_ALPHABET = (
    "aeouAEUi\u00e9\u00fc\u1ea1\u01d6\u03b1\u1f00\u0915\u0928\u0930\u0627\u0648"
    "\u0300\u0301\u0302\u0304\u0308\u0313\u0316\u0323\u0327\u0328\u0342\u0345\u05b0"
    "\u0653\u0654\u0655\u093c\u094d\u09bc"
    "\u09a1\u09c7\u09be\u09d7\u0b47\u0b3e\u0b56\u0b57\u0b92\u0bc6\u0bbe\u0bd7"
    "\u0cc6\u0cbf\u0cc2\u0cd5\u0dd9\u0ddc\u0dcf\u0dca\u0ddf\u1025\u102e"
    "\u1100\u1112\u1161\u1175\u11a8\u11c2\u11c3\uac00\uac01\ud7a3"
    "\u212b\u2126\u0958\uf900\u0344\u0f73\u0340\u1e9b\u0f71\u0f72"
    "\U0001d165\U0001d15e\U0001f600\U00011099\U000110ba"
)


def _nfc_strings() -> st.SearchStrategy[str]:
    return st.text(
        alphabet=st.one_of(
            st.sampled_from(_NFC_ALPHABET),
            st.characters(max_codepoint=0xFFFF),
            st.characters(categories=["Mn", "Mc"]),
        ),
        max_size=12,
    )


#: Texts in NFC that the kernel answers itself (without them, a kernel that
#: always left the answer to unicodedata would pass every other test): a
#: Bengali vowel sign after a consonant and after a nukta, a nukta after a
#: letter it does not compose with, an Arabic hamza above after a letter it
#: does not compose with, marks in order after a composed letter (of its last
#: mark's class, of a higher class), a mark that a mark of its class blocks, a
#: Tamil vowel sign after a letter it does not follow in a pair, a Hangul
#: syllable and a mark, marks before any letter.
_NFC_SURE = (
    "\u0995\u09be\u09b2",
    "\u09a1\u09bc\u09be",
    "\u0915\u093c\u093e",
    "\u0628\u0654",
    "\u00e9\u0301",
    "\u1ea1\u0316",
    "\u0105\u0301",
    "a\u0316\u0323",
    "\u0b95\u0bbe",
    "\uac00\u0301",
    "\u0301\u0301x",
)
#: Texts not in NFC, each a way to fail: a second that composes with the
#: letter before (a mark; a starter; after a composed letter; past a mark of a
#: lower class), marks NFC reorders (in the text; after a letter whose
#: decomposition ends with a mark of a higher class), a character NFC replaces.
_NFC_NOT = (
    "e\u0301",
    "\u0928\u093c",
    "\u0627\u0654",
    "\u09c7\u09be",
    "\u0b92\u0bd7",
    "\u00fc\u0304",
    "\u1ea1\u0302",
    "a\u0316\u0301",
    "e\u0327\u0301",
    "e\u0301\u0327",
    "\u00e9\u0323",
    "\u212b",
    "\u1100\u1161",
    "\uac00\u11a8",
)


def _nfc_sure_but_not_nfc(build: Any, table: Any, pairs: Any, texts: Any) -> list[str]:
    """The texts ``build.in_nfc`` says are in NFC and ``unicodedata`` says are not."""
    return [
        text
        for text in texts
        if build.in_nfc(text, table, pairs) and not unicodedata.is_normalized("NFC", text)
    ]


@pytest.mark.parametrize("build", KERNEL_BUILDS)
@settings(max_examples=1500, deadline=None)
@given(_nfc_strings())
@example("\u0995\u09be")
@example("\u00e9\u0323")
@example("\uac00\u11c3\u09be")
def test_in_nfc_says_yes_only_of_nfc(build: Any, text: str) -> None:
    """The kernel's yes is ``is_normalized``'s (its no leaves the answer to it)."""
    from normalize import canonical

    assert not _nfc_sure_but_not_nfc(build, *canonical.nfc_tables(), [text])


@settings(max_examples=1500, deadline=None)
@given(_nfc_strings())
def test_both_builds_of_in_nfc_agree(text: str) -> None:
    from normalize import canonical

    table, pairs = canonical.nfc_tables()
    answers = {build.in_nfc(text, table, pairs) for build in (KERNELS, KERNELS_BUILT) if build}
    assert len(answers) == 1


@settings(max_examples=1000, deadline=None)
@given(_nfc_strings())
@example("\u0b92\u0bd7")
def test_in_nfc_is_is_normalized(text: str) -> None:
    from normalize import canonical

    assert canonical.in_nfc(text) == unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("build", KERNEL_BUILDS)
def test_in_nfc_answers_nfc_text_and_leaves_the_rest(build: Any) -> None:
    from normalize import canonical

    table, pairs = canonical.nfc_tables()
    for text in _NFC_SURE:
        assert unicodedata.is_normalized("NFC", text), text
        assert build.in_nfc(text, table, pairs), text
    for text in _NFC_NOT:
        assert not unicodedata.is_normalized("NFC", text), text
        assert not build.in_nfc(text, table, pairs), text
    with pytest.raises(ValueError, match="table"):
        build.in_nfc("abc", table[:100], pairs)
    with pytest.raises(ValueError, match="pairs"):
        build.in_nfc("abc", table, pairs[:3])


def _pair_keys(pairs: bytes) -> list[int]:
    """The keys of ``in_nfc``'s pairs (``first << 16 | second``)."""
    return [int.from_bytes(pairs[at : at + 4], "big") for at in range(0, len(pairs), 4)]


def _broken_tables(table: bytes, pairs: bytes) -> dict[str, tuple[bytes, bytes]]:
    """``in_nfc``'s tables, each broken in one way the kernel relies on."""
    import numpy as np

    entries = np.frombuffer(table, np.uint8).reshape(-1, 2)
    marks = (entries[:, 1] & KERNELS.NFC_MARK) != 0
    broken = {"no pairs": (table, b"")}
    no_seconds = entries.copy()
    no_seconds[:, 1] &= ~np.uint8(KERNELS.NFC_SECOND)
    broken["no seconds"] = (no_seconds.tobytes(), pairs)
    no_tails = entries.copy()
    no_tails[~marks, 0] = 0
    broken["no decomposition's last class"] = (no_tails.tobytes(), pairs)
    one_class = entries.copy()
    one_class[marks, 0] = 230
    broken["one class for every mark"] = (one_class.tobytes(), pairs)
    nothing_odd = entries.copy()
    nothing_odd[:, 1] &= ~np.uint8(KERNELS.NFC_ODD)
    broken["nothing odd"] = (nothing_odd.tobytes(), pairs)
    return broken


@pytest.mark.parametrize("build", KERNEL_BUILDS)
def test_a_broken_in_nfc_is_caught(build: Any) -> None:
    """Each way of breaking the kernel's tables makes it say yes of a text of
    :data:`_NFC_NOT`: the tests above would fail."""
    from normalize import canonical

    for why, (table, pairs) in _broken_tables(*canonical.nfc_tables()).items():
        assert _nfc_sure_but_not_nfc(build, table, pairs, _NFC_NOT), why


def test_in_nfc_tables_are_unicodedata_s() -> None:
    """The kept tables are the ones made now; each character's class is its
    combining class (of its decomposition's last character for a starter), its
    second bit ``regex``'s NFC_Quick_Check Maybe (Hangul jamo aside: composed by
    rule), and a character NFC changes alone is odd."""
    from normalize import canonical

    table, pairs = canonical.nfc_tables()
    assert (table, pairs) == canonical._make_nfc_tables()
    maybe = regex.compile(r"\p{NFC_QC=Maybe}")
    known = regex.compile(r"\P{Cn}")
    for code in range(0x10000):
        ch = chr(code)
        cls, bits = table[2 * code], table[2 * code + 1]
        assert bool(bits & KERNELS.NFC_MARK) == bool(unicodedata.combining(ch)), hex(code)
        last = unicodedata.normalize("NFD", ch)[-1]
        assert cls == unicodedata.combining(last), hex(code)
        if known.match(ch) and unicodedata.category(ch) != "Cn" and not 0x1100 <= code < 0x1200:
            assert bool(bits & KERNELS.NFC_SECOND) == bool(maybe.match(ch)), hex(code)
        if unicodedata.normalize("NFC", ch) != ch:
            assert bits & KERNELS.NFC_ODD, hex(code)
    keys = _pair_keys(pairs)
    assert keys == sorted(set(keys))


@NEEDS_KERNELS
def test_in_nfc_of_every_bmp_character_before_a_second() -> None:
    """Every BMP character, then each second character (and a few marks): the
    compiled kernel's yes is ``is_normalized``'s."""
    from normalize import canonical

    table, pairs = canonical.nfc_tables()
    seconds = sorted({key & 0xFFFF for key in _pair_keys(pairs)}) + [
        0x316,
        0x328,
        0x94D,
        0x1161,
        0x11A8,
    ]
    in_nfc = KERNELS_BUILT.in_nfc
    wrong = [
        (hex(code), hex(second))
        for code in range(0x10000)
        for second in seconds
        if in_nfc(chr(code) + chr(second), table, pairs)
        and not unicodedata.is_normalized("NFC", chr(code) + chr(second))
    ]
    assert not wrong


@pytest.mark.parametrize("uncurl", [False, True])
def test_the_kept_check_table_is_the_one_made_now(uncurl: bool) -> None:
    """The compiled check's table read back from disk is the one its patterns make
    (one file for each configuration's rules)."""
    from normalize import canonical

    config = CanonicalConfig(uncurl_quotes=uncurl, ascii_dashes=uncurl)
    names = canonical._enabled(config)
    table = canonical._compiled_check(names)[1]
    assert table == canonical._make_check_table(canonical._triggers(names))


#: Texts whose canonical forms have lines beside which the rules would act if
#: the lines were not whole: joiners and marks at a line's edges, spaces, a
#: BOM where invisibles stay, decomposed letters.
_LINE_TEXT = st.text(
    alphabet="ab \n\u00a0\u200b\u200c\u200d\u0301\u0915\u094d\u0628\u0627\ufeff\r\u2029e",
    max_size=12,
)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.one_of(_LINE_TEXT, hard_text), min_size=1, max_size=3),
    st.lists(st.booleans(), max_size=12),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
@example(["a\n\ufeffb"], [False, True], False, True, True)
@example(["\u0628\u200c\n\u0627"], [True, True], True, True, True)
def test_canonical_join_of_whole_lines_is_the_check(
    texts: list[str], keep: list[bool], invisibles: bool, trim: bool, nfc: bool
) -> None:
    """Whole lines of canonical texts (a page's blocks, some left out, joined by blank
    lines): ``canonical_join`` says what it says after its check, without it."""
    config = CanonicalConfig(remove_invisibles=invisibles, trim_lines=trim, nfc=nfc)
    canonical = "\n\n".join(canonicalize(text, config) for text in texts)
    lines = [line + "\n" for line in canonical.split("\n")]
    lines[-1] = lines[-1][:-1]
    keep = (keep + [True] * len(lines))[: len(lines)]
    kept = "".join(line for line, k in zip(lines, keep, strict=True) if k)
    assert canonical_join(kept, config, whole_lines=True) == canonical_join(kept, config)
