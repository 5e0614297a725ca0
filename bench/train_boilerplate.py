"""Train the boilerplate model and write ``normalize/boilerplate/weights.py``.

Labels come from the article-extraction set (``../shared/bench/article-extraction``):
a block is content when most of its word 4-grams are in the page's gold body
(blocks under four words: when their words appear in that order in the gold).
Two logistic models are fitted with L2 (Newton steps, numpy), one per input:

* HTML: text features plus structural ones (tags, link density, class/id words,
  the main-content container);
* text: text features only, on the same pages flattened to one block per line.

Each has two stages: the second adds the first stage's verdicts on the
neighbours (chrome and content come in runs). A quarter of the pages are seen
a second time with no stoplist, so that a language without a pack is still
judged sensibly. The set is split in two halves by a hash of the page id;
``--cv`` trains on each half and scores the other (the cross-validated
figures in the report), then the shipped model is trained on all pages.

Run: ``.venv/bin/python bench/train_boilerplate.py [--cv]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import pprint
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import article_extraction as ax

from normalize.boilerplate import features, model
from normalize.canonical import canonicalize
from normalize.config import BoilerplateConfig
from normalize.document import Page
from normalize.extract.html import html_page
from normalize.extract.text import text_page

OUT = ROOT / "normalize" / "boilerplate" / "weights.py"
#: L2 penalty, chosen from {3, 10, 30, 100, 300} by the cross-validated F1 (so the
#: halves have seen this one choice); override with BP_L2 to explore.
L2 = float(os.environ.get("BP_L2", "10"))
CONFIG = BoilerplateConfig()
PAGE_WEIGHT = float(os.environ.get("BP_PAGE_WEIGHT", "100"))


def gold_index(gold: str):
    toks = ax.TOKEN.findall(gold)
    grams = set()
    for n in (1, 2, 3, 4):
        grams.update(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return grams


def label(text: str, grams: set) -> float:
    toks = ax.TOKEN.findall(text)
    if not toks:
        return 0.0
    if len(toks) < 4:
        return 1.0 if tuple(toks) in grams else 0.0
    sh = [tuple(toks[i : i + 4]) for i in range(len(toks) - 3)]
    return 1.0 if sum(s in grams for s in sh) / len(sh) >= 0.5 else 0.0


def page_rows(page: Page, grams: set, drop_stoplist: bool):
    """(feature dicts, labels, weights, trainable mask) of one page."""
    if drop_stoplist:
        page = dataclasses.replace(page, metadata={**page.metadata, "html_lang": "xx"})
        orig = features.guess_stoplist_lang
        features.guess_stoplist_lang = lambda *a, **k: None  # type: ignore[assignment]
        try:
            ev = model._evidence(page, frozenset(), CONFIG)
        finally:
            features.guess_stoplist_lang = orig  # type: ignore[assignment]
    else:
        ev = model._evidence(page, frozenset(), CONFIG)
    ys, ws, mask = [], [], []
    for i, t in enumerate(ev.texts):
        ys.append(label(t, grams))
        ws.append(math.sqrt(1 + len(ax.TOKEN.findall(t))))
        mask.append(i != ev.title_index and not ev.forced[i])
    # Pages count equally in the score (macro means), so they weigh equally here:
    # a page of 600 blocks must not outvote a page of 40.
    total = sum(w for w, m in zip(ws, mask, strict=True) if m) or 1.0
    ws = [PAGE_WEIGHT * w / total for w in ws]
    return ev.feats, ys, ws, mask


def matrix(feats, names):
    return np.array([[f.get(n, 0.0) for n in names] for f in feats], dtype=float)


def fit(X, y, w, l2=L2, iters=30):
    beta = np.zeros(X.shape[1])
    reg = l2 * np.eye(X.shape[1])
    reg[0, 0] = 0.0  # no penalty on the bias
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(X @ beta)))
        g = X.T @ (w * (p - y)) + reg @ beta
        H = (X * (w * p * (1 - p))[:, None]).T @ X + reg + 1e-6 * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta


def train(pages, names1):
    """pages: list of (feats list, ys, ws, mask). Returns the two-stage model dict."""

    def stack(rows, names):
        X, Y, W = [], [], []
        for feats, ys, ws, mask in rows:
            for f, y, w, m in zip(feats, ys, ws, mask, strict=False):
                if m:
                    X.append([f.get(n, 0.0) for n in names])
                    Y.append(y)
                    W.append(w)
        return np.array(X), np.array(Y), np.array(W)

    X, Y, W = stack(pages, names1)
    b1 = fit(X, Y, W)
    stage1 = {n: float(round(v, 4)) for n, v in zip(names1, b1, strict=False) if abs(v) > 1e-9}
    for feats, *_ in pages:
        p = [model._sigmoid(model._logit(stage1, f)) for f in feats]
        model.add_context(feats, p)
    names2 = list(names1) + list(features.CONTEXT_FEATURES)
    X, Y, W = stack(pages, names2)
    b2 = fit(X, Y, W)
    stage2 = {n: float(round(v, 4)) for n, v in zip(names2, b2, strict=False) if abs(v) > 1e-9}
    return {"stage1": stage1, "stage2": stage2}


def build(pages_data, drop_fraction=0.25):
    """Feature rows of every page for both inputs: {'html': rows, 'text': rows}."""
    out = {"html": [], "text": []}
    for k, (pid, html, gold) in enumerate(pages_data):
        grams = gold_index(gold)
        hp = html_page(html, canonicalize=canonicalize, config=CONFIG)
        tp = text_page(ax.flatten(hp), config=CONFIG)
        drops = [False] + ([True] if (k % 4 == 0 and drop_fraction) else [])
        for d in drops:
            out["html"].append((pid, page_rows(hp, grams, d)))
            out["text"].append((pid, page_rows(tp, grams, d)))
    return out


def evaluate(model_html, model_text, pages_data):
    import normalize.boilerplate.weights as bw

    saved = bw.HTML_MODEL, bw.TEXT_MODEL
    bw.HTML_MODEL, bw.TEXT_MODEL = model_html, model_text
    try:
        html_scores, text_scores = [], []
        for _pid, html, gold in pages_data:
            pred, page = ax.normalize_html(html, CONFIG)
            html_scores.append(ax.page_scores(pred, gold))
            text_scores.append(ax.page_scores(ax.normalize_text(ax.flatten(page), CONFIG), gold))
        return ax.macro(html_scores), ax.macro(text_scores)
    finally:
        bw.HTML_MODEL, bw.TEXT_MODEL = saved


def write(model_html, model_text, cv_lines):
    text = (
        '"""Weights of the boilerplate model: generated by bench/train_boilerplate.py, do not edit.\n\n'
        "Two-stage logistic models (stage2 adds the neighbours' stage1 verdicts) fitted\n"
        "on the article-extraction development set. Cross-validation (train on one half,\n"
        "score the other; P / R / F1):\n\n"
        + "\n".join(cv_lines)
        + '\n"""\n\n'
        + "HTML_MODEL = "
        + pprint.pformat(model_html, width=96, sort_dicts=False)
        + "\n\nTEXT_MODEL = "
        + pprint.pformat(model_text, width=96, sort_dicts=False)
        + "\n"
    )
    OUT.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true", help="cross-validate on the two halves first")
    args = ap.parse_args()
    data = ax.load()
    print(f"{len(data)} pages; building features…", file=sys.stderr)
    rows = build(data)
    names_text = list(features.TEXT_FEATURES)
    names_html = list(features.TEXT_FEATURES + features.HTML_FEATURES)
    cv_lines = []
    if args.cv:
        for h in (0, 1):
            tr = [r for pid, r in rows["html"] if ax.half_of(pid) != h]
            trt = [r for pid, r in rows["text"] if ax.half_of(pid) != h]
            mh, mt = train(tr, names_html), train(trt, names_text)
            test = [p for p in data if ax.half_of(p[0]) == h]
            (hp, hr, hf), (tp, tr_, tf) = evaluate(mh, mt, test)
            line = (
                f"    half {h} (trained on half {1 - h}): HTML {hp:.3f} / {hr:.3f} / {hf:.3f}; "
                f"text {tp:.3f} / {tr_:.3f} / {tf:.3f}"
            )
            print(line, file=sys.stderr)
            cv_lines.append(line)
    mh = train([r for _, r in rows["html"]], names_html)
    mt = train([r for _, r in rows["text"]], names_text)
    (hp, hr, hf), (tp, tr_, tf) = evaluate(mh, mt, data)
    line = (
        f"    all pages (trained on all): HTML {hp:.3f} / {hr:.3f} / {hf:.3f}; "
        f"text {tp:.3f} / {tr_:.3f} / {tf:.3f}"
    )
    print(line, file=sys.stderr)
    cv_lines.append(line)
    write(mh, mt, cv_lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
