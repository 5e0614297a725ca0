#!/usr/bin/env python3
"""Speed against the stacks users would build instead, scaling, memory and start-up.

Every contender runs in its own fresh process on ONE core (``taskset -c 0``
where the machine has it) with ``OPENBLAS_NUM_THREADS=1``, and is timed by
its process CPU time (user + system), so that the figures stay comparable
on a machine that other work shares; each is the median of three runs.
normalize is timed as a whole CLI run (start-up, model loading and writing
the records included); the references from their first document on, after
their imports and a warm-up call. Measured in this one run:

- text: MB/s per core of ``normalize --jobs 1`` against the naive stack
  (``ftfy.fix_text`` + NFC per document and ``langid.classify`` per line) on
  the same documents: the seed pages' chrome around varied multilingual
  bodies (target ≥ 3 MB/s and ≥ 3×);
- HTML: pages/s per core of ``normalize --jobs 1`` on the 181 pages of
  ``shared/bench/article-extraction`` against trafilatura + ftfy + langid per
  paragraph and resiliparse (``extract_plain_text``, main content) + ftfy +
  langid per paragraph (target ≥ 2× trafilatura's stack and ≥ resiliparse's);
- both with normalize's core compiled (what an install builds) and, beside
  it, interpreted (``NORMALIZE_PURE_PYTHON=1``): the compiled core's gain;
- the speed-up from 1 to 2 jobs in wall time, with the load average beside
  it (target ≥ 1.8× on a quiet machine), and identical output: medians of
  three runs each, one job and two in turns;
- peak memory (max RSS of the run's largest process, workers included) for
  10,000 documents against 100, medians of three runs (target ≤ 1.2×);
- the text rate again on the 10,000 documents of the scaling runs (one job,
  start-up included once): what a long run gets, measured;
- the text and HTML rates again with normalize's start-up taken off (the
  median CPU of its run on one small file, below), as the references are
  timed and as a long run sees normalize;
- where normalize's CPU goes: each stage's share of an in-process run over
  the same text documents and HTML pages (one worker's work, batches of 256
  as the CLI makes them, the worker's collector thresholds), beside the
  CLI's start-up: what any further speed-up has to cut;
- start-up: the CLI on one small file, CPU and wall time, beside a bare
  ``python -c pass`` and the first run after the tables made from the
  language packs were removed (a fresh install's first run: it builds them,
  see ``LangPacks.cached``) (target ≤ 0.3 s).

normalize's bytecode is compiled first, as an install has it (pip compiles
it; a checkout compiles it on its first run, unless PYTHONDONTWRITEBYTECODE
is set, and then every run compiles normalize's modules anew: 0.05 s more).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
LID = ROOT.parent / "shared" / "bench" / "lid-mixed" / "dev.jsonl"
HTML = ROOT.parent / "shared" / "bench" / "article-extraction" / "html"
DOCS = 10_000
#: Documents of the text-speed corpus (about 2 MB): every contender reads all of them.
TEXT_DOCS = 1_000
RUNS = 3
#: One core and one BLAS thread for every contender.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PIN = ["taskset", "-c", "0"] if shutil.which("taskset") else []


_SENTENCE_END = re.compile(r"(?<=[.!?।۔؟])\s+")


def _sentences(text: str) -> list[str]:
    return [s for line in text.split("\n") for s in _SENTENCE_END.split(line) if len(s) > 20]


def build_corpus(path: Path, n: int) -> int:
    """``n`` documents: a site's chrome around a body of sentences drawn at random.

    Five sites, each with the chrome of one seed page (icon strips, Hindi
    breadcrumbs, share and comment prompts) at the top and the bottom, as
    real sites repeat theirs; bodies are 3-5 paragraphs of 2-4 sentences
    drawn (seeded) alternately from the seed articles and from one of the
    multilingual lid-mixed documents, so that no two bodies are alike. Returns the text size in bytes.
    """
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    seed_paras = [s.split("\n\n") for s in seeds]
    english = [s for paras in seed_paras for para in paras[2:-2] for s in _sentences(para)]
    others: list[list[str]] = []
    if LID.exists():
        for line in LID.open(encoding="utf-8"):
            others.append(_sentences(json.loads(line)["text"]) or english)
    others = others or [english]
    size = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            rng = random.Random(i)
            paras = seed_paras[i % 5 % len(seeds)]
            header = paras[:2] if i % 5 < 4 else ["Home > News > World"]
            footer = paras[-1:]
            # The body mixes English with the languages of one lid-mixed
            # document: a page in one to three languages, as scraped pages are.
            pools = (english, rng.choice(others))
            body = [
                " ".join(rng.choice(pools[k % 2]) for _ in range(rng.randint(2, 4)))
                for k in range(rng.randint(3, 5))
            ]
            text = "\n\n".join([*header, *body, *footer])
            rec = {"id": f"doc{i}", "url": f"https://site{i % 5}.example/{i}", "text": text}
            size += len(text.encode("utf-8"))
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return size


def run_cli(
    inputs: list[Path], out: Path, jobs: int, pure: bool = False
) -> tuple[float, float, int]:
    """CPU seconds (user + system, workers included), wall seconds and peak RSS (KiB,
    largest process) of one ``normalize`` CLI run; pinned to one core when ``jobs`` is 1;
    with the interpreted core (``NORMALIZE_PURE_PYTHON=1``) when ``pure``."""
    argv = [*map(str, inputs), "-o", str(out), "--jobs", str(jobs), "-q"]
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"r = subprocess.run([sys.executable, '-m', 'normalize', *{argv!r}])\n"
        "wall = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(u.ru_utime + u.ru_stime, wall, u.ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    pin = PIN if jobs == 1 else []
    proc = subprocess.run(
        [*pin, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **ONE_THREAD, "NORMALIZE_PURE_PYTHON": "1" if pure else "0"},
    )
    if proc.returncode not in (0, 1):
        sys.exit(f"normalize failed:\n{proc.stderr[-2000:]}")
    cpu, wall, rss = proc.stdout.split()
    return float(cpu), float(wall), int(rss)


def naive_text(corpus: Path) -> tuple[float, int]:
    """ftfy.fix_text + NFC per document and langid.classify per line: CPU seconds, bytes."""
    import ftfy
    import langid

    langid.classify("warm up")
    ftfy.fix_text("warm up")
    done = 0
    started = time.process_time()
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            fixed = unicodedata.normalize("NFC", ftfy.fix_text(text))
            for row in fixed.splitlines():
                if row.strip():
                    langid.classify(row)
            done += len(text.encode("utf-8"))
    return time.process_time() - started, done


def _paragraphs(text: str) -> list[str]:
    return [p for p in unicodedata.normalize("NFC", text).split("\n") if p.strip()]


def trafilatura_stack(folder: Path) -> tuple[float, int]:
    """trafilatura.extract (its defaults) + ftfy + NFC + langid per paragraph."""
    import ftfy
    import langid
    import trafilatura

    pages = sorted(folder.glob("*.html"))
    trafilatura.extract(pages[0].read_bytes())
    langid.classify("warm up")
    started = time.process_time()
    for page in pages:
        text = trafilatura.extract(page.read_bytes()) or ""
        for para in _paragraphs(ftfy.fix_text(text)):
            langid.classify(para)
    return time.process_time() - started, len(pages)


def resiliparse_stack(folder: Path) -> tuple[float, int]:
    """resiliparse's extract_plain_text (main content) + ftfy + NFC + langid per paragraph."""
    import ftfy
    import langid
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    pages = sorted(folder.glob("*.html"))
    langid.classify("warm up")
    started = time.process_time()
    for page in pages:
        data = page.read_bytes()
        text = extract_plain_text(bytes_to_str(data, detect_encoding(data)), main_content=True)
        for para in _paragraphs(ftfy.fix_text(text)):
            langid.classify(para)
    return time.process_time() - started, len(pages)


REFERENCES = {
    "naive": naive_text,
    "trafilatura": trafilatura_stack,
    "resiliparse": resiliparse_stack,
}


def reference(name: str, path: Path) -> tuple[float, int]:
    """Run one reference stack in a fresh pinned process: CPU seconds and units done."""
    proc = subprocess.run(
        [*PIN, sys.executable, __file__, "--reference", name, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **ONE_THREAD},
        check=True,
    )
    seconds, units = proc.stdout.split()
    return float(seconds), int(units)


def stage_seconds(path: Path) -> tuple[float, dict[str, float]]:
    """CPU seconds of an in-process run over ``path`` (a text JSONL file or a folder of
    HTML pages), and of each stage in it: the best of three runs after a warm-up.

    Each step of the pipeline's tables (``pipeline.PREPARE``, ``FINISH``), the
    batch's evidence pass and the writing of the records are timed by wrapping
    them; what is left is the pipeline's own glue.
    """
    import gc

    from normalize import pipeline
    from normalize.config import Config
    from normalize.context import default_context
    from normalize.document import RawDocument
    from normalize.engines.local import WORKER_GC_THRESHOLDS
    from normalize.io.record import json_line

    if path.is_dir():
        raws = [
            RawDocument(id=p.name, source=p.name, data=p.read_bytes(), format="html")
            for p in sorted(path.glob("*.html"))
        ]
    else:
        with path.open(encoding="utf-8") as f:
            raws = [
                RawDocument(id=r["id"], source=r["url"], data=r["text"], format="text")
                for r in map(json.loads, f)
            ]
    spent: dict[str, float] = {}

    def timed(name: str, run: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return run(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - started

        return call

    for table in ("PREPARE", "FINISH"):
        steps = getattr(pipeline, table)
        setattr(
            pipeline,
            table,
            tuple(pipeline.Step(s.name, timed(str(s.name), s.run), s.label, s.when) for s in steps),
        )
    pipeline.gather_evidence = timed("evidence pass", pipeline.gather_evidence)
    write = timed("record JSON", json_line)
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    config, ctx = Config(), default_context()

    def one() -> float:
        spent.clear()
        started = time.process_time()
        for i in range(0, len(raws), 256):
            for doc in pipeline.process_batch(raws[i : i + 256], config, ctx):
                write(doc)
        return time.process_time() - started

    one()
    best, stages = float("inf"), {}
    for _ in range(RUNS):
        total = one()
        if total < best:
            best, stages = total, dict(spent)
    return best, stages


def run_stages(path: Path) -> tuple[float, dict[str, float]]:
    """:func:`stage_seconds` in a fresh pinned process."""
    proc = subprocess.run(
        [*PIN, sys.executable, __file__, "--stages", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **ONE_THREAD},
        check=True,
    )
    total, stages = json.loads(proc.stdout)
    return total, stages


def stage_row(
    kind: str, total: float, stages: dict[str, float], start_up: float
) -> tuple[str, str, str, str]:
    """One row: the in-process seconds and each stage's share, largest first."""
    glue = total - sum(stages.values())
    parts = sorted([*stages.items(), ("glue", glue)], key=lambda kv: -kv[1])
    shares = ", ".join(f"{name} {100 * s / total:.0f}%" for name, s in parts if s / total >= 0.005)
    return (
        f"  {kind} in process, by stage",
        f"{total:.2f} s CPU",
        f"{shares}; CLI start-up {start_up:.2f} s",
        "",
    )


def median_rate(runs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Median, min and max of units per CPU second over ``(seconds, units)`` runs."""
    rates = sorted(units / seconds for seconds, units in runs)
    return statistics.median(rates), rates[0], rates[-1]


def core_build() -> str:
    """Whether normalize's core is compiled where the benchmark runs it (the checkout)."""
    code = "from normalize import compiled; print(compiled.is_compiled(compiled.load('kernels')))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    if proc.stdout.strip() == "True":
        return "compiled"
    return "NOT compiled (python setup.py build_ext --inplace): both rows are interpreted"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    if sys.argv[1:2] == ["--reference"]:
        seconds, units = REFERENCES[sys.argv[2]](Path(sys.argv[3]))
        print(seconds, units)
        return 0
    if sys.argv[1:2] == ["--stages"]:
        print(json.dumps(stage_seconds(Path(sys.argv[2]))))
        return 0
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "normalize")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        rows: list[tuple[str, str, str, str]] = []

        # Text: normalize and the naive stack on the same documents.
        text = tmpdir / "text.jsonl"
        size = build_corpus(text, TEXT_DOCS)
        norm = [run_cli([text], tmpdir / "t.jsonl", 1) for _ in range(RUNS)]
        rate, lo, hi = median_rate([(cpu, size / 1e6) for cpu, _, _ in norm])
        naive, n_lo, n_hi = median_rate(
            [(s, b / 1e6) for s, b in (reference("naive", text) for _ in range(RUNS))]
        )
        rows.append(
            (
                f"text MB/s per core ({TEXT_DOCS:,} docs, {size / 1e6:.1f} MB)",
                f"{rate:.2f} ({lo:.2f}-{hi:.2f})",
                f"naive {naive:.2f} ({n_lo:.2f}-{n_hi:.2f}); {rate / naive:.2f}x",
                ">= 3 MB/s and >= 3x",
            )
        )
        pure = [run_cli([text], tmpdir / "tp.jsonl", 1, pure=True) for _ in range(RUNS)]
        p_rate, p_lo, p_hi = median_rate([(cpu, size / 1e6) for cpu, _, _ in pure])
        rows.append(
            (
                "  the same, core interpreted",
                f"{p_rate:.2f} ({p_lo:.2f}-{p_hi:.2f})",
                f"compiled core {rate / p_rate:.2f}x; naive {p_rate / naive:.2f}x",
                "",
            )
        )

        # HTML: the 181 pages, decompressed once for every contender.
        html = tmpdir / "html"
        html.mkdir()
        for path in sorted(HTML.glob("*.html.gz")):
            (html / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
        pages = len(list(html.iterdir()))
        norm_h = [run_cli([html], tmpdir / "h.jsonl", 1) for _ in range(RUNS)]
        h_rate, h_lo, h_hi = median_rate([(cpu, pages) for cpu, _, _ in norm_h])
        stacks = {}
        for name in ("trafilatura", "resiliparse"):
            stacks[name] = median_rate([reference(name, html) for _ in range(RUNS)])
        traf, resil = stacks["trafilatura"][0], stacks["resiliparse"][0]
        rows.append(
            (
                f"HTML pages/s per core ({pages} pages)",
                f"{h_rate:.1f} ({h_lo:.1f}-{h_hi:.1f})",
                f"trafilatura stack {traf:.1f} ({h_rate / traf:.2f}x), "
                f"resiliparse stack {resil:.1f} ({h_rate / resil:.2f}x)",
                ">= 2x trafilatura's, >= resiliparse's",
            )
        )
        pure_h = [run_cli([html], tmpdir / "hp.jsonl", 1, pure=True) for _ in range(RUNS)]
        ph_rate, ph_lo, ph_hi = median_rate([(cpu, pages) for cpu, _, _ in pure_h])
        rows.append(
            (
                "  the same, core interpreted",
                f"{ph_rate:.1f} ({ph_lo:.1f}-{ph_hi:.1f})",
                f"compiled core {h_rate / ph_rate:.2f}x; trafilatura stack "
                f"{ph_rate / traf:.2f}x, resiliparse stack {ph_rate / resil:.2f}x",
                "",
            )
        )

        # Scaling and memory on 10k documents.
        corpus = tmpdir / "corpus.jsonl"
        big = build_corpus(corpus, DOCS)
        small = tmpdir / "small.jsonl"
        build_corpus(small, 100)
        # One and two jobs in turns, so that a change of load touches both alike.
        load_before = load()
        ones, twos, smalls = [], [], []
        for _ in range(RUNS):
            ones.append(run_cli([corpus], tmpdir / "o1.jsonl", 1))
            twos.append(run_cli([corpus], tmpdir / "o2.jsonl", 2))
        load_after = load()
        for _ in range(RUNS):
            smalls.append(run_cli([small], tmpdir / "o3.jsonl", 1))
        same = (tmpdir / "o1.jsonl").read_bytes() == (tmpdir / "o2.jsonl").read_bytes()
        w1 = statistics.median(w for _, w, _ in ones)
        w2 = statistics.median(w for _, w, _ in twos)
        rows.append(
            (
                f"speed-up 1 -> 2 jobs ({DOCS:,} docs, {big / 1e6:.0f} MB, wall)",
                f"{w1 / w2:.2f}x",
                f"{w1:.1f} s -> {w2:.1f} s (runs "
                + ", ".join(f"{a[1]:.1f}/{b[1]:.1f}" for a, b in zip(ones, twos, strict=True))
                + f"); load avg {load_before} / {load_after}",
                ">= 1.8x (quiet machine)",
            )
        )
        rows.append(("output identical for 1 and 2 jobs", str(same), "", "True"))
        # The one-job runs of the 10,000 documents timed as the 1,000 are (start-up
        # included, once): the rate a long run gets, measured rather than derived.
        long_rate = statistics.median(big / 1e6 / cpu for cpu, _, _ in ones)
        at = next(i for i, row in enumerate(rows) if row[0].startswith("text MB/s")) + 1
        rows.insert(
            at,
            (
                f"  text MB/s, {DOCS:,} docs ({big / 1e6:.0f} MB) in one run",
                f"{long_rate:.2f}",
                f"start-up included once; naive {long_rate / naive:.2f}x",
                "",
            ),
        )
        rss_big = statistics.median(r for _, _, r in ones)
        rss_small = statistics.median(r for _, _, r in smalls)
        rows.append(
            (
                "peak RSS, 10k docs / 100 docs",
                f"{rss_big / rss_small:.2f}x",
                f"{rss_big / 1024:.0f} MiB / {rss_small / 1024:.0f} MiB (runs "
                + ", ".join(f"{r / 1024:.0f}" for _, _, r in ones)
                + " / "
                + ", ".join(f"{r / 1024:.0f}" for _, _, r in smalls)
                + ")",
                "<= 1.2x",
            )
        )

        # Start-up: one small file.
        one = tmpdir / "one.txt"
        one.write_text("Hello, world. Bonjour le monde.\n", encoding="utf-8")
        for kept in (ROOT / "normalize" / "__pycache__").glob("langpacks.*.pickle"):
            kept.unlink()
        first, _, _ = run_cli([one], tmpdir / "one.jsonl", 1)
        starts = [run_cli([one], tmpdir / "one.jsonl", 1) for _ in range(RUNS)]
        bare = []
        for _ in range(RUNS):
            t = time.perf_counter()
            subprocess.run([*PIN, sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - t)
        cpu_s = statistics.median(c for c, _, _ in starts)
        wall_s = statistics.median(w for _, w, _ in starts)
        rows.append(
            (
                "start-up, CLI on one small file",
                f"{cpu_s:.2f} s CPU",
                f"wall {wall_s:.2f} s; first run (builds the pack tables) {first:.2f} s CPU; "
                f"bare python wall {statistics.median(bare):.2f} s",
                "<= 0.3 s",
            )
        )

        # The references are timed after their imports and a warm-up; normalize
        # with its start-up. The same runs without it (the start-up's median CPU
        # taken off each), as a long run sees them:
        # Then where the CPU goes: each stage's share of an in-process run.
        for name, runs, units, ref, fmt, kind, path in (
            ("text MB/s", norm, size / 1e6, naive, ".2f", "text", text),
            ("HTML pages/s", norm_h, pages, traf, ".1f", "HTML", html),
        ):
            at = next(i for i, row in enumerate(rows) if row[0].startswith(name)) + 1
            total, stages = run_stages(path)
            rows.insert(at, stage_row(kind, total, stages, cpu_s))
            steady = statistics.median(units / (cpu - cpu_s) for cpu, _, _ in runs)
            rows.insert(
                at,
                (
                    f"  {name}, start-up ({cpu_s:.2f} s) taken off",
                    f"{steady:{fmt}}",
                    f"{'naive' if name.startswith('text') else 'trafilatura stack'} "
                    f"{steady / ref:.2f}x",
                    "",
                ),
            )

        width = max(len(r[0]) for r in rows)
        print(f"{'metric':<{width}}  {'measured':>18}  reference (same run)  | target")
        for name, value, ref, target in rows:
            print(f"{name:<{width}}  {value:>18}  {ref}  | {target}")
        print(
            f"(cores: {os.cpu_count()}; load average now {load()}; medians (min-max) of {RUNS} "
            f"fresh processes, each {'pinned to core 0, ' if PIN else ''}OPENBLAS_NUM_THREADS=1, "
            "timed by process CPU; normalize includes its start-up, the references do not; "
            f"core {core_build()})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
