"""HTML extraction: what a browser renders is read, and nothing else (fixtures/extract_html_cases.json)."""

from __future__ import annotations

import pytest

from normalize import normalize_document
from normalize.config import BoilerplateConfig
from normalize.extract.html import _strip_tags, cut_html, html_page
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


def test_cut_html() -> None:
    assert cut_html("<p>abc</p><a href='x'>", 14) == "<p>abc</p>"
    assert cut_html("<p>abc</p>", 7) == "<p>abc"
    assert cut_html("short", 100) == "short"
