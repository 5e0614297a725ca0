"""One frozen configuration object for the whole pipeline.

:class:`Config` is composed of one dataclass per stage, each defined next to
the stage it configures (``decode.DecodeConfig``, ``canonical.CanonicalConfig``
…), so that a stage's defaults and their reasons sit beside the code that uses
them. The CLI flags and the Python API both map onto this one object; there is
no second way to pass settings.

>>> cfg = Config().with_(keep_boilerplate=True)
>>> cfg.keep_boilerplate, Config().keep_boilerplate
(True, False)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from normalize.canonical import CanonicalConfig
from normalize.decode import DecodeConfig
from normalize.segment import SegmentConfig
from normalize.translate import TranslateConfig


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Settings of the boilerplate stage. Every default says why it is what it is."""

    #: Off: every block is content (the page is still split into blocks).
    enabled: bool = True
    #: A block counts as repeated chrome of a source group when it appears in
    #: at least ``repeat_min_fraction`` of the group's documents (and in two at
    #: least): a template line is on most pages of a site. Half, because the
    #: seeds' icon strip is on two pages of four.
    repeat_min_fraction: float = 0.5
    #: ...or, in a large group, in at least this many documents: a template
    #: line need not be on half of a big crawl's pages, while ten pages of one
    #: host quoting the same short sentence is rare. See :func:`find_repeats`.
    repeat_min_documents: int = 10
    #: Blocks longer than this (in words) are never counted as repeats: a long
    #: repeated paragraph is more likely syndicated content than chrome.
    repeat_max_words: int = 60
    #: Probability of being content below which the model calls a block
    #: boilerplate. 0.5 is the calibrated decision point of the logistic model.
    threshold: float = 0.5
    #: When no block reaches ``threshold``, the page's best blocks are kept down
    #: to half the best probability, but never below this.
    min_threshold: float = 0.05
    #: HTML larger than this (in code points) is cut before parsing, and the
    #: page gets ``truncated: True`` in its metadata. 8 Mi is far above real
    #: article pages (the median is ~100 k) and keeps a page under a second.
    max_html_chars: int = 8 * 1024 * 1024
    #: At most this many blocks per page; later blocks are dropped and the page
    #: is marked ``truncated``. Bounds the classifier and the output size.
    max_blocks: int = 20_000
    #: Elements nested deeper than this are read as text of their ancestor at
    #: this depth (libxml2 itself stops at 256). The walk is iterative, so
    #: depth never raises ``RecursionError``; this bounds per-block work.
    max_depth: int = 200
    #: Block texts (lines) longer than this many code points are never chrome
    #: phrases, breadcrumbs or icon strips; cheap rules only look at short text.
    max_rule_chars: int = 400


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for a run. Every field has a default that suits scraped web text."""

    decode: DecodeConfig = field(default_factory=DecodeConfig)
    canonical: CanonicalConfig = field(default_factory=CanonicalConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    #: Put boilerplate back into ``text``. Off: downstream users want the
    #: article; the boilerplate stays in ``segments`` either way.
    keep_boilerplate: bool = False
    #: Documents larger than this (in bytes, before decoding) become an error
    #: record instead of being processed: one pathological page must not stall
    #: or exhaust a run. 16 MiB is far above any real article page.
    max_bytes: int = 16 * 1024 * 1024
    #: Wall-clock seconds one document may take (all stages but translation)
    #: before it becomes an error record (``code: timeout``). Enforced with a
    #: timer signal, so only where normalize runs in a main thread (the CLI
    #: and its workers always do); ``0`` switches it off.
    max_seconds: float = 60.0

    def with_(self, **changes: Any) -> Config:
        """A copy with top-level fields replaced."""
        return dataclasses.replace(self, **changes)
