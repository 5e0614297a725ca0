"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.conftest import ROOT, SEEDS, run_cli


def records(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def test_seeds_folder_to_file(tmp_path: Path) -> None:
    out = tmp_path / "seeds.jsonl"
    proc = run_cli(str(SEEDS), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""  # records went to the file, nothing else on stdout
    recs = records(out.read_bytes())
    assert [Path(r["id"]).name for r in recs] == sorted(p.name for p in SEEDS.iterdir())
    for rec in recs:
        assert rec["errors"] == []
        assert "\u00a0" not in rec["text"]
        full = "".join(s["text"] for s in rec["segments"])
        assert all(line in full for line in rec["text"].splitlines())
    # Nothing else is left behind: no OUT.partial, OUT.checkpoint or temporary file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seeds.jsonl"]


def test_stdin_text_to_stdout() -> None:
    proc = run_cli("-", input="Hello\u00a0world\r\n".encode())
    assert proc.returncode == 0, proc.stderr.decode()
    (rec,) = records(proc.stdout)
    assert rec["text"] == "Hello world"
    assert rec["id"] == "-"


def test_jsonl_with_broken_line_gives_error_record_and_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "First document."}\n'
        "{not json\n"
        '{"id": "c", "text": 42}\n'
        '{"id": "d", "text": "Last one."}\n',
        encoding="utf-8",
    )
    proc = run_cli(str(src))
    assert proc.returncode == 1
    recs = records(proc.stdout)
    assert [r["id"] for r in recs] == ["a", f"{src}:2", "c", "d"]
    assert [r["errors"][0]["code"] if r["errors"] else None for r in recs] == [
        None,
        "bad_json",
        "bad_field",
        None,
    ]
    assert "in.jsonl:2" in proc.stderr.decode()


def test_custom_text_field_and_gzip(tmp_path: Path) -> None:
    src = tmp_path / "docs.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": 7, "body": "Gzipped\u200b text."}) + "\n")
    proc = run_cli(str(src), "--text-field", "body")
    assert proc.returncode == 0, proc.stderr.decode()
    (rec,) = records(proc.stdout)
    assert (rec["id"], rec["text"]) == ("7", "Gzipped text.")


def test_html_file(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(
        '<html lang="ru"><head><meta charset="windows-1251"><title>Новости</title></head>'
        "<body><p>Правительство объявило о новых мерах поддержки экономики.</p></body></html>".encode(
            "cp1251"
        )
    )
    proc = run_cli(str(page))
    assert proc.returncode == 0, proc.stderr.decode()
    (rec,) = records(proc.stdout)
    assert "Правительство объявило" in rec["text"]
    assert "<p>" not in rec["text"]
    assert rec["metadata"]["format"] == "html"


def test_missing_input_is_an_error_record(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "nope.txt"))
    assert proc.returncode == 1
    (rec,) = records(proc.stdout)
    assert rec["errors"][0]["code"] == "not_found"


def test_binary_file_is_an_error_record_and_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "b.txt").write_text("fine text", encoding="utf-8")
    proc = run_cli(str(tmp_path))
    assert proc.returncode == 1
    recs = records(proc.stdout)
    assert [r["errors"][0]["code"] if r["errors"] else None for r in recs] == ["binary", None]
    assert recs[1]["text"] == "fine text"


def test_too_large_document(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000, encoding="utf-8")
    proc = run_cli(str(tmp_path / "big.txt"), "--max-bytes", "1000")
    assert proc.returncode == 1
    (rec,) = records(proc.stdout)
    assert rec["errors"][0]["code"] == "too_large"
    assert "--max-bytes" in rec["errors"][0]["message"]


def test_text_format_writes_one_file_per_document(tmp_path: Path) -> None:
    out = tmp_path / "txt"
    proc = run_cli(str(SEEDS), "--format", "text", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    files = sorted(out.glob("*.txt"))
    assert len(files) == len(list(SEEDS.iterdir()))
    assert all(f.read_text(encoding="utf-8").strip() for f in files)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("--no-such-flag", "x").returncode == 2
    assert run_cli(str(SEEDS), "--format", "text").returncode == 2  # needs -o FOLDER


def test_subcommands_and_the_default_run(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    assert run_cli("run", str(SEEDS), "-o", str(out), "-q").returncode == 0
    assert len(records(out.read_bytes())) == len(list(SEEDS.iterdir()))
    top = run_cli("--help")
    assert top.returncode == 0 and all(c in top.stdout.decode() for c in ("run", "packs", "report"))
    assert run_cli("run", "--help").returncode == 0
    assert run_cli("run").returncode == 2  # no input


def test_a_path_named_like_a_subcommand_does_not_hijack_it(tmp_path: Path) -> None:
    """The subcommand is chosen by the command line's shape, never by the files in the cwd."""
    env = {"PYTHONPATH": str(ROOT)}
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "page.txt").write_text("A page in a folder named report.", "utf-8")
    (tmp_path / "packs").mkdir()
    out = tmp_path / "run.jsonl"
    assert run_cli(str(SEEDS), "-o", str(out), "-q", cwd=tmp_path, env=env).returncode == 0

    proc = run_cli("report", "run.jsonl", "-o", "review.html", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert (tmp_path / "review.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    proc = run_cli("packs", "list", cwd=tmp_path, env={**env, "NORMALIZE_PACKS_DIR": "p"})
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""  # a listing (of no pack), not records of the folder "packs"

    proc = run_cli("run", "report", cwd=tmp_path, env=env)  # reads the folder named report
    assert proc.returncode == 0, proc.stderr.decode()
    (rec,) = records(proc.stdout)
    assert rec["text"] == "A page in a folder named report."


#: The command as the console script runs it, with an exit handler and, when
#: asked, a thread still running at the end: each prints when it runs.
_COMMAND = """
import atexit, sys, threading, time
from normalize.cli import command
atexit.register(lambda: print("exit handler ran", flush=True))
if sys.argv[1] == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread ran", flush=True))).start()
sys.argv = ["normalize", *sys.argv[2:]]
command()
"""


def test_the_command_ends_as_the_interpreter_would(tmp_path: Path) -> None:
    # command() skips the interpreter's teardown: exit handlers still run, a
    # running thread is still waited for, the status is main's.
    import subprocess
    import sys

    source = tmp_path / "in.txt"
    source.write_text("Hello world\n", encoding="utf-8")
    for thread in ("none", "thread"):
        for args, status in (([str(source)], 0), ([str(tmp_path / "missing.txt")], 1)):
            proc = subprocess.run(
                [sys.executable, "-c", _COMMAND, thread, *args, "-o", str(tmp_path / "o.jsonl")],
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert proc.returncode == status, proc.stderr
            expected = ["thread ran"] if thread == "thread" else []
            assert proc.stdout.splitlines() == [*expected, "exit handler ran"]
