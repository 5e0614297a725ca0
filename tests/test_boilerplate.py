"""Tests of the boilerplate stage: data-driven cases, the seed pages end to end,
invariants (blocks tile the text, repeats are order-independent), and bad input."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize import langpacks
from normalize.boilerplate import (
    REASONS,
    chrome_phrase,
    features,
    find_repeats,
    mark_boilerplate,
    model,
    repeat_keys,
    rules,
    source_group,
    tokens,
)
from normalize.canonical import canonicalize
from normalize.config import BoilerplateConfig
from normalize.context import Context
from normalize.document import BOILERPLATE, CONTENT, Page
from normalize.extract.html import BoilerplateError, html_page
from normalize.extract.text import text_page
from tests.conftest import load_cases

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
CONFIG = BoilerplateConfig()


def assert_tiles(page: Page) -> None:
    pos = 0
    for b in page.blocks:
        assert b.start == pos and b.end > b.start
        pos = b.end
    assert pos == len(page.text)


def read(case: dict) -> Page:
    if case["input"] == "html":
        return html_page(case["page"], canonicalize=canonicalize, config=CONFIG)
    return text_page(canonicalize(case["page"]), config=CONFIG)


def find(page: Page, needle: str, nth: int = 0):
    hits = [b for b in page.blocks if needle in page.block_text(b)]
    assert len(hits) > nth, f"no block #{nth} containing {needle!r}"
    return hits[nth]


@pytest.mark.parametrize("case", load_cases("boilerplate_cases.json"))
def test_case(case: dict) -> None:
    page = mark_boilerplate(read(case), config=CONFIG)
    assert_tiles(page)
    for exp in case["blocks"]:
        b = find(page, exp["text"], exp.get("nth", 0))
        got = (b.kind, b.reason)
        assert b.kind == exp["kind"], f"{exp['text']!r}: {got}"
        if "reason" in exp:
            assert b.reason == exp["reason"], f"{exp['text']!r}: {got}"
    assert all(b.reason in REASONS for b in page.blocks if b.kind == BOILERPLATE)
    for key, value in case.get("metadata", {}).items():
        assert page.metadata.get(key) == value


# The seeds, end to end ---------------------------------------------------------

SEED_CHROME = [
    ("000", "icon bookmark-bicon"),
    ("000", "1 Oct, 2018 10:37"),
    ("000", "Subscribe to RT newsletter"),
    ("000", "Podcasts"),
    ("000", "0:00"),
    ("000", "28:20"),
    ("000", "27:33"),
    ("001", "icon bookmark-bicon"),
    ("001", "Like this story? Share it with a friend!"),
    ("002", "आप यहाँ पर हैं"),
    ("002", "होम > दुनिया (International) >"),
    ("002", "Leave a Reply"),
    ("003", "Follow AsumeTech on"),
    ("003", "More From Category"),
    ("003", "More Stories Today"),
    ("003", "Leave a Reply"),
]
SEED_TITLES = {
    "000": "Taliban never sought peace with US",
    "001": "‘Our goal is to end invasion’",
    "002": "Taliban denies sharing ISIL intelligence with Russia",
    "003": "Taliban: We will not work with the United States",
}


@pytest.fixture(scope="module")
def seed_pages() -> dict[str, Page]:
    pages = {
        p.name[:3]: text_page(canonicalize(p.read_text(encoding="utf-8")), config=CONFIG)
        for p in SEEDS
    }
    repeated = find_repeats([repeat_keys(p) for p in pages.values()], CONFIG)
    return {k: mark_boilerplate(p, repeated=repeated, config=CONFIG) for k, p in pages.items()}


@pytest.mark.parametrize(
    ("seed", "needle"), SEED_CHROME, ids=[f"{s}-{n[:24]}" for s, n in SEED_CHROME]
)
def test_seed_chrome_is_boilerplate(seed_pages, seed, needle) -> None:
    page = seed_pages[seed]
    for b in page.blocks:
        if page.block_text(b).startswith(needle):
            assert b.kind == BOILERPLATE and b.reason in REASONS, (needle, b.reason)
            return
    pytest.fail(f"{needle!r} not found in seed {seed}")


@pytest.mark.parametrize("seed", sorted(SEED_TITLES))
def test_seed_title_and_body_are_content(seed_pages, seed) -> None:
    page = seed_pages[seed]
    texts = [(page.block_text(b), b) for b in page.blocks]
    title = [b for t, b in texts if t.startswith(SEED_TITLES[seed])]
    assert title[0].kind == CONTENT
    assert all(b.kind == BOILERPLATE for b in title[1:])  # a repeated title is recorded once
    chrome = {n for s, n in SEED_CHROME if s == seed}
    body = [
        (t, b)
        for t, b in texts
        if len(t.split()) >= 12
        and not t.startswith(SEED_TITLES[seed])
        and not any(t.startswith(n) for n in chrome)
    ]
    assert body
    for t, b in body:
        assert b.kind == CONTENT, (t[:60], b.reason)


def test_seed_repeats_across_documents() -> None:
    pages = [text_page(canonicalize(p.read_text(encoding="utf-8")), config=CONFIG) for p in SEEDS]
    repeated = find_repeats([repeat_keys(p) for p in pages], CONFIG)
    assert "leave a reply" in repeated
    assert find_repeats([repeat_keys(p) for p in reversed(pages)], CONFIG) == repeated


# Invariants -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .\n—आ"), max_size=200))
def test_text_page_tiles(text: str) -> None:
    text = canonicalize(text)
    page = mark_boilerplate(text_page(text, config=CONFIG), config=CONFIG)
    assert_tiles(page)
    assert "".join(page.text[b.start : b.end] for b in page.blocks) == text


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div class=nav>",
                "</div>",
                "<br>",
                "<a>",
                "</a>",
                "word ",
                "Leave a Reply",
                "<li>",
                "<h1>",
                "x. ",
                "<script>",
            ]
        ),
        max_size=40,
    )
)
def test_html_page_tiles(parts: list[str]) -> None:
    html = "<html><body>" + "".join(parts) + "</body></html>"
    page = mark_boilerplate(
        html_page(html, canonicalize=canonicalize, config=CONFIG), config=CONFIG
    )
    assert_tiles(page)
    assert canonicalize(page.text) == page.text


@given(st.lists(st.frozensets(st.sampled_from("abcdef"), max_size=4), max_size=8), st.randoms())
def test_find_repeats_is_order_independent(key_sets, rnd) -> None:
    shuffled = list(key_sets)
    rnd.shuffle(shuffled)
    assert find_repeats(key_sets, CONFIG) == find_repeats(shuffled, CONFIG)


def test_disabled_marks_everything_content() -> None:
    cfg = BoilerplateConfig(enabled=False)
    page = mark_boilerplate(text_page("Leave a Reply", config=cfg), config=cfg)
    assert [b.kind for b in page.blocks] == [CONTENT]


def test_source_groups() -> None:
    assert source_group("a/b/c.txt", {}) == source_group("a/b/d.txt", {})
    assert source_group("https://x.org/1", {}) == source_group("http://www.x.org/2", {})


# Bad input --------------------------------------------------------------------


def html(body: str) -> Page:
    return mark_boilerplate(
        html_page(body, canonicalize=canonicalize, config=CONFIG), config=CONFIG
    )


def test_malformed_html() -> None:
    page = html("<html><body><p>Unclosed <b>bold <div><p>para</td></tr>< / p><<>>&bogus;</span>")
    assert_tiles(page)
    assert "para" in page.text


def test_deep_nesting_does_not_recurse() -> None:
    page = html("<div>" * 10_000 + "deep text" + "</div>" * 10_000 + "<p>after the nest</p>")
    assert_tiles(page)
    # Past libxml2's depth limit the parser keeps nothing; the page is read as text.
    assert "deep text" in page.text and "after the nest" in page.text
    assert page.metadata.get("flattened") is True


def test_huge_page_is_bounded() -> None:
    para = "<p>" + "word " * 40 + "end.</p>\n"
    big = "<html><body>" + para * (50_000_000 // len(para)) + "</body></html>"
    t0 = time.monotonic()
    page = html(big)
    assert time.monotonic() - t0 < 60
    assert page.metadata.get("truncated") is True
    assert len(page.blocks) <= CONFIG.max_blocks + 1


def test_page_without_text() -> None:
    page = html("<html><head><script>var x = 1;</script></head><body><img src=a.png></body></html>")
    assert page.text == "" and page.blocks == ()


def test_page_of_only_chrome() -> None:
    page = html(
        "<html><body><nav><a href=/>Home</a> <a href=/a>About</a></nav>"
        "<footer>Privacy Policy</footer></body></html>"
    )
    assert page.blocks and all(b.kind == BOILERPLATE for b in page.blocks)


@pytest.mark.parametrize("bad", ["", "   \n "], ids=["empty", "blank"])
def test_empty_html_is_a_clear_error(bad: str) -> None:
    with pytest.raises(BoilerplateError, match="empty") as err:
        html_page(bad, canonicalize=canonicalize, config=CONFIG)
    assert err.value.code == "empty_html"


def test_unparsable_html_is_a_clear_error() -> None:
    with pytest.raises(BoilerplateError, match="could not be parsed") as err:
        html_page("<!-- only a comment -->", canonicalize=canonicalize, config=CONFIG)
    assert err.value.code == "bad_html"


# Language packs ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "hi", "ur", "fa", "ps", "ar", "ru"])
def test_lang_pack_files_have_attribution(lang: str) -> None:
    for name in ("chrome.txt", "stopwords.txt"):
        path = ROOT / "lang_packs" / lang / name
        head = path.read_text(encoding="utf-8").splitlines()[:6]
        assert any(line.startswith("#") and "Source" in line for line in head), path
    pack = langpacks.LangPacks().pack(lang)
    assert pack.stopwords and (pack.phrases or pack.patterns)


def test_chrome_sections_are_reason_codes() -> None:
    packs = langpacks.LangPacks()
    for lang in packs.langs():
        pack = packs.pack(lang)
        reasons = set(pack.phrases.values()) | {r for _, r in pack.patterns}
        assert reasons <= set(REASONS), (lang, reasons - set(REASONS))


def test_adding_a_language_is_adding_a_folder(tmp_path, monkeypatch) -> None:
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "chrome.txt").write_text("# test pack\n[share]\nzorp it\n", encoding="utf-8")
    (tmp_path / "xx" / "stopwords.txt").write_text("# test\nla\nlo\n", encoding="utf-8")
    monkeypatch.setenv("NORMALIZE_LANG_PACKS", str(tmp_path))
    ctx = Context()  # a fresh worker's context: it reads the packs when first asked
    assert ctx.packs.langs() == ("xx",)
    assert chrome_phrase("Zorp it!", ctx=ctx) == "share"
    assert features.guess_stoplist_lang(["la", "lo", "mu"], ctx=ctx) == "xx"
    assert chrome_phrase("Zorp it!", ctx=Context()) == "share"
    monkeypatch.delenv("NORMALIZE_LANG_PACKS")
    assert chrome_phrase("Zorp it!", ctx=Context()) is None
    assert chrome_phrase("Zorp it!", ctx=ctx) == "share"  # a context keeps what it read


def test_a_missing_pack_folder_is_a_warning(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("NORMALIZE_LANG_PACKS", str(tmp_path / "nowhere"))
    ctx = Context()
    with caplog.at_level("WARNING", logger="normalize"):
        assert chrome_phrase("Leave a Reply", ctx=ctx) is None
        assert features.guess_stoplist_lang(["the", "cat"], ctx=ctx) is None
    warnings = [r for r in caplog.records if "language packs" in r.getMessage()]
    assert len(warnings) == 1 and "nowhere" in warnings[0].getMessage()


def test_text_page_block_limit_keeps_everything() -> None:
    cfg = BoilerplateConfig(max_blocks=3)
    page = text_page("a\nb\nc", config=cfg)
    assert len(page.blocks) == 3 and "truncated" not in page.metadata
    page = text_page("a\nb\nc\nd\ne", config=cfg)
    assert len(page.blocks) == 3 and page.metadata["truncated"] is True
    assert page.block_text(page.blocks[-1]) == "c\nd\ne"


def test_ascii_tokenizers_agree_with_the_unicode_ones_on_general_punctuation() -> None:
    """The ``re`` shortcut for ASCII text with typographic punctuation gives the same tokens."""
    for code in range(0x2000, 0x2070):
        text = f"Hello{chr(code)}world 42{chr(code)} A{chr(code)}B “x”"
        assert tokens._ascii_words(text)
        assert tokens._ASCII_WORD.findall(text) == tokens._WORD.findall(text), hex(code)
        assert features._ASCII_CAP_WORD_START.findall(text) == features._CAP_WORD_START.findall(
            text
        )
    assert not tokens._ascii_words("café “x”")


# The main-content container ------------------------------------------------------


def _evidence_of(blocks: list[tuple[str, dict[str, float], str | None]]) -> model._Evidence:
    return model._Evidence(
        texts=[t for t, _, _ in blocks],
        feats=[f for _, f, _ in blocks],
        forced=[r for _, _, r in blocks],
        title_index=None,
    )


def test_fall_back_to_container_when_the_model_keeps_too_little() -> None:
    """A quarter of the container kept: its blocks come back, but not those a rule
    named or link lists, and nothing outside it."""
    para = "A sentence of the article that the model was unsure about. " * 2
    inside = {"in_container": 1.0, "link_density": 0.0}
    ev = _evidence_of(
        [
            ("Home News Sport", {"link_density": 1.0}, None),
            (para, inside, None),
            (para, inside, None),
            (para, inside, None),
            (para, inside, None),
            ("Share on Facebook", dict(inside), "share"),
            ("Next article: a link", {"in_container": 1.0, "link_density": 0.9}, None),
            (para, {}, None),
        ]
    )
    verdicts: list[str | None] = [
        "nav",
        None,
        "low_score",
        "low_score",
        "low_score",
        "share",
        "link_dense",
        "low_score",
    ]
    model.fall_back_to_container(ev, verdicts, CONFIG)
    assert verdicts == ["nav", None, None, None, None, "share", "link_dense", "low_score"]


@pytest.mark.parametrize(
    "verdicts, paragraphs",
    [
        (["low_score", None, None], 3),  # two thirds kept: the model is trusted
        (["low_score", "low_score", "low_score"], 1),  # too short a container to be evidence
    ],
)
def test_no_fallback_when_the_model_kept_enough_or_the_container_is_short(
    verdicts: list[str | None], paragraphs: int
) -> None:
    para = "A sentence of the article that the model was unsure about. " * 2
    if paragraphs == 1:
        para = para[:80]
    inside = {"in_container": 1.0, "link_density": 0.0}
    ev = _evidence_of([(para, inside, None)] * 3)
    before = list(verdicts)
    model.fall_back_to_container(ev, verdicts, CONFIG)
    assert verdicts == before


def test_template_class_words_do_not_name_blocks() -> None:
    """Class words of <body>, of the container and its ancestors, and taxonomy classes
    (category-…, tag-…) describe the page: no block inherits them as features."""
    page = html_page(
        "<html><body class='single category-social-media'><div class='wrap sidebar-left'>"
        "<article class='post category-no-newsletter tag-share'>"
        "<p>The first paragraph of the article, long enough, with a comma, to be prose.</p>"
        "<p>The second paragraph of the article, with a comma, and more words to count.</p>"
        "<div class='share-buttons'><a href='#'>Facebook</a></div>"
        "</article></div></body></html>",
        canonicalize=canonicalize,
        config=CONFIG,
    )
    feats = {page.block_text(b)[:10]: b.features for b in page.blocks}
    for key in ("The first ", "The second"):
        assert feats[key].get("in_container")
        assert not any(feats[key].get(k) for k in ("cls_share", "cls_subscribe", "cls_sidebar"))
    assert feats["Facebook"].get("cls_share")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.one_of(
            st.characters(max_codepoint=0x7F),
            st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
            st.sampled_from(list("aZ_09 ") + ["é", "北", "д", "٣", "ǅ"]),
        ),
        max_size=40,
    )
)
def test_a_lines_lettered_words_are_its_words_with_a_letter(text: str) -> None:
    """The title's count of words with a letter, read without making the words on a
    line of ASCII letters and digits, is the count over the line's words."""
    expected = sum(any(c.isalpha() for c in w) for w in tokens.words(text))
    assert model._lettered_words(features._Line(text)) == expected
    with mock.patch.object(features, "SCAN_COMPILED", False):  # the patterns' words
        assert model._lettered_words(features._Line(text)) == expected


def test_ascii_line_patterns_agree_with_the_unicode_ones_on_general_punctuation() -> None:
    """The ``re`` line patterns give the ``regex`` ones' matches on every character of
    ASCII and General Punctuation, next to letters, digits, spaces and the marks."""
    chars = [chr(c) for c in [*range(0x80), *range(0x2000, 0x2070)]]
    contexts = ("a{}b", "a {} b", "a.{}", "x.com{}", "@{}x", "a{}", "{}.", "end.{}\n", "1 {} 2")
    for c in chars:
        for ctx in contexts:
            text = ctx.format(c)
            assert tokens._ascii_words(text)
            for fast, slow in zip(
                features._ASCII_LINE_PATTERNS, features._LINE_PATTERNS, strict=True
            ):
                assert fast.findall(text) == slow.findall(text), (hex(ord(c)), ctx, slow)


# Rules: each line's shortcuts give the rules' verdicts -----------------------------

#: Pieces of chrome lines: phrases of the packs (plain and wildcard), their
#: separators, clock times and dates, words and scripts the rules count.
RULE_PIECES = st.sampled_from(
    [
        "Share",
        "Leave a Reply",
        "Follow",
        "AsumeTech",
        " on",
        "Subscribe to",
        " our ",
        "newsletter",
        "Sign up for",
        "This article is more than",
        " 5 years ",
        "old",
        "Abonnez-vous à",
        " | ",
        " • ",
        " · ",
        " > ",
        " » ",
        "Home",
        "होम",
        "दुनिया",
        "10:37",
        "0:00",
        "November 9, 2018",
        " 12 ",
        "2018",
        ".",
        "!",
        " ",
        "x",
        "北京",
    ]
)
RULE_LINES = st.lists(RULE_PIECES, min_size=1, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(RULE_LINES)
def test_a_lines_rule_is_the_rule_of_its_text(text: str) -> None:
    """A line's rule (with its word count known: the clock and date rule needs the
    words only of lines of two to seven) is what the rules give the text alone."""
    line = features._Line(text)
    assert line.n_words == len(tokens.words(text))
    phrases = rules.all_phrases(Context())
    assert line.rule(CONFIG.max_rule_chars, phrases) == rules.rule_reason(text, CONFIG)


@settings(max_examples=300, deadline=None)
@given(RULE_LINES)
def test_the_wildcard_phrases_match_as_one_pattern_in_the_packs_order(text: str) -> None:
    """The one pattern of the wildcard phrases names the reason of the first of
    them that the key is, as trying each in turn does."""
    ctx = Context()
    patterns = [p for lang in ctx.packs.langs() for p in ctx.packs.pack(lang).patterns]
    _, wildcards, groups = rules.all_phrases(ctx)
    for key in (langpacks.phrase_key(text), *map(langpacks.phrase_key, text.split(" | "))):
        first = next((reason for pat, reason in patterns if pat.match(key)), None)
        assert rules._wildcard_reason(wildcards, groups, key) == first, key


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Share", "Leave a Reply", "Home", "Tweet", "x", "", "!"]),
        min_size=2,
        max_size=5,
    )
)
def test_a_strip_of_chrome_phrases_has_its_first_steps_reason(steps: list[str]) -> None:
    """Steps joined by a navigation separator are chrome when every step with a
    key is a chrome phrase, with the first one's reason; else the strip is not."""
    reasons = [chrome_phrase(s) for s in steps if langpacks.phrase_key(s)]
    expected = reasons[0] if reasons and all(reasons) else None
    assert chrome_phrase(" | ".join(steps)) == expected


# The stoplist guess --------------------------------------------------------------

#: One context for the examples below (its packs are read once).
STOP_CTX = Context()

#: Words that are stopwords of several packs, of one, and of none.
STOP_SAMPLE = st.lists(
    st.sampled_from(
        ["the", "and", "a", "de", "la", "und", "der", "и", "в", "не", "का", "है", "e", "o", "cat"]
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(STOP_SAMPLE, st.sampled_from([None, "en", "fr-FR", "de_DE", "xx", "RU"]))
def test_the_stoplist_guess_is_the_most_covering_pack(words: list[str], hint: str | None) -> None:
    """The guess is the hint's pack when it covers a tenth of the words, else the pack
    covering most of them (the first by name of those that tie) when it covers a
    twentieth, else none: counted here word by word in every pack."""
    packs = STOP_CTX.packs
    cover = {lang: sum(w in packs.pack(lang).stopwords for w in words) for lang in packs.langs()}
    short = hint.split("-")[0].split("_")[0].lower() if hint else None
    if not words:
        expected = None
    elif short and cover.get(short, 0) >= 0.1 * len(words):
        expected = short
    else:
        best = min(cover, key=lambda lang: (-cover[lang], lang))
        expected = best if cover[best] and cover[best] >= 0.05 * len(words) else None
    assert features.guess_stoplist_lang(words, hint, ctx=STOP_CTX) == expected


#: Short lines dense in what the clock, trail and icon rules look at: digits of
#: several kinds (ASCII, Arabic-Indic, a superscript that is a digit to
#: ``str.isdigit`` but not ``\p{Nd}``), colons, the trail separators, spaces,
#: words sharing affixes.
RULE_PIECES = st.sampled_from(
    ["1", "20", "2018", "٣", "²", ":", " ", " > ", " » ", " / ", " :: ", "\\", "›", "→", "|"]
    + ["Oct", "am", "Updated", "bookmarkicon", "cameraicon", "iconclose", "iconopen"]
    + ["station", "nation", ".", "\u00a0", "\t", "x"]
)
RULE_LINES = st.lists(RULE_PIECES, max_size=16).map("".join)


def old_timestamp(text: str, n_words: int | None) -> bool:
    """The clock and date rule as it read before it was told about digits."""
    text = text.strip()
    if rules._TIMESTAMP.match(text):
        return True
    if n_words is not None and not 2 <= n_words <= 7:
        return False
    toks = tokens.words(text)
    if not 2 <= len(toks) <= 7 or rules._SENT_END.search(text):
        return False
    nums = [t for t in toks if t.isdigit()]
    alpha = [t for t in toks if not t.isdigit()]
    return (
        len(nums) >= 2
        and len(alpha) <= 2
        and all(len(t) <= 10 for t in alpha)
        and (bool(rules._YEAR.search(text)) or ":" in text)
    )


def old_breadcrumb(text: str) -> bool:
    """The trail rule as it read before it looked for a separator's character first."""
    parts = rules._BREADCRUMB_SEP.split(text)
    if len(parts) < 3 or rules._SENT_END.search(text):
        return False
    if len({sep.strip() for sep in rules._BREADCRUMB_SEP.findall(text)}) != 1:
        return False
    return all(0 < len(tokens.words(p)) <= 4 for p in parts[:-1])


@settings(max_examples=500, deadline=None)
@given(RULE_LINES)
@example("² ²:")  # digits to str.isdigit, not to \p{Nd}, and a colon
@example("٣ Oct ٣ 2018")
@example("Home › News › World")
@example("Home :: News :: World")
@example("a \\ b \\ c")
@example("a → b → c")
@example("a > b > ")  # the shortest trail: eight characters
@example("a > b >")
def test_the_rules_read_what_a_line_knows_of_itself_as_they_read_the_text(text: str) -> None:
    """A line's analysis says whether it has a decimal digit, and the clock rule told so
    (or the trail rule, which looks for a separator first) decides as it does from
    the text alone."""
    line = features._Line(text)
    digits = regex.search(r"\p{Nd}", text) is not None
    assert (line.base[6] > 0.0) == digits
    n_words = len(tokens.words(text))
    for n in (None, n_words):
        expected = old_timestamp(text, n)
        assert rules._timestamp(text, n) == expected
        assert rules._timestamp(text, n, digits) == expected
    assert rules.breadcrumb(text) == old_breadcrumb(text)


def old_icon_strip(text: str) -> bool:
    """The icon-strip rule as it read before it compared distinct affixes first."""
    toks = text.split()[:300]
    if len(toks) < 6 or rules._SENT_END.search(text):
        return False
    need = 0.4 * len(toks)
    long_toks = [t for t in map(str.casefold, toks) if len(t) >= 6]
    if not long_toks or len(long_toks) < need:
        return False
    heads = Counter([t[:4] for t in long_toks])
    tails = Counter([t[-4:] for t in long_toks])
    return max(max(heads.values()), max(tails.values())) >= need


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["bookmarkicon", "cameraicon", "iconclose", "iconopen", "station", "nation", "a"]
            + ["Straße", "STRASSE", "informations", "x" * 7, "ab"]
        ),
        max_size=20,
    ).map(" ".join)
)
def test_the_icon_strip_rule_counts_affixes_only_when_they_may_be_shared_enough(
    text: str,
) -> None:
    assert rules.icon_strip(text) == old_icon_strip(text)


@settings(max_examples=500, deadline=None)
@given(
    RULE_LINES
    | st.lists(st.sampled_from(["iconopen", "iconclose", "a", "ab"]), max_size=8).map(" ".join)
)
@example("a b c d e f")  # six tokens in the fewest characters
@example("a b c d ef")
@example("iconopen iconclose iconopen iconclose iconopen iconclose.")
@example("iconopen iconclose iconopen iconclose iconopen iconclose")
def test_a_lines_icon_verdict_is_the_rule_on_its_text(text: str) -> None:
    """A line asks the icon rule only when it ends no sentence, and the rule's cheap
    refusals (too short for six tokens) keep its verdict on the text."""
    expected = old_icon_strip(text)
    assert rules.icon_strip(text) == expected
    assert features._Line(text).icon == expected
    assert features._Line(text, features.line_chars(STOP_CTX)).icon == expected


def test_the_evidence_refuses_lines_that_are_not_the_pages_blocks() -> None:
    """The lines handed to the classifier are the page's, one per block: fewer is an
    error, not a page whose last blocks lose their structure."""
    cfg = BoilerplateConfig()
    page = html_page(
        "<html><body><nav><a href='/'>Home</a></nav><p>One paragraph of text here.</p>"
        "<p>And another paragraph after it.</p></body></html>",
        canonicalize=canonicalize,
        config=cfg,
    )
    lines = features.page_lines(page, STOP_CTX)
    with pytest.raises(ValueError, match="analysed lines for a page of"):
        model._evidence(page, frozenset(), cfg, lines[:-1], STOP_CTX)
