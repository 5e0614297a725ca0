"""Decoding and mojibake repair, driven by fixtures/decode_cases.json."""

from __future__ import annotations

import functools
import random
import re
import unicodedata

import ftfy
import ftfy.bad_codecs  # registers sloppy-windows-1252
import pytest
from charset_normalizer import from_bytes
from ftfy import chardata
from ftfy.badness import BADNESS_RE, is_bad
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixtures import encodings
from normalize import canonicalize
from normalize.canonical import CanonicalConfig
from normalize.config import DecodeConfig
from normalize.decode import (
    _BADNESS_NEEDS,
    _BADNESS_REACH,
    _LINE,
    DecodeError,
    _binary_chars,
    _controls_deleted,
    _ftfy_config,
    _ftfy_could_change,
    _ftfy_hint_in,
    _ftfy_hints,
    _hint_bytes,
    _hint_chars,
    _hinted_lines,
    _is_bad,
    _mojibake_hint,
    _repair_leaves,
    _repair_line,
    _utf8_counts,
    codec_name,
    declared_charset,
    decode_bytes,
    repair_and_explain,
)
from tests.conftest import load_cases

_MOJIBAKE_HINT, _MOJIBAKE_HINT_NO_ENTITIES = _mojibake_hint(True), _mojibake_hint(False)
_FTFY_HINT_NO_ENTITIES = _ftfy_hints(False)[0]


def build_input(spec: dict) -> tuple[bytes | str, bool]:
    """The input a case describes: raw bytes, an encoded text, or a mis-decoded text."""
    html = spec.get("html", False)
    if "hex" in spec:
        return bytes.fromhex(spec["hex"]), html
    text = spec["text"]
    if "bytes" in spec:
        return bytes.fromhex(spec.get("bom", "")) + text.encode(spec["bytes"]), html
    if "misdecode" in spec:
        for codec in spec["misdecode"]:
            text = text.encode(spec.get("encode", "utf-8")).decode(codec)
    return text, html


def clean(data: bytes | str, html: bool, http_charset: str | None = None) -> tuple[str, dict]:
    changes: dict = {}
    if isinstance(data, bytes):
        decoded = decode_bytes(data, html=html, http_charset=http_charset)
        data, changes = decoded.text, dict(decoded.changes)
    text, repaired = repair_and_explain(data, html=html, canonical=CanonicalConfig())
    changes.update(repaired)
    return canonicalize(text), changes


@pytest.mark.parametrize("case", load_cases("decode_cases.json"))
def test_decode_case(case: dict) -> None:
    data, html = build_input(case["original"])
    http_charset = case["original"].get("http_charset")
    if "error" in case:
        with pytest.raises(DecodeError) as info:
            clean(data, html, http_charset)
        assert info.value.code == case["error"]
        return
    text, changes = clean(data, html, http_charset)
    assert text == case["fixed"]
    if "changes" in case:
        assert {k: v for k, v in changes.items() if k != "remove_bom"} == case["changes"]


def test_mojibake_is_counted() -> None:
    broken = "दुनिया".encode().decode("sloppy-windows-1252")
    fixed, changes = repair_and_explain(broken)
    assert fixed == "दुनिया"
    assert changes == {"fix_encoding": 1}


def test_lying_charset_declaration_falls_back_with_warning() -> None:
    page = '<meta charset="utf-8"><p>Привет, как дела? Всё хорошо, спасибо большое.</p>'
    decoded = decode_bytes(page.encode("cp1251"), html=True)
    assert "Привет" in decoded.text
    assert decoded.encoding != "utf-8"
    assert any("declares charset utf-8" in w.message for w in decoded.warnings)


@pytest.mark.parametrize(
    ("label", "problem"),
    [("us-ascii", "its bytes do not decode with it"), ("x-no-such", "Python does not know it")],
)
def test_http_charset_that_does_not_decode_gives_a_warning(label: str, problem: str) -> None:
    page = "Привет, как дела? Всё хорошо, спасибо большое.".encode("cp1251")
    decoded = decode_bytes(page, http_charset=label)
    assert decoded.text == "Привет, как дела? Всё хорошо, спасибо большое."
    assert decoded.encoding == "cp1251"
    assert [
        w.message for w in decoded.warnings if f"HTTP header declares charset {label}" in w.message
    ] == [
        f"the HTTP header declares charset {label} but {problem}; "
        "the page's own declaration or detection was used instead"
    ]


def test_http_charset_is_the_reported_encoding() -> None:
    decoded = decode_bytes("Zażółć gęślą jaźń".encode("iso-8859-2"), http_charset="ISO-8859-2")
    assert (decoded.encoding, decoded.warnings) == ("iso8859-2", ())


def test_declared_charset_unknown_label_is_ignored() -> None:
    assert declared_charset(b'<meta charset="no-such-charset">') is None


def test_empty_bytes_decode_to_empty_text() -> None:
    assert decode_bytes(b"").text == ""


# The mojibake hint: a line it skips is a line ftfy would not change ------------

_CODECS = [
    "latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
    "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2",
    "macroman", "cp437",
]  # fmt: skip
_CLEAN = st.text(
    st.sampled_from(
        list(
            "aé ßçñ’“”—–…«»€™ «Ça ółěšíàèùПривітёїєΑλφάβητοहोमदुनियाسلام😀?\ufffd\u00a0.,，（ＡＢ１ｶﾀ"
        )
    ),
    max_size=30,
)


@st.composite
def _mojibake_lines(draw: st.DrawFn) -> str:
    """A line of clean text with a stretch mis-decoded by one of ftfy's codecs."""
    left, middle, right = draw(_CLEAN), draw(_CLEAN), draw(_CLEAN)
    codec = draw(st.sampled_from(_CODECS))
    broken = middle.encode("utf-8").decode(codec, errors="replace")
    if draw(st.booleans()):
        broken = broken.replace("\u00a0", " ")  # the lost 0xA0 ftfy restores
    return left + broken + right


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(_CLEAN, _mojibake_lines(), st.text(max_size=30)))
# Each of ftfy's paths, for certain: a lost 0xA0, a lossy U+FFFD, triple
# encoding, windows-1251 mojibake, an entity, a ligature.
@example("voilÃ  tout")
@example("cafÃ\ufffd")
@example("The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.")
@example("РїСЂРёРІРµС‚")
@example("fish &amp; chips")
@example("ﬁsh")
@example("ＬＯＵＤ，ﾃｽﾄ（中文）")
def test_lines_the_hint_skips_are_lines_ftfy_leaves_alone(line: str) -> None:
    line = line.replace("\n", " ").replace("\r", " ")
    # Markup (and text with unescape_html off) skips entities: ftfy leaves them there.
    for hint, configs in (
        (_MOJIBAKE_HINT, [(False, DecodeConfig()), (True, DecodeConfig())]),
        (
            _MOJIBAKE_HINT_NO_ENTITIES,
            [(True, DecodeConfig()), (False, DecodeConfig(unescape_html=False))],
        ),
    ):
        if hint.search(line):
            continue
        for html, config in configs:
            fixed = ftfy.fix_and_explain(line, config=_ftfy_config(html, config))
            assert fixed.text == line, (line, fixed.explanation)


def test_hint_skips_plain_prose_in_many_scripts() -> None:
    for line in (
        "It’s “fine” — café au lait…",
        "होम > दुनिया (International)",
        "سلام دنیا",
        "Γειά σου κόσμε",
        "北京（记者）：会议召开，讨论了经济发展！",
    ):
        assert not _MOJIBAKE_HINT.search(line), line


def test_width_forms_are_folded_in_text_without_mojibake() -> None:
    assert repair_and_explain("ＬＯＵＤ ＮＯＩＳＥＳ") == ("LOUD NOISES", {"fold_width": 10})


_WIDTH_ALPHABET = st.sampled_from(
    list("ＡＺａｚ０９，．！？（）：；￥＄％ｶﾀﾞｰ｡､")
    + list("中文のーカ한글ㄅ")
    + list("abc XYZ 12,.!()")
    + list("Жب\n")
)


def test_width_forms_always_folded_fold_to_one_other_character() -> None:
    # fold_width counts its changes as the width forms it finds: each must
    # become exactly one different character.
    from normalize.decode import _width_forms

    always = _width_forms().always
    assert all(len(folded) == 1 and folded != chr(c) for c, folded in always.items())


@settings(max_examples=300, deadline=None)
@given(st.lists(_WIDTH_ALPHABET, max_size=40).map("".join))
def test_fold_always_is_the_table_applied_to_every_character(text: str) -> None:
    from normalize.decode import _fold_always, _width_forms

    folded = text.translate(_width_forms().always)
    assert _fold_always(text) == (folded, sum(a != b for a, b in zip(text, folded, strict=True)))


@settings(max_examples=300, deadline=None)
@given(st.lists(_WIDTH_ALPHABET, max_size=40).map("".join))
def test_fold_width_is_idempotent_and_keeps_cjk_punctuation(text: str) -> None:
    from normalize.decode import _width_forms, fold_width

    once, n = fold_width(text)
    assert fold_width(once) == (once, 0)
    assert n == sum(a != b for a, b in zip(text, once, strict=False)) or len(once) != len(text)
    # Fullwidth Latin letters and digits never survive.
    assert not any(
        "\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff5a" for ch in once if ch.isalnum()
    )
    # Fullwidth punctuation survives only next to CJK letters on its line.
    for m in _width_forms().fullwidth_punctuation.finditer(once):
        line = once[once.rfind("\n", 0, m.start()) + 1 :].split("\n")[0]
        assert any(
            "\u3040" <= ch <= "\u30ff"
            or "\u4e00" <= ch <= "\u9fff"
            or "\uac00" <= ch <= "\ud7af"
            or "\u3100" <= ch <= "\u312f"
            for ch in line
        )


# ---------------------------------------------------------------- never worse than the detector (#14.23)

ENCODING_CASES = list(encodings.cases())


def _exact(text: str | None, expected: str) -> bool:
    nfc = unicodedata.normalize
    return text is not None and nfc("NFC", text) == nfc("NFC", expected)


def _normalize_reads(case: encodings.Case) -> tuple[str | None, tuple[str, ...]]:
    try:
        decoded = decode_bytes(case.data)
    except DecodeError:
        return None, ()
    return decoded.text, tuple(w.message for w in decoded.warnings)


@pytest.mark.parametrize("case", ENCODING_CASES, ids=lambda c: c.name)
def test_never_worse_than_the_detector_alone(case: encodings.Case) -> None:
    """Wherever charset-normalizer alone reads the text exactly, so does normalize;
    wherever normalize is not exact, its record says the evidence was weak."""
    text, warnings = _normalize_reads(case)
    best = from_bytes(case.data).best()
    if best is not None and _exact(str(best), case.text):
        assert _exact(text, case.text), (case.name, best.encoding)
    if not _exact(text, case.text):
        assert any("weak evidence" in w for w in warnings), case.name


@pytest.mark.parametrize(
    "name",
    [
        "ja.iso2022_jp",
        "ko.iso2022_kr",
        "zh-hans.hz",
        "ru.utf-16-le",
        "ru.utf-16-be",
        "ru.utf-32-le",
        "ru.utf-32-be",
        "en-overstrike.ascii",
        "en-controls.ascii",
        "ja-extended.cp932",
        "mixed.utf8-cp1252-cp1251-sjis",
        "mixed.utf8-cp1251",
        "mixed.utf8-gbk",
    ],
)
def test_what_the_old_order_of_evidence_got_wrong(name: str) -> None:
    """Escape encodings taken as UTF-8, UTF-16/32 of one alphabet without a BOM and
    ASCII with control characters refused as binary, mixed files read in one encoding."""
    [case] = [c for c in ENCODING_CASES if c.name == name]
    text, _ = _normalize_reads(case)
    assert _exact(text, case.text)


def test_mixed_lines_say_they_were_decoded_line_by_line() -> None:
    [case] = [c for c in ENCODING_CASES if c.name == "mixed.utf8-cp1252-cp1251-sjis"]
    decoded = decode_bytes(case.data)
    [warning] = decoded.warnings
    assert warning.code == "mixed_encodings"
    assert "decoded line by line" in warning.message and "cp1251" in warning.message


def test_a_lying_declaration_does_not_beat_a_sure_detector() -> None:
    """A KOI8-R page that declares windows-1251: the bytes decode in cp1251, into garbage."""
    body = encodings.TEXTS["ru"]
    page = f'<html><head><meta charset="windows-1251"></head><body><p>{body}</p></body></html>'
    decoded = decode_bytes(page.encode("koi8-r"), html=True)
    assert body in decoded.text
    assert decoded.encoding.replace("_", "-") == "koi8-r"
    assert [w.code for w in decoded.warnings] == ["declared_charset"]
    assert "declares charset cp1251" in decoded.warnings[0].message


def test_a_true_declaration_is_kept() -> None:
    body = encodings.TEXTS["cs"]
    page = f'<html><head><meta charset="iso-8859-2"></head><body><p>{body}</p></body></html>'
    decoded = decode_bytes(page.encode("iso-8859-2"), html=True)
    assert body in decoded.text and decoded.warnings == ()


def test_random_binary_is_still_binary() -> None:
    rng = random.Random(14)
    for _ in range(20):
        with pytest.raises(DecodeError):
            decode_bytes(bytes(rng.randrange(256) for _ in range(2000)))


@pytest.mark.parametrize("size", [16_000, 65_536, 1 << 20])
def test_large_random_binary_is_not_decoded_line_by_line(size: int) -> None:
    # Some of its "lines" are valid UTF-8 and many are not: without a check for
    # control bytes, the file passed for text in mixed encodings.
    rng = random.Random(size)
    for _ in range(3 if size < 1 << 20 else 1):
        with pytest.raises(DecodeError):
            decode_bytes(rng.randbytes(size))


@functools.cache
def _plain_hint(entities: bool) -> re.Pattern[str]:
    """The mojibake hint written as its plain alternatives (each place ftfy could act)."""
    lead, cont, spaced = set(), set("?\ufffd"), set()
    for codec in chardata.CHARMAP_ENCODINGS:
        lead.update(bytes(range(0xC0, 0xF5)).decode(codec, errors="ignore"))
        cont.update(bytes(range(0x80, 0xC0)).decode(codec, errors="ignore"))
        if codec != "macroman":
            spaced.update(b"\xc2\xc3\xc5\xce\xd0\xd9\xe2\xe3\xf0".decode(codec, errors="ignore"))
    singles = {0x1B, *chardata.CONTROL_CHARS, *chardata.LIGATURES}

    def chars(cs: set[str]) -> str:
        return re.escape("".join(sorted(cs)))

    removable = (
        "\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060-\u2064\u180e"
        "\u061c\u202a-\u202e\u2066-\u2069"
    )
    spaces = " \t\u1680\u2000-\u200a\u202f\u205f\u3000"
    return re.compile(
        f"[{chars(lead)}][{removable}]*[{chars(cont)}]"
        f"|[{chars(spaced)}][{removable}]*[{spaces}]"
        f"|(?<![\u0300-\u036f])[\u0300-\u036f]+[{removable}]*[{chars(cont)}]"
        f"|[\x80-\x9f\ud800-\udfff{chars(set(map(chr, singles)))}]"
        + (r"|&#?[0-9A-Za-z]{1,24};" if entities else "")
    )


# Leads and continuations of several codecs, marks, removable and space
# characters, ligatures, width forms, entity pieces and plain letters.
_HINT_ALPHABET = st.sampled_from(
    list("ÃÂâÐÑРСÎÏ©®¢€™?\ufffd¿")
    + ["\u0301", "\u0303", "\u00ad", "\u200b", "\x07", "\x85"]
    + list(" \t\u3000\u00a0ﬁＡｶ&#;amp1")
    + list("abc Жب中")
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.one_of(st.text(_HINT_ALPHABET, max_size=12), st.text(max_size=12)))
@example("fish &amp; chips")
@example("a\u0301\u0301\u200b©")
@example("Â\u200b\u200b ")
def test_the_hint_finds_what_its_plain_alternatives_find(text: str) -> None:
    for hint, entities in ((_MOJIBAKE_HINT, True), (_MOJIBAKE_HINT_NO_ENTITIES, False)):
        assert bool(hint.search(text)) == bool(_plain_hint(entities).search(text)), text


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=6),
            st.text(max_size=4).map(lambda s: s.encode("utf-8", "surrogatepass")),
        ),
        max_size=8,
    ).map(b"".join)
)
def test_utf8_counts_are_the_valid_non_ascii_characters_and_the_invalid_bytes(data: bytes) -> None:
    replaced = data.decode("utf-8", errors="replace")
    valid = sum(1 for ch in replaced if ch > "\x7f" and ch != "\ufffd")
    invalid = replaced.count("\ufffd") - data.count("\ufffd".encode())
    assert _utf8_counts(data) == (valid, invalid)


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.one_of(_CLEAN, _mojibake_lines(), st.text(max_size=30), st.text(_HINT_ALPHABET, max_size=30))
)
# Clean text around mojibake (ftfy's fix of inconsistent UTF-8), a codec's
# lead before a space (a lost 0xA0), Portuguese and Russian prose, a lone
# C1 control, a lossy U+FFFD, a ligature and an entity.
@example("Ação e promoção: AÃ§Ã£o")
@example("voilÃ  tout")
@example("в Москве")
@example("cafÃ\ufffd")
@example("ï¬\x81sh")
@example("fish &amp; chips")
@example("ﬁsh")
def test_lines_ftfy_could_not_change_are_lines_ftfy_leaves_alone(line: str) -> None:
    line = line.replace("\n", " ").replace("\r", " ")
    for entities, configs in (
        (True, [(False, DecodeConfig())]),
        (False, [(True, DecodeConfig()), (False, DecodeConfig(unescape_html=False))]),
    ):
        if _ftfy_could_change(line, entities):
            continue
        for html, config in configs:
            fixed = ftfy.fix_and_explain(line, config=_ftfy_config(html, config))
            assert fixed.text == line, (line, fixed.explanation)


#: Characters that make a line's canonical form differ from it, or hide
#: mojibake that the canonical form brings together (a soft hyphen, a zero
#: width space, a combining tilde, spaces the canonical form collapses).
_CANONICAL_ROUND_ALPHABET = st.sampled_from(
    list("aA ?\xad\u200b\u0303\u00a0\t\x0c\u2028.&;")
    + ["Ã", "©", "¶", "Ð", "Ñ", "€", "в", "ç", "ã", "ﬁ", "\x85", "\ufffd", "#", "\n"]
)


@settings(
    max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.one_of(
        _CLEAN,
        _mojibake_lines(),
        st.text(_HINT_ALPHABET, max_size=30),
        st.text(_CANONICAL_ROUND_ALPHABET, max_size=16),
    )
)
# Prose the broad hint finds (Portuguese, Russian before a space), mojibake
# hidden by a soft hyphen or split by a combining mark, a repair that changes
# nothing but the canonical form would change, and one at the end of a line.
@example("Ação e promoção\n")
@example("в Москве")
@example("Caf\xadÃ© au lait")
@example("A\u0303© ok")
@example("voilÃ  tout")
@example("в\u00a0 Москве\u2028")
@example("fish &amp; chips\r\n")
def test_lines_the_repair_leaves_are_given_back_without_counts(line: str) -> None:
    # The shortcut of repair_and_explain for text: where it says ftfy and the
    # canonical rounds would leave the line, they do, and count nothing.
    canonical = CanonicalConfig()
    for entities, config in ((True, DecodeConfig()), (False, DecodeConfig(unescape_html=False))):
        if _repair_leaves(line, entities, canonical):
            fixed, counts = _repair_line(line, _ftfy_config(False, config), canonical)
            assert (fixed, dict(counts)) == (line, {})


_CONTROLS_ALPHABET = st.sampled_from(
    list("ab <>&;[m1\t \x00\x07\x0b\x1b\x1f\x7f")
    + ["\ufeff", "\u206a", "\ufffc", "\x85", "\x9d", "é", "Ã", "©", "ﬁ", "\ud800", "Ａ", "“"]
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(st.text(_CONTROLS_ALPHABET, max_size=12))
@example("<style>\ufeff@font-face{}</style>")
@example("a\ufeffb\x07c\u206a")
@example("\ufeff\x1b[1m")
@example("Ã\ufeff©")
@example("plain")
def test_controls_deleted_is_what_ftfy_makes_of_the_line(line: str) -> None:
    # The shortcut of _repair_line for HTML: where it answers, ftfy gives the
    # same text and no fix but remove_control_chars.
    fixer = _ftfy_config(True, DecodeConfig())
    deleted = _controls_deleted(line, fixer)
    if deleted is None:
        return
    fixed = ftfy.fix_and_explain(line, config=fixer)
    assert fixed.text == deleted
    assert fixed.explanation == ([("apply", "remove_control_chars")] if deleted != line else [])


def test_controls_deleted_answers_for_ascii_and_control_characters_alone() -> None:
    html = _ftfy_config(True, DecodeConfig())
    assert (
        _controls_deleted("x" * 1000 + "\ufeff\x07" + "y" * 1000, html) == "x" * 1000 + "y" * 1000
    )
    assert _controls_deleted("caf\u00e9\ufeff", html) is None  # é: ftfy decides
    assert _controls_deleted("\ufeff&amp;", _ftfy_config(False, DecodeConfig())) is None  # entities


def test_every_badness_match_holds_a_needed_character_within_the_reach() -> None:
    # What _is_bad's windows rest on, read off ftfy's pattern: each
    # alternative has an item it must match whose characters are all in
    # _BADNESS_NEEDS, and no match is longer than the reach and that character.
    import re._parser as sre_parse

    needs_class = re.compile(f"[{_BADNESS_NEEDS}]")
    needs = {c for c in range(0x80, 0x10000) if needs_class.fullmatch(chr(c))}
    assert needs and not any(needs_class.fullmatch(chr(c)) for c in range(0x80))

    def needed_only(item: tuple) -> bool:
        op, arg = item
        if op is sre_parse.LITERAL:
            return arg in needs
        if op is sre_parse.IN and all(o in (sre_parse.LITERAL, sre_parse.RANGE) for o, _ in arg):
            return all(
                a in needs if o is sre_parse.LITERAL else needs.issuperset(range(a[0], a[1] + 1))
                for o, a in arg
            )
        return False

    tree = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert tree.getwidth()[1] <= _BADNESS_REACH + 1
    [(op, (_, branches))] = list(tree)
    assert op is sre_parse.BRANCH and len(branches) > 30
    for branch in branches:
        assert any(needed_only(item) for item in branch), branch


_BADNESS_ALPHABET = sorted(
    {ch for ch in BADNESS_RE.pattern if ch > "\x7f"} | {chr(c) for c in range(0x80, 0xA0)}
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_BADNESS_ALPHABET),
            st.sampled_from(list("aZx 9.,?!\tоаеи中’")),
            st.integers(0, 20).map(lambda n: "x" * n),
            st.text(max_size=3),
        ),
        max_size=20,
    ).map("".join)
)
@example("Ã ")
@example("x" * 13 + "Ã ")
@example("Ã" + "x" * 12 + "©")
@example("ГўВЂВ™a")
@example("aÂ " + "x" * 30)
def test_is_bad_in_windows_is_ftfys_is_bad(line: str) -> None:
    assert _is_bad(line) == is_bad(line)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.text(_HINT_ALPHABET | st.sampled_from(list("<>=/\"'x9\n\r.,-")), max_size=16),
        st.text(max_size=16),
    )
)
# A hint whose characters stay side by side; marks whose run the deleted
# letters join to an earlier run; a lost 0xA0 after a tag; "?" after a lead.
@example("<b>Ã©</b>")
@example("\u0301x\u0301\u200b©")
@example("<p>Â</p> ")
@example("café?")
def test_a_text_whose_hint_chars_have_no_hint_has_none(text: str) -> None:
    # The shortcut of repair_and_explain (and fold_width): a hint without
    # entities is searched in the text only if it is in the remainder.
    rest = _hint_chars(text)
    for hint in (_FTFY_HINT_NO_ENTITIES, _MOJIBAKE_HINT_NO_ENTITIES):
        if hint.search(text):
            assert hint.search(rest), (text, rest)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.text(_HINT_ALPHABET | st.sampled_from(list("<>=/\"'x9 \n\r.,-?’é—")), max_size=16),
        st.text(max_size=16),
    )
)
@example("<b>Ã©</b>")
@example("Ã<b>©</b>")
@example("\ufb01x")  # a ligature: a lead of MacRoman, and a hint alone
@example("вa в")
def test_a_ftfy_hint_is_in_the_text_when_found_from_its_hint_chars(text: str) -> None:
    found = _ftfy_hint_in(text, _hint_chars(text), _FTFY_HINT_NO_ENTITIES)
    assert found == (_FTFY_HINT_NO_ENTITIES.search(text) is not None), text


def test_a_ftfy_hint_in_a_text_with_many_pairs_that_only_seem_to_pair() -> None:
    # More pairs than are looked up: the text itself is searched.
    leads = "ÃÂÅÎÐÙâãð"
    text = "".join(f"{a}x{b}y" for a in leads for b in "©®¯°±²³´µ") + "Ã©"
    found = _ftfy_hint_in(text, _hint_chars(text), _FTFY_HINT_NO_ENTITIES)
    assert found and not _ftfy_hint_in(text[:-2], _hint_chars(text[:-2]), _FTFY_HINT_NO_ENTITIES)


def test_hint_chars_keep_every_character_a_hint_without_entities_reads() -> None:
    # Each deleted ASCII character, placed where a hint reads a character
    # (after a lead, after a lost-0xA0 lead, after a mark, alone), is not read.
    deleted = [chr(c) for c in range(0x80) if chr(c) not in _hint_chars(chr(c))]
    assert "?" not in deleted and " " not in deleted and "\t" not in deleted
    for ch in deleted:
        for hint in (_FTFY_HINT_NO_ENTITIES, _MOJIBAKE_HINT_NO_ENTITIES):
            for text in (f"Ã{ch}", f"Â{ch}", f"a\u0301{ch}", ch, f"Ã\u200b{ch}"):
                assert not hint.search(text), (hint.pattern[:20], text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.text(st.sampled_from(list("ab Ã©\u0301\u0301\n\r\x0b\x0c\u2028\u2029\x85\x1c")), max_size=20)
)
@example("a\r\nÃ©\n")
@example("\u0301\n\u0301\u0301©")
def test_hinted_lines_are_the_lines_the_hint_matches(text: str) -> None:
    for hint in (_MOJIBAKE_HINT, _MOJIBAKE_HINT_NO_ENTITIES):
        expected = [m.span() for m in _LINE.finditer(text) if m.group() and hint.search(m.group())]
        assert list(_hinted_lines(text, hint)) == expected, text


@given(st.text(st.characters(exclude_categories=("Cs",))))
@example("a\x00b\ufffd\t\x1f\x0e\r\n\x7f\x85")
def test_binary_characters_counted_in_utf8_bytes_are_those_of_the_text(text: str) -> None:
    counted = len(re.findall(r"[\ufffd\x00-\x08\x0e-\x1f]", text))
    assert _binary_chars(text) == counted
    assert _binary_chars(text, text.encode("utf-8")) == counted


@pytest.mark.parametrize(
    ("data", "utf8"),
    [
        ("Café, São Paulo ’".encode(), True),
        (b"plain ascii", True),
        ("\ufeffCafé".encode(), False),  # the BOM is not in the text
        ("Привет, как дела?".encode("cp1251"), False),
        ("café crème ".encode() + b"\xff", False),  # U+FFFD stands for a byte
    ],
)
def test_decoded_bytes_are_kept_only_when_they_are_the_text_in_utf8(data, utf8) -> None:
    decoded = decode_bytes(data)
    assert decoded.utf8 == (data if utf8 else None)
    assert decoded.hint_chars == (_hint_chars(decoded.text) if utf8 else None)
    if utf8:
        assert decoded.text.encode("utf-8") == data


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
@example("SchÃ¶n ＬＯＵＤ\n")
@example("<p>Café ok?</p>\nAÃ§Ã£o")
def test_the_repair_given_the_hint_chars_is_the_repair_without(text: str) -> None:
    for html in (True, False):
        for canonical in (None, CanonicalConfig()):
            assert repair_and_explain(
                text, html=html, canonical=canonical, hint_chars=_hint_chars(text)
            ) == repair_and_explain(text, html=html, canonical=canonical)


@given(st.text(st.characters(exclude_categories=("Cs",))))
@example("a\x00b\ufffd\t\x1f\x0e\r\n\x7f\x85")
def test_binary_characters_counted_in_the_hint_bytes_are_those_of_the_text(text: str) -> None:
    counted = len(re.findall(r"[\ufffd\x00-\x08\x0e-\x1f]", text))
    assert _binary_chars(text, _hint_bytes(text.encode("utf-8"))) == counted


# ftfy's tables, kept (decode.FtfyTables) -------------------------------------------


def test_the_kept_ftfy_tables_are_those_made_from_ftfy() -> None:
    from normalize.decode import _badness, _make_ftfy_tables, ftfy_tables

    assert ftfy_tables() == _make_ftfy_tables()
    assert (_badness().pattern, _badness().flags) == (BADNESS_RE.pattern, BADNESS_RE.flags)


def test_the_kept_patterns_are_re_compiles_of_their_sources() -> None:
    """Each pattern of the tables is made from code kept for it (never compiled again) and
    is the pattern re.compile makes: the same source, flags and code words."""
    from normalize import decode

    tables = decode.ftfy_tables()
    assert set(tables.code) == set(tables.patterns())
    for source, flags in tables.patterns():
        code = tables.code[source, flags]
        assert code is not None
        kept_pattern = decode._compile(source, flags)
        assert kept_pattern == re.compile(source, flags) and kept_pattern.flags == code.all_flags


#: Text near the tables' patterns: the characters of their sets and their neighbours.
_NEAR_PATTERNS = st.text(
    st.one_of(
        st.sampled_from(
            "ÃÂâ€œ™©®°¢£¥«»¿¡×÷µ¶§ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›ﬁﬂ?\ufffd\x81\x9d\x1b\u200b"
        ),
        st.sampled_from("&#;amp ltx1Aaé\u0301\u0303ＡＺ０９！（），ｶﾞ\u3000\uff61\ud800\udfff\n"),
        st.characters(codec=None, exclude_categories=()),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(_NEAR_PATTERNS)
def test_a_kept_pattern_matches_exactly_as_a_fresh_compile(text: str) -> None:
    from normalize import decode, kept

    for source, flags in decode.ftfy_tables().patterns():
        kept_pattern = decode._compile(source, flags)
        fresh = re.compile(source, flags)
        assert [m.span() for m in kept_pattern.finditer(text)] == [
            m.span() for m in fresh.finditer(text)
        ]
        assert bool(kept_pattern.match(text)) == bool(fresh.match(text))
        assert kept_pattern.sub("", text) == fresh.sub("", text)
    # a pattern with groups, named and not, made from its code
    grouped = r"(?P<lead>[À-ÿ])(\d+)?(?:&(?P<name>[a-z]{1,8});)?"
    made = kept.re_pattern(grouped, re.IGNORECASE, kept.re_code(grouped, re.IGNORECASE))
    fresh = re.compile(grouped, re.IGNORECASE)
    assert made == fresh and made.groupindex == fresh.groupindex
    assert [m.groups() for m in made.finditer(text)] == [m.groups() for m in fresh.finditer(text)]


def test_code_the_engine_refuses_is_compiled_again() -> None:
    """Code words that are not a pattern's (cut short, another version's) give the pattern
    compiled from its source: re's engine checks the words it is given."""
    from normalize import kept

    source = "[À-ÿ](?<=[Ã])[\x80-\xbf]|ﬁ+"
    code = kept.re_code(source)
    assert code is not None
    for broken in (
        code._replace(code=code.code[: len(code.code) // 2]),
        code._replace(code=type(code.code)("I", [0xFFFF] * len(code.code))),
    ):
        assert kept.re_pattern(source, 0, broken) == re.compile(source)
    assert kept.re_pattern(source, 0, None) == re.compile(source)
    assert kept.re_pattern(source, re.ASCII, code) == re.compile(source, re.ASCII)


def test_the_ftfy_tables_key_follows_ftfys_files(tmp_path, monkeypatch) -> None:
    from normalize import decode

    (tmp_path / "chardata.py").write_text("TABLE = 1\n", encoding="utf-8")
    monkeypatch.setattr(decode, "_ftfy_folder", lambda: str(tmp_path))
    before = decode._ftfy_tables_key()
    assert before is not None and decode._ftfy_tables_key() == before
    (tmp_path / "chardata.py").write_text("TABLE = 12\n", encoding="utf-8")
    assert decode._ftfy_tables_key() != before
    monkeypatch.setattr(decode, "_ftfy_folder", lambda: None)
    assert decode._ftfy_tables_key() is None


def test_the_ftfy_tables_key_follows_the_maker_of_their_code_words(tmp_path, monkeypatch) -> None:
    """The kept patterns' code words are made by normalize.kept (``re_code``): another
    version of it makes the tables anew (a pattern's source and flags do not check
    its code words)."""
    from normalize import decode, kept

    maker = tmp_path / "kept.py"
    maker.write_text("# re_code\n", encoding="utf-8")
    monkeypatch.setattr(kept, "__file__", str(maker))
    before = decode._ftfy_tables_key()
    maker.write_text("# re_code, changed\n", encoding="utf-8")
    assert before is not None and decode._ftfy_tables_key() != before


#: A text run in a process of its own, with the kept tables in argv[1]: its
#: repair, whether ftfy was imported for it, then the names of two charsets of
#: ftfy's codecs.
_RUN_WITHOUT_FTFY = """
import json, sys
from pathlib import Path
import normalize.kept
normalize.kept.CACHE_DIR = Path(sys.argv[1])
from normalize.canonical import CanonicalConfig
from normalize.decode import codec_name, repair_and_explain
text = sys.argv[2]
repaired = repair_and_explain(text, canonical=CanonicalConfig())
imported = "ftfy" in sys.modules
print(json.dumps([repaired, imported, codec_name("sloppy-windows-1252"), codec_name("cesu-8")]))
"""


@pytest.mark.parametrize(
    ("text", "needs_ftfy"),
    [("Plain prose: Ação e promoção, в Москве, ＡＢ（テスト）\n", False), ("SchÃ¶n\n", True)],
)
def test_ftfy_is_imported_only_for_a_line_it_repairs(tmp_path, text: str, needs_ftfy: bool) -> None:
    import json
    import subprocess
    import sys

    def run() -> list:
        out = subprocess.run(
            [sys.executable, "-c", _RUN_WITHOUT_FTFY, str(tmp_path), text],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    first, second = run(), run()  # the first makes the tables and keeps them
    assert first[1] is True
    assert second[1] is needs_ftfy
    expected = repair_and_explain(text, canonical=CanonicalConfig())
    assert first[0] == second[0] == [expected[0], expected[1]]
    # ftfy's codecs are known to a declared charset, ftfy imported or not.
    assert first[2:] == second[2:] == [codec_name("sloppy-windows-1252"), codec_name("cesu-8")]
    assert second[2:] == ["sloppy-windows-1252", "utf-8-variants"]


@settings(max_examples=300, deadline=None)
@given(
    codes=st.sets(
        st.one_of(
            st.integers(0, 0x2FF),  # dense: runs, and re's specials ("-", "]", "^", "\\")
            st.integers(0xD7F0, 0xE010),  # around the surrogates
            st.integers(0, 0x10FFFF),
        ),
        max_size=200,
    )
)
def test_a_char_set_matches_exactly_its_characters(codes: set[int]) -> None:
    # The ranges that make the decoder's patterns quick to compile keep their sets.
    from normalize.decode import _char_set

    if not codes:
        return
    pattern = re.compile(f"[{_char_set(codes)}]")
    around = {c + d for c in codes for d in (-1, 0, 1) if 0 <= c + d <= 0x10FFFF}
    for code in around | {0x2D, 0x5D, 0x5E, 0x5C}:
        assert (pattern.fullmatch(chr(code)) is not None) == (code in codes), hex(code)
