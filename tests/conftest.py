"""Shared test helpers: the repo root, fixture loading, the CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(scope="session", autouse=True)
def packs_dir_for_the_session(tmp_path_factory):
    """Every test, and every process a test starts, uses a temporary packs folder.

    Tests must never install into (or read packs from) the real user data
    folder; a test that needs packs sets its own folder on top of this one.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NORMALIZE_PACKS_DIR", str(tmp_path_factory.mktemp("user-packs")))
        yield


#: What every case says about itself: ``label`` (its pytest id, unique in
#: its file) and ``expect``: ``pass``, or ``fail`` for a known failure, which
#: is a strict xfail (so that a fix is noticed) and says why in ``comment``.
EXPECT = ("pass", "fail")


def case_list(name: str) -> list[dict]:
    """The cases of fixtures/NAME: a JSON list of cases, or an object with a
    ``comment`` on the whole file and its ``cases``."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data["cases"] if isinstance(data, dict) else data


def load_cases(name: str) -> list:
    """The cases of fixtures/NAME as pytest params with their labels as ids;
    ``"expect": "fail"`` cases are strict xfails."""
    params = []
    for case in case_list(name):
        marks = []
        if case["expect"] == "fail":
            marks.append(pytest.mark.xfail(strict=True, reason=case["comment"]))
        params.append(pytest.param(case, id=case["label"], marks=marks))
    return params


def run_cli(
    *args: str, input: bytes | None = None, cwd: Path = ROOT, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m normalize ARGS`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "normalize", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def run_doctests(pure: ModuleType) -> Any:
    """The examples in the docstrings of ``pure``, the interpreted build of a module of
    the compiled core (:func:`core_builds`); pytest's doctest collection skips those
    modules.

    doctest takes only the functions of the module that ``sys.modules`` holds under
    their module's name, which is the compiled build where it was built (or another
    copy of the interpreted one): none of ``pure``'s. So ``pure`` stands there while
    its examples run, and a run that found none fails.
    """
    import doctest

    saved = sys.modules.get(pure.__name__)
    sys.modules[pure.__name__] = pure
    try:
        results = doctest.testmod(pure)
    finally:
        if saved is None:
            del sys.modules[pure.__name__]
        else:
            sys.modules[pure.__name__] = saved
    assert results.attempted > 0, f"no example found in {pure.__name__}"
    assert results.failed == 0
    return results


def core_builds(name: str) -> tuple[ModuleType, ModuleType | None, Any, list[Any]]:
    """The builds of the compiled core's module ``normalize.<name>`` that the tests compare:
    ``(interpreted, compiled or None, needs_extension mark, BUILDS params)``.

    The interpreted one is the ``.py`` run as it is (``compiled.source``), the
    compiled one the extension Python imports when it was built; a test
    parametrized over ``BUILDS`` runs on both, skipping the compiled one where
    the extension is absent (``make test`` then fails elsewhere:
    ``NORMALIZE_EXPECT_COMPILED``).
    """
    import importlib

    from normalize import compiled

    pure = compiled.source(name)
    built = importlib.import_module(f"normalize.{name}")
    if not compiled.is_compiled(built):
        built = None
    needs_extension = pytest.mark.skipif(
        built is None, reason="the extension is not built (python setup.py build_ext --inplace)"
    )
    builds = [
        pytest.param(pure, id="interpreted"),
        pytest.param(built, id="compiled", marks=needs_extension),
    ]
    return pure, built, needs_extension, builds
