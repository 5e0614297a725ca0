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

from normalize.boilerplate import BoilerplateConfig
from normalize.canonical import CanonicalConfig
from normalize.decode import DecodeConfig
from normalize.segment import SegmentConfig
from normalize.translate import TranslateConfig


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
