#!/usr/bin/env python3
"""Mixed-language segmentation: ``segment_languages`` next to per-line ``langid.classify``.

Both run on the same documents in the same process and are scored by the
benchmark's own ``score.py`` (imported from the gold file's folder, not
copied). Speed is characters per second on one core (one process, OpenBLAS on
one thread, CPU time of the best of three runs), model loading excluded.

Calibration of ``confidence``: expected calibration error (ECE) over 10
equal-width bins, **per piece**: every predicted language segment with a
scored letter is one sample, its confidence against the share of its scored
letters whose label is right (``und`` segments count with their confidence
0). The per-character ECE (every scored letter a sample) is printed too. The
temperature of the posteriors is fitted on each half of the documents (by a
CRC32 of their id) and scored on the other half.

Every accuracy figure is printed on the whole set and on its two halves (by
CRC32 of the document id), for both contenders.

**Source prior.** The documents have no source, so the prior that the
pipeline's evidence pass gives a page (the languages of the chrome repeated
across its source, :func:`normalize.pipeline.source_languages`) is measured on
*pseudo-sources*: within each half, the documents whose chrome (gold spans of
kind ``chrome`` or ``site``) is in one language form one source, as the pages
of one site share a site language. Each document gets the languages that
``source_languages`` finds in the chrome lines of the *other* documents of its
source (never its own, and found by the segmenter, not read from the gold);
a source of one document gives nothing. Documents without chrome (styles a
and d, mixed body text) each get the prior of a source of their half drawn
at random (seeded): the prior's harm when the body is not in the site's
language. Grouping by the gold chrome language is the one use of gold labels:
it stands for "pages of one site", which the pipeline knows from URLs.

Usage: ``python bench/lid_mixed.py [--gold PATH] [--languages en,fr,...] [--preds DIR]``
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import random
import sys
import time
import unicodedata
import zlib
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.config import Config, SegmentConfig
from normalize.document import NO_LANGUAGE
from normalize.pipeline import source_languages
from normalize.segment import LanguageHints, segment_languages

DEFAULT_GOLD = ROOT.parent / "shared" / "bench" / "lid-mixed" / "dev.jsonl"
TARGETS = {
    "char_acc": 0.985,
    "short_acc": 0.93,
    "bnd_f1": 0.95,
    "per_lang": 0.93,
    "chars_per_s": 300_000,
}
#: Temperatures tried when fitting the calibration on a half.
TEMPERATURES = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0)
BINS = 10
#: Gold span kinds that are a site's chrome (a pseudo-source's evidence).
CHROME_KINDS = ("chrome", "site")


REPEATS = 3


def _time(result: tuple[dict, float]) -> float:
    return result[1]


def load_scorer(gold: Path):
    spec = importlib.util.spec_from_file_location("lid_mixed_score", gold.parent / "score.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def halves(docs: list[dict]) -> list[list[dict]]:
    """The two halves of the documents, by CRC32 of their id (A: even, B: odd)."""
    return [[d for d in docs if zlib.crc32(d["id"].encode()) % 2 == h] for h in (0, 1)]


def predict_normalize(
    docs: list[dict],
    languages: list[str] | None,
    config: SegmentConfig | None = None,
    hints: dict[str, LanguageHints] | None = None,
) -> tuple[dict, float]:
    preds = {}
    started = time.process_time()
    for d in docs:
        segs = segment_languages(
            d["text"], languages, config=config, hints=(hints or {}).get(d["id"])
        )
        preds[d["id"]] = [
            {"start": s.start, "end": s.end, "lang": s.lang, "confidence": s.confidence}
            for s in segs
            if s.lang != NO_LANGUAGE
        ]
    return preds, time.process_time() - started


def calibration_samples(docs: list[dict], preds: dict) -> tuple[list, list]:
    """(confidence, share right) per predicted piece, and (confidence, right) per letter."""
    pieces: list[tuple[float, float]] = []
    letters: list[tuple[float, float]] = []
    for d in docs:
        text = d["text"]
        gold: list[str | None] = [None] * len(text)
        for sp in d["spans"]:
            gold[sp["start"] : sp["end"]] = [sp["lang"].split("-")[0].lower()] * (
                sp["end"] - sp["start"]
            )
        for p in preds.get(d["id"], ()):
            right = [
                gold[i] == p["lang"]
                for i in range(p["start"], p["end"])
                if gold[i] is not None and unicodedata.category(text[i])[0] in "LM"
            ]
            if right:
                pieces.append((p["confidence"], sum(right) / len(right)))
                letters.extend((p["confidence"], float(r)) for r in right)
    return pieces, letters


def ece(samples: list[tuple[float, float]]) -> float:
    """Expected calibration error over ``BINS`` equal-width bins of confidence."""
    bins: list[list[tuple[float, float]]] = [[] for _ in range(BINS)]
    for conf, right in samples:
        bins[min(int(conf * BINS), BINS - 1)].append((conf, right))
    return sum(
        len(b) / len(samples) * abs(sum(c for c, _ in b) - sum(r for _, r in b)) / len(b)
        for b in bins
        if b
    )


def _chrome_language(doc: dict) -> str | None:
    langs = {sp["lang"] for sp in doc["spans"] if sp["kind"] in CHROME_KINDS}
    return langs.pop() if len(langs) == 1 else None


def pseudo_source_hints(
    docs: list[dict], languages: list[str] | None, seed: int = 13
) -> dict[str, LanguageHints]:
    """Each document's source prior from the other documents of its pseudo-source.

    See the module docstring: documents grouped by the language of their
    chrome; chrome-less documents join a random source of ``docs``.
    """
    groups: dict[str, list[dict]] = {}
    for d in docs:
        if (lang := _chrome_language(d)) is not None:
            groups.setdefault(lang, []).append(d)
    sources = [g for _, g in sorted(groups.items()) if len(g) > 1]
    rng = random.Random(seed)
    config = Config(segment=SegmentConfig(languages=tuple(languages) if languages else None))
    hints = {}
    for d in docs:
        lang = _chrome_language(d)
        if lang is None:
            source = rng.choice(sources) if sources else []
        else:
            source = groups[lang] if len(groups[lang]) > 1 else []
        lines = frozenset(
            o["text"][sp["start"] : sp["end"]]
            for o in source
            if o is not d
            for sp in o["spans"]
            if sp["kind"] in CHROME_KINDS
        )
        hints[d["id"]] = LanguageHints(source_langs=source_languages(lines, config))
    return hints


def _lowest(r: dict) -> str:
    lang, v = min(r["per_lang"].items(), key=lambda kv: kv[1]["r"])
    return f"{v['r']:.3f} ({lang})"


def by_halves(scorer, docs: list[dict], preds: dict) -> list[dict]:
    """Scores on the whole set, half A and half B."""
    return [scorer.score(part, preds) for part in (docs, *halves(docs))]


def source_prior_lines(scorer, docs: list[dict], languages: list[str] | None) -> list[str]:
    """normalize with and without the pseudo-sources' prior, on each half: lines to print."""
    lines = [
        "source prior on pseudo-sources (see the module docstring), half A / half B:",
        "| metric | without | with the source prior |",
        "|---|---|---|",
    ]
    rows: dict[str, list[str]] = {}
    for part in halves(docs):
        hints = pseudo_source_hints(part, languages)
        without = scorer.score(part, predict_normalize(part, languages)[0])
        with_ = scorer.score(part, predict_normalize(part, languages, hints=hints)[0])
        for key in ("char_acc", "short_acc", "bnd_f1"):
            rows.setdefault(key, []).append(f"{without[key]:.4f} -> {with_[key]:.4f}")
        rows.setdefault("lowest", []).append(f"{_lowest(without)} -> {_lowest(with_)}")
    for key, values in rows.items():
        lines.append(f"| {key} | " + " / ".join(values) + " |")
    return lines


def calibration(docs: list[dict], languages: list[str] | None) -> list[str]:
    """Fit the temperature on each half, score the other: lines to print."""
    parts = halves(docs)
    default = SegmentConfig()

    # Each half is segmented once per temperature: scoring a half reuses what
    # fitting on it measured.
    measured: dict[tuple[int, float], float] = {}

    def piece_ece(h: int, temperature: float) -> float:
        if (h, temperature) not in measured:
            config = dataclasses.replace(default, confidence_temperature=temperature)
            preds = predict_normalize(parts[h], languages, config)[0]
            measured[h, temperature] = ece(calibration_samples(parts[h], preds)[0])
        return measured[h, temperature]

    lines = []
    for fit, score in ((0, 1), (1, 0)):
        best = min(TEMPERATURES, key=lambda t: piece_ece(fit, t))
        lines.append(
            f"calibration fitted on half {'AB'[fit]} ({len(parts[fit])} docs): T = {best:g}; "
            f"per-piece ECE on half {'AB'[score]}: {piece_ece(score, best):.4f} with it, "
            f"{piece_ece(score, default.confidence_temperature):.4f} with the default "
            f"T = {default.confidence_temperature:g}"
        )
    return lines


def predict_langid_lines(docs: list[dict]) -> tuple[dict, float]:
    import langid

    langid.classify("warm up")
    preds = {}
    started = time.process_time()
    for d in docs:
        spans, pos = [], 0
        for line in d["text"].split("\n"):
            if line.strip():
                spans.append(
                    {"start": pos, "end": pos + len(line), "lang": langid.classify(line)[0]}
                )
            pos += len(line) + 1
        preds[d["id"]] = spans
    return preds, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--languages", help="comma-separated candidate languages (default: all)")
    ap.add_argument("--preds", type=Path, help="also write both predictions as JSONL here")
    args = ap.parse_args(argv)
    if not args.gold.is_file():
        print(f"lid_mixed: no gold file at {args.gold}", file=sys.stderr)
        return 0
    scorer = load_scorer(args.gold)
    docs = scorer.load(args.gold)
    n_chars = sum(len(d["text"]) for d in docs)
    languages = args.languages.split(",") if args.languages else None

    segment_languages("warm up the caches: होम > दुनिया")
    # Best of REPEATS runs: other processes on the machine only ever slow a run down.
    ours, t_ours = min((predict_normalize(docs, languages) for _ in range(REPEATS)), key=_time)
    base, t_base = min((predict_langid_lines(docs) for _ in range(REPEATS)), key=_time)
    r_ours = scorer.score(docs, ours)
    r_base = scorer.score(docs, base)
    pieces, letters = calibration_samples(docs, ours)
    ece_piece, ece_letter = ece(pieces), ece(letters)
    base_pieces, base_letters = calibration_samples(
        docs,
        {doc_id: [{**sp, "confidence": 1.0} for sp in spans] for doc_id, spans in base.items()},
    )
    r_ours["chars_per_s"] = n_chars / t_ours
    r_base["chars_per_s"] = n_chars / t_base
    if args.preds:
        args.preds.mkdir(parents=True, exist_ok=True)
        for name, preds in (("normalize", ours), ("langid_line", base)):
            with open(args.preds / f"{name}.jsonl", "w", encoding="utf-8") as f:
                f.writelines(
                    json.dumps({"id": doc_id, "spans": spans}) + "\n"
                    for doc_id, spans in preds.items()
                )

    print(f"lid-mixed: {len(docs)} documents, {n_chars} characters ({args.gold.name})")
    if languages:
        print(f"candidates: {','.join(languages)}")
    ours_parts, base_parts = by_halves(scorer, docs, ours), by_halves(scorer, docs, base)
    print(
        "| metric | normalize: whole / half A / half B "
        "| per-line langid: whole / half A / half B | target |"
    )
    print("|---|---|---|---|")
    for key, label in (
        ("char_acc", "char_acc"),
        ("short_acc", "short_acc"),
        ("bnd_f1", "bnd_F1@3"),
    ):
        print(
            f"| {label} | "
            + " / ".join(f"{r[key]:.3f}" for r in ours_parts)
            + " | "
            + " / ".join(f"{r[key]:.3f}" for r in base_parts)
            + f" | ≥ {TARGETS[key]:g} |"
        )
    print(
        "| macro_F1 | "
        + " / ".join(f"{r['macro_f1']:.3f}" for r in ours_parts)
        + " | "
        + " / ".join(f"{r['macro_f1']:.3f}" for r in base_parts)
        + " | |"
    )
    print(
        "| lowest per-language accuracy | "
        + " / ".join(map(_lowest, ours_parts))
        + " | "
        + " / ".join(map(_lowest, base_parts))
        + f" | ≥ {TARGETS['per_lang']:g} |"
    )
    print(
        f"| ECE per piece / per letter (10 bins) | {ece_piece:.4f} / {ece_letter:.4f} "
        f"| {ece(base_pieces):.4f} / {ece(base_letters):.4f} (langid labels as sure) | printed |"
    )
    print(
        f"| chars/s per core | {r_ours['chars_per_s']:,.0f} | {r_base['chars_per_s']:,.0f} "
        f"| ≥ {TARGETS['chars_per_s']:,} |"
    )
    styles = sorted(k for k in r_ours if k.startswith("style_"))
    print(
        "per style (char_acc): "
        + ", ".join(f"{k[6:]} {r_ours[k]:.3f} / {r_base[k]:.3f}" for k in styles)
    )
    print()
    print("| language | letters | accuracy (recall) | F1 | per-line langid accuracy |")
    print("|---|---|---|---|---|")
    for lang, v in sorted(r_ours["per_lang"].items()):
        b = r_base["per_lang"].get(lang, {"r": 0.0})
        mark = "" if v["r"] >= TARGETS["per_lang"] else " **below target**"
        print(f"| {lang} | {v['support']} | {v['r']:.3f}{mark} | {v['f1']:.3f} | {b['r']:.3f} |")
    print()
    for line in source_prior_lines(scorer, docs, languages):
        print(line)
    print()
    for line in calibration(docs, languages):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
