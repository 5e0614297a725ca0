"""The review report: unit tests on hand-built records, CLI tests, and browser tests.

The browser tests load the report in a real headless Chromium (Debian's
``chromium`` package, installed by ``make test``) and check the DOM: language
colours applied, the Hindi chrome struck through, and nothing from the
documents executed. Without Chromium they fail, telling to run ``make test``:
a silently skipped browser test would hide exactly the bugs it is for.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalize.document import metadata_json
from normalize.report import (
    MAX_LANG_CLASSES,
    lang_hue,
    main,
    read_jsonl,
    render_report,
)
from tests.browser import BrowserError, Chromium, find_chromium

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
HINDI_CHROME = "आप यहाँ पर हैं"

# ---------------------------------------------------------------- helpers


def record(doc_id: str, pieces: list[tuple], **fields) -> dict:
    """A record whose segments tile their text: pieces are (text, lang[, kind, reason, translation])."""
    segments, pos = [], 0
    for text, lang, *rest in pieces:
        kind = rest[0] if rest else "content"
        seg = {
            "text": text,
            "start": pos,
            "end": pos + len(text),
            "lang": lang,
            "script": {"hi": "Deva", "ar": "Arab", "zxx": "Zyyy"}.get(lang, "Latn"),
            "confidence": 0.9,
            "kind": kind,
        }
        if len(rest) > 1 and rest[1] is not None:
            seg["reason"] = rest[1]
        if len(rest) > 2 and rest[2] is not None:
            seg["translation"] = rest[2]
        segments.append(seg)
        pos += len(text)
    out = {
        "schema_version": "2.0",
        "id": doc_id,
        "source": doc_id,
        "text": "".join(s["text"] for s in segments if s["kind"] == "content"),
        "lang": fields.pop("lang", "en"),
        "segments": segments,
        "changes": [],
        "errors": [],
        "warnings": [],
        "metadata": metadata_json(fields.pop("metadata", {})),
        "steps": ["decode", "canonical", "boilerplate", "segment"],
        "translated_text": None,
        "translated_lang": None,
    }
    out.update(fields)
    return out


def error_record(doc_id: str, code: str = "binary", message: str = "looks binary") -> dict:
    return record(
        doc_id,
        [],
        lang="und",
        errors=[{"stage": "decode", "code": code, "message": message, "where": doc_id}],
    )


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside given elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.data.append(data)

    @classmethod
    def of(cls, page: str, documents_only: bool = False) -> Tags:
        """Parse a page, or only its documents section (not summary and legend)."""
        if documents_only:
            page = page.split('<section id="documents">', 1)[1]
        parser = cls()
        parser.feed(page)
        parser.close()
        return parser

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag and (cls is None or cls in (a.get("class") or "").split())
        ]


PAYLOAD = "<script>window.PWNED=1;document.title='PWNED'</script>"
IMG_PAYLOAD = "<img src=x onerror=\"window.PWNED=2;document.title='PWNED'\">"
ATTR_PAYLOAD = 'x" onmouseover="window.PWNED=3" data-x="<b>\''


def hostile_record() -> dict:
    """A document with markup everywhere a scraped page can put it."""
    return record(
        f"evil {PAYLOAD}",
        [
            (f"Text with {PAYLOAD} and {IMG_PAYLOAD}.", "en"),
            ("\n", "zxx"),
            (f"chrome {IMG_PAYLOAD}", "en", "boilerplate", ATTR_PAYLOAD),
            ("\n", "zxx"),
            ("</style><style>body{display:none}</style>", "en", "content", None, PAYLOAD),
        ],
        lang=f"en{ATTR_PAYLOAD}",
        source=f"https://example.org/{ATTR_PAYLOAD}",
        metadata={"title": PAYLOAD, "html_lang": ATTR_PAYLOAD, "note": IMG_PAYLOAD},
        warnings=[{"stage": "decode", "code": ATTR_PAYLOAD, "message": PAYLOAD, "where": None}],
        changes=[{"step": IMG_PAYLOAD, "count": 1}],
        translated_text=PAYLOAD,
        translated_lang="en",
    )


def seed_records() -> list[dict]:
    """Seed-like records built from fixtures/seeds, one segment per line.

    Stands in for the pipeline's output: Devanagari lines are Hindi, others
    English, line breaks ``zxx``; the page chrome is marked boilerplate by
    hand (the Hindi "you are here" and breadcrumb lines, the icon-label line,
    the trailing link labels), with a translation on the Hindi chrome. The
    reasons are those a real run of the pipeline gives these lines.
    """
    chrome = {
        HINDI_CHROME: ("breadcrumb", "You are here"),
        "Follow AsumeTech on": ("share", None),
        "More From Category": ("related", None),
        "More Stories Today": ("related", None),
        "Leave a Reply": ("repeated", None),
    }
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        pieces: list[tuple] = []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            body = line.rstrip("\n")
            lang = "hi" if re.search("[\u0900-\u097f]", body) else "en"
            if body.startswith("icon bookmark"):
                pieces.append((body, lang, "boilerplate", "icon_strip", None))
            elif body.startswith("होम >"):
                pieces.append((body, lang, "boilerplate", "breadcrumb", None))
            elif body.strip() in chrome:
                reason, translation = chrome[body.strip()]
                pieces.append((body, lang, "boilerplate", reason, translation))
            elif body:
                pieces.append((body, lang))
            if line.endswith("\n"):
                pieces.append(("\n", "zxx"))
        out.append(record(str(path.relative_to(ROOT)), pieces, lang="en"))
    return out


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


# ---------------------------------------------------------------- escaping


def test_no_markup_from_documents_survives():
    page = render_report([hostile_record()])
    tags = Tags.of(page)
    assert not tags.find("script")
    assert not tags.find("img")
    assert [t for t, _ in tags.tags if t == "style"] == ["style"], "only our own stylesheet"
    assert not [a for _, attrs in tags.tags for a in attrs if a.startswith("on")]
    assert "<script>" not in page and "<img" not in page
    # The markup is still there, as text to read.
    assert PAYLOAD in "".join(tags.data)


def test_quotes_in_attributes_stay_inside_the_attribute():
    page = render_report([hostile_record()])
    tags = Tags.of(page)
    (bp,) = [a for a in tags.find("del", "bp") if ATTR_PAYLOAD in (a.get("title") or "")]
    assert bp["title"].startswith(f"boilerplate: {ATTR_PAYLOAD} (")
    assert set(bp) == {"class", "title", "lang"}, "the reason must not add attributes"


def test_nothing_from_documents_reaches_css():
    page = render_report([hostile_record()])
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "PWNED" not in css and "onmouseover" not in css and "display:none" not in css


@settings(max_examples=60, deadline=None)
@given(
    st.text(max_size=40),
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
)
def test_any_text_is_shown_as_text(text, reason, lang):
    rec = record("id", [(text, lang or "und"), ("x", "en", "boilerplate", reason)])
    tags = Tags.of(render_report([rec]))
    assert not tags.find("script") and not tags.find("img")
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "section",
               "div", "b", "span", "p", "code", "figure", "figcaption", "svg", "text", "rect",
               "details", "summary", "table", "tr", "th", "td", "del", "ins", "a"}  # fmt: skip
    assert {t for t, _ in tags.tags} <= allowed
    assert text + "x" in "".join(tags.data)


# ---------------------------------------------------------------- content


def test_boilerplate_is_struck_through_with_the_reason_on_hover():
    rec = record(
        "d",
        [("Main text.", "en"), ("\n", "zxx"), ("Share this", "en", "boilerplate", "share")],
    )
    tags = Tags.of(render_report([rec]))
    dels = [a for a in tags.find("del", "bp") if "share" in (a.get("title") or "")]
    assert len(dels) == 1


def test_hand_built_records_use_reason_codes_the_pipeline_gives():
    """The records above stand in for real output: their reasons must be real codes."""
    from normalize.boilerplate import REASONS

    used = {
        seg["reason"]
        for rec in seed_records()
        for seg in rec["segments"]
        if seg["kind"] == "boilerplate"
    }
    assert used and used <= set(REASONS)


def test_segments_are_coloured_by_language_with_a_legend():
    rec = record("d", [("Hello. ", "en"), ("नमस्ते", "hi"), ("\n", "zxx")])
    page = render_report([rec])
    tags = Tags.of(page)
    classes = {a["class"] for a in tags.find("span", "seg")}
    assert {"seg L0", "seg L1"} <= classes
    legend = page.split('id="legend"', 1)[1].split("</div>", 1)[0]
    assert ">en<" in legend and ">hi<" in legend and "zxx" in legend
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert f".L0{{background:hsl({lang_hue('en')} " in css
    assert f".L1{{background:hsl({lang_hue('hi')} " in css


def test_language_colours_do_not_depend_on_the_run():
    assert lang_hue("hi") == lang_hue("hi")
    assert len({lang_hue(code) for code in ("en", "hi", "ru", "ar", "ur", "fa", "ps")}) == 7


def test_no_language_is_neutral():
    tags = Tags.of(render_report([record("d", [("2018", "zxx"), ("??", "und")])]), True)
    assert not tags.find("span", "seg")
    assert len(tags.find("span", "Lz")) >= 2


def test_translations_are_shown_beside_their_segments():
    rec = record(
        "d",
        [("नमस्ते दुनिया", "hi", "content", None, "Hello world"), ("\n", "zxx")],
        lang="hi",
        translated_text="Hello world\n",
        translated_lang="en",
    )
    page = render_report([rec])
    assert (
        'नमस्ते दुनिया</span><ins class="tr" dir="auto" title="translation">Hello world</ins>' in page
    )
    assert "Translation (en)" in page


def test_right_to_left_segments_get_dir_auto():
    tags = Tags.of(render_report([record("d", [("مرحبا بالعالم", "ar")], lang="ar")]), True)
    (seg,) = tags.find("span", "seg")
    assert seg.get("dir") == "auto" and seg.get("lang") == "ar"


def test_records_without_segment_text_show_the_clean_text():
    """--segments offsets writes segments without their text: the report says so."""
    rec = record(
        "compact", [("Hello world.", "en"), ("\n", "zxx"), ("Home", "en", "boilerplate", "nav")]
    )
    for seg in rec["segments"]:
        seg["text"] = None
    tags = Tags.of(render_report([rec]))
    shown = "".join(tags.data)
    assert "written without their text" in shown and "Hello world." in shown
    assert "17 chars, 4 boilerplate" in shown


def test_records_of_schema_1_still_read():
    """Reports of older outputs: changes as a map, warnings as strings."""
    rec = record("old", [("Hello world.", "en")])
    rec.update(schema_version="1.0", changes={"nfc": 2}, warnings=["a lying charset"], metadata={})
    shown = "".join(Tags.of(render_report([rec])).data)
    assert "nfc: 2" in shown and "a lying charset" in shown


def test_error_records_are_listed_and_shown():
    page = render_report([record("ok", [("Fine.", "en")]), error_record("bad.bin")])
    assert 'id="errors"' in page
    assert '<a href="#d2">bad.bin</a>' in page
    assert "<b>decode/binary</b> at bad.bin: looks binary" in page
    assert "<b>1</b><span>with errors</span>" in page


def test_segments_that_do_not_tile_are_flagged():
    rec = record("d", [("abc", "en"), ("def", "en")])
    rec["segments"][1]["start"] = 4
    assert "segments do not tile the text" in render_report([rec])


def test_broken_field_types_do_not_crash():
    page = render_report(
        [{"id": 3, "segments": "nope", "errors": [{"code": None}], "metadata": []}]
    )
    assert "with errors" in page


# ---------------------------------------------------------------- big runs


def _many(n: int) -> Iterator[dict]:
    for i in range(n):
        yield record(f"doc{i}", [("Some text here. " * 20, "en"), ("\n", "zxx")])


def test_a_cap_keeps_big_runs_small_and_says_so():
    page = render_report(_many(1000), max_documents=10)
    assert page.count('<details class="doc"') == 10
    assert "Showing the first 10 of 1,000 documents" in page
    assert "<b>1,000</b><span>documents</span>" in page
    assert len(page) < 100_000


def test_no_note_when_everything_is_shown():
    assert 'id="cap-note"' not in render_report(_many(3), max_documents=3)


def test_a_huge_document_is_cut_with_a_note():
    page = render_report([record("big", [("x" * 5000, "en")])], max_document_chars=100)
    assert "4,900 more characters not shown" in page
    assert "x" * 101 not in page


def test_tiny_segments_cannot_blow_up_a_document():
    rec = record("confetti", [("a", "en"), ("b", "hi")] * 2000)
    page = render_report([rec], max_document_chars=1000)
    assert "more characters not shown" in page
    assert len(page) < 40_000


def test_a_size_budget_bounds_the_report(monkeypatch):
    monkeypatch.setattr("normalize.report.MAX_DOCUMENTS_HTML", 20_000)
    page = render_report(_many(100))
    assert "size limit" in page and "Showing the first" in page
    assert len(page) < 60_000


def test_bad_limits_are_refused():
    with pytest.raises(ValueError, match="max_document_chars"):
        render_report([], max_document_chars=0)


# ---------------------------------------------------------------- self-contained


def test_the_page_is_self_contained_with_a_strict_policy():
    page = render_report(seed_records() + [hostile_record()])
    tags = Tags.of(page)
    for _, attrs in tags.tags:
        assert "src" not in attrs
        assert (attrs.get("href") or "#").startswith("#")
    assert "url(" not in page.split("</style>", 1)[0]
    (csp,) = [a["content"] for a in tags.find("meta") if a.get("http-equiv")]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp
    assert "'unsafe-inline'" not in csp


# ---------------------------------------------------------------- input and CLI


def test_unreadable_lines_are_reported_not_fatal():
    items = list(read_jsonl(['{"id": "a"}', "{oops", b"\xff\xfe", "", "42"]))
    assert [type(i).__name__ for i in items] == ["dict"] + ["UnreadableLine"] * 3
    assert [i.line_no for i in items[1:]] == [2, 3, 5]
    page = render_report(items)
    assert 'id="unreadable"' in page and "{oops" in page
    assert "<b>3</b><span>unreadable lines</span>" in page


def run_report(*args: str, cwd: Path = ROOT, stdin: bytes | None = None):
    return subprocess.run(
        [sys.executable, "-m", "normalize", "report", *args],
        check=False,
        capture_output=True,
        cwd=cwd,
        input=stdin,
        timeout=120,
    )


def test_cli_writes_report_next_to_the_input(tmp_path):
    src = write_jsonl(tmp_path / "out.jsonl", seed_records())
    proc = run_report(str(src))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert HINDI_CHROME in page


def test_cli_reports_broken_lines_and_exits_1(tmp_path):
    src = tmp_path / "out.jsonl"
    src.write_bytes(json.dumps(record("a", [("fine", "en")])).encode() + b"\n{not json\n\xff\xfe\n")
    proc = run_report(str(src), "-o", "-")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert f"{src}:2:" in err and f"{src}:3:" in err
    page = proc.stdout.decode("utf-8")
    assert "Unreadable input lines" in page and "fine" in page


def test_cli_reads_stdin(tmp_path):
    data = json.dumps(record("a", [("from stdin", "en")])).encode() + b"\n"
    proc = run_report("-", "-o", str(tmp_path / "r.html"), stdin=data)
    assert proc.returncode == 0
    assert "from stdin" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_cli_caps_documents_on_request(tmp_path):
    src = write_jsonl(tmp_path / "out.jsonl", list(_many(5)))
    proc = run_report(str(src), "-o", "-", "--max-documents", "2", "--title", "<i>run</i>")
    assert proc.returncode == 0
    page = proc.stdout.decode("utf-8")
    assert "Showing the first 2 of 5 documents" in page
    assert "<title>&lt;i&gt;run&lt;/i&gt;</title>" in page


def test_cli_lone_surrogates_do_not_crash(tmp_path):
    src = tmp_path / "o.jsonl"
    src.write_text('{"id": "a\\ud800b", "text": "x"}\n', encoding="utf-8")
    assert run_report(str(src), "-o", str(tmp_path / "r.html")).returncode == 0


@pytest.mark.parametrize(
    "args", [[], ["--max-documents", "-1", "x.jsonl"], ["does-not-exist.jsonl"]], ids=str
)
def test_cli_usage_errors_exit_2(args, tmp_path, capsys):
    assert main(args) == 2
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- browser

SCRIPT_CHECKS = """(() => ({
  title: document.title,
  pwned: typeof window.PWNED,
  scripts: document.scripts.length,
  imgs: document.images.length,
  handlers: [...document.querySelectorAll('*')].flatMap(
      e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')).length,
  bodyShown: getComputedStyle(document.body).display,
}))()"""

HINDI_CHECK = """(() => [...document.querySelectorAll('del.bp')]
  .filter(e => e.textContent.includes(HINDI))
  .map(e => ({title: e.title,
              line: getComputedStyle(e).textDecorationLine}))
)()""".replace("HINDI", json.dumps(HINDI_CHROME))

COLOUR_CHECK = """(() => {
  const seen = {};
  for (const e of document.querySelectorAll('.text [lang]')) {
    seen[e.lang] = getComputedStyle(e).backgroundColor;
  }
  return seen;
})()"""


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.fail(
            "chromium is not installed, so the report cannot be checked in a browser: "
            "run `make test` (it installs Debian's chromium where missing)"
        )
    try:
        with Chromium() as b:
            yield b
    except BrowserError as exc:
        pytest.fail(f"headless chromium did not work: {exc}")


def check_in_browser(browser: Chromium, report: Path, screenshot: Path) -> None:
    browser.open(report)
    browser.screenshot(screenshot)
    assert screenshot.stat().st_size > 10_000

    facts = browser.evaluate(SCRIPT_CHECKS)
    assert facts == {
        "title": "seeds review",
        "pwned": "undefined",
        "scripts": 0,
        "imgs": 0,
        "handlers": 0,
        "bodyShown": "block",
    }

    # A violation would mean that our own stylesheet was refused (a wrong
    # hash) or that something from a document tried to run.
    violations = [e for e in browser.log if "Content Security Policy" in e.get("text", "")]
    assert not violations

    struck = browser.evaluate(HINDI_CHECK)
    assert struck, "the Hindi chrome is not inside a struck-through <del class=bp>"
    assert all(s["line"] == "line-through" for s in struck)
    assert all(s["title"].startswith("boilerplate: ") for s in struck)

    colours = browser.evaluate(COLOUR_CHECK)
    transparent = {"rgba(0, 0, 0, 0)", "transparent"}
    assert colours.get("en") and colours["en"] not in transparent, colours
    assert colours.get("hi") and colours["hi"] not in transparent, colours
    assert colours["en"] != colours["hi"], "the stylesheet (allowed by its hash) did not apply"


def test_report_of_the_seeds_in_a_browser(browser, tmp_path):
    src = write_jsonl(
        tmp_path / "seeds.jsonl", [*seed_records(), hostile_record(), error_record("broken.bin")]
    )
    assert (
        run_report(
            str(src), "-o", str(tmp_path / "report.html"), "--title", "seeds review"
        ).returncode
        == 0
    )
    check_in_browser(browser, tmp_path / "report.html", tmp_path / "report.png")
    shown = browser.evaluate("document.body.innerText")
    assert PAYLOAD in shown and "broken.bin" in shown


def test_report_of_the_real_pipeline_output_in_a_browser(browser, tmp_path):
    out = tmp_path / "seeds.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "normalize", "fixtures/seeds", "-o", str(out)],
        check=False,
        capture_output=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ},
    )
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    failed = [f"{r['id']}: {e['message']}" for r in records for e in r["errors"]]
    assert not failed, "the pipeline gave error records for the seeds:\n" + "\n".join(failed)
    assert proc.returncode == 0, proc.stderr.decode()
    report = tmp_path / "report.html"
    assert run_report(str(out), "-o", str(report), "--title", "seeds review").returncode == 0
    check_in_browser(browser, report, tmp_path / "report.png")


# ---------------------------------------------------------------- hostile records (#14.16)


def test_cli_survives_a_lone_surrogate_lang_and_a_huge_confidence(tmp_path):
    """A lone surrogate in ``lang`` and a 401-digit ``confidence`` crashed ``normalize report``."""
    segment = (
        '{"text": "Hi", "start": 0, "end": 2, "lang": "e\\ud800n", "kind": "content", '
        '"confidence": 1' + "0" * 400 + "}"
    )
    line = '{"id": "s\\udfff", "lang": "\\ud800", "segments": [' + segment + "]}\n"
    src = tmp_path / "run.jsonl"
    src.write_text(line + json.dumps(record("ok", [("Fine.", "en")])) + "\n", encoding="utf-8")
    proc = run_report(str(src), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 0, proc.stderr.decode()
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<b>2</b><span>documents</span>" in page
    assert "Fine." in page and "Traceback" not in proc.stderr.decode()


def _distinct_languages(n: int) -> Iterator[dict]:
    for i in range(n):
        lang = f"x{i:06d}"
        yield record(f"d{i}", [("ab", lang)], lang=lang)


def test_many_languages_get_a_bounded_number_of_colours():
    """500,000 distinct codes made one CSS rule and one legend entry each (a 100 MB report)."""
    page = render_report(_distinct_languages(3_000), max_documents=3_000)
    rules = re.findall(r"^\.L\d+\{", page, re.MULTILINE)
    assert len(rules) == MAX_LANG_CLASSES
    assert f"more languages (over {MAX_LANG_CLASSES})" in page
    assert page.count('<details class="doc"') == 3_000  # every document still shown


def test_every_part_of_the_report_is_bounded(monkeypatch):
    """Documents, tables, fields and colours all have a ceiling, whatever the records hold."""
    monkeypatch.setattr("normalize.report.MAX_DOCUMENTS_HTML", 200_000)
    monkeypatch.setattr("normalize.report.MAX_TABLES_HTML", 100_000)
    big = "x" * 1_000_000

    def hostile(n: int) -> Iterator[dict]:
        for i in range(n):
            lang = f"{i}" + "y" * 1000
            yield record(
                big,
                [("ab", lang)],
                lang=lang,
                metadata={f"k{j}": big for j in range(100)},
                warnings=[big] * 100,
                errors=[{"stage": big, "code": big, "message": big, "where": big}] * 3,
            )

    page = render_report(hostile(200), max_documents=10**6)
    size = len(page.encode("utf-8"))
    assert size < 200_000 + 100_000 + 300_000  # both budgets and the fixed parts
    assert "more error records not listed" in page and "size limit" in page
