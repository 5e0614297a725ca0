"""Cross-document repetition: chrome is what repeats across the pages of one source.

The pipeline's batch-level evidence pass groups a batch's pages by
:func:`source_group`, collects each page's :func:`repeat_keys` and keeps the
keys that :func:`find_repeats` finds in enough of the group's pages. Copies
of one page (:func:`find_duplicates`) count once: chrome is what a source's
*other* pages repeat.
"""

from __future__ import annotations

import math
import posixpath
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import accumulate, chain, repeat
from operator import lshift, or_
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from normalize.boilerplate.features import SCAN_COMPILED, _Line, page_lines, scan
from normalize.config import BoilerplateConfig
from normalize.context import Context, default_context
from normalize.document import Page

# With the scanner compiled (SCAN_COMPILED), it hashes the shingles; else zlib through map.
# Its tables carry a register past 64 zero bytes at once (a shingle of five words in
# one step); interpreted, the 64 tables would take 14 ms to make for nothing: 8 (the
# tests' interpreted twin reads either).
_CRC_TABLE = np.array(scan.crc_table(64 if SCAN_COMPILED else 8), np.uintc)


def repeat_keys(
    page: Page,
    config: BoilerplateConfig | None = None,
    *,
    lines: Sequence[_Line] | None = None,
    ctx: Context | None = None,
) -> frozenset[str]:
    """Normalized keys of the page's blocks that may count as repeated chrome.

    Long blocks are left out (``repeat_max_words``): a long paragraph shared
    by pages is syndicated content, not a template. ``lines`` are the page's
    :func:`~normalize.boilerplate.features.page_lines` when already made.

    >>> from normalize.extract.text import text_page
    >>> sorted(repeat_keys(text_page("Share it!\\nA\\n\\nShare it!", config=BoilerplateConfig())))
    ['a', 'share it']
    """
    config = config or BoilerplateConfig()
    limit = config.repeat_max_words
    if lines is None:
        lines = page_lines(page, ctx or default_context())
    keys = {line.key for line in lines if 0 < line.n_words <= limit}
    keys.discard("")
    return frozenset(keys)


def find_repeats(
    key_sets: Sequence[frozenset[str]], config: BoilerplateConfig | None = None
) -> frozenset[str]:
    """Keys that repeat across the documents of one source group: that group's chrome.

    A key counts when it is in at least two documents and either in
    ``repeat_min_fraction`` of the group or in ``repeat_min_documents`` of
    them, whichever is fewer. Counting sets (not orders) makes the result
    independent of order.

    >>> cfg = BoilerplateConfig()
    >>> sorted(find_repeats([frozenset({"nav", "a"}), frozenset({"nav", "b"}),
    ...                      frozenset({"c"}), frozenset({"d"})], cfg))
    ['nav']
    >>> find_repeats([frozenset({"x"})], cfg)
    frozenset()
    """
    config = config or BoilerplateConfig()
    n = len(key_sets)
    if n < 2:
        return frozenset()
    counts: Counter[str] = Counter()
    for ks in key_sets:
        counts.update(ks)
    need = min(config.repeat_min_documents, max(2, math.ceil(config.repeat_min_fraction * n)))
    return frozenset(k for k, c in counts.items() if c >= max(2, need))


#: Hashes kept per document for near-duplicate detection (a bottom-k MinHash
#: sketch): Jaccard is exact for pages with fewer content lines, estimated
#: within about ±0.1 above, and comparing a batch stays linear in its pages.
SKETCH_SIZE = 64
#: Words per shingle: a small edit changes a few shingles, not a whole line's worth.
SHINGLE_WORDS = 5


def content_sketch(
    page: Page,
    config: BoilerplateConfig | None = None,
    *,
    lines: Sequence[_Line] | None = None,
    ctx: Context | None = None,
) -> tuple[int, ...]:
    """The smallest hashes of a page's word shingles, sorted (its bottom-k MinHash sketch).

    Shingles are runs of :data:`SHINGLE_WORDS` case-folded words within the
    page's content lines: those of ``duplicate_min_words`` words or more (all
    lines when fewer than three are that long). A shingle's hash is its CRC-32
    above its Adler-32: stable from process to process (``hash()`` is not)
    and a few times cheaper than a cryptographic digest, which a sketch does
    not need: its keys need only be spread evenly and rarely equal, and two
    unrelated checksums agree on different shingles far more rarely than the
    ±0.1 to which the sketch estimates Jaccard.
    ``lines`` are the page's :func:`~normalize.boilerplate.features.page_lines`
    when already made.

    >>> from normalize.extract.text import text_page
    >>> cfg = BoilerplateConfig()
    >>> a = content_sketch(text_page("Home\\n\\nOne line.\\n\\nTwo more lines here.", config=cfg), cfg)
    >>> len(a), a == tuple(sorted(a))
    (3, True)
    """
    config = config or BoilerplateConfig()
    if lines is None:
        lines = page_lines(page, ctx or default_context())
    chosen = [ln for ln in lines if ln.n_words >= config.duplicate_min_words]
    if len(chosen) < 3:
        chosen = list(lines)
    datas = [ln.folded_text.encode("utf-8", "surrogatepass") for ln in chosen]
    if SCAN_COMPILED:
        return _compiled_sketch(datas)
    shingles: set[bytes] = set()
    join = b"\x00".join
    for data, ln in zip(datas, chosen, strict=True):
        # UTF-8 keeps NUL as its own byte: the words are the encoded line's
        # pieces between NULs, and a shingle is SHINGLE_WORDS of them joined
        # again (made by map and zip: no Python frame per shingle).
        if ln.n_words <= SHINGLE_WORDS:
            shingles.add(data)
            continue
        ws = data.split(b"\x00")
        shingles.update(map(join, zip(*(ws[k:] for k in range(SHINGLE_WORDS)), strict=False)))
    shingles.discard(b"")
    # crc32(k) << 32 | adler32(k) for every shingle, in C.
    keys = list(shingles)
    hashes = sorted(
        map(or_, map(lshift, map(zlib.crc32, keys), repeat(32)), map(zlib.adler32, keys))
    )
    return tuple(hashes[:SKETCH_SIZE])


def _compiled_sketch(datas: Sequence[bytes]) -> tuple[int, ...]:
    """:func:`content_sketch` of the encoded lines ``datas``, by the compiled scanner."""
    hashes, _ = shingle_sketch(datas, scan, SKETCH_SIZE, _CRC_TABLE)
    return tuple(hashes)


def shingle_sketch(
    datas: Sequence[bytes], build: ModuleType, size: int, table: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """The ``size`` smallest shingle hashes of the encoded lines ``datas`` by ``build``'s
    ``shingle_sketch`` (the compiled scanner, or the tests' interpreted twin), and the
    ``(start, end)`` of the shingle each hash is of, flat, in the joined lines (an
    array: the sketch itself does not read them, and a list would be an int object
    each)."""
    blob = b"".join(datas)
    starts = np.fromiter(accumulate(map(len, datas), initial=0), np.intp, len(datas) + 1)
    ring = np.empty(4 * SHINGLE_WORDS, np.intp)
    hashes = np.empty(size, np.ulonglong)
    spans = np.empty(2 * size, np.intp)
    # memoryviews: the interpreted twin reads Python ints from them.
    n = build.shingle_sketch(
        blob,
        starts.data,
        len(datas),
        SHINGLE_WORDS,
        size,
        table.data,
        ring.data,
        hashes.data,
        spans.data,
    )
    return hashes[:n].tolist(), spans[: 2 * n]


def sketch_similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Jaccard similarity of two pages estimated from their sketches (exact for small pages).

    >>> sketch_similarity((1, 2, 3, 4), (1, 2, 3, 5)), sketch_similarity((), ())
    (0.6, 0.0)
    """
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    if not union:
        return 0.0
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def _site_root(url: str) -> bool:
    """True for a URL that names a whole site (some sites give every page that canonical link)."""
    return urlsplit(url).path.strip("/") == ""


def find_duplicates(
    sketches: Sequence[tuple[int, ...]],
    urls: Sequence[str | None],
    config: BoilerplateConfig | None = None,
) -> list[tuple[int, str]]:
    """For each document of a source group, the first one it is a copy of, and why.

    Two documents are copies when they name the same canonical URL (not a
    site's root) or when their content sketches are at least
    ``duplicate_min_similarity`` alike; copies of copies are copies. Each
    document gets ``(index of the first document of its copies, reason)``,
    itself and ``""`` when it has none. Which documents are copies does not
    depend on the order; only which copy comes first does.

    >>> find_duplicates([(1, 2, 3), (4, 5, 6), (1, 2, 3)], [None, None, None])
    [(0, ''), (1, ''), (0, 'near-identical content')]
    >>> find_duplicates([(1,), (2,)], ["https://a.example/x", "https://a.example/x"])
    [(0, ''), (0, 'same canonical URL')]
    """
    config = config or BoilerplateConfig()
    n = len(sketches)
    parent = list(range(n))
    why = [""] * n

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int, reason: str) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
        if not why[j]:
            why[j] = reason

    first_by_url: dict[str, int] = {}
    for i, url in enumerate(urls):
        if not url:
            continue
        if url not in first_by_url:
            first_by_url[url] = i
        elif not _site_root(url):
            # Only a URL that comes again is parsed (a site's root joins nothing).
            join(first_by_url[url], i, "same canonical URL")
    for i, j in _candidate_pairs(sketches, config.duplicate_min_similarity):
        if sketch_similarity(sketches[i], sketches[j]) >= config.duplicate_min_similarity:
            join(i, j, "near-identical content")
    return [(root(i), why[i] if root(i) != i else "") for i in range(n)]


#: Rows of the shared-hash counts :func:`_candidate_pairs` computes at a time
#: (a batch's group of N pages needs ``_PAIR_ROWS × N`` of them in memory).
_PAIR_ROWS = 512


def _candidate_pairs(
    sketches: Sequence[tuple[int, ...]], min_similarity: float
) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i <= j``, in order, whose sketches share enough hashes to
    be ``min_similarity`` alike: how many they share bounds their similarity from above
    (shared / the size of the sketch of their union).

    Pages of one site share their chrome's few shingles, and only pairs that share
    enough are compared. A hash in several documents' sketches counts once for every
    two places it is in (a sketch holds a hash twice only when two shingles collide,
    and then pairs a document with itself); the counts are one product of the
    documents' hash-count matrix with itself, in blocks of :data:`_PAIR_ROWS` rows
    (whole numbers: exact in floating point in any order). The hashes in two
    places or more are found by sorting all of them (``np.unique``), not one dict
    entry per hash. With the scanner compiled, the same counts are taken by its
    loop over the sorted hashes (:func:`_compiled_pairs`).

    >>> _candidate_pairs([(1, 2, 3), (4, 5, 6), (1, 2, 3), (1, 2, 7)], 0.8)
    [(0, 2)]
    """
    n = len(sketches)
    sizes = np.array([len(sketch) for sketch in sketches], np.float64)
    hashes = np.fromiter(chain.from_iterable(sketches), np.uint64, int(sizes.sum()))
    if SCAN_COMPILED:
        return _compiled_pairs(hashes, sizes, min_similarity)
    # A column per hash in two places or more (sorted: the sums below are exact
    # in any order of the columns), a row per document.
    distinct, where, places = np.unique(hashes, return_inverse=True, return_counts=True)
    shared_col = np.cumsum(places > 1) - 1
    in_shared = (places > 1)[where]
    if not in_shared.any():
        return []
    rows = np.repeat(np.arange(n), sizes.astype(np.intp))[in_shared]
    cols = shared_col[where[in_shared]]
    width = int(shared_col[-1]) + 1
    counts = np.bincount(rows * width + cols, minlength=n * width).reshape(n, width)
    counts = counts.astype(np.float64)
    # A document with a hash c times pairs with itself c(c - 1) / 2 times.
    self_pairs = ((counts * counts).sum(axis=1) - counts.sum(axis=1)) / 2
    pairs: list[tuple[int, int]] = []
    for lo in range(0, n, _PAIR_ROWS):
        hi = min(n, lo + _PAIR_ROWS)
        shared = np.triu(counts[lo:hi] @ counts.T, lo + 1)
        shared[np.arange(hi - lo), np.arange(lo, hi)] = self_pairs[lo:hi]
        ii, jj = np.nonzero(shared)  # row-major: the pairs in order
        n_shared = shared[ii, jj]
        ii += lo
        union = np.minimum(SKETCH_SIZE, sizes[ii] + sizes[jj] - n_shared)
        keep = n_shared / union >= min_similarity
        pairs.extend(zip(ii[keep].tolist(), jj[keep].tolist(), strict=True))
    return pairs


def _compiled_pairs(
    hashes: np.ndarray, sizes: np.ndarray, min_similarity: float
) -> list[tuple[int, int]]:
    """:func:`_candidate_pairs` of the sketches' ``hashes`` (one after another) and
    ``sizes`` by the compiled scanner (:func:`~normalize.boilerplate.scan.shared_pairs`):
    the hashes sorted once, and each two places of a hash counted where they are, in
    blocks of :data:`_PAIR_ROWS` rows, instead of a dozen numpy calls on arrays of a
    few thousand numbers for a group's product."""
    n = len(sizes)
    order = np.argsort(hashes, kind="stable")
    docs = np.repeat(np.arange(n), sizes.astype(np.intp))
    pairs: list[tuple[int, int]] = []
    for lo in range(0, n, _PAIR_ROWS):
        hi = min(n, lo + _PAIR_ROWS)
        # memoryviews: the interpreted twin reads Python numbers from them.
        pairs.extend(
            scan.shared_pairs(
                hashes.data,
                order.data,
                docs.data,
                sizes.data,
                lo,
                hi,
                min_similarity,
                SKETCH_SIZE,
                np.zeros((hi - lo) * n, np.intp).data,
            )
        )
    return pairs


def source_group(source: str | None, metadata: Mapping[str, Any] | None = None) -> str:
    """The group whose documents share chrome: a JSONL ``source`` field, a URL's host, a file's folder.

    >>> source_group("https://www.rt.com/news/440239/", {})
    'host:rt.com'
    >>> source_group("fixtures/seeds/000.txt", {}), source_group(None, {"source": "cc-2018"})
    ('dir:fixtures/seeds', 'source:cc-2018')
    >>> source_group(None, {"url": "http://Example.org/a"}), source_group(None, {})
    ('host:example.org', '')
    """
    metadata = metadata or {}
    field_source = metadata.get("source")
    if isinstance(field_source, str) and field_source:
        return "source:" + field_source
    for cand in (metadata.get("url"), source):
        if isinstance(cand, str) and "://" in cand:
            host = (urlsplit(cand).hostname or "").lower()
            host = host.removeprefix("www.")
            if host:
                return "host:" + host
    if source:
        return "dir:" + posixpath.dirname(source.replace("\\", "/"))
    return ""
