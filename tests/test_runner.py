"""Throughput machinery: parallel jobs, checkpoints and resume, progress and summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, run_cli


def make_corpus(folder: Path, copies: int) -> Path:
    """A JSONL corpus of the seeds repeated, from a few sources, with a broken line."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(copies):
            for j, text in enumerate(seeds):
                rec = {"id": f"d{i}-{j}", "url": f"https://site{j % 2}.example/{i}", "text": text}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if i == copies // 2:
                f.write("{broken\n")
    return path


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 6)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        proc = run_cli(str(corpus), "-o", str(out), "--jobs", jobs, "--batch-size", "5", "-q")
        assert proc.returncode == 1  # the broken line
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == 6 * 4 + 1


def test_summary_on_stderr_and_quiet(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 1)
    proc = run_cli(str(corpus), "-o", str(tmp_path / "o.jsonl"), "--jobs", "1")
    err = proc.stderr.decode()
    assert "5 documents" in err and "1 with errors" in err and "MB/s" in err
    assert "languages:" in err
    quiet = run_cli(str(corpus), "-o", str(tmp_path / "q.jsonl"), "--jobs", "1", "-q")
    assert b"documents" not in quiet.stderr


def test_killed_run_resumes_to_the_same_output(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 40)
    whole = tmp_path / "whole.jsonl"
    args = ["--batch-size", "4", "--jobs", "1", "-q"]
    assert run_cli(str(corpus), "-o", str(whole), *args).returncode == 1

    out = tmp_path / "out.jsonl"
    checkpoint = Path(f"{out}.checkpoint")
    proc = subprocess.Popen(
        [sys.executable, "-m", "normalize", str(corpus), "-o", str(out), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.fail("the run finished before it could be interrupted; make the corpus larger")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # never a torn file under the final name
    partial = Path(f"{out}.partial")
    with partial.open("a", encoding="utf-8") as f:
        f.write('{"torn": "rec')  # what a kill in the middle of a write leaves
    done = json.loads(checkpoint.read_text())["documents"]
    assert 0 < done < 161

    resumed = run_cli(str(corpus), "-o", str(out), *args, "--resume")
    assert resumed.returncode == 1  # the broken line was in the first part or the second
    assert out.read_bytes() == whole.read_bytes()
    assert not checkpoint.exists() and not partial.exists()


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 1)
    out = tmp_path / "o.jsonl"
    Path(f"{out}.partial").write_text("", encoding="utf-8")
    Path(f"{out}.checkpoint").write_text(
        json.dumps({"documents": 1, "bytes": 0, "fingerprint": "other"}), encoding="utf-8"
    )
    proc = run_cli(str(corpus), "-o", str(out), "--resume")
    assert proc.returncode == 2
    assert b"without --resume" in proc.stderr


def _crashing_worker(batch, config):
    """A worker function that dies on the batch holding the document 'boom' (module level: picklable)."""
    from normalize.pipeline import process_batch

    if any(raw.id == "boom" for raw in batch):
        os._exit(70)
    return process_batch(batch, config)


def test_a_crashed_worker_becomes_error_records(monkeypatch) -> None:
    """A worker that dies (here: os._exit in the batch with 'boom') does not stop the run."""
    from normalize.config import RunConfig
    from normalize.document import RawDocument
    from normalize.engines import local

    monkeypatch.setattr(local, "_worker_batch", _crashing_worker)  # inherited by the forked workers
    raws = [
        RawDocument(id=name, source=name, data=f"Document {name}.")
        for name in ["a", "b", "boom", "c", "d", "e", "f", "g"]
    ]
    results = list(local.run_batches(raws, RunConfig(jobs=2, batch_size=2)))
    docs = [doc for _, batch_docs in results for doc in batch_docs]
    assert [d.id for d in docs] == [r.id for r in raws]
    crashed = {d.id for d in docs if d.errors}
    assert crashed == {"boom", "c"}  # the batch of the crash, nothing else
    assert all(d.errors[0].code == "worker_crashed" for d in docs if d.errors)
    assert next(d for d in docs if d.id == "g").text == "Document g."
