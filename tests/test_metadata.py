"""Page metadata (title, date, author, site, URL, topics), driven by fixtures/metadata_cases.json."""

from __future__ import annotations

import json

import pytest

from normalize import normalize_document
from tests.conftest import load_cases, run_cli


@pytest.mark.parametrize("case", load_cases("metadata_cases.json"))
def test_metadata_case(case: dict) -> None:
    doc = normalize_document(case["html"].encode("utf-8"), source=case.get("source"))
    assert doc.ok, doc.errors
    for field, value in case.get("fields", {}).items():
        assert doc.metadata.get(field) == value, field
    for field in case.get("absent", ()):
        assert field not in doc.metadata, field


def test_jsonl_extra_fields_are_carried(tmp_path) -> None:
    record = {
        "id": "a1",
        "url": "https://www.news.example/p/1",
        "text": "<html><head><title>Page title</title></head><body><p>Body of the page.</p>"
        "</body></html>",
        "crawl_date": "2024-03-01",
        "title": "Title given by the crawler",
        "warc": {"offset": 12, "file": "x.warc.gz"},
    }
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = run_cli(str(path))
    assert out.returncode == 0, out.stderr
    meta = json.loads(out.stdout)["metadata"]
    assert meta["crawl_date"] == "2024-03-01"
    # Fields outside the record's fixed keys travel in extra, as strings (JSON for objects).
    assert meta["extra"] == [{"key": "warc", "value": '{"offset": 12, "file": "x.warc.gz"}'}]
    assert meta["title"] == "Title given by the crawler"  # the input's field wins
    assert meta["hostname"] == "news.example"
    assert meta["format"] == "html"
    assert "text" not in meta and "id" not in meta and meta["categories"] == []
