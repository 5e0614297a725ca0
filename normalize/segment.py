"""Segments per language and script (placeholder until issue 4 lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """Settings of the language-segment stage."""

    enabled: bool = True
