"""Decoding and mojibake repair, driven by fixtures/decode_cases.json."""

from __future__ import annotations

import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252
import pytest

from normalize import canonicalize
from normalize.decode import DecodeError, declared_charset, decode_bytes, repair_and_explain
from tests.conftest import load_cases


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


def clean(data: bytes | str, html: bool) -> tuple[str, dict]:
    changes: dict = {}
    if isinstance(data, bytes):
        decoded = decode_bytes(data, html=html)
        data, changes = decoded.text, dict(decoded.changes)
    text, repaired = repair_and_explain(data, html=html)
    changes.update(repaired)
    return canonicalize(text), changes


@pytest.mark.parametrize("case", load_cases("decode_cases.json"))
def test_decode_case(case: dict) -> None:
    data, html = build_input(case["original"])
    if "error" in case:
        with pytest.raises(DecodeError) as info:
            clean(data, html)
        assert info.value.code == case["error"]
        return
    text, changes = clean(data, html)
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
    assert any("declares charset utf-8" in w for w in decoded.warnings)


def test_declared_charset_unknown_label_is_ignored() -> None:
    assert declared_charset(b'<meta charset="no-such-charset">') is None


def test_empty_bytes_decode_to_empty_text() -> None:
    assert decode_bytes(b"").text == ""
