"""Characters shared by scripts (Script_Extensions) never end a segment.

``ー`` (U+30FC) is Script=Common with Script_Extensions Hiragana and
Katakana; the danda ``।`` is shared by a dozen Brahmic scripts; the Arabic
comma and tatweel by Arabic, Syriac and Thaana; combining accents by Latin,
Greek and Cyrillic. Each such letter, mark and punctuation mark is put
between two words of every script it extends to (that the segmenter tells
apart), and the text must come out as one language segment of that script.
"""

from __future__ import annotations

import unicodedata

import pytest
import regex

from normalize import Config, Document, normalize_document
from normalize.config import SegmentConfig
from normalize.document import NO_LANGUAGE
from normalize.scripts import SCRIPT_CODES, SCRIPT_GROUP, UnknownLanguageError
from normalize.segment import segment_languages
from tests.conftest import run_cli

_NAMES = [name for name, code in SCRIPT_CODES.items() if code not in ("Zyyy", "Zinh")]


def _sample_word(name: str) -> str:
    """Three letters of the script (its first ``Lo``/``Ll`` letters of Script=name)."""
    letters = regex.compile(rf"[\p{{Script={name}}}&&[\p{{Lo}}\p{{Ll}}]]", regex.V1)
    found = [chr(c) for c in range(0x20000) if letters.match(chr(c))]
    return "".join(found[5:8])


def _shared() -> list[tuple[str, str]]:
    """(character, script name): every Common or Inherited letter, mark or
    punctuation mark whose Script_Extensions name some (not all) of our scripts."""
    common = regex.compile(r"[\p{Script=Common}\p{Script=Inherited}]")
    out = []
    for cp in range(0x110000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] not in "LM" and cat != "Po" or not common.match(ch):
            continue
        scx = [n for n in _NAMES if regex.match(rf"\p{{scx={n}}}", ch)]
        if scx and len(scx) < len(_NAMES):
            out.extend((ch, n) for n in scx)
    return out


SHARED = _shared()
WORDS = {name: _sample_word(name) for name in {n for _, n in SHARED}}
#: Punctuation that separates on purpose: the middle dot is a breadcrumb
#: separator (Home · News).
SEPARATORS = {"\u00b7"}


def test_the_issue_characters_are_covered() -> None:
    chars = {ch for ch, _ in SHARED}
    assert set("ー々〆、。・।॥،؛ـ\u0301\u064b") - {"々"} <= chars


@pytest.mark.parametrize(
    ("char", "name"),
    [pytest.param(ch, n, id=f"U+{ord(ch):04X}-{n}") for ch, n in SHARED if ch not in SEPARATORS],
)
def test_shared_character_does_not_end_a_segment(char: str, name: str) -> None:
    word = WORDS[name]
    gap = " " if unicodedata.category(char) == "Po" else ""
    text = word + char + gap + word
    segs = [s for s in segment_languages(text) if s.lang != NO_LANGUAGE]
    code = SCRIPT_CODES[name]
    group = SCRIPT_GROUP.get(code, code)
    assert len(segs) == 1, [(s.text, s.script) for s in segs]
    assert segs[0].text == text
    assert SCRIPT_GROUP.get(segs[0].script, segs[0].script) in (group, "Jpan")


@pytest.mark.parametrize(
    ("text", "lang", "script"),
    [
        ("ニュースをお伝えします", "ja", "Jpan"),
        ("東京は日々、人々で賑わっている。", "ja", "Jpan"),
        ("كـتاب جميل جدا، وهذا رائع", "ar", "Arab"),
        ("आज मौसम अच्छा है। कल बारिश होगी॥", "hi", "Deva"),
    ],
)
def test_issue_examples_are_one_segment(text: str, lang: str, script: str) -> None:
    segs = [s for s in segment_languages(text) if s.lang != NO_LANGUAGE]
    assert [(s.text, s.lang, s.script) for s in segs] == [(text, lang, script)]


def test_unknown_language_code_is_a_precise_error() -> None:
    with pytest.raises(UnknownLanguageError, match=r"'english'.*\ben, eo, es\b"):
        SegmentConfig(languages=("en", "english"))
    with pytest.raises(UnknownLanguageError):
        segment_languages("hello world", ["xx"])
    assert SegmentConfig(languages=("en", "hi")).languages == ("en", "hi")


def test_cli_unknown_language_is_a_usage_error() -> None:
    proc = run_cli("--languages", "english", "-", input=b"hello world\n")
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert "'english'" in err and "en, eo, es" in err


BURMESE_PAGE = (
    "<html><body><h1>မြန်မာနိုင်ငံ သတင်း</h1><p>မြန်မာနိုင်ငံသည် အရှေ့တောင်အာရှတွင် "
    "တည်ရှိသော နိုင်ငံတစ်ခု ဖြစ်သည်။ BBC News ရန်ကုန်မြို့သည် အကြီးဆုံးမြို့ ဖြစ်သည်။ "
    "Yangon is the largest city.</p></body></html>"
)


def test_script_without_a_candidate_is_und_and_the_document_too() -> None:
    doc = normalize_document(BURMESE_PAGE.encode(), source="my.html")
    burmese = [s for s in doc.segments if s.script == "Mymr"]
    assert burmese and all(s.lang == "und" for s in burmese)
    assert doc.lang == "und"
    assert doc.lang_confidence == 0.0
    assert doc.lang_shares[0][0] == "und" and doc.lang_shares[0][1] > 0.5
    assert [lang for lang, _ in doc.lang_shares] == ["und", "en"]


def test_arabic_with_latin_and_han_candidates_is_und_arab() -> None:
    text = (
        "اللغة العربية هي إحدى أكثر اللغات انتشاراً في العالم، ويتحدث بها أكثر من "
        "أربعمائة مليون نسمة. CNN"
    )
    config = Config(segment=SegmentConfig(languages=("en", "zh")), keep_boilerplate=True)
    doc = normalize_document(text, config=config)
    arabic = [s for s in doc.segments if s.script == "Arab"]
    assert arabic and all(s.lang == "und" for s in arabic)
    assert doc.lang == "und"


def test_every_record_has_lang_confidence_and_shares() -> None:
    doc = normalize_document(
        "The weather is fine today and the children are playing in the park. "
        "Le temps est beau aujourd'hui."
    )
    rec = doc.to_json()
    assert rec["lang"] == "en"
    assert [s["lang"] for s in rec["lang_shares"]] == ["en", "fr"]
    assert abs(sum(s["share"] for s in rec["lang_shares"]) - 1.0) < 1e-3
    assert 0.5 < rec["lang_confidence"] <= rec["lang_shares"][0]["share"]
    assert Document.from_json(rec).lang_shares == tuple(
        (s["lang"], s["share"]) for s in rec["lang_shares"]
    )


def _labels(text: str, config: SegmentConfig | None = None) -> list[tuple[str, str]]:
    return [(s.text, s.lang) for s in segment_languages(text, config=config) if s.lang != "zxx"]


def test_a_short_piece_alone_in_its_script_and_unsure_is_und() -> None:
    assert _labels("CNN\nニュースをお伝えします") == [
        ("CNN", "und"),
        ("ニュースをお伝えします", "ja"),
    ]
    assert _labels("BBC NEWS") == [("BBC NEWS", "und")]
    # With neighbours of its script it takes their language.
    text = "CNN | World | Sport\nThe storm hit the coast early on Monday morning."
    assert [lang for _, lang in _labels(text)] == ["en"] * 4
    # Switched off, the best guess is kept.
    assert _labels("CNN", SegmentConfig(min_confidence=0.0))[0][1] not in ("und", "zxx")


def test_capitals_are_scored_in_lower_case() -> None:
    assert _labels("NEWS WEB EASY") == [("NEWS WEB EASY", "en")]
    assert _labels("ÚLTIMAS NOTICIAS") == [("ÚLTIMAS NOTICIAS", "es")]


def test_temperature_changes_confidence_not_labels() -> None:
    text = "Home | News | Sport\nHola, ¿cómo estás? The weather is fine today.\nदुनिया > खेल"
    cool, warm = SegmentConfig(confidence_temperature=0.5), SegmentConfig()
    a, b = segment_languages(text, config=cool), segment_languages(text, config=warm)
    assert [(s.text, s.lang) for s in a] == [(s.text, s.lang) for s in b]
    unsure = [
        (x.confidence, y.confidence) for x, y in zip(a, b, strict=True) if 0.0 < y.confidence < 0.99
    ]
    assert unsure and all(x > y for x, y in unsure)
