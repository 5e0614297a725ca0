"""Packages of the distribution; everything else is in pyproject.toml.

setuptools finds normalize's packages itself; the language folders of
lang_packs/ (shipped as normalize.lang_packs.<lang>) are listed here from the
tree, as pyproject.toml cannot add the packages of a mapped folder to a find.
"""

from pathlib import Path

from setuptools import find_packages, setup

LANG_PACKS = Path(__file__).resolve().parent / "lang_packs"

setup(
    packages=[
        *find_packages(include=["normalize", "normalize.*"]),
        "normalize.schema",
        "normalize.lang_packs",
        *(f"normalize.lang_packs.{p.name}" for p in sorted(LANG_PACKS.iterdir()) if p.is_dir()),
    ]
)
