#!/usr/bin/env python3
"""Decoding: normalize's bytes-to-text next to charset-normalizer alone.

The cases are those of ``fixtures/encodings.py``: texts in 31 languages
written in each legacy encoding that writes them (ISO-8859-*, Windows code
pages, KOI8, Mac, DOS, EBCDIC, Shift-JIS/CP932, EUC, ISO-2022, GB, Big5,
TIS-620…), UTF-8/16/32 with and without a byte-order mark, and files whose
lines are in different encodings. A decode is exact when the text equals
the original (both in NFC: cp1258 writes Vietnamese decomposed).

- normalize: ``decode_bytes`` (the decode stage; ``--repair`` adds ftfy's
  repair, as the pipeline runs it);
- reference: ``str(charset_normalizer.from_bytes(data).best())``, the
  detector normalize falls back on, alone.

Prints the exact decodes of both per encoding, the totals, the files where
one is exact and the other is not, and the files where normalize warned
that its evidence was weak. Target: normalize exact on at least as many
files as charset-normalizer, and never wrong where charset-normalizer is
right unless it says so.

Usage: ``python bench/decoding.py [--repair] [--verbose]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from charset_normalizer import from_bytes

from fixtures.encodings import Case, cases
from normalize.canonical import CanonicalConfig
from normalize.decode import DecodeError, decode_bytes, repair_and_explain


def _same(text: str | None, expected: str) -> bool:
    if text is None:
        return False
    return unicodedata.normalize("NFC", text) == unicodedata.normalize("NFC", expected)


def detector_alone(case: Case) -> tuple[str | None, str]:
    best = from_bytes(case.data).best()
    return (None, "none") if best is None else (str(best), best.encoding)


def normalize_decode(case: Case, repair: bool) -> tuple[str | None, str, tuple[str, ...]]:
    try:
        decoded = decode_bytes(case.data)
    except DecodeError as exc:
        return None, f"error:{exc.code}", ()
    text = decoded.text
    if repair:
        text = repair_and_explain(text, canonical=CanonicalConfig())[0]
    return text, decoded.encoding, tuple(w.message for w in decoded.warnings)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repair", action="store_true", help="add ftfy's repair to normalize")
    parser.add_argument("--verbose", action="store_true", help="list every file")
    args = parser.parse_args(argv)

    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # files, normalize, detector
    worse: list[str] = []
    better: list[str] = []
    warned_wrong = 0
    warned = 0
    t_norm = t_det = 0.0
    all_cases = list(cases())
    for case in all_cases:
        started = time.process_time()
        n_text, n_enc, warnings = normalize_decode(case, args.repair)
        t_norm += time.process_time() - started
        started = time.process_time()
        d_text, d_enc = detector_alone(case)
        t_det += time.process_time() - started
        n_ok, d_ok = _same(n_text, case.text), _same(d_text, case.text)
        row = rows[case.encoding]
        row[0] += 1
        row[1] += n_ok
        row[2] += d_ok
        weak = any("weak" in w for w in warnings)
        warned += weak
        warned_wrong += weak and not n_ok
        line = f"{case.name}: normalize {n_enc} {'ok' if n_ok else 'WRONG'}"
        line += f"{' (warned)' if weak else ''}; detector {d_enc} {'ok' if d_ok else 'WRONG'}"
        if d_ok and not n_ok:
            worse.append(line)
        elif n_ok and not d_ok:
            better.append(line)
        if args.verbose:
            print(line)

    print(f"{'encoding':<14} {'files':>5} {'normalize':>10} {'charset-normalizer':>19}")
    for enc in sorted(rows):
        files, n_ok, d_ok = rows[enc]
        flag = "  <" if n_ok < d_ok else ("  >" if n_ok > d_ok else "")
        print(f"{enc:<14} {files:>5} {n_ok:>10} {d_ok:>19}{flag}")
    files = len(all_cases)
    n_total = sum(r[1] for r in rows.values())
    d_total = sum(r[2] for r in rows.values())
    print(
        f"{'total':<14} {files:>5} {n_total:>10} {d_total:>19}"
        f"   ({n_total / files:.1%} vs {d_total / files:.1%} exact)"
    )
    print(f"\nnormalize exact where charset-normalizer is not: {len(better)}")
    for line in better:
        print(f"  {line}")
    print(f"charset-normalizer exact where normalize is not: {len(worse)}")
    for line in worse:
        print(f"  {line}")
    print(f"weak-evidence warnings: {warned} files, {warned_wrong} of them wrong")
    print(
        f"CPU time: normalize {t_norm:.2f} s, charset-normalizer {t_det:.2f} s "
        f"({'with' if args.repair else 'without'} repair)"
    )
    print("target: normalize >= charset-normalizer on every encoding")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
