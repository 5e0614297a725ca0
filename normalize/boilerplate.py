"""Boilerplate: separate page chrome from content (placeholder until issue 3 lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Settings of the boilerplate stage."""

    enabled: bool = True
