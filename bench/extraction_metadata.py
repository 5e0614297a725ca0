"""Metadata benchmark (``make bench``): title, date and author against trafilatura.

On the 181 pages of ``../shared/bench/article-extraction`` and the pages of
``../shared/bench/extraction-multilingual``, counts the pages on which
normalize (``html_page``'s metadata, the same as a record's) and trafilatura
(``bare_extraction(..., with_metadata=True)``, its defaults) find a title, a
date and an author, in the same run; and where both find one, how often they
agree (dates equal; titles equal after case-folding and keeping only letters
and digits; for titles also one containing the other, since trafilatura
keeps the site name that normalize removes). Each extractor is given the page's URL when the set has one.
No set has metadata ground truth: agreement with the reference is what is
measured, not correctness. Also prints the CPU time per page of each
extractor's whole run over the page (normalize: parse, blocks and metadata;
trafilatura: extraction with metadata).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.article_extraction import decode_html
from normalize.canonical import canonicalize
from normalize.config import BoilerplateConfig
from normalize.extract.html import html_page

SETS = ROOT.parent / "shared" / "bench"
FIELDS = ("title", "date", "author")


def pages() -> dict[str, list[tuple[str, str, str | None]]]:
    """(id, html, url or None) per set, sorted by id."""
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    zyte = SETS / "article-extraction"
    truth = json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8"))
    out["zyte (181 en)"] = [
        (pid, decode_html(gzip.decompress((zyte / "html" / f"{pid}.html.gz").read_bytes())),
        truth[pid].get("url"))
        for pid in sorted(truth)
        if (zyte / "html" / f"{pid}.html.gz").exists()
    ]  # fmt: skip
    multi = SETS / "extraction-multilingual"
    entries = json.loads((multi / "ground-truth.json").read_text(encoding="utf-8"))
    out["multilingual"] = [
        (e["id"], decode_html(gzip.decompress((multi / "html" / f"{e['id']}.html.gz").read_bytes())),
         e["url"] if str(e.get("url", "")).startswith("http") else None)
        for e in sorted(entries, key=lambda e: e["id"])
    ]  # fmt: skip
    return out


def key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def normalize_meta(html: str, url: str | None) -> dict[str, str]:
    page = html_page(html, canonicalize=canonicalize, config=BoilerplateConfig())
    return {f: str(page.metadata[f]) for f in FIELDS if page.metadata.get(f)}


def trafilatura_meta(html: str, url: str | None) -> dict[str, str]:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {}
    return {f: str(getattr(doc, f)) for f in FIELDS if getattr(doc, f, None)}


def main() -> int:
    import trafilatura

    print(f"trafilatura {trafilatura.__version__}; one core, CPU time")
    sets = pages()
    total = [0, 0.0, 0.0]
    for name, items in sets.items():
        found = {"normalize": dict.fromkeys(FIELDS, 0), "trafilatura": dict.fromkeys(FIELDS, 0)}
        both = dict.fromkeys(FIELDS, 0)
        agree = dict.fromkeys(FIELDS, 0)
        cpu = {"normalize": 0.0, "trafilatura": 0.0}
        contained = 0
        for _pid, html, url in items:
            t0 = time.process_time()
            ours = normalize_meta(html, url)
            t1 = time.process_time()
            theirs = trafilatura_meta(html, url)
            t2 = time.process_time()
            cpu["normalize"] += t1 - t0
            cpu["trafilatura"] += t2 - t1
            for f in FIELDS:
                found["normalize"][f] += f in ours
                found["trafilatura"][f] += f in theirs
                if f in ours and f in theirs:
                    both[f] += 1
                    agree[f] += key(ours[f]) == key(theirs[f])
                    if f == "title":
                        a, b = key(ours[f]), key(theirs[f])
                        contained += bool(a and b and (a in b or b in a))
        n = len(items)
        total[0] += n
        total[1] += cpu["normalize"]
        total[2] += cpu["trafilatura"]
        print(f"\n{name}: {n} pages")
        print(f"{'field':8} {'normalize':>10} {'trafilatura':>12} {'both':>6} {'agree':>14}")
        for f in FIELDS:
            rate = f"{agree[f] / both[f]:.3f}" if both[f] else "-"
            print(
                f"{f:8} {found['normalize'][f]:>10} {found['trafilatura'][f]:>12} "
                f"{both[f]:>6} {agree[f]:>6} ({rate})"
            )
        if both["title"]:
            print(
                f"titles where one contains the other (e.g. without / with the site name): "
                f"{contained} of {both['title']} ({contained / both['title']:.3f})"
            )
        print(
            f"ms per page: normalize {1000 * cpu['normalize'] / n:.1f}, "
            f"trafilatura {1000 * cpu['trafilatura'] / n:.1f}"
        )
    print(
        f"\nall {total[0]} pages, ms per page: normalize {1000 * total[1] / total[0]:.1f}, "
        f"trafilatura {1000 * total[2] / total[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
