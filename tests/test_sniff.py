"""Format sniffing, driven by fixtures/sniff_cases.json."""

from __future__ import annotations

import pytest

from normalize import normalize_document
from normalize.sniff import sniff_format
from tests.conftest import load_cases


def build_input(case: dict) -> bytes:
    """A case's bytes: optional BOM (hex), text repeated and suffixed, encoded."""
    text = case["text"] * case.get("repeat", 1) + case.get("suffix", "")
    return bytes.fromhex(case.get("bom", "")) + text.encode(case.get("bytes", "utf-8"))


@pytest.mark.parametrize("case", load_cases("sniff_cases.json"))
def test_sniff_case(case: dict) -> None:
    data = build_input(case)
    assert sniff_format(data) == case["format"]
    if case.get("bytes", "utf-8") == "utf-8":
        assert sniff_format(data.decode("utf-8")) == case["format"]


def test_bom_page_is_read_as_html() -> None:
    page = "\ufeff<!DOCTYPE html><html><head><title>Grüße aus Köln</title></head><body>"
    page += "<p>Ein Absatz über das Wetter in Köln, der lang genug ist, um Inhalt zu sein.</p>"
    page += "</body></html>"
    doc = normalize_document(page.encode("utf-8"), source="page")
    assert doc.metadata["format"] == "html"
    assert "<" not in doc.text
    assert "Ein Absatz über das Wetter" in doc.text


def test_php_warning_before_page_is_read_as_html() -> None:
    page = (
        "<br />\n<b>Warning</b>: include(ads.php): Failed to open stream in "
        "<b>/var/www/index.php</b> on line <b>12</b><br />\n<!DOCTYPE html>\n<html><body>"
        "<p>The committee met on Tuesday and agreed on the new budget for the schools.</p>"
        "</body></html>"
    )
    doc = normalize_document(page.encode("utf-8"), source="page")
    assert doc.metadata["format"] == "html"
    assert "<html>" not in doc.full_text
    assert "agreed on the new budget" in doc.text
