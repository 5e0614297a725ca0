#!/usr/bin/env python3
"""Translation throughput: ``translate_documents`` against one Argos ``translate()`` per document.

Both run in this process, on the same pack and the same documents: the
committed toy hi->en pack (fixtures/packs), installed into a temporary packs
folder, and documents of held-out-style toy sentences (random sentences of
the toy glossary, a few paragraphs each).

The reference is what a user of argostranslate would write: one
``argostranslate.translate.translate(text, "hi", "en")`` call per document,
with Argos's default settings. Argos's own sentence splitter downloads a
model on first use, which is impossible here, so the reference gets
normalize's sentence boundaries (the same splits, and no download); nothing
else about it is changed.

Prints the documents, sentences, both throughputs, their ratios against the
targets (at least 5x against Argos's defaults, at least 1.5x against Argos
on one thread), how many documents came out identical, and beside them the
installed size of the light translate setup (what ``make setup-translate``
installs for translation: argostranslate without its dependencies,
CTranslate2, sentencepiece, and what those need) against argostranslate
with its whole dependency stack. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize import packs, translate
from normalize.document import Document, Segment
from normalize.sentences import split_sentences

TARGET_RATIO = 5.0
TARGET_ONE_THREAD = 1.5
#: What translation needs installed (make setup-translate); argostranslate
#: without its dependencies.
LIGHT = ("argostranslate", "ctranslate2", "sentencepiece", "packaging")


def _requirements(name: str) -> list[str]:
    """The names of a distribution's unconditional requirements (no extras, no markers)."""
    import importlib.metadata as md
    import re

    out = []
    for req in md.distribution(name).requires or []:
        if ";" in req:
            continue
        out.append(re.split(r"[<>=!~\[ (]", req, maxsplit=1)[0])
    return out


def installed_size(roots: tuple[str, ...], no_deps: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """Bytes of the files of ``roots`` and their installed requirements, recursively.

    The distributions in ``no_deps`` count without their requirements (they
    are installed with ``--no-deps``). Distributions that are not installed
    are skipped (and so not counted).
    """
    import importlib.metadata as md

    seen: set[str] = set()
    todo = list(roots)
    total = 0
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        for f in dist.files or []:
            path = Path(dist.locate_file(f))
            if path.is_file():
                total += path.stat().st_size
        if name not in no_deps:
            todo.extend(_requirements(name))
    return total, sorted(seen)


def toy_glossary_module():
    """fixtures/packs/build_toy_pack.py, for its glossary and sentence maker (no torch needed)."""
    path = ROOT / "fixtures" / "packs" / "build_toy_pack.py"
    spec = importlib.util.spec_from_file_location("build_toy_pack", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_documents(n: int, sentences_per_doc: int, seed: int) -> list[Document]:
    """Toy Hindi documents: paragraphs of 1-4 sentences, each paragraph a content segment."""
    toy = toy_glossary_module()
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        sentences = [toy.make_pair(rng, "hi", "en")[0] for _ in range(sentences_per_doc)]
        paragraphs, k = [], 0
        while k < len(sentences):
            step = rng.randint(1, 4)
            paragraphs.append(" ".join(sentences[k : k + step]))
            k += step
        segments, pos = [], 0
        for j, para in enumerate(paragraphs):
            if j:
                segments.append(Segment("\n", pos, pos + 1, "zxx"))
                pos += 1
            segments.append(Segment(para, pos, pos + len(para), "hi", "Deva", 1.0))
            pos += len(para)
        text = "".join(s.text for s in segments)
        docs.append(Document(id=f"doc{i}", text=text, lang="hi", segments=tuple(segments)))
    return docs


class OfflineSentencizer:
    """Argos's sentencizer interface with normalize's sentence rule (Argos's downloads a model)."""

    def __init__(self, pkg=None):
        self.pkg = pkg

    def split_sentences(self, text):
        return [text[a:b] for a, b in split_sentences(text)]


def argos_reference(packs_dir: str, intra_threads: int | None = None):
    """``argostranslate.translate.translate`` reading the temporary packs folder, offline.

    ``intra_threads=None`` keeps Argos's default (0: CTranslate2 picks, all
    cores); each call builds fresh translators.
    """
    packs.import_argos_package(packs_dir)
    import argostranslate.settings
    import argostranslate.translate

    argostranslate.settings.package_dirs = [packs.packages_dir(packs_dir)]
    if intra_threads is not None:
        argostranslate.settings.intra_threads = intra_threads
    argostranslate.translate.MiniSBDSentencizer = OfflineSentencizer
    argostranslate.translate.StanzaSentencizer = OfflineSentencizer
    argostranslate.translate.installed_translates.clear()
    argostranslate.translate.get_installed_languages.cache_clear()
    return argostranslate.translate.translate


def time_reference(reference, docs: list[Document]) -> tuple[float, list[str]]:
    """Seconds for one ``translate()`` call per document (after a warm-up call), and the outputs."""
    reference(docs[0].text, "hi", "en")
    start = time.perf_counter()
    out = [reference(d.text, "hi", "en") for d in docs]
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=300)
    ap.add_argument("--sentences", type=int, default=8, help="sentences per document")
    ap.add_argument("--batch", type=int, default=100, help="documents per translate_documents call")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="normalize-translate-bench-") as packs_dir:
        packs.install_pack(ROOT / "fixtures" / "packs" / "toy_hi_en.argosmodel", packs_dir)
        docs = make_documents(args.documents, args.sentences, args.seed)
        n_sentences = sum(
            len(split_sentences(s.text)) for d in docs for s in d.segments if s.lang == "hi"
        )
        config = translate.TranslateConfig(target="en", packs_dir=packs_dir)
        # Warm-ups load the models (and Argos's imports) outside the timings.
        ref_seconds, ref_out = time_reference(argos_reference(packs_dir), docs)
        ref1_seconds, _ = time_reference(argos_reference(packs_dir, intra_threads=1), docs)

        translate.translate_documents(docs[:1], config)

        start = time.perf_counter()
        ours = []
        for i in range(0, len(docs), args.batch):
            ours.extend(translate.translate_documents(docs[i : i + args.batch], config))
        our_seconds = time.perf_counter() - start

    same = sum(o.translated_text == r for o, r in zip(ours, ref_out, strict=True))
    ratio = ref_seconds / our_seconds
    print(f"documents: {len(docs)}   sentences: {n_sentences}   pack: toy hi->en (int8)")
    print(
        f"argostranslate.translate() per document: {ref_seconds:7.2f} s  "
        f"{n_sentences / ref_seconds:8.0f} sentences/s  {len(docs) / ref_seconds:7.1f} docs/s"
    )
    print(
        f"  same, ARGOS_INTRA_THREADS=1:             {ref1_seconds:7.2f} s  "
        f"{n_sentences / ref1_seconds:8.0f} sentences/s  {len(docs) / ref1_seconds:7.1f} docs/s"
    )
    print(
        f"translate_documents (batches of {args.batch}):  {our_seconds:7.2f} s  "
        f"{n_sentences / our_seconds:8.0f} sentences/s  {len(docs) / our_seconds:7.1f} docs/s"
    )
    ratio1 = ref1_seconds / our_seconds
    verdict = "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"
    verdict1 = "ok" if ratio1 >= TARGET_ONE_THREAD else "BELOW TARGET"
    print(
        f"speed-up: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x): {verdict}; "
        f"{ratio1:.1f}x against Argos with one thread (target >= {TARGET_ONE_THREAD}x): "
        f"{verdict1}"
    )
    print(f"identical output: {same}/{len(docs)} documents")
    light, light_names = installed_size(LIGHT, no_deps=("argostranslate",))
    full, _ = installed_size(("argostranslate",))
    print(
        f"installed size of the light translate setup: {light / 1e6:,.0f} MB "
        f"({', '.join(light_names)}); argostranslate with its whole stack "
        f"(translate-full, installed here for the reference): {full / 1e6:,.0f} MB"
    )
    # Argos's default lets CTranslate2 use every core per call; how much that
    # costs depends on what else runs, so say what else ran.
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = ratio >= TARGET_RATIO and ratio1 >= TARGET_ONE_THREAD and same == len(docs)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
