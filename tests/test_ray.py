"""The Ray Data engine gives the same output as the local engine (Ray local cluster).

The engines share the readers, the writers, the summary and the exit status
(:func:`normalize.run.run_corpus`), so ``--format``, ``--resume``, ``-q``
and the summary must behave the same on both.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from normalize.config import RunConfig
from normalize.io.checkpoint import CheckpointedFile, fingerprint
from normalize.run import run_corpus
from tests.conftest import SEEDS, run_cli

ray = pytest.importorskip("ray", reason="the [ray] extra is not installed (make test installs it)")

RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def test_ray_engine_matches_local(tmp_path: Path) -> None:
    local = tmp_path / "local.jsonl"
    ray_out = tmp_path / "ray.jsonl"
    assert run_cli(str(SEEDS), "-o", str(local), "-q").returncode == 0
    proc = run_cli(
        str(SEEDS),
        str(tmp_path / "missing.txt"),
        "-o",
        str(ray_out),
        "--engine",
        "ray",
        "--jobs",
        "1",  # one actor on a one-CPU cluster: reading must still get its share
        env=RAY_ENV,
    )
    assert proc.returncode == 1, proc.stderr.decode()[-3000:]  # the missing file
    lines = ray_out.read_bytes().splitlines(keepends=True)
    assert b"".join(lines[:-1]) == local.read_bytes()
    assert b'"code":"not_found"' in lines[-1]
    assert b"5 documents" in proc.stderr and b"1 with errors" in proc.stderr  # the summary


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray instance for the in-process tests of this module."""
    saved = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _corpus(tmp_path: Path) -> list[str]:
    """The seeds, a gzipped JSONL file with a broken line, a truncated gzip file: 4 + 3 + 1."""
    import gzip

    src = tmp_path / "in"
    src.mkdir()
    for p in SEEDS.iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    with gzip.open(src / "docs.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g1", "text": "Gzipped JSONL on Ray."}) + "\n{broken\n")
        f.write(json.dumps({"id": "g2", "text": "The second document."}) + "\n")
    data = gzip.compress(b"A text file cut in the middle of its gzip stream. " * 50)
    (src / "truncated.txt.gz").write_bytes(data[: len(data) // 2])
    return [str(src)]


def test_format_text_and_summary_are_the_same_on_both_engines(
    ray_cluster: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = _corpus(tmp_path)
    outs = {}
    for engine in ("local", "ray"):
        run = RunConfig(engine=engine, jobs=1, format="text", output=str(tmp_path / engine))
        assert run_corpus(inputs, run) == 1  # the broken line, the truncated file
        err = capsys.readouterr().err
        assert "8 documents" in err and "2 with errors" in err, err
        outs[engine] = {p.name: p.read_bytes() for p in (tmp_path / engine).iterdir()}
    assert outs["local"]["errors.jsonl"].count(b'"code":"unreadable"') == 1
    assert outs["ray"] == outs["local"]
    quiet = RunConfig(engine="ray", jobs=1, quiet=True, output=str(tmp_path / "q.jsonl"))
    assert run_corpus(inputs, quiet) == 1
    assert "documents" not in capsys.readouterr().err


def test_resume_is_the_same_on_both_engines(ray_cluster: None, tmp_path: Path) -> None:
    inputs = _corpus(tmp_path)
    whole = RunConfig(jobs=1, batch_size=2, quiet=True, output=str(tmp_path / "whole.jsonl"))
    assert run_corpus(inputs, whole) == 1
    lines = (tmp_path / "whole.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 8
    for engine in ("local", "ray"):
        # An interrupted run: two batches committed, a torn record after them.
        out = tmp_path / f"{engine}.jsonl"
        run = dataclasses.replace(whole, engine=engine, output=str(out))
        done = CheckpointedFile(str(out), fingerprint=fingerprint(inputs, run))
        done.write(b"".join(lines[:4]))
        done.commit(4, 0)
        done.close(complete=False)
        with open(done.partial, "ab") as partial:
            partial.write(b'{"torn": "rec')  # bytes past the checkpoint, as a kill leaves them
        resumed = dataclasses.replace(run, resume=True)
        assert run_corpus(inputs, resumed) == 1, engine  # the broken line is after the cut
        assert out.read_bytes() == b"".join(lines), engine


def test_both_engines_count_what_a_warc_holds_besides_pages(
    ray_cluster: None, tmp_path: Path
) -> None:
    """Requests, images and redirects are skipped by reason on Ray too, none silently."""
    pytest.importorskip("fastwarc")
    from tests.warc_fixtures import sample_records, write_warc

    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, sample_records())
    stats = {}
    for engine in ("local", "ray"):
        run = RunConfig(
            jobs=1,
            engine=engine,
            quiet=True,
            output=str(tmp_path / f"{engine}.jsonl"),
            stats=str(tmp_path / f"{engine}.json"),
        )
        assert run_corpus([str(warc)], run) == 0, engine
        stats[engine] = json.loads((tmp_path / f"{engine}.json").read_text())
    assert (
        stats["ray"]["skipped"]
        == stats["local"]["skipped"]
        == {
            "warc_record": 17,
            "http_status": 2,
            "media_type": 2,
        }
    )
    assert stats["ray"]["documents"] == stats["local"]["documents"] == 4
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_both_engines_read_a_folder_the_same_way(ray_cluster: None, tmp_path: Path) -> None:
    """A folder's unknown files are skipped and counted, and a run never reads its own output.

    The Ray engine expands the inputs into sources with the run, as the local
    engine does: a PNG in the folder is an ``unknown_format`` skip (not a
    source to read), and an output written inside the input folder by an
    earlier run is left out.
    """
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("A plain text document in the folder.\n", encoding="utf-8")
    (src / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    outs, stats = {}, {}
    for engine in ("local", "ray"):
        out = src / f"{engine}.jsonl"
        out.write_text('{"id": "left from an earlier run", "text": "x"}\n', encoding="utf-8")
        run = RunConfig(
            jobs=1,
            engine=engine,
            quiet=True,
            output=str(out),
            stats=str(tmp_path / f"{engine}.json"),
        )
        assert run_corpus([str(src)], run) == 0, engine
        outs[engine] = out.read_bytes()
        stats[engine] = json.loads((tmp_path / f"{engine}.json").read_text())
        out.unlink()
    assert stats["local"]["skipped"] == {"unknown_format": 1}
    assert stats["local"]["documents"] == 1
    assert stats["ray"]["skipped"] == stats["local"]["skipped"]
    assert stats["ray"]["documents"] == stats["local"]["documents"]
    assert outs["ray"] == outs["local"]
