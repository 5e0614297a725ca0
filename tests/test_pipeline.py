"""The Python API end to end: records, schema, provenance, the seed pages."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from normalize import Config, Document, canonicalize, normalize_document
from normalize.document import CONTENT, NO_LANGUAGE, ErrorRecord, RawDocument
from tests.conftest import ROOT, SEEDS, case_list

SCHEMA = json.loads((ROOT / "normalize/schema/record.schema.json").read_text(encoding="utf-8"))
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def check_record(doc: Document) -> dict:
    """The invariants every record keeps: valid schema, segments tiling the full text."""
    rec = doc.to_json()
    jsonschema.validate(rec, SCHEMA)
    pos = 0
    for seg in rec["segments"]:
        assert seg["start"] == pos and seg["end"] == pos + len(seg["text"])
        assert (seg["kind"] == CONTENT) == (seg["reason"] is None)
        pos = seg["end"]
    return rec


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_is_canonical_utf8(path: Path) -> None:
    doc = normalize_document(path.read_bytes(), source=str(path))
    rec = check_record(doc)
    assert rec["errors"] == []
    assert "\u00a0" not in doc.full_text and "\r" not in doc.full_text
    # Typographic quotes are kept by default (see README, canonical form).
    original = path.read_text(encoding="utf-8")
    if "\u201c" in original:
        assert "\u201c" in doc.full_text
    assert rec["steps"][:2] == ["decode", "canonical"]
    json.loads(doc.to_json_line())  # one valid JSON line


def test_nbsp_in_first_seed_is_counted() -> None:
    doc = normalize_document(SEED_FILES[0].read_bytes(), source=str(SEED_FILES[0]))
    assert doc.changes.get("normalize_spaces", 0) >= 1


def test_uncurl_quotes_switch() -> None:
    config = Config().with_(canonical=Config().canonical.with_(uncurl_quotes=True))
    doc = normalize_document("“Quoted” words, it’s here.", config=config)
    assert doc.text == '"Quoted" words, it\'s here.'
    assert doc.changes["uncurl_quotes"] == 3


def test_str_and_bytes_give_the_same_record() -> None:
    text = "Schön\u00a0ist es.\r\n"
    a = normalize_document(text, id="x")
    b = normalize_document(text.encode("utf-8"), id="x")
    assert a.text == b.text == "Schön ist es."


def test_error_record_for_binary() -> None:
    doc = normalize_document(bytes(range(256)) * 4, source="blob.bin")
    rec = check_record(doc)
    assert rec["errors"][0]["code"] == "binary"
    assert "blob.bin" in rec["errors"][0]["message"]
    assert rec["text"] == "" and rec["segments"] == []


def test_json_round_trip() -> None:
    doc = normalize_document("Hello world.\n\nSecond paragraph.", id="rt")
    again = Document.from_json(json.loads(doc.to_json_line()))
    assert again.to_json() == doc.to_json()
    assert again.full_text == doc.full_text


def test_empty_document_is_fine() -> None:
    doc = normalize_document(b"", id="empty")
    assert check_record(doc)["errors"] == []
    assert doc.text == "" and doc.segments == ()


def test_languages_of_repeated_chrome_are_a_source_prior() -> None:
    """The repeated chrome of a source gives its languages; they label its short crumbs."""
    from normalize.pipeline import source_languages
    from normalize.segment import LanguageHints, segment_languages

    config = Config()
    assert source_languages(frozenset({"आप यहाँ पर हैं", "होम", "leave a reply"}), config) == (
        "en",
        "hi",
    )
    assert source_languages(frozenset(), config) == ()
    text = "दुनिया (World)\n\nThe article text is here and it is in English."
    alone = {s.text: s.lang for s in segment_languages(text)}
    hinted = {
        s.text: s.lang for s in segment_languages(text, hints=LanguageHints(source_langs=("hi",)))
    }
    # Alone, the crumb may go to a close language (fixtures/segment_cases.json,
    # deva-crumb-alone, a known failure); the source prior settles it.
    assert hinted["दुनिया"] == "hi"
    assert alone["World"] == hinted["World"] == "en"


def test_html_lang_labels_the_pages_unsure_chrome() -> None:
    """The HTML reader's ``<html lang>`` reaches the segmenter as a prior for unsure pieces.

    Начало (Home) is on the Russian stoplist and not on the Bulgarian one, so
    the text alone calls these menu items Russian; the sure English paragraph
    keeps its language on a page declared Bulgarian.
    """
    html = (
        "<html lang=bg><body><nav><ul><li><a href=/>Начало</a></li>"
        "<li><a href=/n>Новини</a></li><li><a href=/i>Икономика</a></li></ul></nav>"
        "<article><p>Politicians in the capital agreed on a new plan to support small "
        "businesses this year, after months of talks with the unions and the banks.</p>"
        "</article></body></html>"
    )
    doc = normalize_document(html, format="html", id="bg-menu")
    langs = [s.lang for s in doc.segments if s.lang != NO_LANGUAGE]
    assert langs == ["bg", "bg", "bg", "en"]
    assert doc.lang == "en"


def test_seed_boilerplate_end_to_end() -> None:
    """The seeds' chrome is boilerplate and every body paragraph and title is content."""
    from normalize import process_batch
    from normalize.io.readers import iter_inputs

    docs = {Path(d.id).name[:3]: d for d in process_batch(list(iter_inputs([str(SEEDS)])))}

    def kinds(doc: Document, needle: str) -> set[str]:
        found = {s.kind for s in doc.segments if needle in s.text and s.lang != "zxx"}
        if not found:  # the needle spans several segments
            start = doc.full_text.index(needle)
            end = start + len(needle)
            found = {
                s.kind for s in doc.segments if s.start < end and s.end > start and s.lang != "zxx"
            }
        assert found, needle
        return found

    chrome = {
        "000": ["icon bookmark-bicon", "Subscribe to RT newsletter", "Podcasts"],
        "001": ["icon bookmark-bicon", "Like this story? Share it with a friend!"],
        "002": ["आप यहाँ पर हैं", "होम", "दुनिया", "Leave a Reply"],
        "003": ["Follow AsumeTech on", "More From Category", "More Stories Today", "Leave a Reply"],
    }
    for key, needles in chrome.items():
        for needle in needles:
            assert kinds(docs[key], needle) == {"boilerplate"}, (key, needle)
    # The podcast timestamps are chrome too: none of them is left in the text.
    assert "28:20" in docs["000"].full_text and "28:20" not in docs["000"].text
    for key, doc in docs.items():
        original = (SEEDS / Path(doc.id).name).read_text(encoding="utf-8")
        paragraphs = [
            p
            for p in canonicalize(original).split("\n\n")
            if len(p) > 150 and not p.startswith("icon ")
        ]
        for para in paragraphs:  # every body paragraph is content
            assert para in doc.text, (key, para[:60])
    titles = {
        "000": "Taliban never sought peace with US as it fights both Americans & ISIS, commander tells RT",
        "001": "‘Our goal is to end invasion’: Taliban seeks talks with US on NATO troop withdrawal",
        "002": "Taliban denies sharing ISIL intelligence with Russia",
        "003": "Taliban: We will not work with the United States to contain ISIS",
    }
    for key, title in titles.items():
        assert docs[key].text.startswith(title), key


def test_http_charset_of_a_raw_document_decodes_it() -> None:
    """A charset said only by the transport (a WARC record's HTTP header) reaches decoding."""
    from normalize.document import RawDocument
    from normalize.pipeline import process_batch
    from tests.warc_fixtures import POLISH_PAGE

    data = POLISH_PAGE.encode("iso-8859-2")
    raw = RawDocument("pl", "https://zolwie.example.pl/", data, format="html")
    with_header = RawDocument(
        "pl", "https://zolwie.example.pl/", data, format="html", http_charset="ISO-8859-2"
    )
    guessed, declared = process_batch([raw, with_header], Config())
    assert "Zażółć gęślą jaźń" not in guessed.text  # detection alone misreads this short page
    assert "Zażółć gęślą jaźń, powiedział żółw." in declared.text
    assert declared.metadata["encoding"] == "iso8859-2"


def test_cjk_punctuation_is_kept_in_text_and_title() -> None:
    page = (
        "<html><head><title>你好，世界！（测试）</title></head><body>"
        "<p>你好，世界！（测试）这是一个用来测试中文标点的段落，它应该保持原样。</p></body></html>"
    )
    doc = normalize_document(page.encode(), source="cjk.html")
    assert doc.metadata["title"] == "你好，世界！（测试）"
    assert "你好，世界！（测试）这是" in doc.text
    assert "fold_width" not in doc.changes


def test_fold_width_can_be_switched_off() -> None:
    from normalize.config import DecodeConfig

    text = "Ｔｈｅ ｐｒｉｃｅ ｏｆ ｔｈｅ ｂｏｏｋ ｉｓ ２０ ｅｕｒｏｓ ｔｏｄａｙ．"
    config = Config(decode=DecodeConfig(fold_width=False), keep_boilerplate=True)
    assert normalize_document(text, config=config).text == text
    folded = normalize_document(text, config=config.with_(decode=DecodeConfig()))
    assert folded.text == "The price of the book is 20 euros today."
    assert folded.changes["fold_width"] == 32


def test_stage_names_are_one_name_per_idea() -> None:
    """A stage's name is its module, its settings' field, its label in ``steps`` and the
    ``stage`` of its errors; the pipeline's table runs them in the order of STAGES."""
    import dataclasses

    from normalize import pipeline
    from normalize.document import STAGES, Stage

    root = Path(pipeline.__file__).parent
    table = [step.name for step in (*pipeline.PREPARE, *pipeline.FINISH)] + [Stage.TRANSLATE]
    assert table == list(STAGES)
    fields = {f.name for f in dataclasses.fields(Config)}
    for name in STAGES:
        if name != Stage.READ:  # the input: normalize/io/readers.py and the size limit
            assert (root / f"{name}.py").is_file() or (root / name).is_dir(), name
    assert {"decode", "canonical", "boilerplate", "segment", "translate"} <= fields
    doc = normalize_document("Some text.")
    assert list(doc.steps) == ["decode", "canonical", "boilerplate", "segment"]
    assert set(doc.steps) <= set(STAGES)


@pytest.mark.parametrize(
    ("module", "name", "stage"),
    [
        ("normalize.decode", "repair_and_explain", "decode"),
        ("normalize.canonical", "canonicalize_and_explain", "canonical"),
        ("normalize.segment", "segment_languages", "segment"),
    ],
)
def test_an_internal_error_names_the_stage_that_failed(monkeypatch, module, name, stage) -> None:
    import importlib

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    doc = normalize_document("A sentence of text.", source="x.txt")
    [error] = doc.errors
    assert (error.stage, error.code) == (stage, "internal")
    assert f"in stage {stage!r}" in error.message


def test_a_timeout_names_the_stage_that_was_running(monkeypatch) -> None:
    import time

    from normalize import segment

    def slow(*args, **kwargs):
        time.sleep(5)

    monkeypatch.setattr(segment, "segment_languages", slow)
    doc = normalize_document("A sentence of text.", config=Config(max_seconds=0.2))
    [error] = doc.errors
    assert (error.stage, error.code) == ("segment", "timeout")


def test_a_workers_model_loading_is_not_charged_to_its_first_document(monkeypatch) -> None:
    """Loading what the worker keeps (here a slow language model) stops the document's clock.

    A tiny document timed out with ``--max-seconds 0.2`` because the models and
    tables built on first use counted against it.
    """
    import time

    from normalize import identify, process_batch
    from normalize.context import Context
    from normalize.document import RawDocument

    real = identify.load_identifier

    def slow_load(*args, **kwargs):
        time.sleep(0.6)  # a model read from a slow disk, or under load
        return real(*args, **kwargs)

    monkeypatch.setattr(identify, "load_identifier", slow_load)
    raws = [RawDocument(id="a", source="a.txt", data="A short sentence of English text.")]
    [doc] = process_batch(raws, Config(max_seconds=0.3), ctx=Context())
    assert doc.errors == ()
    assert doc.lang == "en"


def test_unreadable_html_is_an_extract_error() -> None:
    doc = normalize_document(b"<!-- only a comment -->", format="html", source="c.html")
    [error] = doc.errors
    assert (error.stage, error.code) == ("extract", "bad_html")


def _plain_docs_and_unreadable(n: int, at: int) -> list[RawDocument]:
    """``n`` one-line text documents, with one that could not be read (an error record
    from the reader) inserted at ``at``."""
    raws = [
        RawDocument(id=str(i), source=f"site/{i}", data=f"Paragraph {i} of plain text.\n")
        for i in range(n)
    ]
    raws.insert(at, RawDocument(id="bad", source="site/bad", data=b"", error=ErrorRecord(
        "read", "unreadable", "cannot read", "site/bad")))  # fmt: skip
    return raws


def test_a_batchs_records_come_a_run_at_a_time_as_they_are_finished(monkeypatch) -> None:
    """``iter_batch`` gives a run's records before the next run's second phase starts.

    A worker serializes the records as they come, so it never holds the whole
    batch's records as objects beside their serialized form; within a run the
    second phase goes stage by stage (each document watched before each
    stage); the records and their order are those of ``process_batch``.
    """
    from normalize import pipeline
    from normalize.pipeline import iter_batch, process_batch

    raws = _plain_docs_and_unreadable(3, at=1)
    monkeypatch.setattr(pipeline, "STAGE_RUN", 2)
    watched: list[int | None] = []
    records = iter_batch(raws, Config(), watch=watched.append)
    first = next(records)
    # The first run (documents 0 and "bad") went through the second phase's
    # two stages, and no other document did.
    second_phase = watched[watched.index(None) + 1 :]
    assert first.id == "0" and second_phase == [0, 0]
    assert next(records).id == "bad"
    rest = list(records)
    assert watched[watched.index(None) + 1 :] == [0, 0, 2, 3, 2, 3, None]
    assert [d.id for d in rest] == ["1", "2"]
    assert [d.to_json() for d in [first, *rest]] == [
        d.to_json() for d in process_batch(raws, Config()) if d.id != "bad"
    ]


@pytest.mark.parametrize(
    ("phase", "slowed", "stage", "steps"),
    [
        ("PREPARE", ("decode", "canonical"), "canonical", ()),
        ("FINISH", ("boilerplate", "segment"), "segment", ("decode", "canonical", "boilerplate")),
    ],
)
def test_a_documents_phase_has_one_time_limit_over_its_stages(
    monkeypatch, phase: str, slowed: tuple[str, ...], stage: str, steps: tuple[str, ...]
) -> None:
    """Run stage by stage, each phase of a document still has one time limit: what
    its earlier stages took is gone from its later stages'."""
    import time as clock

    from normalize import pipeline
    from normalize.document import RawDocument

    def slow(real):
        def run(work, config, ctx):
            clock.sleep(0.6)
            real(work, config, ctx)

        return run

    table = tuple(
        pipeline.Step(s.name, slow(s.run) if s.name in slowed else s.run, s.label, s.when)
        for s in getattr(pipeline, phase)
    )
    monkeypatch.setattr(pipeline, phase, table)
    raws = [RawDocument(id="a", source="a", data="Some text.\n")]
    [doc] = pipeline.process_batch(raws, Config(max_seconds=1))
    assert [(e.stage, e.code) for e in doc.errors] == [(stage, "timeout")]
    assert doc.steps == steps


def test_batch_records_are_each_serialized_under_their_own_documents_watch(
    monkeypatch,
) -> None:
    """``batch_records`` serializes each record with the watch on its own
    document (the hard limit charges a stuck serialization to it); the records are
    those of ``OutputRecord.of`` on ``process_batch``'s documents, in order."""
    from normalize import pipeline
    from normalize.io import record
    from normalize.pipeline import batch_records, process_batch

    raws = _plain_docs_and_unreadable(5, at=2)
    monkeypatch.setattr(pipeline, "STAGE_RUN", 2)
    watched: list[int | None] = []
    serialized_under: dict[str, int | None] = {}
    real_json_line = record.json_line

    def json_line(doc, segments="full"):
        serialized_under[doc.id] = watched[-1]
        return real_json_line(doc, segments)

    monkeypatch.setattr(record, "json_line", json_line)
    records = batch_records(raws, Config(), "offsets", watch=watched.append)
    assert serialized_under == {raw.id: i for i, raw in enumerate(raws)}
    assert watched[-1] is None
    monkeypatch.setattr(record, "json_line", real_json_line)
    expected = [
        record.OutputRecord.of(doc, raw, "offsets")
        for doc, raw in zip(process_batch(raws, Config()), raws, strict=True)
    ]
    assert records == expected


def test_alarms_put_the_callers_alarm_handler_back() -> None:
    """Inside the block a late document (a timer armed in it, as a fold arms it) raises
    DocumentTimeout; after it, on time or late, SIGALRM has the caller's handler
    again and no timer is left running."""
    import signal
    import time

    from normalize.pipeline import DocumentTimeout, alarms

    def mine(signum: int, frame: object) -> None:
        raise AssertionError("the caller's handler ran")

    before = signal.signal(signal.SIGALRM, mine)
    try:
        with alarms() as limited:
            assert limited
            assert signal.getsignal(signal.SIGALRM) is not mine
        assert signal.getsignal(signal.SIGALRM) is mine
        with pytest.raises(DocumentTimeout), alarms():
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            time.sleep(1)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, before)


def test_a_batch_puts_the_callers_alarm_handler_back(monkeypatch) -> None:
    """A batch sets the SIGALRM handler once per run of documents and arms the timer
    per stage: after it, with a late document in it, the caller's handler is back
    and no timer is left running."""
    import signal
    import time

    from normalize import pipeline
    from normalize.document import RawDocument

    def mine(signum: int, frame: object) -> None:
        raise AssertionError("the caller's handler ran")

    def late(real):
        def run(work, config, ctx):
            if work.raw.id == "late":
                time.sleep(1.5)
            real(work, config, ctx)

        return run

    prepare = tuple(
        pipeline.Step(s.name, late(s.run) if s.name == "decode" else s.run, s.label, s.when)
        for s in pipeline.PREPARE
    )
    monkeypatch.setattr(pipeline, "PREPARE", prepare)
    raws = [RawDocument(id=i, source=i, data=f"Text {i}.\n") for i in ("a", "late", "b")]
    before = signal.signal(signal.SIGALRM, mine)
    try:
        docs = pipeline.process_batch(raws, Config(max_seconds=1))
        assert [[e.code for e in d.errors] for d in docs] == [[], ["timeout"], []]
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, before)


def test_content_of_whole_lines_is_joined_as_the_check_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the content is whole lines of the page (``pipeline._whole_lines``), the
    record's text is what ``canonical_join`` gives after its check: on the seeds, the
    segmenter's cases and the HTML cases (each page's content is whole lines)."""
    from normalize import canonical
    from normalize.config import CanonicalConfig
    from normalize.io.readers import iter_inputs
    from normalize.pipeline import process_batch

    real = canonical.canonical_join
    told: list[bool] = []

    def both(text: str, config: CanonicalConfig | None = None, *, whole_lines: bool = False) -> str:
        out = real(text, config, whole_lines=whole_lines)
        assert out == real(text, config), text
        told.append(whole_lines)
        return out

    monkeypatch.setattr(canonical, "canonical_join", both)
    cases = case_list("segment_cases.json") + case_list("segment_cases_scripts.json")
    raws = list(iter_inputs([str(SEEDS)]))
    raws += [
        RawDocument(id=c["label"], source=c["label"], data=c["text"], format="text") for c in cases
    ]
    raws += [
        RawDocument(id=c["label"], source=c["label"], data=c["html"].encode(), format="html")
        for c in case_list("extract_html_cases.json")
    ]
    docs = process_batch(raws, Config())
    assert len(told) == sum(1 for d in docs if isinstance(d, Document))
    assert all(told)
