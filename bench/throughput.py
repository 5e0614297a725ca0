#!/usr/bin/env python3
"""Throughput, scaling and memory of a whole run (issue: throughput and scale-out).

Builds a corpus of at least 20 MB from the fixtures (the seed pages: English
news with Hindi chrome) and the multilingual documents of the lid-mixed
development set (Arabic-script, Cyrillic, Devanagari, Latin…), mixed so that
documents share chrome but not bodies. Then measures, in this one run:

- MB/s per core of ``normalize`` (CLI, one job, no translation);
- MB/s of the naive stack on the same documents: ``ftfy.fix_text`` + NFC on
  each document and ``langid.classify`` on each line, as it runs by default
  (numpy's default BLAS threading) and, for reference, with one BLAS thread
  (median and range of three fresh processes: it varies a lot);
- their ratio (target ≥ 10×);
- the speed-up from 1 to 2 jobs (target ≥ 1.8×);
- peak memory (max RSS of the run, workers included) for 10k documents
  against 100 documents (target ≤ 1.2×).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
LID = ROOT.parent / "shared" / "bench" / "lid-mixed" / "dev.jsonl"
DOCS = 10_000


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


def run_cli(corpus: Path, out: Path, jobs: int) -> tuple[float, int]:
    """Wall time and peak RSS (KiB, largest process of the run) of one CLI run."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"r = subprocess.run([sys.executable, '-m', 'normalize', {str(corpus)!r}, '-o', {str(out)!r},"
        f" '--jobs', '{jobs}', '-q'])\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1):
        sys.exit(f"normalize failed:\n{proc.stderr[-2000:]}")
    seconds, rss = proc.stdout.split()
    return float(seconds), int(rss)


def naive_rate(corpus: Path, budget_bytes: int) -> float:
    """MB/s of ftfy.fix_text + NFC per document and langid.classify per line."""
    import ftfy
    import langid

    langid.classify("warm up")
    done = 0
    started = time.perf_counter()
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            fixed = unicodedata.normalize("NFC", ftfy.fix_text(text))
            for row in fixed.splitlines():
                if row.strip():
                    langid.classify(row)
            done += len(text.encode("utf-8"))
            if done >= budget_bytes:
                break
    return done / 1e6 / (time.perf_counter() - started)


#: Runs of the naive stack per setting: its speed moves a lot from run to run
#: (numpy's BLAS threads wake up for every line), so the median is reported
#: with the range.
NAIVE_RUNS = 3


def naive_in_subprocess(corpus: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """The naive stack's MB/s (median, min, max of fresh processes: BLAS threads are
    fixed at numpy's import)."""
    rates = []
    for _ in range(NAIVE_RUNS):
        proc = subprocess.run(
            [sys.executable, __file__, "--naive", str(corpus)],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=True,
        )
        rates.append(float(proc.stdout))
    rates.sort()
    return rates[len(rates) // 2], rates[0], rates[-1]


def main() -> int:
    if sys.argv[1:2] == ["--naive"]:
        print(naive_rate(Path(sys.argv[2]), 2_000_000))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        corpus = tmpdir / "corpus.jsonl"
        size = build_corpus(corpus, DOCS)
        small = tmpdir / "small.jsonl"
        small_size = build_corpus(small, 100)
        print(
            f"corpus: {DOCS:,} documents, {size / 1e6:.1f} MB of text "
            "(seed pages with their chrome + lid-mixed documents)"
        )

        t1, rss_big = run_cli(corpus, tmpdir / "o1.jsonl", 1)
        t2, _ = run_cli(corpus, tmpdir / "o2.jsonl", 2)
        _, rss_small = run_cli(small, tmpdir / "o3.jsonl", 1)
        same = (tmpdir / "o1.jsonl").read_bytes() == (tmpdir / "o2.jsonl").read_bytes()
        rate = size / 1e6 / t1
        naive, naive_lo, naive_hi = naive_in_subprocess(corpus, {})
        naive_1, naive_1_lo, naive_1_hi = naive_in_subprocess(corpus, {"OPENBLAS_NUM_THREADS": "1"})
        del small_size

        rows = [
            (
                "normalize, 1 job (MB/s per core)",
                f"{rate:.2f}",
                f"naive {naive:.3f} ({naive_lo:.2f}-{naive_hi:.2f})",
                "",
            ),
            (
                "speed vs naive stack",
                f"{rate / naive:.1f}x",
                f"{rate / naive_hi:.1f}x-{rate / naive_lo:.1f}x",
                ">= 10x",
            ),
            (
                "speed vs naive, BLAS 1 thread",
                f"{rate / naive_1:.1f}x",
                f"naive {naive_1:.3f} ({naive_1_lo:.2f}-{naive_1_hi:.2f})",
                "",
            ),
            ("speed-up 1 -> 2 jobs", f"{t1 / t2:.2f}x", f"{t1:.1f} s -> {t2:.1f} s", ">= 1.8x"),
            ("output identical for 1 and 2 jobs", str(same), "", "True"),
            (
                "peak RSS, 10k docs / 100 docs",
                f"{rss_big / rss_small:.2f}x",
                f"{rss_big / 1024:.0f} MiB / {rss_small / 1024:.0f} MiB",
                "<= 1.2x",
            ),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"{'metric':<{width}}  {'measured':>10}  {'reference':>30}  target")
        for name, value, ref, target in rows:
            print(f"{name:<{width}}  {value:>10}  {ref:>30}  {target}")
        print(
            f"(cores: {os.cpu_count()}; naive: median (min-max) of {NAIVE_RUNS} fresh processes "
            "on the first 2 MB; peak RSS from getrusage of the run's processes)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
