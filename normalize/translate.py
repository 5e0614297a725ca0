"""Offline translation of segments (placeholder until issue 5 lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TranslateConfig:
    """Settings of the translation stage; ``target=None`` means no translation."""

    target: str | None = None
