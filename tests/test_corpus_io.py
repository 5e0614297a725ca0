"""Corpus formats through the CLI: WARC, Parquet, zstd, shards, stats, sniffing, normalize.mk."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from normalize.io.arrow import record_json_schema, record_schema
from tests.conftest import ROOT, run_cli
from tests.warc_fixtures import (
    ENGLISH_PAGE,
    POLISH_PAGE,
    RUSSIAN_PAGE,
    Response,
    sample_records,
    write_warc,
)

zstandard = pytest.importorskip("zstandard")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("fastwarc")


def read_zst(path: Path) -> list[dict]:
    data = zstandard.ZstdDecompressor().stream_reader(path.read_bytes()).read()
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def crawl(tmp_path: Path, copies: int = 1) -> Path:
    """The judged WARC: HTML, charsets only in the HTTP header, text, non-HTML, non-200."""
    responses = []
    for n in range(copies):
        for r in sample_records():
            responses.append(Response(f"{r.url}?copy={n}", r.body, r.content_type, r.status))
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, responses)
    return path


def test_warc_to_sharded_zstd_jsonl_and_parquet_with_one_schema(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    import pyarrow.dataset as pads
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    from normalize.integrations.hf import features

    warc = crawl(tmp_path, copies=3)
    shards = tmp_path / "shards"
    out = run_cli(
        str(warc), "-o", f"{shards}/", "--shard-size", "1KB", "--batch-size", "2", "--jobs", "1"
    )
    assert out.returncode == 0, out.stderr.decode()
    files = sorted(shards.glob("*.jsonl.zst"))
    assert len(files) >= 3 and files[0].name == "00000.jsonl.zst"
    records = [rec for f in files for rec in read_zst(f)]
    for rec in records:
        jsonschema.validate(rec, record_json_schema())
    assert len(records) == 3 * 4  # English, Russian, Polish, text; per copy
    by_url = {r["source"]: r for r in records}
    russian = by_url["https://frogs.example.ru/novosti/lyagushki?copy=0"]
    assert "Группа исследователей из Москвы" in russian["text"]
    assert russian["metadata"]["encoding"] == "cp1251"
    polish = by_url["https://zolwie.example.pl/wiadomosci?copy=1"]
    assert "Zażółć gęślą jaźń, powiedział żółw." in polish["text"]  # charset only in the header
    english = by_url["https://frogs.example.org/en/new-species?copy=2"]
    assert english["id"].startswith("<urn:uuid:") and english["lang"] == "en"
    assert english["metadata"]["crawl_date"] == "2026-11-30T12:00:00Z"

    # The stats file says what the records say.
    stats = json.loads((shards / "stats.json").read_text())
    assert stats["documents"] == len(records)
    assert stats["errors"] == {} and stats["failed"] == 0
    assert stats["languages"] == dict(Counter(r["lang"] for r in records))
    assert stats["skipped"] == {
        "warc_record": 3 * 16 + 1,
        "http_status": 3 * 2,
        "media_type": 3 * 2,
    }
    changes: Counter[str] = Counter()
    for r in records:
        changes.update({c["step"]: c["count"] for c in r["changes"]})
    assert stats["changes"] == dict(changes)
    reasons = Counter(
        s["reason"] for r in records for s in r["segments"] if s["kind"] == "boilerplate"
    )
    assert sum(stats["boilerplate"].values()) <= sum(reasons.values())
    assert stats["bytes"] > 0 and stats["seconds"] > 0

    # The same crawl as one Parquet file.
    parquet = tmp_path / "crawl.parquet"
    out = run_cli(str(warc), "-o", str(parquet), "--jobs", "1")
    assert out.returncode == 0, out.stderr.decode()
    assert pq.read_schema(parquet).remove_metadata() == record_schema()
    table = pq.read_table(parquet)
    assert sorted(table.column("id").to_pylist()) == sorted(r["id"] for r in records)

    # The same crawl as Parquet shards.
    pq_shards = tmp_path / "pq"
    out = run_cli(
        str(warc),
        "-o",
        f"{pq_shards}/",
        "--format",
        "parquet",
        "--shard-size",
        "1KB",
        "--batch-size",
        "2",
        "--jobs",
        "1",
    )
    assert out.returncode == 0, out.stderr.decode()
    assert len(list(pq_shards.glob("*.parquet"))) >= 3

    # One schema whichever way the output is loaded.
    explicit = pajson.ParseOptions(explicit_schema=record_schema())
    tables = [
        pajson.read_json(pa.CompressedInputStream(str(f), "zstd"), parse_options=explicit)
        for f in files
    ]
    assert all(t.schema == record_schema() for t in tables)
    assert pa.concat_tables(tables).num_rows == len(records)
    pq_ds = pads.dataset(sorted(map(str, pq_shards.glob("*.parquet"))), format="parquet")
    assert pq_ds.schema.remove_metadata() == record_schema()
    assert pq_ds.count_rows() == len(records)
    cache = str(tmp_path / "hf-cache")
    shard_names = [str(f) for f in files]
    from_json = datasets.load_dataset(
        "json", data_files=shard_names, features=features(), cache_dir=cache, split="train"
    )
    from_parquet = datasets.load_dataset(
        "parquet", data_files=str(parquet), cache_dir=cache, split="train"
    )
    assert from_json.features == from_parquet.features == features()
    assert features().arrow_schema == record_schema()
    assert len(from_json) == len(from_parquet) == len(records)
    assert sorted(from_json["id"]) == sorted(from_parquet["id"])


def test_a_killed_sharded_run_resumes_from_its_finished_shards(tmp_path: Path) -> None:
    warc = crawl(tmp_path, copies=10)
    args = (str(warc), "--shard-size", "1KB", "--batch-size", "2", "--jobs", "1")
    full = tmp_path / "full"
    assert run_cli(*args, "-o", f"{full}/").returncode == 0
    expected = [r["id"] for f in sorted(full.glob("*.jsonl.zst")) for r in read_zst(f)]
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "normalize", *args, "-o", f"{killed}/"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoint = killed / "checkpoint.json"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    done = json.loads(checkpoint.read_text())["shards"]
    assert 1 <= len(done) < len(expected) // 2
    finished = {s["file"]: (killed / s["file"]).stat().st_mtime_ns for s in done}
    out = run_cli(*args, "-o", f"{killed}/", "--resume")
    assert out.returncode == 0, out.stderr.decode()
    assert "resuming after" in out.stderr.decode()
    assert {f: (killed / f).stat().st_mtime_ns for f in finished} == finished  # kept as they were
    assert [r["id"] for f in sorted(killed.glob("*.jsonl.zst")) for r in read_zst(f)] == expected
    assert not checkpoint.exists() and not list(killed.glob("*.partial"))
    stats = json.loads((killed / "stats.json").read_text())
    assert stats["documents"] == len(expected)


def test_compressed_jsonl_outputs_hold_the_same_records(tmp_path: Path) -> None:
    warc = crawl(tmp_path)
    lines = {}
    for suffix in (".jsonl", ".jsonl.gz", ".jsonl.zst"):
        target = tmp_path / f"out{suffix}"
        out = run_cli(str(warc), "-o", str(target), "--jobs", "1")
        assert out.returncode == 0, out.stderr.decode()
        data = target.read_bytes()
        if suffix == ".jsonl.gz":
            data = gzip.decompress(data)
        elif suffix == ".jsonl.zst":
            data = zstandard.ZstdDecompressor().stream_reader(data).read()
        lines[suffix] = [json.loads(x)["text"] for x in data.decode().splitlines()]
    assert lines[".jsonl"] == lines[".jsonl.gz"] == lines[".jsonl.zst"]
    assert len(lines[".jsonl"]) == 4


def test_zstd_and_parquet_inputs(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    docs = [
        {"id": "en", "body": ENGLISH_PAGE, "url": "https://frogs.example.org/a"},
        {"id": "ru", "body": RUSSIAN_PAGE, "url": "https://frogs.example.ru/b"},
    ]
    jsonl = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()
    (tmp_path / "docs.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(jsonl))
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "docs.parquet")
    raw = gzip.decompress(crawl(tmp_path).read_bytes())
    (tmp_path / "crawl.warc.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    outputs = {}
    for name in ("docs.jsonl.zst", "docs.parquet"):
        out = run_cli(str(tmp_path / name), "--text-field", "body", "--jobs", "1")
        assert out.returncode == 0, out.stderr.decode()
        outputs[name] = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["id"] for r in outputs["docs.parquet"]] == ["en", "ru"]
    assert [r["text"] for r in outputs["docs.parquet"]] == [
        r["text"] for r in outputs["docs.jsonl.zst"]
    ]
    assert outputs["docs.parquet"][1]["source"] == "https://frogs.example.ru/b"
    out = run_cli(str(tmp_path / "crawl.warc.zst"), "--jobs", "1")
    assert out.returncode == 0, out.stderr.decode()
    assert len(out.stdout.decode().splitlines()) == 4


def test_a_zstd_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    bomb = zstandard.ZstdCompressor().compress(b"a" * 50_000_000)
    (tmp_path / "bomb.txt.zst").write_bytes(bomb)
    out = run_cli(str(tmp_path / "bomb.txt.zst"), "--max-bytes", "1000000", "--jobs", "1")
    assert out.returncode == 1
    [rec] = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert rec["errors"][0]["code"] == "too_large"


def test_a_parquet_file_without_the_text_column_names_its_columns(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{"body": "x", "id": 1}]), tmp_path / "d.parquet")
    out = run_cli(str(tmp_path / "d.parquet"), "--jobs", "1")
    assert out.returncode == 1
    [rec] = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert rec["errors"][0]["code"] == "bad_field"
    assert "its columns are body, id" in rec["errors"][0]["message"]


def test_a_wrong_text_field_is_said_once_with_the_fields_the_records_have(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": n, "body": "x"}) + "\n" for n in range(5)))
    out = run_cli(str(path), "--jobs", "1")
    assert out.returncode == 1
    assert len(out.stdout.decode().splitlines()) == 5  # every record says it, in the output
    stderr = out.stderr.decode()
    lines = [line for line in stderr.splitlines() if "'text'" in line]
    assert len(lines) == 1, stderr
    assert "the record's fields are body, id" in lines[0] and "--text-field" in lines[0]
    assert "errors by code: bad_field 5" in stderr


def test_files_without_a_known_extension_are_sniffed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.php").write_text(ENGLISH_PAGE)
    (site / "news.shtml").write_text(RUSSIAN_PAGE)
    (site / "README").write_text("Plain notes about the site.\n")
    (site / "export").write_text(json.dumps({"id": "j1", "text": "From JSONL."}) + "\n")
    (site / "page.aspx.gz").write_bytes(gzip.compress(POLISH_PAGE.encode("utf-8")))
    (site / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (site / "empty.dat").write_bytes(b"")
    write_warc(site / "crawl", sample_records()[:1])
    stats = tmp_path / "stats.json"
    out = run_cli(str(site), "--jobs", "1", "--stats", str(stats))
    assert out.returncode == 0, out.stderr.decode()
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert sorted(r["id"] for r in records if not r["id"].startswith("<urn")) == sorted(
        [str(site / n) for n in ("index.php", "news.shtml", "README", "page.aspx.gz")] + ["j1"]
    )
    assert sum(r["id"].startswith("<urn") for r in records) == 1
    formats = {Path(r["id"]).name: r["metadata"]["format"] for r in records}
    assert formats["index.php"] == formats["news.shtml"] == "html"
    assert formats["README"] == "text"
    summary = json.loads(stats.read_text())
    assert summary["skipped"]["unknown_format"] == 2  # logo.png, empty.dat
    assert "unknown_format 2" in out.stderr.decode()


def test_file_urls_go_through_fsspec(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    warc = crawl(tmp_path)
    out = run_cli(f"file://{warc}", "--jobs", "1")
    assert out.returncode == 0, out.stderr.decode()
    assert len(out.stdout.decode().splitlines()) == 4


def test_compact_segments(tmp_path: Path) -> None:
    warc = crawl(tmp_path)
    outputs = {
        mode: run_cli(str(warc), "--jobs", "1", "--segments", mode).stdout.decode().splitlines()
        for mode in ("full", "offsets", "none")
    }
    sizes = {mode: sum(map(len, lines)) for mode, lines in outputs.items()}
    assert sizes["none"] < sizes["offsets"] < sizes["full"]
    for full, offsets, none in zip(*outputs.values(), strict=True):
        full, offsets, none = json.loads(full), json.loads(offsets), json.loads(none)
        assert full["text"] == offsets["text"] == none["text"]
        spans = [(s["start"], s["end"]) for s in full["segments"]]
        assert [(s["start"], s["end"]) for s in offsets["segments"]] == spans
        assert {s["text"] for s in offsets["segments"]} == {None}
        assert none["segments"] == []


def test_normalize_mk_redoes_only_the_changed_shards(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    (tmp_path / "in").mkdir()
    for name in ("a", "b", "c"):
        write_warc(tmp_path / "in" / f"{name}.warc.gz", sample_records()[:1])
    (tmp_path / "Makefile").write_text(
        f"include {ROOT}/normalize.mk\n\nall: $(NORMALIZE_OUTPUTS)\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "NORMALIZE": f"{sys.executable} -m normalize",
        "PYTHONPATH": str(ROOT),
    }

    def make() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-j3", "all"], cwd=tmp_path, env=env, capture_output=True, timeout=600
        )

    first = make()
    assert first.returncode == 0, first.stderr.decode()
    outputs = {n: tmp_path / "out" / f"{n}.jsonl.zst" for n in ("a", "b", "c")}
    assert all(len(read_zst(p)) == 1 for p in outputs.values())
    assert not list((tmp_path / "out").glob("*.partial"))
    before = {n: p.stat().st_mtime_ns for n, p in outputs.items()}
    assert b"Nothing to be done" in make().stdout  # up to date: nothing is redone
    later = time.time() + 5
    os.utime(tmp_path / "in" / "b.warc.gz", (later, later))
    again = make()
    assert again.returncode == 0, again.stderr.decode()
    after = {n: p.stat().st_mtime_ns for n, p in outputs.items()}
    assert [n for n in outputs if after[n] != before[n]] == ["b"]
    assert json.loads((tmp_path / "out" / "b.stats.json").read_text())["documents"] == 1


def test_the_report_reads_shards_compressed_jsonl_and_parquet(tmp_path: Path) -> None:
    warc = crawl(tmp_path)
    outputs = {
        "shards": f"{tmp_path / 'shards'}/",
        "zst": str(tmp_path / "out.jsonl.zst"),
        "parquet": str(tmp_path / "out.parquet"),
    }
    for name, target in outputs.items():
        extra = ("--shard-size", "1KB", "--batch-size", "2") if name == "shards" else ()
        assert run_cli(str(warc), "-o", target, "--jobs", "1", *extra).returncode == 0
        page = tmp_path / f"{name}.html"
        out = run_cli("report", target, "-o", str(page))
        assert out.returncode == 0, out.stderr.decode()
        html = page.read_text(encoding="utf-8")
        assert "Frogs of the forest" in html and "Группа исследователей" in html, name


@pytest.mark.parametrize(
    "args",
    [
        ("--shard-size", "1MB"),
        ("--shard-size", "1MB", "--format", "text", "-o", "FOLDER"),
        ("--shard-size", "lots", "-o", "FOLDER"),
        ("--segments", "some"),
    ],
)
def test_corpus_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "a.txt").write_text("Hello.\n")
    args = tuple(str(tmp_path / "out") if a == "FOLDER" else a for a in args)
    out = run_cli(str(tmp_path / "a.txt"), *args)
    assert out.returncode == 2, out.stderr.decode()
    assert out.stdout == b""


def gzip_members(data: bytes) -> list[int]:
    """Where each gzip member of ``data`` starts (a WARC writer puts one record in each)."""
    starts = []
    rest = data
    while rest:
        starts.append(len(data) - len(rest))
        member = zlib.decompressobj(31)  # gzip framing
        member.decompress(rest)
        rest = member.unused_data
    return starts


def test_a_truncated_warc_gz_says_so(tmp_path: Path) -> None:
    """A download cut short: the pages before the cut, then an error record for the file.

    The cut falls in the middle of the gzip member around two thirds of the
    file: a cut exactly between two members leaves a valid, shorter archive,
    which nothing can tell from a complete one (see the next test).
    """
    whole = crawl(tmp_path, copies=40).read_bytes()
    starts = gzip_members(whole)
    at = max(i for i, start in enumerate(starts) if start <= len(whole) * 2 // 3)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: (starts[at] + starts[at + 1]) // 2])
    out = run_cli(str(cut), "--jobs", "1")
    assert out.returncode == 1
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert 4 <= sum(not r["errors"] for r in records) < 40 * 4
    [error] = [r for r in records if r["errors"]]
    assert error["errors"][0]["code"] == "unreadable"
    assert "cut.warc.gz" in error["errors"][0]["message"]


def test_a_warc_gz_cut_anywhere_but_between_records_says_so(tmp_path: Path) -> None:
    """Cut inside a gzip member (header, data or trailer): an error record for the file, last.

    Cut exactly between two members, the file is a valid archive of the
    records before the cut: read to its end with no error, as nothing in a
    WARC says how many records should follow.
    """
    from normalize.config import RunConfig
    from normalize.document import RawDocument
    from normalize.io.readers import read_file

    whole = crawl(tmp_path, copies=2).read_bytes()
    starts = gzip_members(whole)
    cut = tmp_path / "cut.warc.gz"
    for at in range(len(starts) // 2, len(starts) // 2 + 4):
        start, end = starts[at], starts[at + 1]
        for size in (start, start + 1, start + 10, (start + end) // 2, end - 4, end - 1):
            cut.write_bytes(whole[:size])
            items = list(read_file(str(cut), RunConfig()))
            errors = [i for i in items if isinstance(i, RawDocument) and i.error]
            if size == start:
                assert errors == [], size
            else:
                assert [e.error.code for e in errors if e.error] == ["unreadable"], size
                assert items[-1] is errors[0], size
