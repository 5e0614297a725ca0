"""Duplicate documents in a batch: they keep their content and are marked, and count once as evidence."""

from __future__ import annotations

import dataclasses
from collections import Counter
from types import ModuleType
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from normalize.boilerplate import repeats
from normalize.boilerplate.repeats import SKETCH_SIZE, find_duplicates, sketch_similarity
from normalize.config import BoilerplateConfig, Config
from normalize.document import BOILERPLATE, RawDocument
from normalize.pipeline import process_batch
from tests.conftest import core_builds

PURE, BUILT, needs_extension, BUILDS = core_builds("boilerplate.scan")

CHROME_TOP = (
    "<nav><ul><li><a href='/'>Home</a></li><li><a href='/world'>World</a></li>"
    "<li><a href='/sport'>Sport</a></li></ul></nav>"
    "<div class='promo'>Get our award-winning morning briefing in your inbox every day.</div>"
)
CHROME_BOTTOM = (
    "<footer><p>Copyright 2024 The Valley Courier. All rights reserved.</p>"
    "<p>About us | Contact | Careers</p></footer>"
)
ARTICLE = [
    "The river that runs through the valley moved two kilometres east over the winter, "
    "and the farmers who had lived beside it for generations woke to find new islands.",
    "Engineers from the regional water board spent the spring measuring the new channel, "
    "which now cuts across three fields that used to grow barley and potatoes.",
    "Several families have asked the council for compensation, arguing that the board "
    "knew for years that the old embankments would not hold in a wet season.",
    "The board says that the flood of February was the largest since records began and "
    "that no embankment built to the old standard could have held it back.",
    "A public meeting is planned for next month in the village hall, where residents "
    "will be able to put their questions to the engineers and to the council.",
]
OTHER = [
    "The new library opened on Saturday after three years of building work, with "
    "a reading room on the top floor that looks out over the old market square.",
    "More than two thousand people visited on the first day, and the children's "
    "section ran out of library cards before lunchtime, the librarians said.",
    "The building cost eleven million euros, a third of which came from a national "
    "fund for rural culture that closes to new applications at the end of the year.",
]


def page(title: str, paragraphs: list[str], *, canonical: str | None = None) -> bytes:
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title} | The Valley Courier</title>{link}</head><body>"
        f"{CHROME_TOP}<article><h1>{title}</h1>{body}</article>{CHROME_BOTTOM}</body></html>"
    ).encode()


def raw(name: str, data: bytes) -> RawDocument:
    return RawDocument(id=name, source=f"site/{name}", data=data, format="html")


def test_two_copies_keep_their_article() -> None:
    a = page("River moves east", ARTICLE)
    docs = process_batch([raw("a.html", a), raw("b.html", a)])
    for doc in docs:
        assert doc.ok, doc.errors
        for paragraph in ARTICLE:
            assert paragraph in doc.text
    assert "duplicate_of" not in docs[0].metadata
    assert docs[1].metadata["duplicate_of"] == "a.html"
    assert [w.code for w in docs[1].warnings] == ["duplicate"]
    assert "duplicate of a.html" in docs[1].warnings[0].message
    assert docs[1].to_json()["warnings"][0]["code"] == "duplicate"


def test_duplicates_count_once_as_chrome_evidence() -> None:
    a = page("River moves east", ARTICLE)
    near = page("River moves east", [*ARTICLE[:4], ARTICLE[4].replace("next month", "in May")])
    other = page("Library opens", OTHER)
    batch = [raw("a.html", a), raw("c.html", other), raw("b.html", near)]
    docs = process_batch(batch)
    by_id = {d.id: d for d in docs}
    assert by_id["b.html"].metadata["duplicate_of"] == "a.html"
    assert "duplicate_of" not in by_id["c.html"].metadata
    for name in ("a.html", "b.html"):
        assert ARTICLE[0] in by_id[name].text
    assert OTHER[0] in by_id["c.html"].text
    # The chrome the site's pages share is still found across them.
    repeated = {s.text.strip() for s in by_id["c.html"].segments if s.reason == "repeated"}
    assert any("Copyright 2024" in t for t in repeated)
    # The same verdicts whatever the order of the batch.
    flipped = {d.id: d for d in process_batch(batch[::-1])}
    for name in by_id:
        assert flipped[name].text == by_id[name].text
        kinds = [(s.text, s.kind, s.reason) for s in flipped[name].segments]
        assert kinds == [(s.text, s.kind, s.reason) for s in by_id[name].segments]
    assert flipped["a.html"].metadata["duplicate_of"] == "b.html"


def test_same_canonical_url_is_a_duplicate() -> None:
    url = "https://courier.example/2024/05/river-moves-east"
    a = page("River moves east", ARTICLE, canonical=url)
    amp = page("River moves east", ARTICLE[:3], canonical=url)
    docs = process_batch([raw("a.html", a), raw("amp.html", amp)])
    assert docs[1].metadata["duplicate_of"] == "a.html"
    assert ARTICLE[0] in docs[1].text


def test_a_site_root_url_joins_nothing_and_is_parsed_only_when_it_comes_again() -> None:
    """Pages that name a site's root as their canonical URL are not copies by it; a URL
    that no other page names is not parsed at all (it could join nothing)."""
    root, article = "https://courier.example/", "https://courier.example/a"
    sketches = [(1,), (2,), (3,), (4,), (5,)]
    urls = [root, article, root, article, "https://courier.example/once"]
    with mock.patch.object(repeats, "_site_root", wraps=repeats._site_root) as site_root:
        firsts = find_duplicates(sketches, urls)
    assert firsts == [(0, ""), (1, ""), (2, ""), (1, "same canonical URL"), (4, "")]
    assert sorted(c.args[0] for c in site_root.call_args_list) == sorted([article, root])


def test_different_articles_are_not_duplicates() -> None:
    docs = process_batch(
        [raw("a.html", page("River moves east", ARTICLE)), raw("c.html", page("Library", OTHER))]
    )
    assert all("duplicate_of" not in d.metadata for d in docs)
    assert all(
        any(s.kind == BOILERPLATE and s.reason == "repeated" for s in d.segments) for d in docs
    )


def _copies_by_every_pair(sketches: list[tuple[int, ...]], threshold: float) -> set[frozenset[int]]:
    """The groups of copies found by comparing every pair of sketches (what
    find_duplicates must find, whichever pairs it skips)."""
    parent = list(range(len(sketches)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(sketches)):
        for j in range(i + 1, len(sketches)):
            if sketch_similarity(sketches[i], sketches[j]) >= threshold:
                parent[max(root(i), root(j))] = min(root(i), root(j))
    groups: dict[int, set[int]] = {}
    for i in range(len(sketches)):
        groups.setdefault(root(i), set()).add(i)
    return {frozenset(g) for g in groups.values()}


# Small hash values make pages share many of their hashes, as copies do.
_SKETCHES = st.lists(
    st.builds(
        lambda hs: tuple(sorted(hs)[:SKETCH_SIZE]),
        st.sets(st.integers(0, 90), min_size=1, max_size=SKETCH_SIZE + 10),
    ),
    max_size=8,
)


@given(_SKETCHES, st.sampled_from([0.5, 0.8, 0.95, 1.0]))
def test_near_duplicates_are_those_of_every_pair(
    sketches: list[tuple[int, ...]], threshold: float
) -> None:
    config = BoilerplateConfig(duplicate_min_similarity=threshold)
    firsts = find_duplicates(sketches, [None] * len(sketches), config)
    groups: dict[int, set[int]] = {}
    for i, (first, _) in enumerate(firsts):
        groups.setdefault(first, set()).add(i)
    assert {frozenset(g) for g in groups.values()} == _copies_by_every_pair(sketches, threshold)


def _pairs_by_counting(sketches: list[tuple[int, ...]], threshold: float) -> list[tuple[int, int]]:
    """The candidate pairs counted one shared hash at a time (the reference)."""
    by_hash: dict[int, list[int]] = {}
    for i, sketch in enumerate(sketches):
        for h in sketch:
            by_hash.setdefault(h, []).append(i)
    shared = Counter(
        (i, j) for docs in by_hash.values() for x, i in enumerate(docs) for j in docs[x + 1 :]
    )
    return [
        (i, j)
        for (i, j), n in sorted(shared.items())
        if n / min(SKETCH_SIZE, len(sketches[i]) + len(sketches[j]) - n) >= threshold
    ]


# Sketches that hold a hash twice (two colliding shingles) too.
_SKETCHES_WITH_REPEATS = st.lists(
    st.builds(
        lambda hs, twice: tuple(sorted(hs + hs[:1] if twice else hs)),
        st.lists(st.integers(0, 40), min_size=1, max_size=SKETCH_SIZE, unique=True),
        st.booleans(),
    ),
    max_size=12,
)


#: The ways of counting the shared hashes: numpy's matrix product (where the scanner is
#: not compiled) and the scanner's loop (scan.shared_pairs), in both of its builds.
_PAIR_COUNTERS = [
    pytest.param(None, id="numpy"),
    *[pytest.param(*p.values, id=f"scan-{p.id}", marks=p.marks) for p in BUILDS],
]


@pytest.mark.parametrize("scan", _PAIR_COUNTERS)
@given(_SKETCHES_WITH_REPEATS, st.sampled_from([0.2, 0.5, 0.8, 1.0]), st.sampled_from([1, 3, 512]))
def test_candidate_pairs_are_those_of_counting_each_shared_hash(
    scan: ModuleType | None, sketches: list[tuple[int, ...]], threshold: float, rows: int
) -> None:
    """The matrix product and the scanner's loop (in blocks of ``rows`` rows) find the
    pairs, in the order, that counting every two places of each hash finds."""
    try:
        expected = _pairs_by_counting(sketches, threshold)
    except ZeroDivisionError:  # two sketches of one hash twice: no union to divide by
        assume(False)
    with (
        mock.patch.object(repeats, "_PAIR_ROWS", rows),
        mock.patch.object(repeats, "SCAN_COMPILED", scan is not None),
        mock.patch.object(repeats, "scan", scan or repeats.scan),
    ):
        assert repeats._candidate_pairs(sketches, threshold) == expected


@pytest.mark.parametrize("scan", BUILDS)
def test_the_scanners_pairs_refuse_what_they_cannot_read(scan: ModuleType) -> None:
    """Sizes, documents and an order that do not fit the hashes are errors, not reads
    or writes past them (the compiled core checks no index)."""
    hashes = np.array([5, 1, 5, 1], np.uint64)
    docs = np.array([0, 0, 1, 1], np.intp)
    order = np.argsort(hashes, kind="stable")
    sizes = np.full(2, 2.0)

    def pairs(**change: object) -> list[tuple[int, int]]:
        args = {"hashes": hashes, "order": order, "docs": docs, "sizes": sizes, "lo": 0}
        args |= {"hi": 2, "shared": np.zeros(4, np.intp)} | change
        return scan.shared_pairs(
            *(np.asarray(args[k]).data for k in ("hashes", "order", "docs", "sizes")),
            args["lo"],
            args["hi"],
            0.5,
            SKETCH_SIZE,
            np.asarray(args["shared"]).data,
        )

    assert pairs() == [(0, 1)]
    cases: list[tuple[dict[str, object], str]] = [
        ({"order": order[:3]}, "places in order"),
        ({"docs": np.array([0, 0, 2, 1], np.intp)}, "not one of 2 in order"),
        ({"docs": np.array([0, 1, 0, 1], np.intp)}, "not one of 2 in order"),
        ({"order": np.array([0, 1, 2, 4], np.intp)}, "does not sort"),
        ({"order": np.array([0, 1, 2, 3], np.intp)}, "does not sort"),
        ({"order": np.array([3, 1, 0, 2], np.intp)}, "not sort the hashes stably"),
        ({"hi": 3}, "need"),
        ({"shared": np.zeros(3, np.intp)}, "need 4 counts"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError, match=message):
            pairs(**change)


def test_the_evidence_pass_keeps_the_runs_bound_on_the_words_of_repeated_chrome() -> None:
    """A line longer than ``repeat_max_words`` (the run's, not the default's) is never
    chrome repeated across a source: the evidence pass collects the pages' keys with
    the run's configuration."""
    crumb = "Garden tips"  # two words, on every page of the source (too few for a title)
    raws = [
        RawDocument(id=name, source=f"site/{name}", data=f"{crumb}\n\n{body}", format="text")
        for name, body in (("a.txt", ARTICLE[0]), ("b.txt", OTHER[0]), ("c.txt", OTHER[1]))
    ]

    def repeated(config: Config) -> set[str]:
        return {
            s.text.strip()
            for doc in process_batch(raws, config)
            for s in doc.segments
            if s.reason == "repeated"
        }

    assert crumb in repeated(Config())
    bound = Config(boilerplate=dataclasses.replace(BoilerplateConfig(), repeat_max_words=1))
    assert crumb not in repeated(bound)
