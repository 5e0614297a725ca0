"""The model: P(content) per block, and the verdicts that exact evidence, rules and it give.

A small two-stage logistic model (weights are data in
:mod:`normalize.boilerplate.weights`, trained and cross-validated by
``bench/train_boilerplate.py``); the second stage adds the first stage's
verdicts on the neighbours. :func:`classify` decides in three layers, most
certain first: exact evidence (cross-document repetition, duplicate title or
line), rules and structure (:func:`structural_reason`), then the model.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from itertools import repeat
from operator import mul
from typing import Any

import numpy as np

from normalize.boilerplate.features import (
    _LOG_13,
    SCAN_COMPILED,
    _Line,
    _text_features,
    page_lines,
    page_stoplist,
    scan,
)
from normalize.boilerplate.rules import Phrases, all_phrases
from normalize.boilerplate.tokens import _ascii_words
from normalize.classes import dataclass
from normalize.config import BoilerplateConfig
from normalize.context import Context, default_context
from normalize.document import Page
from normalize.langpacks import phrase_key

# With the scanner compiled (SCAN_COMPILED), the probabilities and the context
# features come from its loops; else from the same sums taken through ``map`` and
# slices (faster interpreted than those loops).

_DEFAULT_CONFIG = BoilerplateConfig()


def _logit(weights: Mapping[str, float], f: Mapping[str, float]) -> float:
    return sum([w * f[name] for name, w in weights.items() if name in f])


def _logits(weights: Mapping[str, float], feats: Sequence[Mapping[str, float]]) -> list[float]:
    """:func:`_logit` of every block, with the products taken in C.

    A feature a block lacks adds ``w * 0.0`` where :func:`_logit` adds
    nothing; the terms are otherwise the same, in the same order, so the sums
    are the same floats (up to the sign of a zero sum, which the sigmoid maps
    to 0.5 either way).
    """
    names, ws = tuple(weights), tuple(weights.values())
    return [sum(map(mul, ws, map(f.get, names, repeat(0.0)))) for f in feats]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def add_context(feats: list[dict[str, float]], probs: list[float]) -> None:
    """Add the first stage's probabilities of the neighbours to each block's features."""
    if SCAN_COMPILED:
        scan.add_context(feats, probs)
        return
    n = len(feats)
    for i, f in enumerate(feats):
        # Slices keep the order of the terms, so the sums are the same floats.
        lo, hi = max(0, i - 2), min(n, i + 3)
        f["ctx_p"] = sum(probs[lo:i] + probs[i + 1 : hi]) / max(1, hi - lo - 1)
        lo, hi = max(0, i - 6), min(n, i + 7)
        f["ctx_p_wide"] = sum(probs[lo:i] + probs[i + 1 : hi]) / max(1, hi - lo - 1)
        f["prev_p"] = probs[i - 1] if i else 0.0
        f["next_p"] = probs[i + 1] if i + 1 < n else 0.0


@dataclass(frozen=True, slots=True)
class _Columns:
    """A two-stage model as the compiled scanner reads it
    (:func:`~normalize.boilerplate.scan.content_probabilities`): the features either
    stage weighs, and each stage's terms as columns of them and weights."""

    names: list[str]
    cols1: np.ndarray  # intp
    weights1: np.ndarray  # float64
    cols2: np.ndarray
    weights2: np.ndarray
    context: np.ndarray  # intp: the columns of ctx_p, ctx_p_wide, prev_p, next_p (-1: none)


#: The context features in the order the scanner's ``context`` columns name them.
_CONTEXT_ORDER = ("ctx_p", "ctx_p_wide", "prev_p", "next_p")


def _columns(model: Mapping[str, Any]) -> _Columns:
    names = list(dict.fromkeys([*model["stage1"], *model["stage2"]]))
    column = {name: k for k, name in enumerate(names)}

    def terms(weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([column[name] for name in weights], np.intp),
            np.array(list(weights.values()), np.float64),
        )

    context = np.array([column.get(name, -1) for name in _CONTEXT_ORDER], np.intp)
    return _Columns(names, *terms(model["stage1"]), *terms(model["stage2"]), context)


def content_probabilities(
    feats: list[dict[str, float]], model: Mapping[str, Any], columns: _Columns | None = None
) -> list[float]:
    """P(content) per block from a two-stage model (``stage1``, ``stage2`` weight maps);
    ``columns`` are the model's :func:`_columns` when already made.

    With the scanner compiled, one call per page
    (:func:`~normalize.boilerplate.scan.content_probabilities`) reads each block's
    features once for both stages; else the same sums are taken through ``map``
    and slices (faster interpreted than those loops).
    """
    if SCAN_COMPILED:
        columns = columns or _columns(model)
        # memoryviews: the interpreted twin reads Python numbers from them.
        return scan.content_probabilities(
            columns.names,
            columns.cols1.data,
            columns.weights1.data,
            columns.cols2.data,
            columns.weights2.data,
            columns.context.data,
            feats,
            np.empty(len(feats) * len(columns.names)).data,
        )
    p1 = [_sigmoid(z) for z in _logits(model["stage1"], feats)]
    add_context(feats, p1)
    return [_sigmoid(z) for z in _logits(model["stage2"], feats)]


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What mark_boilerplate knows about a page before the model speaks."""

    texts: list[str]
    feats: list[dict[str, float]]
    forced: list[str | None]  # a reason when exact evidence or a rule decides
    title_index: int | None


def _evidence(
    page: Page,
    repeated: Collection[str],
    config: BoilerplateConfig,
    lines: Sequence[_Line],
    ctx: Context,
) -> _Evidence:
    texts = [line.text for line in lines]  # each block's text, as its line analysed it
    phrases = all_phrases(ctx)
    keys = [line.key for line in lines]
    _, stops = page_stoplist(page, lines, ctx)
    feats = _text_features(lines, stops)
    structure = [b.features for b in page.blocks]
    if len(structure) != len(feats):
        raise ValueError(f"{len(feats)} analysed lines for a page of {len(structure)} blocks")
    if any(structure):
        # Each block's structural features over its text features, in C (no
        # Python step per block); text blocks have none.
        deque(map(dict.update, feats, structure), maxlen=0)
    title_key = phrase_key(str(page.metadata.get("title") or ""))
    title_index = _find_title(page, lines, keys, structure, title_key, phrases)
    if title_index is not None:
        feats[title_index]["title_like"] = 1.0
        title_key = keys[title_index]
    # One compiled loop of the scanner over the blocks (no Python step per block).
    forced = scan.forced_reasons(
        list(lines),
        repeated,
        -1 if title_index is None else title_index,
        title_key,
        feats,
        structure,
        config.max_rule_chars,
        phrases,
        _LOG_13,
    )
    return _Evidence(texts, feats, forced, title_index)


def _find_title(
    page: Page,
    lines: Sequence[_Line],
    keys: Sequence[str],
    structure: Sequence[Mapping[str, float]],
    title_key: str,
    phrases: Phrases,
) -> int | None:
    """The block that is the page's title: the one marked so by the HTML reader
    (``is_title`` among its structural features, ``structure``: the blocks'
    :attr:`~normalize.document.Block.features`), the one equal to the metadata
    title, or in text, the first heading-like line near the top (4 to 30 words,
    no sentence-final period, not chrome)."""
    if any(structure):
        for i, f in enumerate(structure):
            if f.get("is_title"):
                return i
    if title_key:
        for i, k in enumerate(keys):
            if k == title_key:
                return i
    if page.origin == "html":
        return None
    max_rule_chars = _DEFAULT_CONFIG.max_rule_chars
    for i, line in enumerate(lines[:8]):
        # A line's number of words is that of its tokens (:func:`words`). The tests
        # are pure: the cheap ones first (a sentence's period ends most lines that
        # have the words of a title), the count of lettered words last.
        if (
            4 <= line.n_words <= 30
            and not line.text.rstrip().endswith(".")
            and line.rule(max_rule_chars, phrases) is None
            and _lettered_words(line) >= 0.75 * line.n_words
        ):
            return i
    return None


#: What a word of :data:`tokens._ASCII_WORD` loses when only its letters are kept: a
#: word that had no letter is left empty (deleted from bytes by ``bytes.translate``,
#: a table in C, where ``str.translate`` looks each character up in a dict).
_DIGITS = b"0123456789_"


def _lettered_words(line: _Line) -> int:
    """How many of the line's words (:attr:`_Line.tokens`) have a letter (``str.isalpha``)
    in them; on a line whose letters and digits are ASCII, from its casefolded words
    (:attr:`_Line.folded_text`: the tokens, lowered: ASCII) without a pattern or a string
    per word: those left empty without their digits and "_" have none.

    >>> _lettered_words(_Line("The 2 cats_ at 10_000 — ok…")), _lettered_words(_Line("Ça 3 va"))
    (4, 2)
    """
    if _ascii_words(line.text):
        if not line.n_words:
            return 0
        letters = line.folded_text.encode("ascii").translate(None, _DIGITS)
        return line.n_words - letters.split(b"\x00").count(b"")
    return sum(any(map(str.isalpha, w)) for w in line.tokens)


def structural_reason(f: Mapping[str, float]) -> str | None:
    """Chrome that the HTML structure names with certainty, whatever the text says.

    Notices asking for JavaScript (read from ``noscript``), cookie banners and
    breadcrumb trails are never the article; a short block
    in a share bar or a link-dense one in a ``nav`` neither; a comment thread
    outside the main container is the readers', not the page's, text. The rule
    is the scanner's (:func:`~normalize.boilerplate.scan.structural_reason`:
    compiled, a get per cue without a method call).

    >>> structural_reason({"cls_cookie": 1.0}), structural_reason({"tag_p": 1.0})
    ('cookie', None)
    """
    return scan.structural_reason(f if isinstance(f, dict) else dict(f), _LOG_13)


def classify(
    page: Page,
    repeated: Collection[str],
    config: BoilerplateConfig,
    lines: Sequence[_Line] | None = None,
    ctx: Context | None = None,
) -> tuple[_Evidence, list[float], list[str | None]]:
    """Evidence, P(content) and verdicts (a reason, or None for content) per block.

    ``lines`` are the page's :func:`page_lines` when already made; ``ctx``
    holds the packs and caches (the default context when omitted).
    """
    from normalize.boilerplate.weights import HTML_MODEL, TEXT_MODEL

    ctx = ctx or default_context()
    if lines is None:
        lines = page_lines(page, ctx)
    ev = _evidence(page, repeated, config, lines, ctx)
    model = HTML_MODEL if page.origin == "html" else TEXT_MODEL
    columns = ctx.owned(("boilerplate.model_columns", page.origin), lambda: _columns(model))
    probs = content_probabilities(ev.feats, model, columns) if ev.feats else []
    threshold = config.threshold
    title_index = -1 if ev.title_index is None else ev.title_index
    # The blocks the model decides (not the title, not forced), by the scanner's
    # loops (compiled: no Python step per block).
    best = scan.best_free(probs, ev.forced, title_index)
    rescue_threshold = None
    if best is not None and best < threshold:
        # Nothing reaches the threshold (a short article among much chrome, or a
        # one-line document, makes the model unsure): rather than an empty
        # article, keep the page's best blocks. Blocks that a rule named as
        # chrome are not candidates, so a page of only chrome stays boilerplate.
        rescue_threshold = max(config.min_threshold, 0.5 * best)
        if len(ev.feats) == 1:
            # A document that is only its one line ("Hello", "OK", "Bonjour")
            # is its own content, however little the model thinks of it: a
            # rule that names it as chrome still makes it boilerplate.
            rescue_threshold = 0.0
    verdicts = scan.verdicts(ev.feats, ev.forced, probs, title_index, threshold, rescue_threshold)
    if page.origin == "html":
        fall_back_to_container(ev, verdicts, config)
    return ev, probs, verdicts


def fall_back_to_container(
    ev: _Evidence, verdicts: list[str | None], config: BoilerplateConfig
) -> None:
    """Keep the container's text when the model kept implausibly little of it.

    The main-content container (the element richest in prose, found by
    :mod:`normalize.extract.html`) is a second, independent extraction. When
    the model keeps under ``fallback_share`` of its text, the model is more
    often the one that is wrong (an article of captions, a recipe, a FAQ),
    as trafilatura checks its result against a baseline extraction. Blocks
    that a rule named as chrome stay chrome, and so do link lists.
    """
    base = scan.container_blocks(ev.feats, ev.forced)
    base_chars = sum(len(ev.texts[i]) for i in base)
    if base_chars < config.fallback_min_chars:
        return
    kept = sum(len(ev.texts[i]) for i in base if verdicts[i] is None)
    if kept < config.fallback_share * base_chars:
        for i in base:
            verdicts[i] = None
