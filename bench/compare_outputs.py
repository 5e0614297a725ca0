#!/usr/bin/env python3
"""Byte-identical output check for behaviour-preserving changes.

A refactoring (or a speed-up) must not change a single byte of output. This
script builds one input corpus, runs the CLI of two trees of the repository
on it with the same settings, and compares every output file byte for byte
(and the exit codes):

    python bench/compare_outputs.py --ref b329c62          # the working tree against a commit
    python bench/compare_outputs.py --ref main --tree ../other-checkout

The corpus (made once, fed to both trees):

- the seed pages (``fixtures/seeds``);
- the 181 English pages of ``shared/bench/article-extraction`` and the 503
  pages of ``shared/bench/extraction-multilingual`` (HTML, gzipped);
- the 300 mixed-language documents of ``shared/bench/lid-mixed`` (JSONL);
- the hostile inputs of ``tests/test_hostile.py`` (binary, truncated UTF-8,
  UTF-16/32 without BOM, 10k-deep HTML, floods of invisibles…).

Runs: the default settings; ``--keep-boilerplate``; ``--format text``; the
seeds from standard input; and, when the toy translation packs can be
installed (the translate extra), ``--translate-to en`` over the Hindi and
seed documents. A ``--quick`` run leaves out the two HTML sets.

Exit status 0 when every output is identical, 1 otherwise (the first
differing record of each file is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"


def build_corpus(dest: Path, quick: bool) -> dict[str, list[str]]:
    """Write the input corpus into ``dest``; return the input paths of each corpus part."""
    parts: dict[str, list[str]] = {}
    seeds = dest / "seeds"
    shutil.copytree(ROOT / "fixtures" / "seeds", seeds)
    parts["seeds"] = [str(seeds)]
    if not quick:
        for name in ("article-extraction", "extraction-multilingual"):
            src = SHARED / name / "html"
            if src.is_dir():
                folder = dest / name
                folder.mkdir()
                for path in sorted(src.glob("*.html.gz")):
                    # Decompressed: the .gz reader is one more path, tested below on a few.
                    (folder / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
                parts[name] = [str(folder)]
        gz = dest / "gzipped"
        gz.mkdir()
        for path in sorted((SHARED / "article-extraction" / "html").glob("*.html.gz"))[:5]:
            shutil.copy(path, gz / path.name)
        parts["gzipped"] = [str(gz)]
    lid = SHARED / "lid-mixed" / "dev.jsonl"
    if lid.exists():
        shutil.copy(lid, dest / "lid-mixed.jsonl")
        parts["lid-mixed"] = [str(dest / "lid-mixed.jsonl")]
    hostile = dest / "hostile"
    hostile.mkdir()
    sys.path.insert(0, str(ROOT))
    try:
        from tests.test_hostile import CASES
    finally:
        sys.path.pop(0)
    for name, (data, _) in CASES.items():
        (hostile / name).write_bytes(data)
    (hostile / "broken.jsonl").write_text(
        '{"id": "ok1", "text": "fine"}\n{"id": "x", "text": \n{"id": "n", "text": null}\n'
        '{"id": "l", "text": ["list"]}\n[1, 2]\n{"id": "ok2", "text": "also fine"}\n',
        encoding="utf-8",
    )
    parts["hostile"] = [str(hostile)]
    return parts


def _env(tree: Path, packs: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NORMALIZE_LANG_PACKS",)}
    env["PYTHONPATH"] = str(tree)
    env["OPENBLAS_NUM_THREADS"] = "1"
    if packs is not None:
        env["NORMALIZE_PACKS_DIR"] = str(packs)
    return env


def _cli(
    tree: Path, args: list[str], env: dict[str, str], stdin: bytes | None = None
) -> tuple[int, bytes]:
    """Run ``tree``'s CLI; return its exit status and what it wrote to standard output."""
    proc = subprocess.run(
        [sys.executable, "-m", "normalize", *args],
        cwd=tree,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=3600,
    )
    return proc.returncode, proc.stdout


def run_tree(tree: Path, corpus: dict[str, list[str]], out: Path, jobs: int) -> dict[str, int]:
    """Run every configuration with ``tree``'s CLI; outputs go to ``out``; returns exit codes."""
    out.mkdir(parents=True)
    env = _env(tree, None)
    codes: dict[str, int] = {}
    every = [p for paths in corpus.values() for p in paths]
    runs = {
        "default": ([*every], []),
        "keep-boilerplate": ([*every], ["--keep-boilerplate"]),
        "uncurl-batch16": (
            corpus["seeds"] + corpus.get("lid-mixed", []),
            ["--uncurl-quotes", "--batch-size", "16"],
        ),
    }
    for name, (inputs, flags) in runs.items():
        codes[name] = _cli(
            tree,
            [*inputs, "-o", str(out / f"{name}.jsonl"), "--jobs", str(jobs), "--quiet", *flags],
            env,
        )[0]
    codes["text-format"] = _cli(
        tree,
        [
            *corpus["seeds"],
            *corpus["hostile"],
            "--format",
            "text",
            "-o",
            str(out / "text"),
            "--quiet",
            "--jobs",
            str(jobs),
        ],
        env,
    )[0]
    seed = sorted(Path(corpus["seeds"][0]).glob("*.txt"))[0].read_bytes()
    code, stdout = _cli(tree, ["-", "--quiet", "--jobs", "1"], env, stdin=seed)
    (out / "stdin.jsonl").write_bytes(stdout)
    codes["stdin"] = code
    packs_src = ROOT / "fixtures" / "packs"
    try:
        import argostranslate  # noqa: F401
    except ImportError:
        return codes
    # One path for both trees: the missing-pack warnings name the folder.
    packs = out.parent / "packs"
    shutil.rmtree(packs, ignore_errors=True)
    penv = _env(tree, packs)
    for pack in sorted(packs_src.glob("*.argosmodel")):
        subprocess.run(
            [sys.executable, "-m", "normalize", "packs", "install", str(pack)],
            cwd=tree,
            env=penv,
            check=True,
            capture_output=True,
        )
    inputs = corpus["seeds"] + corpus.get("lid-mixed", [])
    codes["translate"] = _cli(
        tree,
        [
            *inputs,
            "-o",
            str(out / "translate.jsonl"),
            "--translate-to",
            "en",
            "--quiet",
            "--jobs",
            str(jobs),
        ],
        penv,
    )[0]
    return codes


def _first_difference(a: Path, b: Path) -> str:
    la = a.read_bytes().splitlines()
    lb = b.read_bytes().splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            try:
                rid = json.loads(x).get("id")
            except ValueError:
                rid = None
            return f"line {i + 1} (id {rid!r}) differs:\n  ref: {x[:300]!r}\n  new: {y[:300]!r}"
    return f"{len(la)} lines against {len(lb)}"


def compare(ref: Path, new: Path) -> list[str]:
    """The differences between two output folders, one message each."""
    problems = []
    cmp = filecmp.dircmp(ref, new)
    stack = [(cmp, Path())]
    while stack:
        d, rel = stack.pop()
        for name in d.left_only:
            problems.append(f"{rel / name}: only in the reference output")
        for name in d.right_only:
            problems.append(f"{rel / name}: only in the new output")
        for name in d.common_files:
            if (ref / rel / name).read_bytes() != (new / rel / name).read_bytes():
                problems.append(
                    f"{rel / name}: {_first_difference(ref / rel / name, new / rel / name)}"
                )
        stack.extend((sub, rel / name) for name, sub in d.subdirs.items())
    return problems


#: The signals that end a run through its cleanup (:func:`main`).
_ENDING = (signal.SIGTERM, signal.SIGHUP)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """In the block, the signals of :data:`_ENDING` wait (blocked, then delivered)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ref", default="HEAD", help="git revision to compare against (default HEAD)"
    )
    parser.add_argument("--tree", default=str(ROOT), help="the tree under test (default: this one)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="leave out the two HTML sets")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    # Ended by a signal (a timeout's SIGTERM, a closed terminal), the run
    # still goes through ``finally``: the reference tree's worktree would
    # otherwise stay registered, and the next run's ``worktree add`` of it fail.
    for sig in _ENDING:
        signal.signal(sig, _exit_on_signal)
    work = Path(tempfile.mkdtemp(prefix="normalize-compare-"))
    ref_tree = work / "ref-tree"
    try:
        # Held while git adds the worktree: killed halfway, ``worktree add``
        # leaves a locked worktree, and the checkout it started writing into it
        # after the cleanup. A signal that came meanwhile ends the run after.
        with _signals_held():
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(ROOT),
                    "worktree",
                    "add",
                    "--detach",
                    "-q",
                    str(ref_tree),
                    args.ref,
                ],
                check=True,
            )
        corpus = build_corpus(work / "corpus", args.quick)
        print(f"corpus: {', '.join(corpus)}", file=sys.stderr)
        ref_codes = run_tree(ref_tree, corpus, work / "ref", args.jobs)
        new_codes = run_tree(Path(args.tree).resolve(), corpus, work / "new", args.jobs)
        problems = compare(work / "ref", work / "new")
        for name in sorted(set(ref_codes) | set(new_codes)):
            if ref_codes.get(name) != new_codes.get(name):
                problems.append(f"{name}: exit {ref_codes.get(name)} against {new_codes.get(name)}")
        files = sum(1 for p in (work / "ref").rglob("*") if p.is_file())
        if problems:
            print(f"DIFFERENT from {args.ref}: {len(problems)} problem(s)")
            for p in problems:
                print(f"- {p}")
            return 1
        print(f"identical to {args.ref}: {files} output files, exit codes {ref_codes}")
        return 0
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref_tree)],
            check=False,
            capture_output=True,
        )
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
