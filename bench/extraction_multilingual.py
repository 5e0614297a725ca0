#!/usr/bin/env python3
"""Multilingual main-text extraction benchmark (``make bench``; issue #12).

Runs on ``../shared/bench/extraction-multilingual`` (503 real pages in 20
languages, snippet ground truth: see that folder's README.md and score.py).
Scoring is the folder's own: whitespace-normalised, case-sensitive substring
search of each ``with`` snippet (TP / FN) and ``without`` snippet (FP) in the
extracted text, counts summed over pages (micro P / R / F1). Prints, from one
run:

* **HTML**: normalize (``normalize_document(page_bytes, format="html")``,
  its ``text``: what a user gets, title included) beside trafilatura's
  default ``extract(page_bytes)``, overall and per language, and "keep
  everything" (all text of the flattened page) as the floor of precision;
* **text mode**: the same pages as plain text, one visible block per line
  (see :func:`flatten`), read by ``normalize_document(flat, format="text")``;
* **speed**: pages per second per core (CPU time) of each contender, each in
  its own fresh process with ``OPENBLAS_NUM_THREADS=1``, pinned to one core
  when the platform allows.

``--split`` adds the two halves of a fixed split of the pages (by the first
byte of sha256 of the page id: even / odd), so that anything learned from
this set is reported on both halves; ``--no-trafilatura`` skips the
reference (for quick runs); ``--only NAME,…`` runs some contenders.

Each row's targets (issue #12) are printed beside it. Output goes to
stdout; this is a script, not library code.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "extraction-multilingual"

#: Targets of issue #12 on this set.
TARGET_RECALL = 0.94
TARGET_PRECISION = 0.90
TARGET_TEXT_F1 = 0.85

_WS = re.compile(r"\s+")

#: Elements whose text is never visible (the flattened view leaves them out).
_INVISIBLE = frozenset(
    "script style noscript template head title meta link svg math iframe object embed "
    "select option textarea button canvas video audio map datalist".split()
)
#: Elements that start a new line in the flattened view (HTML's block-level
#: elements, table cells and list items): one visible block per line, as a
#: crawler's text dump (e.g. Common Crawl's WET files) has it.
_BLOCK = frozenset(
    "address article aside blockquote body br caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html legend li main "
    "menu nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)


def norm(s: str) -> str:
    return _WS.sub(" ", s).strip()


def half_of(pid: str) -> int:
    """0 or 1: the fixed split of the pages (first byte of sha256 of the id, even / odd)."""
    return hashlib.sha256(pid.encode()).digest()[0] & 1


def load_gold(data: Path = DATA) -> list[dict]:
    """The ground truth, sorted by page id."""
    gold = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return sorted(gold, key=lambda g: g["id"])


def page_bytes(pid: str, data: Path = DATA) -> bytes:
    return gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes())


def count(page: dict, text: str | None) -> tuple[int, int, int]:
    """(tp, fp, fn) of one page, as the folder's score.py counts them."""
    t = norm(text) if isinstance(text, str) else ""
    if not t:
        return 0, 0, len(page["with"])
    tp = sum(norm(s) in t for s in page["with"])
    fp = sum(norm(s) in t for s in page["without"])
    return tp, fp, len(page["with"]) - tp


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return p, r, f


def flatten(raw: bytes) -> str:
    """A page as plain text: the visible text, one block per line.

    lxml's HTML parser (libxml2) reads the bytes as UTF-8 when they are
    valid UTF-8, else in the charset the page declares; invisible elements are dropped, each
    block-level element (:data:`_BLOCK`) starts a line, whitespace within a
    line collapses to one space; no filtering at all. Independent of
    normalize's own HTML reader, so the text-mode row does not move when
    that reader changes.
    """
    import lxml.etree
    import lxml.html

    try:
        raw.decode("utf-8")
        parser = lxml.html.HTMLParser(encoding="utf-8")
    except UnicodeDecodeError:
        parser = None  # libxml2 reads the page's declared charset (else latin-1)
    try:
        root = lxml.html.document_fromstring(raw, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return ""
    lxml.etree.strip_elements(root, lxml.etree.Comment, *_INVISIBLE, with_tail=False)
    lines: list[str] = []
    cur: list[str] = []

    def newline() -> None:
        line = norm("".join(cur))
        if line:
            lines.append(line)
        cur.clear()

    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK:
                newline()
            if el.text:
                cur.append(el.text)
        else:
            if tag in _BLOCK:
                newline()
            if el.tail:
                cur.append(el.tail)
    newline()
    return "\n".join(lines)


# Contenders: each runs in its own process (see ``--worker``) -------------------


def _normalize_html(gold: list[dict]) -> Iterator[tuple[str, str]]:
    from normalize import normalize_document

    for g in gold:
        doc = normalize_document(page_bytes(g["id"]), source=g["url"], id=g["id"], format="html")
        yield g["id"], doc.text


def _normalize_text(gold: list[dict]) -> Iterator[tuple[str, str]]:
    from normalize import normalize_document

    for g in gold:
        flat = flatten(page_bytes(g["id"]))
        t0 = time.process_time()
        doc = normalize_document(flat, source=g["url"], id=g["id"], format="text")
        _FLATTEN_EXCLUDED[0] += time.process_time() - t0
        yield g["id"], doc.text


def _trafilatura(gold: list[dict]) -> Iterator[tuple[str, str]]:
    import trafilatura

    for g in gold:
        yield g["id"], trafilatura.extract(page_bytes(g["id"])) or ""


def _keep_everything(gold: list[dict]) -> Iterator[tuple[str, str]]:
    for g in gold:
        yield g["id"], flatten(page_bytes(g["id"]))


#: CPU seconds of the text-mode contender without its flattening (the input prep).
_FLATTEN_EXCLUDED = [0.0]

CONTENDERS = {
    "normalize (HTML)": _normalize_html,
    "trafilatura extract()": _trafilatura,
    "keep everything (flattened)": _keep_everything,
    "normalize (text mode)": _normalize_text,
}


def worker(name: str, out: Path) -> None:
    """Run one contender over every page; write its predictions and CPU time to ``out``."""
    gold = load_gold()
    run = CONTENDERS[name]
    # Warm up (lazy imports, tables, stoplists) on the first page, outside the clock.
    for _ in run(gold[:1]):
        pass
    _FLATTEN_EXCLUDED[0] = 0.0
    preds = {}
    t0 = time.process_time()
    for pid, text in run(gold):
        preds[pid] = text
    cpu = time.process_time() - t0
    if name == "normalize (text mode)":
        cpu = _FLATTEN_EXCLUDED[0]
    out.write_text(json.dumps({"cpu": cpu, "preds": preds}, ensure_ascii=False), encoding="utf-8")


def run_worker(name: str) -> tuple[dict[str, str], float]:
    """Predictions and CPU seconds of one contender, from a fresh process on one core."""
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, str(out)]
        try:
            cpu0 = sorted(os.sched_getaffinity(0))[0]
            cmd = ["taskset", "-c", str(cpu0), *cmd]
        except (AttributeError, IndexError):
            pass
        subprocess.run(cmd, check=True, cwd=ROOT, env=env)
        res = json.loads(out.read_text(encoding="utf-8"))
    return res["preds"], res["cpu"]


# Report ------------------------------------------------------------------------


def totals(gold: Iterable[dict], preds: dict[str, str]) -> dict[str, list[int]]:
    """Counts (tp, fp, fn, pages) overall (key ``all``) and per language."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for g in gold:
        c = count(g, preds.get(g["id"]))
        for key in ("all", g["lang"]):
            row = out[key]
            for i in range(3):
                row[i] += c[i]
            row[3] += 1
    return out


def lang_order(gold: list[dict]) -> list[str]:
    n = Counter(g["lang"] for g in gold)
    return [lang for lang, _ in sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))]


def report(
    results: dict[str, tuple[dict[str, str], float]], gold: list[dict], split: bool
) -> list[str]:
    """Print the tables; return the targets missed."""
    missed: list[str] = []
    halves = [[g for g in gold if half_of(g["id"]) == h] for h in (0, 1)]
    print(
        f"extraction-multilingual: {len(gold)} pages, {sum(len(g['with']) for g in gold)} with / "
        f"{sum(len(g['without']) for g in gold)} without snippets; halves by sha256(id) even/odd: "
        f"{len(halves[0])} / {len(halves[1])} pages"
    )
    head = f"{'extractor':30} {'P':>6} {'R':>6} {'F1':>6}"
    if split:
        head += f"   {'P h0':>6} {'R h0':>6} {'F1 h0':>6}   {'P h1':>6} {'R h1':>6} {'F1 h1':>6}"
    print(head + "  pages/s/core")
    scores = {}
    for name, (preds, cpu) in results.items():
        p, r, f = prf(*totals(gold, preds)["all"][:3])
        scores[name] = (p, r, f)
        line = f"{name:30} {p:6.3f} {r:6.3f} {f:6.3f}"
        if split:
            for h in halves:
                hp, hr, hf = prf(*totals(h, preds)["all"][:3])
                line += f"   {hp:6.3f} {hr:6.3f} {hf:6.3f}"
        rate = len(gold) / cpu if cpu > 0 else float("nan")
        print(f"{line}  {rate:8.1f}")
    # Per language, HTML mode: normalize beside trafilatura.
    langs = lang_order(gold)
    names = [
        n
        for n in ("normalize (HTML)", "trafilatura extract()", "normalize (text mode)")
        if n in results
    ]
    per = {n: totals(gold, results[n][0]) for n in names}
    print()
    print(f"{'lang':6} {'pages':>5}" + "".join(f"   {n[:22]:>22}" for n in names))
    print(f"{'':6} {'':>5}" + "".join(f"   {'P':>6} {'R':>6} {'F1':>6}  " for _ in names))
    small = [lang for lang in langs if per[names[0]][lang][3] <= 3]
    for lang in [lang for lang in langs if lang not in small] + ["≤3 pages"]:
        cells = []
        for n in names:
            if lang == "≤3 pages":
                c = [sum(per[n][s][i] for s in small) for i in range(4)]
            else:
                c = per[n][lang]
            p, r, f = prf(*c[:3])
            cells.append(f"   {p:6.3f} {r:6.3f} {f:6.3f}  ")
        pages = (
            sum(per[names[0]][s][3] for s in small)
            if lang == "≤3 pages"
            else per[names[0]][lang][3]
        )
        print(f"{lang:6} {pages:>5}" + "".join(cells))
    print(f"(≤3 pages: {', '.join(small)})")
    print()
    if "normalize (HTML)" in scores:
        p, r, f = scores["normalize (HTML)"]
        checks = [
            (f"recall {r:.3f} ≥ {TARGET_RECALL}", r >= TARGET_RECALL),
            (f"precision {p:.3f} ≥ {TARGET_PRECISION}", p >= TARGET_PRECISION),
        ]
        if "trafilatura extract()" in scores:
            tf = scores["trafilatura extract()"][2]
            checks.append((f"F1 {f:.3f} ≥ trafilatura's {tf:.3f}", f >= tf))
        for what, ok in checks:
            print(f"target (HTML): {what}: {'ok' if ok else 'MISSED'}")
            if not ok:
                missed.append(what)
    if "normalize (text mode)" in scores:
        f = scores["normalize (text mode)"][2]
        ok = f >= TARGET_TEXT_F1
        print(f"target (text mode): F1 {f:.3f} ≥ {TARGET_TEXT_F1}: {'ok' if ok else 'MISSED'}")
        if not ok:
            missed.append(f"text-mode F1 {f:.3f}")
    print(
        "(pages/s/core: CPU time of a fresh process on one core with OPENBLAS_NUM_THREADS=1; "
        "normalize: the whole pipeline, language segments included; text mode: without the "
        "flattening)"
    )
    return missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument(
        "--split", action="store_true", help="also report the two halves (sha256 even/odd)"
    )
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura reference")
    ap.add_argument("--only", help="comma-separated contender names (default: all)")
    ap.add_argument("--worker", nargs=2, metavar=("NAME", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0
    gold = load_gold()
    names = list(CONTENDERS)
    if args.no_trafilatura:
        names.remove("trafilatura extract()")
    if args.only:
        names = [n for n in names if any(o.strip() in n for o in args.only.split(","))]
    results = {name: run_worker(name) for name in names}
    missed = report(results, gold, args.split)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
