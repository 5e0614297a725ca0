#!/usr/bin/env python3
"""``make bench``: every benchmark, one after the other, each printing its figures next to
their references (measured in the same run) and targets.

Run one with ``python bench/run.py NAME`` (names: decoding, throughput, lid_mixed,
article_extraction, extraction_multilingual, extraction_metadata, translate).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "corpus_io": "corpus_io.py",
    "decoding": "decoding.py",
    "lid_mixed": "lid_mixed.py",
    "article_extraction": "article_extraction.py",
    "extraction_multilingual": "extraction_multilingual.py --split",
    "extraction_metadata": "extraction_metadata.py",
    "translate": "translate_bench.py",
    "throughput": "throughput.py",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    failed = []
    for name in names:
        script, *args = BENCHES[name].split()
        print(f"\n=== {name} ({BENCHES[name]}) ===", flush=True)
        started = time.perf_counter()
        status = subprocess.call([sys.executable, str(HERE / script), *args], cwd=HERE.parent)
        print(f"--- {name}: exit {status}, {time.perf_counter() - started:.0f} s", flush=True)
        if status:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
