"""Every case file is well formed, and read only through tests/conftest.py.

One discipline for data-driven cases (as ftfy's test cases): a ``label``
unique in its file (the pytest id), ``expect`` of ``pass`` or ``fail`` (a
known failure, a strict xfail whose ``comment`` says why), and the keys its
test reads.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXPECT, FIXTURES, ROOT, case_list

#: The keys every case of a file must have, besides ``label`` and ``expect``.
REQUIRED = {
    "boilerplate_cases.json": {"comment", "input", "page", "blocks"},
    "canonical_cases.json": {"comment", "original", "fixed"},
    "decode_cases.json": {"comment", "original"},
    "extract_html_cases.json": {"comment", "html"},
    "metadata_cases.json": {"comment", "html"},
    "segment_cases.json": {"comment", "text", "expected"},
    "segment_cases_scripts.json": {"comment", "family", "text", "expected"},
    "sniff_cases.json": {"comment", "text", "format"},
    "translate_cases.json": {"from", "to", "original", "translated"},
}
#: Every JSON file of fixtures/ is a case file.
FILES = sorted(p.name for p in FIXTURES.glob("*.json"))


def test_every_case_file_has_its_required_keys_listed() -> None:
    assert FILES == sorted(REQUIRED)


@pytest.mark.parametrize("name", FILES)
def test_case_file_is_well_formed(name: str) -> None:
    cases = case_list(name)
    assert cases, name
    labels = [case.get("label") for case in cases]
    assert all(isinstance(label, str) and label for label in labels), labels
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    assert not duplicates, duplicates
    for case in cases:
        label = case["label"]
        assert case.get("expect") in EXPECT, (label, case.get("expect"))
        missing = REQUIRED[name] - set(case)
        assert not missing, (label, sorted(missing))
        if case["expect"] == "fail":
            assert isinstance(case.get("comment"), str) and case["comment"], label


def test_case_files_are_read_only_through_the_loader() -> None:
    """Tests and benches name a case file only in a call to the one loader."""
    direct = []
    for path in sorted([*(ROOT / "tests").glob("*.py"), *(ROOT / "bench").glob("*.py")]):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"_cases\w*\.json", line) and not re.search(
                r"(load_cases|case_list)\(\"\w+\.json\"\)|^\s*\"\w+\.json\":|^\s*[#\"]|^\w",
                line,
            ):
                direct.append(f"{path.name}:{n}: {line.strip()}")
    assert not direct, direct
