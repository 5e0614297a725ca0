"""Boilerplate: separate page chrome from content, in HTML and in extracted text.

Every page carries chrome (navigation, breadcrumbs, share and subscribe
prompts, comment forms, icon-label strips, podcast timestamps, related-story
lists). This stage never deletes it: it turns a page into :class:`Block` s that
tile the canonical page text and marks each one ``content`` or ``boilerplate``
with a stable reason code, so the pipeline can build ``text`` from the content
and still keep every character in ``segments``.

One engine, two inputs:

* HTML (:func:`~normalize.extract.html.html_page`): blocks carry
  structural features (tag, link density, ``nav``/``footer``/``aside``
  ancestors, class/id words such as ``share`` or ``comment``, the main-content
  container).
* Already-extracted text (:func:`~normalize.extract.text.text_page`): blocks are lines; only what the
  text itself shows (length, stopword density, punctuation, position,
  neighbours) is available.

:func:`mark_boilerplate` decides in three layers, most certain first: exact
evidence (cross-document repetition, duplicate title or line), rules whose
reason is a named kind of chrome (a phrase from ``lang_packs/<lang>/chrome.txt``,
a breadcrumb trail, an icon-label strip, a bare timestamp, a ``nav`` or
``share`` container), then a small logistic model (weights are data in
:mod:`normalize.boilerplate.weights`, trained and cross-validated by
``bench/train_boilerplate.py``) for everything else.

Work per document is bounded, and says so in the page's metadata:

* HTML past ``max_html_chars`` is cut before parsing (``truncated: True``);
* at most ``max_blocks`` blocks; the rest of a text page becomes one last
  block, the rest of an HTML page is dropped (``truncated: True``);
* the tree walk is iterative; elements nested past ``max_depth`` lend their
  text to their ancestor's block; libxml2 keeps at most 2048 levels, and a
  page whose text lies deeper is read as text instead (``flattened: True``);
* empty or unparsable HTML raises :class:`BoilerplateError` (a ``ValueError``)
  with a message saying what is wrong; never a hang or a ``RecursionError``.

Cost is linear in the page size: about 15 ms for a typical news page on one
core, faster than trafilatura (``bench/article_extraction.py`` measures both).
Each line is analysed once per page (key, words, features, rules; kept on
the page by :func:`page_lines`), and short lines that repeat across pages
once per process: a bounded cache keeps them, because site chrome repeats
on every page of a source (see :data:`LINE_CACHE_SIZE`).

>>> from normalize.config import BoilerplateConfig
>>> from normalize.extract.text import text_page
>>> cfg = BoilerplateConfig()
>>> page = text_page("Home\\n\\nA long sentence about the weather, which is a thing people "
...     "like to talk about when they meet in the street and have nothing else to say.\\n\\n"
...     "Leave a Reply", config=cfg)
>>> [(b.kind, b.reason) for b in mark_boilerplate(page, config=cfg).blocks]
[('boilerplate', 'nav'), ('content', None), ('boilerplate', 'comments')]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from normalize.boilerplate.features import _Line, scan
from normalize.boilerplate.model import classify, structural_reason
from normalize.boilerplate.repeats import (
    content_sketch,
    find_duplicates,
    find_repeats,
    repeat_keys,
    source_group,
)
from normalize.boilerplate.rules import (
    breadcrumb,
    chrome_phrase,
    icon_strip,
    rule_reason,
    timestamp,
)
from normalize.config import BoilerplateConfig
from normalize.context import Context
from normalize.document import BOILERPLATE, CONTENT, Block, Page

#: Reason codes, most specific first. ``repeated``, ``duplicate_title`` and
#: ``duplicate_line`` are exact evidence; the named kinds of chrome come from
#: structure (tags, class/id words) or from ``chrome.txt`` sections; the last
#: three are the model's verdicts, named for the strongest cue it saw.
REASONS: tuple[str, ...] = (
    "repeated",
    "duplicate_title",
    "duplicate_line",
    "breadcrumb",
    "nav",
    "share",
    "subscribe",
    "comments",
    "related",
    "cookie",
    "noscript",
    "ads",
    "legal",
    "footer",
    "sidebar",
    "icon_strip",
    "timestamp",
    "chrome_phrase",
    "link_dense",
    "short",
    "low_score",
)


def mark_boilerplate(
    page: Page,
    *,
    repeated: Collection[str] = frozenset(),
    config: BoilerplateConfig,
    lines: Sequence[_Line] | None = None,
    ctx: Context | None = None,
) -> Page:
    """The page with every block's kind and reason decided.

    ``repeated`` are the keys :func:`find_repeats` found for the page's source
    group; ``lines`` the page's :func:`~normalize.boilerplate.features.page_lines`
    when already made (the batch's evidence pass made them); ``ctx`` the
    worker's context (the default context when omitted). Blocks with no words (a lone "|" or "•") follow the verdict of the
    block before them: they are separators of whatever surrounds them.
    """
    if not config.enabled or not page.blocks:
        return replace(
            page, blocks=tuple(replace(b, kind=CONTENT, reason=None) for b in page.blocks)
        )
    ev, probs, verdicts = classify(page, repeated, config, lines, ctx)
    # Each block with its verdict and features, p_content added: the scanner's loop
    # (compiled: each block made without its class's __init__).
    blocks = scan.marked_blocks(Block, page.blocks, verdicts, ev.feats, probs, BOILERPLATE, CONTENT)
    return replace(page, blocks=blocks)


__all__ = [
    "REASONS",
    "breadcrumb",
    "chrome_phrase",
    "classify",
    "content_sketch",
    "find_duplicates",
    "find_repeats",
    "icon_strip",
    "mark_boilerplate",
    "repeat_keys",
    "rule_reason",
    "source_group",
    "structural_reason",
    "timestamp",
]
