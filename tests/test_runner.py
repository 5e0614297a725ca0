"""Throughput machinery: parallel jobs, checkpoints and resume, progress and summary."""

from __future__ import annotations

import json
import os
import platform
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def _crashing_worker(batch, config, progress=None):
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


def test_jsonl_lines_left_to_the_workers_give_the_documents_read_at_once(tmp_path: Path) -> None:
    """``iter_inputs(parsed=False)`` (what a run reads) gives each JSONL line as a
    ``JsonlLine`` whose document is the one read at once: good and broken lines, fields
    repaired or missing, metadata, a line over the size limit, blank lines, standard
    input; files of other formats as they are."""
    import io

    from normalize.config import Config, RunConfig
    from normalize.document import Skipped
    from normalize.io.readers import JsonlLine, document, iter_inputs

    lines = [
        json.dumps({"id": "a", "text": "Caf\u00e9 \u2028ok", "url": "https://x.example/a"}),
        json.dumps({"id": 7, "text": "number id", "title": "T\u0000itle", "crawl_date": 3}),
        '{"id": "s\\ud800", "text": "lone surrogate", "source": "site/b"}',
        json.dumps({"text": "no id"}),
        "",
        "   ",
        '{"id": "broken", "text": ',
        "[1, 2]",
        json.dumps({"id": "f", "body": "wrong field"}),
        json.dumps({"id": "big", "text": "x" * 500}),
        json.dumps({"id": "last", "text": "Last one."}),
    ]
    data = "\n".join(lines).encode()
    (tmp_path / "in.jsonl").write_bytes(data)
    (tmp_path / "page.html").write_bytes(b"<p>Hello</p>")
    run = RunConfig(pipeline=Config(max_bytes=300))
    inputs = [str(tmp_path / "in.jsonl"), str(tmp_path / "page.html"), "-"]

    def read(parsed: bool) -> list:
        return list(iter_inputs(inputs, run, io.BytesIO(data), parsed=parsed))

    lazy = read(False)
    assert sum(isinstance(item, JsonlLine) for item in lazy) == 2 * 8
    made = [item if isinstance(item, Skipped) else document(item) for item in lazy]
    assert made == read(True)
    assert len(made) == 2 * 9 + 1


def _crashing_records(batch, config, segments="full", progress=None, texts=True):
    """``_worker_records`` that dies on the batch holding the document 'boom'."""
    from normalize.io.readers import document
    from normalize.pipeline import batch_records

    raws = [document(item) for item in batch]
    if any(raw.id == "boom" for raw in raws):
        os._exit(70)
    return batch_records(raws, config, segments)


def test_a_crashed_worker_on_jsonl_lines_gives_their_documents_error_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run hands its workers JSONL lines unparsed (``JsonlLine``); when one dies, the
    records of the batch it lost still have their documents' ids, from the lines."""
    from normalize.config import RunConfig
    from normalize.engines import local
    from normalize.io.readers import JsonlLine, iter_inputs

    src = tmp_path / "in.jsonl"
    names = ["a", "b", "boom", "c", "d"]
    src.write_text("".join(json.dumps({"id": n, "text": f"Document {n}."}) + "\n" for n in names))
    monkeypatch.setattr(local, "_worker_records", _crashing_records)  # the forked workers' too
    run = RunConfig(jobs=1, batch_size=2)
    items = list(iter_inputs([str(src)], run, parsed=False))
    assert all(isinstance(item, JsonlLine) for item in items)
    records = [r for _, batch in local.run_records(items, run) for r in batch]
    assert [r.id for r in records] == names
    assert {r.id for r in records if r.error_codes} == {"boom", "c"}
    assert all(r.error_codes == ("worker_crashed",) for r in records if r.id in ("boom", "c"))


# ---------------------------------------------------------------- resume, checkpoints, outputs


def _run_config(*argv: str):
    """The RunConfig the CLI builds from ``argv``."""
    from normalize.cli import build_run_parser, run_config_from_args

    return run_config_from_args(build_run_parser().parse_args(list(argv)))


def interrupt_after(out: Path, argv: list[str], whole: bytes, documents: int) -> None:
    """Leave OUT.partial + OUT.checkpoint as a run of ``argv`` killed after ``documents``."""
    from normalize.io.checkpoint import CheckpointedFile, fingerprint

    run = _run_config(*argv, "-o", str(out))
    lines = whole.splitlines(keepends=True)
    done = CheckpointedFile(str(out), fingerprint=fingerprint(run_inputs(argv), run))
    done.write(b"".join(lines[:documents]))
    done.commit(documents, sum(b'"errors":[]' not in line for line in lines[:documents]))
    done.close(complete=False)
    with open(done.partial, "ab") as partial:
        partial.write(b'{"torn": "rec')  # bytes past the checkpoint, as a kill leaves them


def run_inputs(argv: list[str]) -> list[str]:
    from normalize.cli import build_run_parser

    return build_run_parser().parse_args(argv).inputs


def _interrupted_run(tmp_path: Path, copies: int, after: int, folder: Path | None = None):
    """A corpus, its whole output, and a run of it interrupted after ``after`` records:
    ``(argv, corpus, whole, out)``. With ``folder``, the corpus is in it and the run reads
    the folder."""
    corpus = make_corpus(folder or tmp_path, copies)
    argv = [str(folder or corpus), "--batch-size", "4", "--jobs", "1", "-q"]
    whole = tmp_path / "whole.jsonl"
    assert run_cli(*argv, "-o", str(whole)).returncode == 1
    out = tmp_path / "out.jsonl"
    interrupt_after(out, argv, whole.read_bytes(), after)
    return argv, corpus, whole, out


def test_an_interrupted_run_resumes_to_the_whole_output(tmp_path: Path) -> None:
    argv, _, whole, out = _interrupted_run(tmp_path, 3, 8)
    proc = run_cli(*argv, "-o", str(out), "--resume")
    assert proc.returncode == 1, proc.stderr.decode()
    assert out.read_bytes() == whole.read_bytes()


def _change_input(corpus: Path, tmp_path: Path, env: dict) -> None:
    corpus.write_bytes(corpus.read_bytes().replace(b"Taliban", b"Talibam", 1))


def _add_file(corpus: Path, tmp_path: Path, env: dict) -> None:
    (corpus.parent / "added.txt").write_text("A file added to the input folder.", "utf-8")


def _other_lang_packs(corpus: Path, tmp_path: Path, env: dict) -> None:
    import shutil

    packs = tmp_path / "packs"
    shutil.copytree(ROOT / "lang_packs", packs)
    with (packs / "en" / "stopwords.txt").open("a", encoding="utf-8") as f:
        f.write("zzyzx\n")
    env["NORMALIZE_LANG_PACKS"] = str(packs)


@pytest.mark.parametrize(
    "change", [_change_input, _add_file, _other_lang_packs], ids=lambda f: f.__name__
)
def test_resume_refuses_what_the_output_depends_on_having_changed(tmp_path: Path, change) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    argv, corpus, _, out = _interrupted_run(tmp_path, 2, 4, folder)
    env: dict = {}
    change(corpus, tmp_path, env)
    proc = run_cli(*argv, "-o", str(out), "--resume", env=env)
    assert proc.returncode == 2, proc.stderr.decode()
    assert b"without --resume" in proc.stderr


def _truncate_partial(out: Path) -> None:
    partial = Path(f"{out}.partial")
    partial.write_bytes(partial.read_bytes()[:-300])


def _more_documents(out: Path) -> None:
    checkpoint = Path(f"{out}.checkpoint")
    state = json.loads(checkpoint.read_text())
    state["documents"] += 700
    checkpoint.write_text(json.dumps(state))


def _checkpoint_text(text: str, name: str = ""):
    def damage(out: Path) -> None:
        Path(f"{out}.checkpoint").write_text(text)

    damage.__name__ = f"checkpoint={name or text}"
    return damage


def _checkpoint_field(key: str, value: str):
    def damage(out: Path) -> None:
        checkpoint = Path(f"{out}.checkpoint")
        state = checkpoint.read_text()
        old = json.loads(state)[key]
        checkpoint.write_text(state.replace(f'"{key}": {json.dumps(old)}', f'"{key}": {value}'))

    damage.__name__ = f"{key}={value}"
    return damage


DAMAGES = [
    _truncate_partial,
    _more_documents,
    _checkpoint_text("[]"),
    _checkpoint_text("{}"),
    _checkpoint_text('{"documents": 1}'),
    _checkpoint_text("[" * 100_000, "100000-deep"),
    _checkpoint_field("bytes", '"abc"'),
    _checkpoint_field("bytes", "-5"),
    _checkpoint_field("documents", "1e400"),
]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
def test_a_damaged_checkpoint_is_refused_not_trusted(tmp_path: Path, damage) -> None:
    """The checkpoint and the partial output are checked against each other (in-process)."""
    from normalize.io.checkpoint import CheckpointedFile, ResumeError

    out = tmp_path / "o.jsonl"
    first = CheckpointedFile(str(out), fingerprint="f")
    first.write("".join(f'{{"id": "{i}", "text": "{"x" * 100}"}}\n' for i in range(8)).encode())
    first.commit(8, 0)
    first.close(complete=False)
    damage(out)
    with pytest.raises(ResumeError, match="without --resume"):
        CheckpointedFile(str(out), resume=True, fingerprint="f")


def test_a_truncated_partial_output_is_refused_by_the_cli(tmp_path: Path) -> None:
    argv, _, _, out = _interrupted_run(tmp_path, 3, 8)
    _truncate_partial(out)
    proc = run_cli(*argv, "-o", str(out), "--resume")
    assert proc.returncode == 2
    assert b"without --resume" in proc.stderr and b"Traceback" not in proc.stderr
    assert not out.exists()


def test_two_runs_cannot_write_the_same_output(tmp_path: Path) -> None:
    import fcntl

    corpus = make_corpus(tmp_path, 1)
    out = tmp_path / "o.jsonl"
    partial = Path(f"{out}.partial")
    partial.write_bytes(b'{"id": "written by the other run"}\n')
    with partial.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # what the first run holds while it writes
        proc = run_cli(str(corpus), "-o", str(out), "--jobs", "1", "-q")
    assert proc.returncode == 2
    assert b"another normalize run is writing" in proc.stderr
    assert partial.read_bytes() == b'{"id": "written by the other run"}\n'
    assert not out.exists()


def test_an_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 1)
    before = corpus.read_bytes()
    proc = run_cli(str(corpus), "-o", str(corpus), "-q")
    assert proc.returncode == 2 and b"choose another -o" in proc.stderr
    assert corpus.read_bytes() == before
    proc = run_cli(str(tmp_path), "--format", "text", "-o", str(tmp_path), "-q")
    assert proc.returncode == 2 and b"choose another -o" in proc.stderr


def test_a_run_never_reads_its_own_output(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    make_corpus(folder, 2)
    out = folder / "out.jsonl"
    counts = []
    for _ in range(2):
        assert run_cli(str(folder), "-o", str(out), "--jobs", "1", "-q").returncode == 1
        counts.append(len(out.read_bytes().splitlines()))
    assert counts == [9, 9]
    out.unlink()
    texts = []
    for jobs in ("1", "2"):
        txt = folder / "txt"
        args = [str(folder), "--format", "text", "-o", str(txt), "--jobs", jobs, "-q"]
        assert run_cli(*args, "--batch-size", "1").returncode == 1
        texts.append(sorted(p.name for p in txt.iterdir()))
        shutil.rmtree(txt)
    assert texts[0] == texts[1] and len(texts[0]) == 8 + 1  # the texts and errors.jsonl


def _limit_file_size(limit: int):
    def preexec() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_full_disk_is_one_clear_message_and_nothing_torn(tmp_path: Path) -> None:
    """Writes past a size fail (as on a full disk): exit 2, a --resume hint, no torn file.

    The limit is per file: 30 kB for the JSONL output; 3 200 bytes for the
    text files, which the first seed's text fits and the second's does not.
    """
    corpus = make_corpus(tmp_path, 6)
    args = [str(corpus), "--jobs", "1", "-q", "--batch-size", "2"]
    for fmt, limit in (("jsonl", 30_000), ("text", 3_200)):
        out = tmp_path / f"out-{fmt}"
        proc = subprocess.run(
            [sys.executable, "-m", "normalize", *args, "--format", fmt, "-o", str(out)],
            cwd=ROOT,
            capture_output=True,
            preexec_fn=_limit_file_size(limit),
            timeout=600,
        )
        err = proc.stderr.decode()
        assert proc.returncode == 2, err
        assert "Traceback" not in err and "--resume" in err and f"cannot write {out}" in err
        if fmt == "text":
            whole = tmp_path / "whole-text"
            assert run_cli(*args, "--format", "text", "-o", str(whole)).returncode == 1
            written = [p for p in out.iterdir() if p.suffix == ".txt"]
            assert written, "some texts fit before the disk was full"
            for p in written:  # every text file there is whole
                assert p.read_bytes() == (whole / p.name).read_bytes()
            assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_full_standard_output_is_one_clear_message(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 1)
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "normalize", str(corpus), "--jobs", "1", "-q"],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=600,
        )
    assert proc.returncode == 2
    assert b"cannot write the records to standard output" in proc.stderr
    assert b"Traceback" not in proc.stderr


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _start_and_wait_for_work(args: list[str], out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "normalize", *args, "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    checkpoint = Path(f"{out}.checkpoint")
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail("the run finished before it could be interrupted; make the corpus larger")
    return proc


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, 600)
    proc = _start_and_wait_for_work(
        [str(corpus), "--jobs", "2", "--batch-size", "2", "-q"], tmp_path / "o.jsonl"
    )
    workers = [c for c in _children(proc.pid) if _alive(c)]
    assert workers, "the run has no worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them running if the test fails
        os.kill(w, signal.SIGKILL)
    assert not left, "workers outlived their parent"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_an_interrupted_run_says_how_to_resume(tmp_path: Path, signum: int) -> None:
    # Long enough (about a minute of work) that the signal always comes mid-run, even when a
    # loaded machine leaves this process waiting between its look at the checkpoint and the kill.
    corpus = make_corpus(tmp_path, 600)
    out = tmp_path / "o.jsonl"
    proc = _start_and_wait_for_work([str(corpus), "--jobs", "2", "--batch-size", "2", "-q"], out)
    os.kill(proc.pid, signum)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()  # a hung run must not outlive the test
        proc.communicate()
        pytest.fail(f"the run did not exit within 60 s of {signal.Signals(signum).name}")
    text = err.decode()
    assert proc.returncode == 128 + signum, text
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1 and "--resume" in text, text
    assert Path(f"{out}.checkpoint").exists()


def _stuck_in_c(real):
    """``real``, where the document whose text says "hang" spends minutes in one C call."""

    def stuck(text, *args, **kwargs):
        if "hang" in text:
            sum(range(10**13))  # one C call: no signal handler runs until it returns
        return real(text, *args, **kwargs)

    return stuck


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("phase", ["decode", "segment"])
def test_a_document_stuck_in_a_c_call_gets_a_timeout_record(
    monkeypatch, jobs: int, phase: str
) -> None:
    """SIGALRM cannot interrupt a C call: the hard limit ends the worker, the run goes on.

    In either phase of a document: decode (read → canonical) and segment
    (boilerplate → segment, after the batch's evidence pass).
    """
    from normalize import decode, segment
    from normalize.config import Config, RunConfig
    from normalize.document import RawDocument
    from normalize.engines import local

    module, name = (
        (decode, "repair_and_explain") if phase == "decode" else (segment, "segment_languages")
    )
    monkeypatch.setattr(module, name, _stuck_in_c(getattr(module, name)))  # forked workers
    raws = [
        RawDocument(id=name, source=name, data=f"Document {name}.")
        for name in ["a", "hang", "b", "c", "d"]  # only one text holds "hang"
    ]
    run = RunConfig(jobs=jobs, batch_size=3, pipeline=Config(max_seconds=1))
    started = time.monotonic()
    records = [r for _, batch in local.run_records(raws, run) for r in batch]
    assert time.monotonic() - started < 120
    assert [r.id for r in records] == [r.id for r in raws]
    assert {r.id: r.error_codes for r in records} == {
        "a": (),
        "hang": ("timeout",),
        "b": (),  # in the batch of 'hang': only that document is lost
        "c": (),
        "d": (),
    }
    assert "--max-seconds" in records[1].errors[0]


def _thresholds_in_worker(batch, config, progress=None):
    import gc

    return [gc.get_threshold() for _ in batch]


def test_workers_collect_garbage_in_bigger_steps() -> None:
    """Workers run with WORKER_GC_THRESHOLDS; the process that started them keeps its own."""
    import gc

    from normalize.config import RunConfig
    from normalize.document import RawDocument
    from normalize.engines import local

    raws = [RawDocument(id=str(i), source="x", data="Some text.") for i in range(4)]
    before = gc.get_threshold()
    results = [
        t
        for _, batch in local._run(
            raws,
            RunConfig(jobs=2, batch_size=2),
            _thresholds_in_worker,
            lambda batch, docs: [],
            processes=True,
        )  # fmt: skip
        for t in batch
    ]
    assert results == [local.WORKER_GC_THRESHOLDS] * 4
    assert gc.get_threshold() == before


_STOPPED_POOL: Any = None


def _half_a_result() -> None:
    """In a worker: the start of a result message on the pool's pipe, then nothing."""
    writer = _STOPPED_POOL._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"partial")
    time.sleep(600)


def test_a_worker_killed_while_it_sends_a_result_does_not_hang_the_run() -> None:
    """The pool's manager thread, left reading the rest of a result from a worker
    that ``_stop`` killed, ends (before, it waited forever, and so did Python's exit)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from normalize.engines import local

    global _STOPPED_POOL
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    _STOPPED_POOL = pool
    try:
        pool.submit(_half_a_result)
        time.sleep(1.5)  # the worker has written half a message; the thread reads it
        thread = pool._executor_manager_thread
        assert thread is not None and thread.is_alive()
        local._stop(pool)
        thread.join(timeout=20)
        assert not thread.is_alive(), "the manager thread still waits for the rest of a result"
    finally:
        _STOPPED_POOL = None


def test_jsonl_to_a_text_stream_without_bytes_writes_the_same_lines() -> None:
    """Records are UTF-8 bytes; a text stream with no byte buffer (``io.StringIO``) gets them decoded."""
    import io

    from normalize.document import Document, RawDocument
    from normalize.io.record import OutputRecord
    from normalize.io.writers import JsonlWriter

    doc = Document(id="é\u2028", text="ünï")
    record = OutputRecord.of(doc, RawDocument(id="é", source=None, data="ünï"))
    text, binary = io.StringIO(), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    for stream in (text, binary):
        writer = JsonlWriter("-", stdout=stream)
        writer.write(record)
        writer.close()
    assert text.getvalue().encode("utf-8") == binary.buffer.getvalue() == record.line + b"\n"
    assert json.loads(record.line)["id"] == "é\u2028" and b"\\u2028" in record.line


def _heap_given_back() -> int:
    """MiB given back to the system when 32 blocks of 1 MiB are freed, after glibc's
    dynamic threshold was raised by an 8 MiB block and with a 4 MiB block after them."""
    import ctypes

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    first = libc.malloc(8 << 20)
    ctypes.memset(first, 1, 8 << 20)
    libc.free(first)  # glibc would now serve blocks up to 8 MiB from the heap
    blocks = [libc.malloc(1 << 20) for _ in range(32)]
    for block in blocks:
        ctypes.memset(block, 1, 1 << 20)
    after = libc.malloc(4 << 20)
    ctypes.memset(after, 1, 4 << 20)
    before = rss()
    for block in blocks:
        libc.free(block)
    given = (before - rss()) >> 20
    libc.free(after)
    return given


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc's allocator",
)
def test_a_worker_gives_big_blocks_back_to_the_system() -> None:
    """Once its first batch is done, a worker's freed big blocks do not stay in its heap
    (a long run's RSS crept up)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from normalize.config import Config
    from normalize.engines.local import _start_worker, _worker_records

    # A fresh interpreter: a fork of this process would inherit its heap, whose free
    # blocks glibc hands out before it maps new memory, whatever the threshold.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, context, initializer=_start_worker, initargs=(os.getpid(),)
    ) as pool:
        assert pool.submit(_worker_records, [], Config()).result(timeout=60) == []
        assert pool.submit(_heap_given_back).result(timeout=60) >= 30
    with ProcessPoolExecutor(1, context) as pool:  # what glibc does by itself
        assert pool.submit(_heap_given_back).result(timeout=60) < 8


def test_a_line_written_alone_is_checkpointed_as_written_with_its_newline(tmp_path: Path) -> None:
    """``CheckpointedFile.write_line`` (what the JSONL writer uses) leaves the same file
    and checkpoint as ``write`` of the line and its newline."""
    from normalize.io.checkpoint import CheckpointedFile

    outs = []
    for name in ("lines", "whole"):
        f = CheckpointedFile(str(tmp_path / f"{name}.jsonl"), fingerprint="k")
        for line in (b'{"id":"a"}', b'{"id":"\xc3\xa9"}'):
            if name == "lines":
                f.write_line(line)
            else:
                f.write(line + b"\n")
        f.commit(2, 0)
        outs.append((Path(f.partial).read_bytes(), json.loads(Path(f.checkpoint).read_text())))
        f.close()
    assert outs[0] == outs[1]
    assert outs[0][1]["records"] == 2


def test_a_run_fixes_its_allocator_once_its_workers_are_forked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process that runs a run's pool fixes its allocator's thresholds after the
    first submission forked the workers (which keep glibc's own), once; a pool run for
    a caller (``run_batches``) leaves the caller's allocator alone."""
    import multiprocessing

    from normalize.config import RunConfig
    from normalize.document import RawDocument
    from normalize.engines import local

    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert local.fix_run_allocator()
    workers: list[int] = []
    monkeypatch.setattr(
        local, "fix_run_allocator", lambda: workers.append(len(multiprocessing.active_children()))
    )
    raws = [RawDocument(id=str(i), source=None, data=f"Document {i}.") for i in range(5)]
    assert len(list(local.run_records(raws, RunConfig(jobs=1, batch_size=2)))) == 3
    assert workers == [1]
    assert len(list(local.run_batches(raws, RunConfig(jobs=2, batch_size=2)))) == 3
    assert workers == [1]


def test_lines_are_written_where_they_are_whatever_writev_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CheckpointedFile`` writes its pending lines with ``pwritev`` (not joined first):
    the file and its checkpoint hold each line and its newline in order, also when the
    parts take several calls or a call writes less than it was given."""
    import hashlib

    from normalize.io import checkpoint
    from normalize.io.checkpoint import CheckpointedFile

    lines = [b'{"id":"%d","t":"%s"}' % (i, b"\xc3\xa9" * i) for i in range(7)]

    def short(fd: int, parts: list[bytes], offset: int) -> int:
        """Writes the first half of what it is given (at least a byte)."""
        data = b"".join(parts)
        return os.pwrite(fd, data[: max(1, len(data) // 2)], offset)

    outs = []
    for name, how in (("plain", None), ("short", short)):
        with monkeypatch.context() as patch:
            if how is not None:
                patch.setattr(checkpoint.os, "pwritev", how)
                patch.setattr(checkpoint, "IOV_MAX", 3)
            f = CheckpointedFile(str(tmp_path / f"{name}.jsonl"), fingerprint="k")
            for batch in (lines[:2], lines[2:]):
                for line in batch:
                    f.write_line(line)
                f.commit(len(batch), 0)
            outs.append((Path(f.partial).read_bytes(), json.loads(Path(f.checkpoint).read_text())))
            f.close()
    assert outs[0] == outs[1]
    data, state = outs[0]
    assert data == b"".join(line + b"\n" for line in lines)
    assert (state["records"], state["bytes"]) == (7, len(data))
    assert state["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_worker_sends_the_clean_texts_only_when_the_run_writes_them() -> None:
    """Records leave a worker without their clean texts unless the run writes texts
    (``--format text``); every other field, the line among them, is the record's."""
    import dataclasses

    from normalize.config import Config
    from normalize.document import RawDocument
    from normalize.engines.local import _worker_records

    raws = [RawDocument(f"d{i}", None, f"Text number {i}.\u2028") for i in range(3)]
    kept = _worker_records(raws, Config())
    dropped = _worker_records(raws, Config(), texts=False)
    assert [r.text for r in kept] == [f"Text number {i}." for i in range(3)]
    assert dropped == [dataclasses.replace(r, text="") for r in kept]


def test_raw_documents_and_records_cross_to_a_worker_and_back_whole() -> None:
    """Every field of a raw document and of a record survives pickling (their own
    ``__reduce__``, by position): a field added later travels too."""
    import dataclasses
    import pickle

    from normalize.document import ErrorRecord, RawDocument
    from normalize.io.readers import JsonlLine
    from normalize.io.record import OutputRecord

    error = ErrorRecord("read", "bad_json", "x:1: not JSON", "x:1")
    raw = RawDocument("x:1", "site/a", b"\xff<p>", "html", error, {"k": [1]}, "latin-1", (error,))
    record = OutputRecord("x:1", b'{"id":"x:1"}', "text", ("m",), "en", ("nav",), 4, ("c",),
                          (("nfc", 1),), (("ta", "en", 9),))  # fmt: skip
    line = JsonlLine(b'{"id": "a"}', "x:1", "x", "body", "key")
    for item in (raw, record, line):
        values = [getattr(item, f.name) for f in dataclasses.fields(item)]
        assert all(v != f.default for v, f in zip(values, dataclasses.fields(item), strict=True))
        back = pickle.loads(pickle.dumps(item))
        assert type(back) is type(item) and back == item


def test_the_hard_limit_gives_a_documents_phase_one_budget_over_its_calls() -> None:
    """Called again for a document of the same phase, the hard limit arms what is left
    of its CPU budget, not a new one; ``None`` ends the phase and disarms it."""
    import signal

    from normalize.engines.local import _HardLimit

    watch = _HardLimit(100.0, None)
    try:
        watch(0)
        started = time.process_time()
        while time.process_time() - started < 0.2:
            pass
        watch(1)
        assert signal.getitimer(signal.ITIMER_PROF)[0] > 99.9
        watch(0)
        assert 99.0 < signal.getitimer(signal.ITIMER_PROF)[0] < 99.85
        started = time.process_time()
        while time.process_time() - started < 0.2:
            pass
        watch(0)  # the same document again: its phase's timer runs on
        assert 98.8 < signal.getitimer(signal.ITIMER_PROF)[0] < 99.65
        watch(None)
        assert signal.getitimer(signal.ITIMER_PROF)[0] == 0
        watch(0)  # a new phase: the whole budget again
        assert signal.getitimer(signal.ITIMER_PROF)[0] > 99.9
    finally:
        watch(None)
