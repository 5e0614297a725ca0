"""Article-extraction benchmark for the boilerplate stage (``make bench``).

Runs on ``../shared/bench/article-extraction`` (181 English pages with their
article bodies), scored as its authors do: word 4-gram shingles, per-page
precision and recall, macro means, F1 of the means. Prints one table:

* normalize on the HTML (``html_page`` + ``mark_boilerplate``);
* normalize on *flattened* text: the same pages as one visible block per line
  (our own block extraction joined with "\\n", no structure), read with
  ``text_page``; this is what already-extracted corpora look like;
* keep everything (all blocks of that extraction), C4-style line rules on the
  flattened text, and trafilatura's defaults, measured in the same run;
* pages per second per core (CPU time) for normalize and trafilatura.

The title block is left out of normalize's scored text: the ground truth is
the article body, and the title goes to ``metadata["title"]`` (trafilatura
leaves it out of its text too).

``--halves`` also reports each half of the set under the model trained on the
other half (see ``bench/train_boilerplate.py``), i.e. the cross-validated
figures. Output goes to stdout; this is a script, not library code.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.boilerplate import mark_boilerplate
from normalize.canonical import canonicalize
from normalize.config import BoilerplateConfig
from normalize.document import CONTENT, Page
from normalize.extract.html import html_page
from normalize.extract.text import text_page

DATA = ROOT.parent / "shared" / "bench" / "article-extraction"
TOKEN = re.compile(r"\w+")

TARGETS = {
    "normalize (HTML)": 0.96,
    "normalize (flattened text)": 0.85,
}


def load(data: Path = DATA) -> list[tuple[str, str, str]]:
    """(id, html, gold body) for every page with a non-empty gold body, sorted by id."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for pid in sorted(truth):
        gold = truth[pid].get("articleBody") or ""
        path = data / "html" / f"{pid}.html.gz"
        if not path.exists() or not gold.strip():
            continue
        raw = gzip.decompress(path.read_bytes())
        out.append((pid, decode_html(raw), gold))
    return out


def decode_html(raw: bytes) -> str:
    """UTF-8 if it decodes, else the charset the page declares, else cp1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        m = re.search(rb"charset=[\"']?([\w-]+)", raw[:4096])
        for enc in ([m.group(1).decode("ascii")] if m else []) + ["cp1252"]:
            try:
                return raw.decode(enc, errors="replace")
            except LookupError:
                continue
        return raw.decode("latin-1")


def half_of(pid: str) -> int:
    """0 or 1: a fixed split of the pages for cross-validation (by hash, not order)."""
    return hashlib.sha256(pid.encode()).digest()[0] & 1


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = TOKEN.findall(text)
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def page_scores(pred: str, gold: str) -> tuple[float, float]:
    p, g = shingles(pred), shingles(gold)
    if not p:
        return 0.0, 0.0
    inter = len(p & g)
    return inter / len(p), inter / len(g) if g else 0.0


def macro(pairs: Iterable[tuple[float, float]]) -> tuple[float, float, float]:
    pairs = list(pairs)
    if not pairs:
        return 0.0, 0.0, 0.0
    p = sum(a for a, _ in pairs) / len(pairs)
    r = sum(b for _, b in pairs) / len(pairs)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def body_text(page: Page) -> str:
    """The content blocks of a marked page, title left out, one per line."""
    return "\n".join(
        page.block_text(b)
        for b in page.blocks
        if b.kind == CONTENT and not b.features.get("title_like")
    )


def flatten(page: Page) -> str:
    """A page as already-extracted text: one visible block per line, no structure."""
    return canonicalize("\n".join(page.block_text(b).replace("\n", " ") for b in page.blocks))


def normalize_html(html: str, config: BoilerplateConfig) -> tuple[str, Page]:
    page = html_page(html, canonicalize=canonicalize, config=config)
    return body_text(mark_boilerplate(page, config=config)), page


def normalize_text(flat: str, config: BoilerplateConfig) -> str:
    return body_text(mark_boilerplate(text_page(flat, config=config), config=config))


_C4_BAD = re.compile(r"javascript|cookie|privacy policy|terms of use|lorem ipsum|\{", re.IGNORECASE)


def c4_lines(flat: str) -> str:
    """C4's line rules: keep lines ending in terminal punctuation, 3+ words, no bad words."""
    keep = []
    for line in flat.split("\n"):
        s = line.strip()
        if len(s.split()) >= 3 and s.endswith((".", "!", "?", '"', "”")) and not _C4_BAD.search(s):
            keep.append(s)
    return "\n".join(keep)


def run(selected: set[str] | None = None, *, with_trafilatura: bool = True) -> list[str]:
    """Print the table; return the names of quality targets missed."""
    config = BoilerplateConfig()
    pages = load()
    if selected is not None:
        pages = [p for p in pages if p[0] in selected]
    rows: dict[str, list[tuple[float, float]]] = {}
    halves: dict[str, list[list[tuple[float, float]]]] = {}
    cpu: dict[str, float] = {"normalize (HTML)": 0.0, "trafilatura": 0.0}

    def record(name: str, pid: str, pred: str, gold: str) -> None:
        sc = page_scores(pred, gold)
        rows.setdefault(name, []).append(sc)
        halves.setdefault(name, [[], []])[half_of(pid)].append(sc)

    extract: Callable[..., str | None] | None = None
    if with_trafilatura:
        import trafilatura

        extract = trafilatura.extract
    if pages:  # warm up both (stoplist index, trafilatura's lazy imports) outside the clock
        normalize_html(pages[0][1], config)
        if extract is not None:
            extract(pages[0][1])
    for pid, html, gold in pages:
        t0 = time.process_time()
        pred, page = normalize_html(html, config)
        cpu["normalize (HTML)"] += time.process_time() - t0
        record("normalize (HTML)", pid, pred, gold)
        flat = flatten(page)
        record("normalize (flattened text)", pid, normalize_text(flat, config), gold)
        record("keep everything", pid, flat, gold)
        record("C4 line rules (flattened)", pid, c4_lines(flat), gold)
        if extract is not None:
            t0 = time.process_time()
            out = extract(html) or ""
            cpu["trafilatura"] += time.process_time() - t0
            record("trafilatura defaults", pid, out, gold)
    n = len(pages)
    print(
        f"article-extraction: {n} pages (halves by sha256(id): "
        f"{sum(half_of(p[0]) == 0 for p in pages)} / {sum(half_of(p[0]) == 1 for p in pages)})"
    )
    print(f"{'extractor':30} {'P':>6} {'R':>6} {'F1':>6}   {'F1 h0':>6} {'F1 h1':>6}  target")
    for name, pairs in rows.items():
        p, r, f = macro(pairs)
        h0, h1 = (macro(h)[2] for h in halves[name])
        target = TARGETS.get(name)
        mark = "" if target is None else f"≥ {target:.2f} {'ok' if f >= target else 'MISSED'}"
        print(f"{name:30} {p:6.3f} {r:6.3f} {f:6.3f}   {h0:6.3f} {h1:6.3f}  {mark}")
    print("(F1 h0 / h1: the shipped model, trained on all pages, on each half.)")
    import normalize.boilerplate.weights as weights

    print("cross-validated (bench/train_boilerplate.py --cv; P / R / F1, half not trained on):")
    for line in (weights.__doc__ or "").splitlines():
        if line.strip().startswith(("half", "all pages", "article-extraction", "multilingual")):
            print("  " + line.strip())
    print()
    rate = {k: n / v for k, v in cpu.items() if v > 0}
    for k, v in rate.items():
        print(f"{k:30} {v:8.1f} pages/s per core (CPU time)")
    if "trafilatura" in rate:
        ok = rate["normalize (HTML)"] >= rate["trafilatura"]
        print(f"speed target: normalize ≥ trafilatura: {'ok' if ok else 'MISSED'}")
    return [name for name, target in TARGETS.items() if macro(rows[name])[2] < target]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura rows")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 2
    missed = run(with_trafilatura=not args.no_trafilatura)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
