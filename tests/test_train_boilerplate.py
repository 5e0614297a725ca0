"""The boilerplate model's trainer (``bench/train_boilerplate.py``): what it feeds the fit.

The trainer's rows must not depend on whether the core is compiled: a model
retrained on the other build would differ for no reason.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from normalize.boilerplate import features
from normalize.extract.text import text_page

BENCH = Path(__file__).resolve().parent.parent / "bench"

PAGE_TEXT = (
    "Home > News > World\n\n"
    "The council said on Monday that the new bridge would open in the spring, "
    "and that the old one would be closed for repairs after it.\n\n"
    "It was one of the busiest crossings in the city, and the work had been delayed twice.\n\n"
    "Share this article"
)


@pytest.fixture(scope="module")
def trainer() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("train_boilerplate")
    finally:
        sys.path.remove(str(BENCH))


def _stopword_free(trainer: ModuleType) -> list[dict[str, float]]:
    """The text features of the page's lines without a stoplist."""
    lines = features.page_lines(text_page(PAGE_TEXT, config=trainer.CONFIG), trainer.CTX)
    return features._text_features(lines, None)


def test_rows_without_a_stoplist_have_no_stopword_counts(trainer: ModuleType) -> None:
    """``drop_stoplist`` trains the rows of pages whose language has no stoplist: their
    text features are those of a page without one, whichever build of the stopword
    lookup runs (the compiled one never called the function the trainer replaced)."""
    page = text_page(PAGE_TEXT, config=trainer.CONFIG)
    kept, *_ = trainer.page_rows(page, set(), drop_stoplist=False)
    dropped, *_ = trainer.page_rows(page, set(), drop_stoplist=True)
    expected = _stopword_free(trainer)
    names = set(expected[0])
    assert [{n: row[n] for n in names} for row in dropped] == expected
    # The page has a stoplist otherwise: the test tells the two apart.
    assert [{n: row[n] for n in names} for row in kept] != expected
