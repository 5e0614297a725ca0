"""HTML extraction: what a browser renders is read, and nothing else (fixtures/extract_html_cases.json)."""

from __future__ import annotations

import math

import lxml.etree
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normalize import normalize_document
from normalize.config import BoilerplateConfig
from normalize.extract.html import (
    _XML_DECL,
    _drop_comments,
    _parse,
    _strip_tags,
    cut_html,
    html_page,
    read_html,
)
from tests.conftest import load_cases

NON_RENDERED = (
    "<![CDATA[cdata text]]><iframe>iframe fallback</iframe><noembed>noembed text</noembed>"
    "<noframes>noframes text</noframes><object>object fallback</object>"
    "<select><option>option text</option></select><textarea>textarea draft</textarea>"
    "<!-- a comment --><ruby>漢<rt>kan</rt></ruby>"
)
HIDDEN = (
    "cdata text",
    "iframe fallback",
    "noembed text",
    "noframes text",
    "object fallback",
    "option text",
    "textarea draft",
    "a comment",
    "kan",
)


@pytest.mark.parametrize("case", load_cases("extract_html_cases.json"))
def test_extract_case(case: dict) -> None:
    doc = normalize_document(case["html"].encode("utf-8"), source="page.html")
    assert doc.ok, doc.errors
    for text in case.get("contains", ()):
        assert text in doc.text
    for text in case.get("absent", ()):
        assert text not in doc.text
    for text in case.get("once", ()):
        assert doc.full_text.count(text) == 1
    for text, reason in case.get("boilerplate", {}).items():
        reasons = {s.reason for s in doc.segments if text in s.text}
        assert reasons == {reason}, text


def test_fallback_parser_reads_only_rendered_text() -> None:
    text = _strip_tags(f"<p>before</p>{NON_RENDERED}<p>after</p>")
    assert text.split("\n") == ["before", "漢", "after"]


def test_deep_page_fallback_reads_only_rendered_text() -> None:
    # Nesting past libxml2's limit: the page is read by the fallback parser.
    html = "<div>" * 10_000 + "<p>deep text</p>" + NON_RENDERED + "</div>" * 10_000
    page = html_page(html, canonicalize=str.strip, config=BoilerplateConfig())
    assert page.metadata.get("flattened")
    assert "deep text" in page.text
    for hidden in HIDDEN:
        assert hidden not in page.text


@pytest.mark.parametrize("deep", [False, True])
def test_cut_page_leaves_no_tag_fragment(deep: bool) -> None:
    head = "<div>" * 10_000 if deep else "<html><body>"
    html = head + "<p>Some text that is kept.</p><div class='a-long-class-name' id='x'>more</div>"
    limit = html.index("class=") + 3
    page = html_page(html, canonicalize=str.strip, config=BoilerplateConfig(max_html_chars=limit))
    assert page.metadata.get("truncated") or page.metadata.get("flattened")
    assert "Some text that is kept." in page.text
    assert "<" not in page.text and "cla" not in page.text


@pytest.mark.parametrize("limit", [None, 40])
def test_the_page_given_in_utf8_reads_as_the_page(limit: int | None) -> None:
    # The bytes a page was decoded from spare its encoding, never change its
    # reading: a page cut at the limit is encoded again (the bytes are the whole page).
    html = "<html><body><p>Café ’quoted’ text.</p><div>更多的文字</div><p>tail</p></body></html>"
    config = BoilerplateConfig() if limit is None else BoilerplateConfig(max_html_chars=limit)

    def fields(draft):
        blocks = [(r.parts, r.tag, r.flags, r.path) for r in draft.raws]
        return draft.metadata, blocks, draft.truncated, draft.flat

    given = read_html(html, config, utf8=html.encode("utf-8"))
    assert fields(given) == fields(read_html(html, config))
    assert given.truncated == (limit is not None)


def test_cut_html() -> None:
    assert cut_html("<p>abc</p><a href='x'>", 14) == "<p>abc</p>"
    assert cut_html("<p>abc</p>", 7) == "<p>abc"
    assert cut_html("short", 100) == "short"


def test_structural_features_of_captions_dialogs_teasers_and_link_strips() -> None:
    html = (
        "<html><body><article><p>A paragraph of the article, with <a href='/x'>one link</a>"
        " in it.</p><figure><img src='/a.jpg'><p>The caption under the photo.</p></figure>"
        "</article><div><a href='/t'>A linked headline</a> and the summary after it.</div>"
        "<div><a href='/1'>one</a> <a href='/2'>two</a> <a href='/3'>three</a></div>"
        "<div role='dialog'><p>We use cookies.</p></div>"
        "<dialog open><p>Sign in to continue.</p></dialog></body></html>"
    )
    page = html_page(html, canonicalize=str.strip, config=BoilerplateConfig())
    feats = {page.block_text(b)[:12]: b.features for b in page.blocks}
    para, caption = feats["A paragraph "], feats["The caption "]
    teaser, strip = feats["A linked hea"], feats["one two thre"]
    assert caption.get("in_figure") and not para.get("in_figure")
    assert feats["We use cooki"].get("in_dialog") and feats["Sign in to c"].get("in_dialog")
    assert not para.get("in_dialog")
    # A link inside a paragraph does not make it a teaser; a linked headline does.
    assert teaser.get("link_head") and not para.get("link_head")
    assert not strip.get("link_head")  # all link: a link strip, not a teaser
    assert para["log_links"] == pytest.approx(math.log1p(1))
    assert strip["log_links"] == pytest.approx(math.log1p(3))
    assert "log_links" not in caption


#: Pieces of markup the parser treats in every way it can: comments (closed,
#: empty, unclosed), processing instructions and XML declarations (libxml2
#: makes comments of both), text and whitespace around them, in every context
#: that changes how text is kept (head, tables, lists, pre, raw-text elements).
_MARKUP_PIECES = [
    "<!--c-->", "<!-- x -->", "<!---->", "<!--", "-->", "<?php x ?>", "<?xml version='1.0'?>",
    "<!DOCTYPE html>", "<![CDATA[z]]>", " ", "  ", "\n", "\t", "text", "a b", "&amp;", "é", "<",
    "<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<span>", "</span>", "<a href=x>", "</a>",
    "<table>", "<tr>", "<td>", "</td>", "</table>", "<ul>", "<li>", "</ul>", "<html>", "</html>",
    "<head>", "</head>", "<body>", "</body>", "<title>", "</title>", "<meta charset=utf-8>",
    "<script>", "</script>", "<style>", "</style>", "<pre>", "</pre>", "<br>", "<noscript>",
    "</noscript>", "<select>", "<option>", "<textarea>", "</textarea>", "<svg>", "</svg>",
    "<template>", "</template>", "<frameset>", "<iframe>", "</iframe>", "<h1>", "</h1>",
]  # fmt: skip


def _tree_signature(root: lxml.etree._Element | None) -> object:
    """Every element with its text, tail and text nodes, of each element at the top."""
    if root is None:
        return None
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    tops = [t for t in tops if isinstance(t.tag, str)]
    return (
        [lxml.etree.tostring(t, encoding="unicode") for t in tops],
        [[(e.tag, e.text, e.tail) for e in t.iter()] for t in tops],
        root.xpath("//text()"),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP_PIECES), min_size=1, max_size=30))
@example(["<p>", "Ja", "<!-- x -->", "ne", "<b>", "D", "</b>", "<!--y-->", "oe"])
@example(["<?xml version='1.0'?>", "\n", "<!DOCTYPE html>", "<html>", "<!--c-->", "<body>", "x"])
@example(["</html>", "<div>", "<!--c-->", "\n\t"])  # content after </html>: a second top element
def test_one_parse_without_its_comments_is_the_parse_without_comments(pieces: list[str]) -> None:
    # The page is parsed once, with its comments for htmldate; the walk and the
    # bylines must then read exactly the tree a parse without comments gives.
    html = "".join(pieces)
    if not _XML_DECL.sub("", html, count=1).strip():
        return
    plain = lxml.etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
    )
    data = _XML_DECL.sub("", html, count=1).encode("utf-8")
    try:
        expected = _tree_signature(lxml.etree.fromstring(data, parser=plain))
    except lxml.etree.ParserError:
        expected = None
    try:
        root, _ = _parse(html, BoilerplateConfig())
    except ValueError:
        assert expected is None
        return
    _drop_comments(root)
    assert _tree_signature(root) == expected


def test_htmldate_reads_a_date_that_only_a_comment_gives() -> None:
    html = (
        "<html><head><title>Notes</title></head><body><p>Some text about the garden.</p>"
        "<!-- Page cached on 2019-03-04 12:00:00 --></body></html>"
    )
    doc = normalize_document(html.encode("utf-8"), source="page.html")
    assert doc.metadata.get("date") == "2019-03-04"
    assert "cached" not in doc.text
