"""The walk over an HTML tree (normalize/extract/walk.py): compiled and interpreted builds agree.

Both builds are checked on the same trees (random markup from hypothesis, the
HTML case file, the article-extraction pages when the bench data is there):
the blocks they read, with every field, the hints of the block elements and
the blocks' structural features (to the bit) must be equal. The helpers of the walk are checked on both builds against
their definitions.
"""

from __future__ import annotations

import gzip
import importlib
import re
from pathlib import Path
from types import ModuleType

import lxml.etree
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize import compiled
from normalize.config import BoilerplateConfig
from normalize.extract import html as extract_html
from tests.conftest import FIXTURES, case_list, core_builds, run_doctests

PURE, BUILT, needs_extension, BUILDS = core_builds("extract.walk")
ARTICLES = FIXTURES.parent.parent / "shared" / "bench" / "article-extraction" / "html"


def test_the_walk_doctests() -> None:
    """The examples in normalize/extract/walk.py (pytest's doctest collection skips the module)."""
    run_doctests(PURE)


def read(build: ModuleType, html: str, max_depth: int = 30, max_blocks: int = 10_000) -> tuple:
    """What ``build``'s walk reads of ``html``: every field of every block, and the
    hints of the block elements (the tree parsed and prepared as read_html does)."""
    root, _ = extract_html._parse(html, BoilerplateConfig())
    extract_html._drop_comments(root)
    body = root.find("body")
    if body is None:
        body = root
    noscripts = (
        extract_html._noscript_verdicts(body) if body.find(".//noscript") is not None else {}
    )
    raws, own = build.walk(body, max_depth, max_blocks, noscripts)
    kept = [r for r in raws if "".join(r.parts).strip()]
    feats = build.block_features(kept, ["".join(r.parts).strip() for r in kept], own)
    blocks = [
        (r.parts, r.link_chars, r.n_links, r.last_link, r.link_head, r.tag, r.flags, r.near, r.path)
        for r in raws
    ]
    return blocks, {n: own.get(n, frozenset()) for n in sorted(own.values)}, feats


TAGS = ["div", "p", "span", "a", "b", "br", "nav", "ul", "li", "h1", "td", "script", "noscript",
        "article", "aside", "form", "button", "body", "html", "my-widget"]  # fmt: skip
ATTRS = [
    "",
    ' class="post-share social_links"',
    ' class="entry content"',
    " id=sideBar",
    ' itemprop="articleBody"',
    ' class="category-news tag-share"',
    " role=navigation",
    " role=MAIN",
    " role=''",
    " hidden",
    " aria-hidden=true",
    ' style="display: none"',
    ' style="color: red"',
    ' class=""',
]
TEXTS = st.sampled_from(
    ["", "Some text, with a comma.", "  spaced \n\t words  ", "\n", " ", "\u00a0", "x",
     "Please enable JavaScript.", "é北", "<b>"]
)  # fmt: skip


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random nested markup of the tags and attributes the walk tells apart."""
    out = [draw(TEXTS)]
    for _ in range(draw(st.integers(0, 3 if depth < 5 else 0))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(st.sampled_from(ATTRS))
        inner = draw(markup(depth + 1)) if tag != "br" else ""
        out.append(f"<{tag}{attrs}>{inner}</{tag}>" if tag != "br" else "<br>")
        out.append(draw(TEXTS))
    return "".join(out)


@needs_extension
@settings(max_examples=300, deadline=None)
@given(markup(), st.sampled_from([30, 3, 1]), st.sampled_from([10_000, 2]))
@example('<div class="nav"><p>a<a href=x>b</a> c<br><br>d</p></div>', 30, 10_000)
def test_both_builds_read_the_same_blocks(html: str, max_depth: int, max_blocks: int) -> None:
    html = f"<html><body>{html}<p>end</p></body></html>"
    assert read(BUILT, html, max_depth, max_blocks) == read(PURE, html, max_depth, max_blocks)


@needs_extension
@pytest.mark.parametrize("case", case_list("extract_html_cases.json"), ids=lambda c: c["label"])
def test_both_builds_read_the_html_cases_alike(case: dict) -> None:
    assert read(BUILT, case["html"]) == read(PURE, case["html"])


@needs_extension
@pytest.mark.skipif(not ARTICLES.is_dir(), reason="the article-extraction bench set is not there")
def test_both_builds_read_the_article_pages_alike() -> None:
    for path in sorted(ARTICLES.iterdir())[:60]:
        html = gzip.open(path).read().decode("utf-8", "replace")
        assert read(BUILT, html) == read(PURE, html), path.name


@pytest.mark.parametrize("build", BUILDS)
def test_block_features_refuse_texts_that_do_not_match_the_blocks(build: ModuleType) -> None:
    raws, own = build.walk(lxml.etree.fromstring("<div><p>a</p><p>b</p></div>"), 30, 100, {})
    with pytest.raises(ValueError, match="one text per block"):
        build.block_features(raws, ["a"], own)


@pytest.mark.parametrize("build", BUILDS)
def test_the_container_is_the_element_richest_in_prose(build: ModuleType) -> None:
    prose = "A sentence of prose, long enough to count, with commas, here."
    html = (
        "<html><body><div class=sidebar><p>Menu</p><p>Links</p></div>"
        f"<article><p>{prose}</p><p>{prose}</p></article></body></html>"
    )
    feats = read(build, html)[2]
    assert [f.get("in_container", 0.0) for f in feats] == [0.0, 0.0, 1.0, 1.0]
    assert feats[0]["cls_sidebar"] == 1.0 and "cls_sidebar" not in feats[2]


#: Class names that file a page in the site's taxonomy (WordPress, Drupal).
_TAXONOMY_CLASS = re.compile(
    r"(?:category|tag|tags|post_tag|post-tag|format|status|type|taxonomy|term)[-_]"
)


def _hints_by_definition(build: ModuleType, attrs: str) -> frozenset[str]:
    """The class words of a class/id string, token by token, as CLASS_WORDS defines them."""
    index = build._CLASS_INDEX
    names = [n for n in attrs.lower().split() if not _TAXONOMY_CLASS.match(n)]
    out = set()
    for tok in re.split(r"[\s_\-:./]+", " ".join(names)):
        name = index.get(tok)
        if name is None and len(tok) > 6:
            # The longest class word of five letters or more that starts the token.
            starts = [w for w in index if len(w) >= 5 and tok.startswith(w)]
            name = index[max(starts, key=len)] if starts else None
        if name:
            out.add(name)
    return frozenset(out)


_CLASS_PIECES = [
    *PURE._CLASS_INDEX, "x", "ab", "post", "12345", "category", "tag", "tags", "status", "type",
    "term", "commentlist", "sharebarx", "advertisements", "Nav", "NAVBAR", "İ", "K", "ß", "é",
]  # fmt: skip
_CLASS_SEPARATORS = [" ", "-", "_", ":", ".", "/", "  ", "\t", "\n", "", "", "\u00a0", "\u3000"]


@pytest.mark.parametrize("build", BUILDS)
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,’—\u2e7f\u2e80公园カナひら\ud800\U00020000"))))
@example("Park hours")
@example("公园开放时间")
def test_prose_length_counts_a_no_space_character_as_three(build: ModuleType, text: str) -> None:
    no_space = [ch for ch in text if PURE._NO_SPACE_SCRIPT.match(ch)]
    assert build.prose_length(text) == len(text) + 2 * len(no_space)


def test_no_han_hiragana_or_katakana_comes_before_the_prose_length_shortcut() -> None:
    # prose_length counts no character of a text without one of _FROM_HAN.
    below = "".join(map(chr, range(0x2E80)))
    assert PURE._FROM_HAN.search(below) is None
    assert not PURE._NO_SPACE_SCRIPT.search(below)


@pytest.mark.parametrize("build", BUILDS)
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_CLASS_PIECES), st.sampled_from(_CLASS_SEPARATORS)),
        min_size=1,
        max_size=8,
    )
)
@example(
    [("post", " "), ("category-social-media", " "), ("tag-newsletter", " "), ("share-bar", "")]
)
@example([("commentlist", " "), ("ad", "-"), ("header", " "), ("load", "")])
def test_class_hints_are_the_class_words_of_every_token(
    build: ModuleType, pieces: list[tuple[str, str]]
) -> None:
    attrs = "".join(word + sep for word, sep in pieces)
    assert build.hints.__wrapped__(attrs) == _hints_by_definition(build, attrs)


#: Every kind of space the walk may meet: ASCII, Unicode spaces, line and paragraph separators.
_SPACY_TEXT = st.text(
    alphabet=st.sampled_from(
        list("ab \t\n\r\x0b\x0c\x1c\x85\u00a0\u1680\u2000\u2028\u3000\u200bé")
    ),
    max_size=30,
)


@pytest.mark.parametrize("build", BUILDS)
@settings(max_examples=300, deadline=None)
@given(_SPACY_TEXT)
@example("\n  Some\ttext \n")
def test_collapse_spaces_is_one_space_per_run_of_whitespace(build: ModuleType, text: str) -> None:
    assert build.collapse_spaces(text) == re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize(
    "tag", ["DIV", "Script", "noscript", "NoScript", "a", "br", "nav", "my-widget", ""]
)
def test_tag_info_is_what_the_tag_lists_say(build: ModuleType, tag: str) -> None:
    low = tag.lower()
    info = build.tag_info(tag)
    assert (info.tag, info.skip, info.is_block) == (
        low,
        not low or (low in build.SKIP_TAGS and low != "noscript"),
        low in build.BLOCK_TAGS or low == "noscript",
    )
    assert (info.is_link, info.is_br, info.is_noscript) == (
        low == "a",
        low == "br",
        low == "noscript",
    )
    struct = build._STRUCT.get(low)
    assert info.struct == (1 << build.FEATURES.index(struct) if struct else 0)
    assert build.tag_info(lxml.etree.Comment).skip  # a comment's subtree is never read


def test_the_loaded_walk_is_the_one_html_uses() -> None:
    assert extract_html.walk is importlib.import_module("normalize.extract.walk")
    assert extract_html.WALK_COMPILED == compiled.is_compiled(extract_html.walk)
    assert Path(extract_html.walk.__file__).parent == Path(extract_html.__file__).parent
