"""The boilerplate stage's per-page loops, compiled with Cython when a compiler is there.

Like :mod:`normalize.kernels`, this module is plain Python that setup.py
also compiles in Cython's pure-Python mode (``scan.pxd`` beside it gives the
C types); :mod:`normalize.compiled` says which build was loaded. The callers
run these loops only when they are compiled: interpreted, the same numbers
come faster from the C functions of the standard library (``zlib``) called
through ``map``, and that path runs instead. ``tests/test_scan.py`` checks
the compiled build against this file and both against that path, bit for bit.

:func:`shingle_hashes` hashes every word shingle of a page's content lines
for its near-duplicate sketch (:func:`~normalize.boilerplate.repeats.content_sketch`)
in one call per page, without a bytes object per shingle.
:func:`content_probabilities` is the classifier's two-stage model over a
page's blocks (:mod:`normalize.boilerplate.model`) in one call, each block's
features read once, and :func:`add_context` its step between the stages: the
same products added in the same order, so the same floats.
:func:`icon_labels` is the icon-strip rule on a line of ASCII and General
Punctuation, without a string per token.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

try:
    import cython
except ImportError:  # interpreted where Cython is not installed
    compiled = False
else:
    # Compiled, Cython makes this a constant: True.
    compiled = cython.compiled

if TYPE_CHECKING:
    from typing import Any

    #: A flat buffer: bytes, a numpy array or a ``memoryview`` of one
    #: (compiled, a typed memoryview; the annotations are for mypy only).
    #: Interpreted, the numbers' buffers must be memoryviews (whose items are
    #: Python ints): numpy's 32-bit scalars would wrap in the shifts.
    Buffer = Any


def crc_table(tables: int = 8) -> list[int]:
    """The CRC-32 lookup tables (zlib's reflected polynomial 0xEDB88320) for ``tables``
    bytes at a time (8 at least), 256 entries each: the first is the table of one
    byte; entry ``n`` of table ``k`` is the CRC of byte ``n`` followed by ``k`` zero
    bytes.

    >>> import zlib
    >>> table = crc_table()
    >>> crc = 0xFFFFFFFF
    >>> for byte in b"abc":
    ...     crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    >>> crc ^ 0xFFFFFFFF == zlib.crc32(b"abc"), crc_table(64)[:2048] == table
    (True, True)
    """
    table = []
    for n in range(256):
        c = n
        for _j in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    for k in range(1, max(8, tables)):
        for n in range(256):
            c = table[256 * (k - 1) + n]
            table.append((c >> 8) ^ table[c & 0xFF])
    return table


def shingle_sketch(
    data: Buffer,
    starts: Buffer,
    n_lines: int,
    shingle_words: int,
    size: int,
    table: Buffer,
    ring: Buffer,
    hashes: Buffer,
    spans: Buffer,
) -> int:
    """The ``size`` smallest hashes of the distinct shingles of ``n_lines`` lines, sorted.

    ``data`` holds the lines' casefolded words encoded in UTF-8, a NUL byte
    between two words of a line; line ``i`` is ``data[starts[i] :
    starts[i + 1]]``. A shingle is a run of ``shingle_words`` consecutive
    words of a line (NULs between them), or the whole line when it has no
    more words than that; an empty line has none. A shingle's hash is its
    CRC-32 above its Adler-32 (``zlib.crc32(s) << 32 | zlib.adler32(s)``).
    A shingle that comes again counts once; two different shingles with
    the same hash count twice (their bytes tell them apart).

    The smallest hashes go to ``hashes[:n]`` in order, the offsets of their
    shingles' bytes to ``spans[2i]`` and ``spans[2i + 1]``; returns ``n``
    (``size`` at most). ``table`` is :func:`crc_table` (eight tables or more,
    or any tables as linear as a CRC's); ``ring`` a scratch buffer of
    ``4 * shingle_words`` items.

    Each line is read once: the CRC register and Adler-32's two sums of its
    bytes from its start are kept at the start of each of its last
    ``shingle_words`` words (in ``ring``), and a shingle's checksums come
    from those at its two ends. Adler-32's sums of ``s[a:b]`` are differences
    of the sums up to ``b`` and up to ``a``; the CRC register, being linear,
    is that at ``b`` plus that at ``a`` (less the initial one) carried past
    ``b - a`` zero bytes: four table reads past as many zeros as there are
    tables, one step for a shingle shorter than that.
    """
    # The compiled core checks no index: the sizes and the lines' offsets are
    # checked here.
    if size < 1 or shingle_words < 1 or n_lines < 0:
        raise ValueError(f"size ({size}) and shingle_words ({shingle_words}) must be positive")
    if (
        len(hashes) < size
        or len(spans) < 2 * size
        or len(starts) < n_lines + 1
        or len(table) < 2048
        or len(ring) < 4 * shingle_words
    ):
        raise ValueError(
            f"hashes needs {size} items, spans {2 * size}, starts {n_lines + 1}, "
            f"ring {4 * shingle_words}"
        )
    ones = 0xFFFFFFFF  # a C number compiled: the literal would be an object
    span = len(table) // 256  # the zeros the tables carry a register past in one step
    n = 0
    for li in range(n_lines):
        lo = starts[li]
        hi = starts[li + 1]
        if lo < 0 or lo > hi or hi > len(data):
            raise ValueError(f"line {li} is not within the {len(data)} bytes of data")
        if lo == hi:
            continue
        # The register and the sums of data[lo:p] (the register from 0xFFFFFFFF),
        # reduced modulo 65521 (the largest prime below 2**16) every 2**20 bytes
        # at most, and at each word's start; word 0 starts at lo.
        crc = ones
        s1 = 0
        s2 = 0
        ring[0] = lo
        ring[1] = crc
        ring[2] = 0
        ring[3] = 0
        w = 0  # the word being read
        ws = 0  # its place in the ring (w modulo shingle_words, kept without a division)
        reduce_at = lo + 1048576
        p = lo
        while True:
            if p < hi and data[p] != 0:
                byte = data[p]
                crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
                s1 += byte
                s2 += s1
                p += 1
                if p == reduce_at:
                    s1 %= 65521
                    s2 %= 65521
                    reduce_at = p + 1048576
                continue
            # Word w ends at p: the shingle that it ends, if it is a shingle's last,
            # or the whole line, which has fewer words than a shingle (word 0's
            # start is still in the ring).
            if w + 1 >= shingle_words or p == hi:
                # The shingle's first word is w + 1 - shingle_words, which is w + 1 in
                # the ring (the slot after w's).
                at = 4 * (ws + 1 if ws + 1 < shingle_words else 0) if w + 1 >= shingle_words else 0
                a = ring[at]
                length = p - a
                # The register at a, less the initial one, carried past the
                # shingle's bytes as zeros: ``span`` at a time (the tables of a
                # byte followed by span - 1 to span - 4 zeros; the zero bytes' own
                # entries are 0), then the last 1 to span - 1 in one step: a
                # register's four bytes carried past k zeros are the tables of a
                # byte followed by k - 1, k - 2... zeros, and for k < 4, what is
                # left of the register shifted by k bytes (the same bits as k
                # steps of one byte).
                x = ring[at + 1] ^ ones
                k = length
                while k >= span:
                    x = (
                        table[256 * (span - 1) + (x & 0xFF)]
                        ^ table[256 * (span - 2) + ((x >> 8) & 0xFF)]
                        ^ table[256 * (span - 3) + ((x >> 16) & 0xFF)]
                        ^ table[256 * (span - 4) + (x >> 24)]
                    )
                    k -= span
                if k >= 4:
                    x = (
                        table[256 * (k - 1) + (x & 0xFF)]
                        ^ table[256 * (k - 2) + ((x >> 8) & 0xFF)]
                        ^ table[256 * (k - 3) + ((x >> 16) & 0xFF)]
                        ^ table[256 * (k - 4) + (x >> 24)]
                    )
                elif k == 3:
                    x = (
                        table[512 + (x & 0xFF)]
                        ^ table[256 + ((x >> 8) & 0xFF)]
                        ^ table[(x >> 16) & 0xFF]
                        ^ (x >> 24)
                    )
                elif k == 2:
                    x = table[256 + (x & 0xFF)] ^ table[(x >> 8) & 0xFF] ^ (x >> 16)
                elif k == 1:
                    x = table[x & 0xFF] ^ (x >> 8)
                wide = crc ^ x ^ ones  # 64 bits wide (compiled) before the shift
                # A hash whose CRC half is above that of the largest kept hash is above it
                # whatever its Adler-32 half: only the others need that one.
                if n < size or wide <= hashes[n - 1] >> 32:
                    # Adler-32: 1 plus the bytes' sum, and the sum of those running sums.
                    m = length % 65521
                    s1_a = ring[at + 2]
                    ad_lo = (s1 % 65521 + 65522 - s1_a) % 65521
                    ad_hi = (
                        s2 % 65521 + m + 65521 - ring[at + 3] + 65521 - (m * s1_a) % 65521
                    ) % 65521
                    h = (wide << 32) | (ad_hi << 16) | ad_lo
                    if n < size or h < hashes[n - 1]:
                        # Where h goes among the kept hashes (after its equals: the
                        # first one above it, by bisection), and whether a kept
                        # shingle with the same hash has the same bytes.
                        j = 0
                        b = n
                        while b > 1:
                            # hashes[j : j + b] holds the first one above h, or it
                            # is hashes[j + b]; halved without a branch to guess
                            # (compiled, a conditional move).
                            q = b // 2
                            j = j + q if hashes[j + q] <= h else j
                            b -= q
                        if b == 1 and hashes[j] <= h:
                            j += 1
                        slot = j
                        seen = False
                        j -= 1
                        while j >= 0 and hashes[j] == h and not seen:
                            if spans[2 * j + 1] - spans[2 * j] == length:
                                q = spans[2 * j]
                                r = a
                                while r < p and data[r] == data[q]:
                                    r += 1
                                    q += 1
                                seen = r == p
                            j -= 1
                        if not seen:
                            if n < size:
                                n += 1
                            # The kept hashes and spans after the slot move up one
                            # (the last one out when all size are kept): compiled,
                            # one memmove each, not a step per item.
                            if compiled:
                                memmove(  # type: ignore[name-defined]  # noqa: F821
                                    cython.address(hashes[slot + 1]),
                                    cython.address(hashes[slot]),
                                    (n - 1 - slot) * cython.sizeof(cython.ulonglong),
                                )
                                memmove(  # type: ignore[name-defined]  # noqa: F821
                                    cython.address(spans[2 * slot + 2]),
                                    cython.address(spans[2 * slot]),
                                    (n - 1 - slot) * 2 * cython.sizeof(cython.Py_ssize_t),
                                )
                            else:
                                j = n - 1
                                while j > slot:
                                    hashes[j] = hashes[j - 1]
                                    spans[2 * j] = spans[2 * j - 2]
                                    spans[2 * j + 1] = spans[2 * j - 1]
                                    j -= 1
                            hashes[slot] = h
                            spans[2 * slot] = a
                            spans[2 * slot + 1] = p
            if p == hi:
                break
            # The NUL, and the next word's start.
            crc = table[crc & 0xFF] ^ (crc >> 8)
            s2 += s1
            p += 1
            w += 1
            ws = ws + 1 if ws + 1 < shingle_words else 0
            at = 4 * ws
            s1 %= 65521
            s2 %= 65521
            reduce_at = p + 1048576
            ring[at] = p
            ring[at + 1] = crc
            ring[at + 2] = s1
            ring[at + 3] = s2
    return n


def shared_pairs(
    hashes: Buffer,
    order: Buffer,
    docs: Buffer,
    sizes: Buffer,
    lo: int,
    hi: int,
    min_similarity: float,
    sketch_size: float,
    shared: Buffer,
) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``lo <= i < hi`` and ``i <= j``, in order, of documents
    whose sketches share enough hashes to be ``min_similarity`` alike
    (``repeats._candidate_pairs``, which says why): how many hashes they share,
    over the size of the sketch of their union (``sketch_size`` at most), is at
    least ``min_similarity``.

    ``hashes`` are the documents' sketches one after another, ``docs[k]`` the
    document of ``hashes[k]`` (so never less than ``docs[k - 1]``), ``sizes[i]`` the
    size of document ``i``'s sketch and ``order`` sorts the hashes stably
    (``np.argsort(hashes, kind="stable")``: equal ones by document). ``shared`` is a
    scratch of ``(hi - lo) * len(sizes)`` items, all 0.

    Two places of one hash count once, in the row of the document of the first
    (a sketch holds a hash twice only when two shingles collide, and then pairs a
    document with itself): the counts are whole numbers, those of the product of
    the documents' hash-count matrix with itself, and the quotient the same float.

    >>> import numpy as np
    >>> hashes = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 1, 2, 7], np.uint64)
    >>> docs = np.repeat(np.arange(4), 3)
    >>> order, sizes = np.argsort(hashes, kind="stable"), np.full(4, 3.0)
    >>> shared_pairs(hashes.data, order.data, docs.data, sizes.data, 0, 4, 0.8, 64,
    ...              np.zeros(16, np.intp).data)
    [(0, 2)]
    """
    m = len(hashes)
    n = len(sizes)
    # The compiled core checks none of its reads: the sizes, the documents and the
    # order are checked here.
    if len(order) != m or len(docs) != m:
        raise ValueError(f"{m} hashes, {len(order)} places in order, {len(docs)} documents")
    if not 0 <= lo <= hi <= n or len(shared) < (hi - lo) * n:
        raise ValueError(f"rows {lo} to {hi} of {n} documents need {(hi - lo) * n} counts")
    for k in range(m):
        if not 0 <= docs[k] < n or (k and docs[k] < docs[k - 1]):
            raise ValueError(f"document {docs[k]} of hash {k} is not one of {n} in order")
        if not 0 <= order[k] < m or (k and hashes[order[k]] < hashes[order[k - 1]]):
            raise ValueError(f"order does not sort the {m} hashes (place {k})")
    for a in range(m):
        i = docs[order[a]]
        if i < lo or i >= hi:
            continue
        h = hashes[order[a]]
        at = (i - lo) * n
        b = a + 1
        while b < m and hashes[order[b]] == h:
            j = docs[order[b]]
            if j < i:
                raise ValueError(f"order does not sort the hashes stably (place {b})")
            shared[at + j] += 1
            b += 1
    out = []
    for i in range(lo, hi):
        at = (i - lo) * n
        for j in range(i, n):
            if not shared[at + j]:
                continue
            s = float(shared[at + j])
            shared[at + j] = 0
            whole = sizes[i] + sizes[j] - s
            if whole > sketch_size:
                whole = sketch_size
            # A union of no hash (two places of one hash, twice): numpy's quotient
            # is infinite, as the compiled one is (no error to raise).
            if whole == 0.0 or s / whole >= min_similarity:
                out.append((i, j))
    return out


def content_probabilities(
    names: list[str],
    cols1: Buffer,
    weights1: Buffer,
    cols2: Buffer,
    weights2: Buffer,
    context: Buffer,
    feats: list[dict[str, float]],
    rows: Buffer,
) -> list[float]:
    """P(content) of each block by the two-stage model, in one call per page.

    ``names`` are the features either stage weighs; stage 1's ``k``-th term is
    ``weights1[k]`` times the block's feature ``names[cols1[k]]`` (stage 2's
    likewise). Each block's features are read once into ``rows`` (``len(feats)``
    rows of ``len(names)`` numbers, ``f.get(name, 0.0)``, from the block's items);
    ``names`` are all different. A stage's logit adds
    its terms in their order from 0.0, the products and sums of ``sum(map(mul,
    ...))``, and its sigmoid is that of :func:`~normalize.boilerplate.model._sigmoid`
    (``math.exp``, compiled the C library's ``exp`` it calls): the same floats. Between the stages
    the neighbours' first-stage probabilities are added to each block's
    features as :func:`add_context` adds them, and to its row where ``context``
    (the columns of ``ctx_p``, ``ctx_p_wide``, ``prev_p`` and ``next_p``, -1 for
    one no stage weighs) says.

    >>> import math
    >>> import numpy as np
    >>> cols, weights = np.array([0, 1], np.intp), np.array([2.0, -1.0])
    >>> context = np.array([-1, -1, 1, -1], np.intp)
    >>> feats = [{"a": 1.0}, {"a": -1.0}]
    >>> p = content_probabilities(["a", "prev_p"], cols, weights, cols, weights, context,
    ...                           feats, np.empty(4))
    >>> [round(x, 4) for x in p], feats[1]["prev_p"] == 1 / (1 + math.exp(-2.0))
    ([0.8808, 0.0531], True)
    """
    n = len(feats)
    m = len(names)
    n1 = len(cols1)
    n2 = len(cols2)
    # The compiled core checks none of its reads and writes: the sizes are checked here.
    if len(weights1) != n1 or len(weights2) != n2 or len(context) != 4:
        raise ValueError(
            f"{n1} and {n2} columns for {len(weights1)} and {len(weights2)} weights, "
            f"{len(context)} context columns (4)"
        )
    if len(rows) < n * m:
        raise ValueError(f"{n} blocks of {m} features need {n * m} numbers, not {len(rows)}")
    for k in range(n1):
        if not 0 <= cols1[k] < m:
            raise ValueError(f"column {cols1[k]} is not one of {m} features")
    for k in range(n2):
        if not 0 <= cols2[k] < m:
            raise ValueError(f"column {cols2[k]} is not one of {m} features")
    for k in range(4):
        if not -1 <= context[k] < m:
            raise ValueError(f"context column {context[k]} is not one of {m} features")
    column = {}
    for u in range(m):
        column[names[u]] = u
    if len(column) != m:
        raise ValueError(f"the {m} feature names are not all different")
    # The blocks' dicts have their text features first, in one order (one dict
    # literal made them): the name of each item and its column are kept by
    # position, and an item whose name is the very string kept there takes
    # that column without a lookup (any other, from ``column``).
    seen: list[str] = []
    seen_cols: list[int] = []
    p1 = []
    for i in range(n):
        f = feats[i]
        at = i * m
        # A block has about half of the names (the structure's features are
        # sparse): its row is read from its own items, the names it lacks 0.0.
        for u in range(m):
            rows[at + u] = 0.0
        t = 0
        for name, value in f.items():
            if t < len(seen) and name is seen[t]:
                u = seen_cols[t]
            else:
                u = column.get(name, -1)
                if t < len(seen):
                    seen[t] = name
                    seen_cols[t] = u
                else:
                    seen.append(name)
                    seen_cols.append(u)
            if u >= 0:
                rows[at + u] = value
            t += 1
        z = 0.0
        for k in range(n1):
            z += weights1[k] * rows[at + cols1[k]]
        p1.append(_sigmoid(z))
    out = []
    for i in range(n):
        f = feats[i]
        at = i * m
        ctx_p = _mean_around(p1, i, n, 2)
        wide = _mean_around(p1, i, n, 6)
        prev = p1[i - 1] if i else 0.0
        after = p1[i + 1] if i + 1 < n else 0.0
        f["ctx_p"] = ctx_p
        f["ctx_p_wide"] = wide
        f["prev_p"] = prev
        f["next_p"] = after
        if context[0] >= 0:
            rows[at + context[0]] = ctx_p
        if context[1] >= 0:
            rows[at + context[1]] = wide
        if context[2] >= 0:
            rows[at + context[2]] = prev
        if context[3] >= 0:
            rows[at + context[3]] = after
        z = 0.0
        for k in range(n2):
            z += weights2[k] * rows[at + cols2[k]]
        out.append(_sigmoid(z))
    return out


def _sigmoid(z: float) -> float:
    """The logistic function of ``z``, as the model computes it."""
    if z >= 0:
        return 1.0 / (1.0 + _exp(-z))
    e = _exp(z)
    return e / (1.0 + e)


def _exp(x: float) -> float:
    """``math.exp(x)``: compiled, the C library's ``exp``, which ``math.exp`` calls
    (the same float), without a call of a Python function."""
    if compiled:
        return c_exp(x)  # type: ignore[name-defined]  # noqa: F821
    return math.exp(x)


def _log1p(x: float) -> float:
    """``math.log1p(x)``: compiled, the C library's ``log1p``, which ``math.log1p``
    calls (for 0.0 too: it returns its argument, as the C function does), without
    a call of a Python function."""
    if compiled:
        return c_log1p(x)  # type: ignore[name-defined]  # noqa: F821
    return math.log1p(x)


def add_context(feats: list[dict[str, float]], probs: list[float]) -> None:
    """Add the first stage's probabilities of the neighbours to each block's features.

    ``ctx_p`` is the mean over the two blocks on each side, ``ctx_p_wide``
    over six, ``prev_p`` and ``next_p`` the neighbours' (0.0 at the ends);
    each sum is taken left to right from 0.0, as ``sum`` of the slices does.

    >>> feats = [{}, {}, {}]
    >>> add_context(feats, [0.5, 0.25, 1.0])
    >>> feats[1]
    {'ctx_p': 0.75, 'ctx_p_wide': 0.75, 'prev_p': 0.5, 'next_p': 1.0}
    """
    n = len(feats)
    if len(probs) != n:  # the compiled core checks no index
        raise ValueError(f"{len(probs)} probabilities for {n} blocks")
    for i in range(n):
        f = feats[i]
        f["ctx_p"] = _mean_around(probs, i, n, 2)
        f["ctx_p_wide"] = _mean_around(probs, i, n, 6)
        f["prev_p"] = probs[i - 1] if i else 0.0
        f["next_p"] = probs[i + 1] if i + 1 < n else 0.0


def _mean_around(probs: list[float], i: int, n: int, width: int) -> float:
    """The mean of ``probs`` within ``width`` of ``i`` (``i`` left out), summed left to right."""
    lo = i - width if i >= width else 0
    hi = i + width + 1 if i + width + 1 <= n else n
    s = 0.0
    for j in range(lo, hi):
        if j != i:
            s += float(probs[j])  # compiled, a sum of doubles (no number object per term)
    m = hi - lo - 1
    return s / (m if m > 1 else 1)


# The reasons a block's features name ------------------------------------------


def structural_reason(f: dict[str, float], log13: float) -> str | None:
    """The chrome a block's HTML structure names with certainty
    (``model.structural_reason``, which says why), from its features ``f``;
    ``log13`` is ``math.log1p(12)``: a block of at most twelve words. Each value
    is tested as Python tests it (truth, comparison), a get per cue.

    >>> import math
    >>> structural_reason({"cls_share": 1.0, "log_words": math.log1p(3)}, math.log1p(12))
    'share'
    >>> structural_reason({"is_title": 1.0, "cls_cookie": 1.0}, math.log1p(12)) is None
    True
    """
    if f.get("is_title"):
        return None
    if f.get("noscript_notice"):
        return "noscript"
    if f.get("cls_cookie"):
        return "cookie"
    if f.get("cls_breadcrumb") and f.get("log_words", 0.0) <= log13:
        return "breadcrumb"
    if f.get("in_nav") and f.get("link_density", 0.0) >= 0.5:
        return "nav"
    if f.get("cls_share") and f.get("log_words", 0.0) <= log13:
        return "share"
    if f.get("cls_comments") and not f.get("in_container"):
        return "comments"
    return None


def forced_reasons(
    lines: list[Any],
    repeated: Any,
    title_index: int,
    title_key: str,
    feats: list[dict[str, float]],
    structure: list[Any],
    max_rule_chars: int,
    phrases: Any,
    log13: float,
) -> list[str | None]:
    """The reason exact evidence or a rule gives each block, or ``None`` for the model to
    decide (``model._evidence``, which says why): none for the title
    (``title_index``, -1 for none); ``repeated`` for a line whose key (``_Line.key``)
    is one of ``repeated``; ``duplicate_title`` for one whose key is ``title_key``
    (when not empty); ``duplicate_line`` for one whose key is that of the last
    line that had a key; else the line's rule (``_Line.rule``, with
    ``max_rule_chars`` and ``phrases``) or, for a block with structural features
    (``structure[i]`` not empty), :func:`structural_reason` of its features.

    >>> class Line:
    ...     def __init__(self, key):
    ...         self.key = key
    ...     def rule(self, max_rule_chars, phrases):
    ...         return "share" if self.key == "share" else None
    >>> lines = [Line(k) for k in ["title", "nav", "share", "a", "a", "title", ""]]
    >>> forced_reasons(lines, {"nav"}, 0, "title", [{}] * 7, [{}] * 7, 80, None, 2.56)
    [None, 'repeated', 'share', None, 'duplicate_line', 'duplicate_title', None]
    """
    n = len(lines)
    if len(feats) != n or len(structure) != n:  # the compiled core checks no index
        raise ValueError(f"{n} lines for {len(feats)} blocks' features and {len(structure)}")
    out: list[str | None] = []
    prev_key = None
    for i in range(n):
        line = lines[i]
        k = line.key
        reason = None
        if i == title_index:
            reason = None
        elif k and k in repeated:
            reason = "repeated"
        elif title_key and k == title_key:
            reason = "duplicate_title"
        elif k and k == prev_key:
            reason = "duplicate_line"
        else:
            # Only a block with structural features (HTML) can have a structural reason.
            reason = line.rule(max_rule_chars, phrases)
            if not reason:
                reason = structural_reason(feats[i], log13) if structure[i] else None
        out.append(reason)
        if k:
            prev_key = k
    return out


#: The structural cues behind a model verdict of boilerplate, most specific
#: first, each with the reason it gives (:func:`model_reason`).
_MODEL_CUES = (
    ("cls_breadcrumb", "breadcrumb"),
    ("cls_comments", "comments"),
    ("cls_share", "share"),
    ("cls_subscribe", "subscribe"),
    ("cls_cookie", "cookie"),
    ("cls_related", "related"),
    ("cls_ads", "ads"),
    ("in_nav", "nav"),
    ("cls_nav", "nav"),
    ("in_footer", "footer"),
    ("cls_footer", "footer"),
    ("in_aside", "sidebar"),
    ("cls_sidebar", "sidebar"),
)


def model_reason(f: dict[str, float]) -> str:
    """The name of the strongest cue behind the model's verdict of boilerplate on a
    block with the features ``f``: its structure's, most specific first, else a
    link-dense or short block, else a low score.

    >>> model_reason({"cls_nav": 1.0, "in_footer": 1.0}), model_reason({"short": 1.0})
    ('nav', 'short')
    >>> model_reason({"link_density": 0.5, "short": 1.0}), model_reason({"short": 0.0})
    ('link_dense', 'low_score')
    """
    for cue, reason in _MODEL_CUES:
        if f.get(cue):
            return reason
    if f.get("link_density", 0.0) >= 0.5:
        return "link_dense"
    if f.get("short"):
        return "short"
    return "low_score"


def verdicts(
    feats: list[dict[str, float]],
    forced: list[str | None],
    probs: list[float],
    title_index: int,
    threshold: float,
    rescue_threshold: float | None,
) -> list[str | None]:
    """Each block's verdict (``model.classify``, which says why): none for the title
    (``title_index``, -1 for none), the reason exact evidence or a rule forced, the
    model's reason (:func:`model_reason` of its features) for a probability below
    ``threshold`` that the rescue (``rescue_threshold``, ``None`` without one) does
    not keep, else none (content). The same comparisons of the same floats.

    >>> verdicts([{}, {"short": 1.0}, {}], [None, None, "nav"], [0.9, 0.1, 0.9], -1, 0.5, None)
    [None, 'short', 'nav']
    >>> verdicts([{}, {}], [None, None], [0.2, 0.1], 0, 0.5, 0.15)
    [None, 'low_score']
    """
    n = len(feats)
    if len(forced) != n or len(probs) != n:  # the compiled core checks no index
        raise ValueError(f"{len(forced)} reasons and {len(probs)} probabilities for {n} blocks")
    rescue = rescue_threshold is not None
    low = rescue_threshold if rescue_threshold is not None else 0.0
    out: list[str | None] = []
    for i in range(n):
        why = forced[i]
        p = probs[i]
        if i == title_index:
            out.append(None)
        elif why:
            out.append(why)
        elif p < threshold and not (rescue and p >= low):
            out.append(model_reason(feats[i]))
        else:
            out.append(None)
    return out


def best_free(probs: list[float], forced: list[str | None], title_index: int) -> float | None:
    """``max`` of the probabilities of the blocks that are neither the title
    (``title_index``, -1 for none) nor forced (``forced[i]`` true): ``None`` for
    none, else the first of the largest, as ``max`` keeps it (a later one
    replaces it only when greater).

    >>> best_free([0.2, 0.9, 0.4], [None, "nav", None], 0)
    0.4
    """
    n = len(probs)
    if len(forced) != n:  # the compiled core checks no index
        raise ValueError(f"{len(forced)} reasons for {n} probabilities")
    found = False
    best = 0.0
    for i in range(n):
        if i == title_index or forced[i]:
            continue
        p = probs[i]
        if not found or p > best:
            best = p
            found = True
    return best if found else None


def _block(
    block: type, start: object, end: object, kind: object, reason: object, features: object
) -> Any:
    """A ``block`` (``document.Block``) of these fields, made without calling the class:
    compiled, each slot is set as ``object.__setattr__`` sets it
    (``PyObject_GenericSetAttr``), without the generated ``__init__``'s call of
    ``object.__setattr__`` per field (a Python call each, 0.58 µs a block)."""
    b: Any = object.__new__(block)
    if compiled:
        PyObject_GenericSetAttr(b, "start", start)  # type: ignore[name-defined]  # noqa: F821
        PyObject_GenericSetAttr(b, "end", end)  # type: ignore[name-defined]  # noqa: F821
        PyObject_GenericSetAttr(b, "kind", kind)  # type: ignore[name-defined]  # noqa: F821
        PyObject_GenericSetAttr(b, "reason", reason)  # type: ignore[name-defined]  # noqa: F821
        PyObject_GenericSetAttr(b, "features", features)  # type: ignore[name-defined]  # noqa: F821
    else:
        object.__setattr__(b, "start", start)
        object.__setattr__(b, "end", end)
        object.__setattr__(b, "kind", kind)
        object.__setattr__(b, "reason", reason)
        object.__setattr__(b, "features", features)
    return b


def line_blocks(block: type, text: str, max_blocks: int, content: str) -> tuple[tuple, bool]:
    """The line blocks of ``text`` (``extract.text.text_page``) as ``block`` objects of
    kind ``content`` (no reason, empty features) and whether the page was cut: each
    line with the line breaks after it; when ``max_blocks`` would be passed, the rest
    of the page is one last block (nothing is lost).

    >>> from normalize.document import Block
    >>> blocks, cut = line_blocks(Block, "a\\nb\\n\\nc", 100, "content")
    >>> blocks[0], [(b.start, b.end) for b in blocks], cut
    (Block(start=0, end=2, kind='content', reason=None), [(0, 2), (2, 5), (5, 6)], False)
    >>> [(b.start, b.end) for b in line_blocks(Block, "a\\nb\\nc", 2, "content")[0]]
    [(0, 2), (2, 5)]
    """
    out: list[Any] = []
    n = len(text)
    pos = 0
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        while end < n and text[end] == "\n":
            end += 1
        if len(out) >= max_blocks - 1 and end < n:
            out.append(_block(block, pos, n, content, None, {}))
            return tuple(out), True
        out.append(_block(block, pos, end, content, None, {}))
        pos = end
    return tuple(out), False


def span_blocks(
    block: type, starts: list[int], ends: list[int], feats: list, content: str
) -> tuple:
    """A ``block`` (``document.Block``) of kind ``content`` (no reason) per span
    ``starts[i]:ends[i]``, with the features ``feats[i]`` (``extract.html``'s blocks).

    >>> from normalize.document import Block
    >>> span_blocks(Block, [0, 3], [1, 4], [{}, {"tag_p": 1.0}], "content")[1].features
    {'tag_p': 1.0}
    """
    n = len(starts)
    if len(ends) != n or len(feats) != n:  # the compiled core checks no index
        raise ValueError(f"{len(ends)} ends and {len(feats)} features for {n} starts")
    return tuple([_block(block, starts[i], ends[i], content, None, feats[i]) for i in range(n)])


def block_texts(text: str, blocks: tuple) -> list[str]:
    """The text of each of ``blocks`` (``document.Block``, spans of ``text``) without its
    trailing line breaks: ``Page.block_text`` of each, without a Python call per block.

    >>> from normalize.document import Block
    >>> block_texts("a\\nb\\n\\n\\n", (Block(0, 2), Block(2, 6), Block(6, 6)))
    ['a', 'b', '']
    """
    n = len(text)
    out = []
    for b in blocks:
        start = b.start
        end = b.end
        if not 0 <= start <= n or not 0 <= end <= n:  # the compiled core checks no index
            raise ValueError(f"a block of {start}:{end} in a text of {n} characters")
        while end > start and text[end - 1] == "\n":
            end -= 1
        out.append(text[start:end])
    return out


def marked_blocks(
    block: type,
    blocks: tuple,
    verdicts: list[str | None],
    feats: list[dict[str, float]],
    probs: list[float],
    boilerplate: str,
    content: str,
) -> tuple:
    """The ``blocks`` (``document.Block``) with their verdicts (``mark_boilerplate``): each
    a ``block`` of the same span, of kind ``boilerplate`` with its verdict's reason,
    or ``content`` without one, and its features ``feats[i]``, to which its probability
    ``probs[i]`` is added as ``p_content``.

    >>> from normalize.document import Block
    >>> feats = [{}, {"short": 1.0}]
    >>> marked_blocks(Block, (Block(0, 2), Block(2, 4)), [None, "short"], feats, [0.9, 0.1], "boilerplate", "content")
    (Block(start=0, end=2, kind='content', reason=None), Block(start=2, end=4, kind='boilerplate', reason='short'))
    >>> feats[1]
    {'short': 1.0, 'p_content': 0.1}
    """
    n = len(blocks)
    if (
        len(verdicts) != n or len(feats) != n or len(probs) != n
    ):  # the compiled core checks no index
        raise ValueError(
            f"{len(verdicts)} verdicts, {len(feats)} features and {len(probs)} probabilities"
            f" for {n} blocks"
        )
    out = []
    for i in range(n):
        b = blocks[i]
        reason = verdicts[i]
        f = feats[i]
        f["p_content"] = probs[i]
        out.append(_block(block, b.start, b.end, boilerplate if reason else content, reason, f))
    return tuple(out)


def container_blocks(feats: list[dict[str, float]], forced: list[str | None]) -> list[int]:
    """The blocks of the main-content container that the container's fallback may keep
    (``model.fall_back_to_container``): those inside it, that no rule or exact
    evidence named (``forced[i]`` false), and not link lists (link density below
    0.5); each value tested as Python tests it.

    >>> container_blocks([{"in_container": 1.0}, {"in_container": 1.0, "link_density": 0.5},
    ...                   {}, {"in_container": 1.0}], [None, None, None, "repeated"])
    [0]
    """
    n = len(feats)
    if len(forced) != n:  # the compiled core checks no index
        raise ValueError(f"{len(forced)} forced reasons for {n} blocks")
    out = []
    for i in range(n):
        f = feats[i]
        if f.get("in_container") and not forced[i] and f.get("link_density", 0.0) < 0.5:
            out.append(i)
    return out


# The line scanner: what a line of ASCII text says, in one pass ------------------


def _is_space(o: int) -> bool:
    """``\\s`` among ASCII and General Punctuation (the features' ``_GP_SPACE``)."""
    return (
        o == 32
        or 9 <= o <= 13
        or 0x2000 <= o <= 0x200A
        or o == 0x2028
        or o == 0x2029
        or o == 0x202F
        or o == 0x205F
    )


def _is_word(o: int) -> bool:
    """A character of an ASCII word (``[A-Za-z0-9_]``)."""
    return 97 <= o <= 122 or 65 <= o <= 90 or 48 <= o <= 57 or o == 95


def _is_gp_word(o: int) -> bool:
    """``\\w`` among ASCII and General Punctuation (the features' ``_GP_WORD``)."""
    return _is_word(o) or o == 0x200C or o == 0x200D or o == 0x203F or o == 0x2040 or o == 0x2054


def _is_sent_end(o: int) -> bool:
    """A sentence's last character: ``.``, ``!``, ``?`` or ``…``."""
    return o == 46 or o == 33 or o == 63 or o == 0x2026


def _is_closer(o: int) -> bool:
    """What may follow a sentence's end: a quote or a closing bracket (``"'”’)]``)."""
    return o == 34 or o == 39 or o == 0x201D or o == 0x2019 or o == 41 or o == 93


def _has(text: str, p: int, n: int, s: str) -> bool:
    """Whether ``text[p:]`` starts with ``s`` (``p + len(s) <= n``)."""
    m = len(s)
    if p + m > n:
        return False
    for k in range(m):
        if text[p + k] != s[k]:
            return False
    return True


def _ends_sentence(text: str, end: int) -> bool:
    """Whether ``text[:end]`` ends with a sentence's end and its closers."""
    p = end - 1
    while p >= 0 and _is_closer(ord(text[p])):
        p -= 1
    return p >= 0 and _is_sent_end(ord(text[p]))


def ascii_words(text: str) -> bool:
    """Whether every character of ``text`` is ASCII or General Punctuation (U+2000 to
    U+206F): ``tokens._ascii_words``, whose pattern sre tries at each character.

    >>> ascii_words("It\u2019s \u2014 fine\u2026"), ascii_words("caf\u00e9"), ascii_words("")
    (True, False, True)
    """
    for c in text:
        o = ord(c)
        if o >= 128 and not 0x2000 <= o < 0x2070:
            return False
    return True


def ascii_line(text: str) -> tuple[int, str, bool, int, int, int, int, bool, int]:
    """What a line says, for a line whose letters, marks and digits are ASCII.

    Returns ``(words, folded, end, sent_punct, commas, digits, caps, urlish,
    nav_seps)``, the counts of the line patterns of
    :mod:`normalize.boilerplate.features` on such text (``_ASCII_LINE_PATTERNS``,
    ``_ASCII_CAP_WORD_START`` and the words of ``_ASCII_WORD``), read in one
    pass: the number of words, the casefolded words joined by NUL, whether
    the line ends a sentence, the sentence ends before a space or the end,
    ``,`` and ``;``, ASCII digits, capitals that start a word, whether it
    has a URL, an address or ``.com``, and the ``" | "`` or ``" • "``
    separators (each space read by one at most). The caller checks the
    text is such text (:func:`~normalize.boilerplate.tokens._ascii_words`).

    >>> ascii_line("Read more at www.Example.com | Home 2024.")
    (8, 'read\\x00more\\x00at\\x00www\\x00example\\x00com\\x00home\\x002024', True, 1, 0, 4, 3, True, 1)
    """
    return _ascii_line(text, b"", 0, 0)[:9]


def _ascii_line(text: str, classes: Buffer, lo: int, hi: int) -> tuple:
    """:func:`ascii_line`'s values, then what :func:`ascii_analysis` asks of the line's
    key ``text[lo:hi]`` (``classes`` are :func:`key_classes`' flags; none is read when
    ``lo == hi``), read in the same pass: ``collapse``, whether the key has a
    space that ``str.split`` would collapse (a :data:`KEY_SPACE` other than " ", or
    one after another), ``upper``, whether it has an ASCII capital, and
    ``other``, the first character of the line that is neither ASCII nor General
    Punctuation (-1: none).

    :func:`key_classes` flags as spaces only characters of ``str.isspace``, never
    one of a word (``[A-Za-z0-9_]``): only the others are looked up.
    """
    n = len(text)
    out = bytearray(n)
    buf = out  # compiled, a typed view: written in place
    m = 0
    n_words = 0
    sent = 0
    commas = 0
    digits = 0
    caps = 0
    url = False
    nav = 0
    nav_from = 0  # where a separator may start (after the last one's space)
    prev_word = False
    # The characters by iteration (compiled: read in place, the string's kind
    # looked at once) and their offsets counted beside them. What the patterns
    # see after a character is looked for at the character after it, from the
    # characters before it: the last two (prev, prev2), and the last eight
    # ASCII ones as bytes of a number (``tail``: 0 for any other), which the
    # URLs' beginnings end.
    prev = 0
    prev2 = 0
    tail = 0
    low64 = 0xFFFFFFFFFFFFFFFF  # a C number compiled: the literal would be an object
    collapse = False
    upper = False
    other = -1
    p = -1
    for c in text:
        p += 1
        o = ord(c)
        tail = ((tail << 8) | (o if o < 128 else 0)) & low64
        if _is_word(o):
            if not prev_word:
                if n_words:
                    buf[m] = 0
                    m += 1
                n_words += 1
                if 65 <= o <= 90:
                    caps += 1
            if 65 <= o <= 90:
                buf[m] = o + 32
                if lo <= p < hi:
                    upper = True
            else:
                buf[m] = o
            m += 1
            if 48 <= o <= 57:
                digits += 1
            prev_word = True
            prev2 = prev
            prev = o
            continue
        prev_word = False
        if o >= 128 and not 0x2000 <= o < 0x2070 and other < 0:
            other = o
        # A space of the key after its first character (which is none): the one
        # before it is in the key too.
        if lo <= p < hi and classes[_key_index(o)] & 1:  # KEY_SPACE
            if o != 32 or classes[_key_index(prev)] & 1:
                collapse = True
        if _is_space(o):
            if _is_sent_end(prev):  # a sentence's end before a space
                sent += 1
            if (
                p - 2 >= nav_from
                and (prev == 124 or prev == 0x2022)  # "|", "•"
                and _is_space(prev2)
            ):
                nav += 1
                nav_from = p + 1
        elif _is_sent_end(o):
            if o == 46 and not url:
                if (tail & 0xFFFFFFFF) == 0x7777772E:  # "www."
                    url = True
                elif _has(text, p, n, ".com"):
                    url = p + 4 == n or not _is_gp_word(ord(text[p + 4]))
        elif o == 44 or o == 59:
            commas += 1
        elif o == 64:
            if not url and p + 1 < n and _is_gp_word(ord(text[p + 1])):
                url = True
        elif o == 47 and (
            (tail & 0xFFFFFFFFFFFFFF) == 0x687474703A2F2F  # "http://"
            or tail == 0x68747470733A2F2F  # "https://"
        ):
            url = True
        prev2 = prev
        prev = o
    if n and _is_sent_end(prev):  # a sentence's end at the line's end
        sent += 1
    end = _ends_sentence(text, n) or (n > 0 and text[n - 1] == "\n" and _ends_sentence(text, n - 1))
    folded = out[:m].decode("ascii")
    return n_words, folded, end, sent, commas, digits, caps, url, nav, collapse, upper, other


# The line scanner for any text: what a line says, by a table of character flags --


#: The flags of a code point that :func:`unicode_line` reads (one byte each, in a
#: table of every code point that the caller fills by blocks as lines need
#: them): each is a class of the features' patterns, matched by that pattern.
CHAR_SEEN = 0x80  # the flags are made
CHAR_WORD = 1  # in a run of a word: [\p{L}\p{M}\p{N}_] but Han and kana
CHAR_CJK = 2  # a word on its own: [\p{Han}\p{Hiragana}\p{Katakana}]
CHAR_SPACE = 4  # \s
CHAR_W = 8  # \w
CHAR_DIGIT = 16  # \p{Nd}
CHAR_UPPER = 32  # \p{Lu}


def _is_stop(o: int) -> bool:
    """A sentence's end of any script (``[.!?…。！？।॥؟۔]``)."""
    return (
        o == 46
        or o == 33
        or o == 63
        or o == 0x2026
        or o == 0x3002
        or o == 0xFF01
        or o == 0xFF1F
        or o == 0x0964
        or o == 0x0965
        or o == 0x061F
        or o == 0x06D4
    )


def _is_any_closer(o: int) -> bool:
    """What may follow a sentence's end in any script (``"'”’»)]``)."""
    return _is_closer(o) or o == 0xBB


def _ends_any_sentence(text: str, end: int) -> bool:
    """Whether ``text[:end]`` ends with a sentence's end (any script) and its closers."""
    p = end - 1
    while p >= 0 and _is_any_closer(ord(text[p])):
        p -= 1
    return p >= 0 and _is_stop(ord(text[p]))


def unicode_line(text: str, flags: Buffer) -> tuple:
    """What a line of any script says: ``(words, joined, end, sent_punct, commas,
    digits, caps, urlish, nav_seps)``, the counts of the line patterns of
    :mod:`normalize.boilerplate.features` (``_LINE_PATTERNS``, ``_CAP_WORD_START``
    and the words of ``tokens.words``) read in one pass; or ``(-1, code)`` when
    the flags of the code point ``code`` are not made yet (the caller makes
    them and asks again).

    ``flags[o]`` are the :data:`CHAR_SEEN`… flags of code point ``o`` (a table
    of all of them). ``joined`` is the line's words joined by NUL (the caller
    casefolds them): runs of word characters, and each Han or kana character
    on its own. The other values are :func:`ascii_line`'s, of any script:
    whether the line ends a sentence (``[.!?…。！？।॥؟۔]``, closers after it,
    a newline after those), the sentence ends before a space or the end, the
    commas (``[,،、，;؛]``), the decimal digits, the capitals that start a word,
    whether it has a URL, an address or ``.com`` and the ``" | "``, ``" • "``
    or ``" · "`` separators (each space read by one at most).
    """
    n = len(text)
    if len(flags) < 0x110000:  # the compiled core does not check its reads
        raise ValueError(f"the flags cover {len(flags)} code points, not all 1114112")
    for c in text:
        o = ord(c)
        if not flags[o] & 0x80:  # CHAR_SEEN
            return -1, o
    # The words are written as they are read, a NUL between two, each code point
    # as four bytes (UTF-32), decoded once: no string per word. A line has at
    # most n words and n - 1 NULs.
    out = bytearray(8 * n)
    buf = out  # compiled, a typed view: written in place
    m = 0
    n_words = 0
    sent = 0
    commas = 0
    digits = 0
    caps = 0
    url = False
    nav = 0
    nav_from = 0  # where a separator may start (after the last one's space)
    in_word = False  # whether a run of word characters is being read
    # What the patterns see after a character is looked for at the character
    # after it (as in ascii_line): the flags of the last two characters (prev,
    # prev2), the last one itself, and the last eight ASCII ones as the bytes
    # of a number (``tail``: 0 for any other).
    prev = 0
    prev2 = 0
    last = 0
    tail = 0
    low64 = 0xFFFFFFFFFFFFFFFF  # a C number compiled: the literal would be an object
    p = -1
    for c in text:
        p += 1
        o = ord(c)
        f = flags[o]
        tail = ((tail << 8) | (o if o < 128 else 0)) & low64
        if f & 3:  # CHAR_WORD or CHAR_CJK: a word's character
            if not in_word or f & 2:  # a new word (each Han or kana character is one)
                if n_words:
                    buf[m] = 0
                    buf[m + 1] = 0
                    buf[m + 2] = 0
                    buf[m + 3] = 0
                    m += 4
                n_words += 1
            buf[m] = o & 0xFF
            buf[m + 1] = (o >> 8) & 0xFF
            buf[m + 2] = o >> 16
            buf[m + 3] = 0
            m += 4
            in_word = not f & 2
        else:
            in_word = False
        if f & 16:  # CHAR_DIGIT
            digits += 1
        if f & 32 and not prev & 1:  # a capital after no word character
            caps += 1
        if f & 4:  # CHAR_SPACE
            if _is_stop(last):  # a sentence's end before a space
                sent += 1
            if (
                p - 2 >= nav_from
                and prev2 & 4  # CHAR_SPACE
                and (last == 124 or last == 0x2022 or last == 0xB7)  # "|", "•", "·"
            ):
                nav += 1
                nav_from = p + 1
        elif _is_stop(o):
            if o == 46 and not url:
                if (tail & 0xFFFFFFFF) == 0x7777772E:  # "www."
                    url = True
                elif _has(text, p, n, ".com"):
                    url = p + 4 == n or not flags[ord(text[p + 4])] & 8  # CHAR_W
        elif o == 44 or o == 59 or o == 0x060C or o == 0x3001 or o == 0xFF0C or o == 0x061B:
            commas += 1
        elif o == 64:
            if not url and p + 1 < n and flags[ord(text[p + 1])] & 8:  # CHAR_W
                url = True
        elif o == 47 and (
            (tail & 0xFFFFFFFFFFFFFF) == 0x687474703A2F2F  # "http://"
            or tail == 0x68747470733A2F2F  # "https://"
        ):
            url = True
        prev2 = prev
        prev = f
        last = o
    if n and _is_stop(last):  # a sentence's end at the line's end
        sent += 1
    end = _ends_any_sentence(text, n) or (
        n > 0 and text[n - 1] == "\n" and _ends_any_sentence(text, n - 1)
    )
    joined = out[:m].decode("utf-32-le", "surrogatepass")
    return n_words, joined, end, sent, commas, digits, caps, url, nav


#: The characters :func:`ascii_analysis` reads: ASCII (0-127), then General
#: Punctuation (U+2000-U+206F) at 128 onwards; :func:`key_classes` flags each,
#: and has a last entry (:data:`KEY_OTHER`), no flag, for any other character.
GP_FIRST = 0x2000
GP_END = 0x2070
KEY_OTHER = 240
KEY_SPACE = 1  # whitespace to ``str.split``: runs of it become one space
KEY_EDGE = 2  # stripped at a key's edges (``langpacks._PHRASE_EDGE``)


def key_classes(is_edge: Any) -> bytes:
    """The flags of :func:`ascii_analysis`' characters (:data:`KEY_SPACE`,
    :data:`KEY_EDGE`), ``is_edge(c)`` saying whether ``c`` is an edge character,
    and 0 for the others (the last byte, :data:`KEY_OTHER`).

    >>> classes = key_classes(lambda c: not c.isalnum())
    >>> classes[ord(" ")], classes[ord(".")], classes[ord("a")], classes[128 + 0x03], len(classes)
    (3, 2, 0, 3, 241)
    """
    out = bytearray()
    for o in (*range(128), *range(GP_FIRST, GP_END)):
        c = chr(o)
        out.append((KEY_SPACE if c.isspace() else 0) | (KEY_EDGE if is_edge(c) else 0))
    out.append(0)  # KEY_OTHER
    return bytes(out)


def _key_index(o: int) -> int:
    """Where the :func:`key_classes` flags of code point ``o`` are: its own entry for
    an ASCII or General Punctuation character, :data:`KEY_OTHER` for any other.
    (An index, not the flags: compiled, the table is read where it is in hand
    rather than handed to a function as a typed view, a copy of the view each
    character.)"""
    # Literals: the module's names are Python objects to the compiled code.
    if o < 128:
        return o
    if 0x2000 <= o < 0x2070:  # GP_FIRST <= o < GP_END
        return o - 0x1F80  # o - GP_FIRST + 128
    return 240  # KEY_OTHER: no other character has an entry (ascii_analysis refuses them)


def _lowered(key: str) -> str:
    """``key.lower()`` of text of ASCII and General Punctuation: its ASCII capitals made
    small, each character written as UTF-16 and the whole decoded once, where
    ``str.lower`` of text beyond ASCII looks each character up in the full case
    mapping (General Punctuation has no case: a test reads every character). The
    caller has checked the characters (no surrogate, none past U+FFFF).

    >>> _lowered("Don\u2019t STOP\u2026")
    'don\u2019t stop\u2026'
    """
    out = bytearray(2 * len(key))
    buf = out  # compiled, a typed view: written in place
    m = 0
    for c in key:
        o = _folded(ord(c))
        buf[m] = o & 0xFF
        buf[m + 1] = o >> 8
        m += 2
    return out.decode("utf-16-le")


def ascii_analysis(text: str, classes: bytes) -> tuple[str, int, str, tuple, bool]:
    """A line of ASCII and General Punctuation analysed in one call: ``(key, words,
    folded, base, end)``.

    ``key`` is its ``langpacks.phrase_key``: the line between its first and
    last characters that are neither spaces nor edge characters
    (:func:`key_classes`), its runs of spaces made one space, casefolded.
    Such text is in NFC already but for two spaces (U+2000 and U+2001, whose
    NFC forms are spaces too), and only its ASCII capitals casefold (lowered).
    ``words``, ``folded`` and ``end`` are those of :func:`ascii_line`;
    ``base`` the line's ``_Line.base`` features from its counts, the same
    floats (a count over a count in double precision, as Python divides two
    ints) and the separators' count an int below three.

    >>> import math
    >>> from normalize.langpacks import _edge_char
    >>> classes = key_classes(_edge_char)
    >>> key, nw, folded, base, end = ascii_analysis(" Share  this | NOW! ", classes)
    >>> key, nw, end, base[9]
    ('share this | now', 3, False, 1)
    """
    n = len(text)
    if len(classes) != 241:  # the compiled core does not check its reads
        raise ValueError(f"the classes of 240 characters and KEY_OTHER are 241, not {len(classes)}")
    lo = 0
    while lo < n and classes[_key_index(ord(text[lo]))]:
        lo += 1
    hi = n
    while hi > lo and classes[_key_index(ord(text[hi - 1]))]:
        hi -= 1
    # The key's spaces and capitals, and the characters, are read by the line's pass.
    nw, folded, end, n_sent, n_comma, n_digit, n_caps, url, n_nav, collapse, upper, other = (
        _ascii_line(text, classes, lo, hi)
    )
    if other >= 0:
        # Such a character is never flagged (KEY_OTHER), and every character
        # outside the key is: the line's first one is in the key.
        raise ValueError(f"{chr(other)!r} is neither ASCII nor General Punctuation")
    key = text[lo:hi]
    if collapse:
        key = " ".join(key.split())
    if upper:
        # Its only capitals are ASCII, whose casefolding is lowering: str.lower,
        # which copies ASCII text through a table, where casefold maps each
        # character on its own (several times slower); with General Punctuation
        # in it, lower() maps each character on its own too: _lowered instead.
        key = key.lower() if key.isascii() else _lowered(key)
    base = base_features(n, nw, end, n_sent, n_comma, n_digit, n_caps, url, n_nav)
    return key, nw, folded, base, end


def line_analysis(text: str, classes: bytes) -> tuple | None:
    """A line analysed in one call when it is of ASCII and General Punctuation:
    ``(key, words, folded, base, icon)``, :func:`ascii_analysis`' values and the
    icon-strip verdict (:func:`icon_labels`, asked only of a line that ends no
    sentence: a strip never does); ``None`` for any other line (whether it is such
    a line is :func:`ascii_words`', after ``str.isascii``). ``_Line`` makes one
    call instead of three.

    >>> import math
    >>> from normalize.langpacks import _edge_char
    >>> classes = key_classes(_edge_char)
    >>> line_analysis("Share | NOW", classes)[:3], line_analysis("café", classes)
    (('share | now', 2, 'share\\x00now'), None)
    """
    if not text.isascii() and not ascii_words(text):
        return None
    key, nw, folded, base, end = ascii_analysis(text, classes)
    return key, nw, folded, base, (not end and _icon_strip(text))


def base_features(
    n: int,
    nw: int,
    end: bool,
    n_sent: int,
    n_comma: int,
    n_digit: int,
    n_caps: int,
    url: bool,
    n_nav: int,
) -> tuple:
    """A line's base features (``_Line.base``) from its length ``n`` and counts: the
    one definition, for lines the scanner analyses and those the patterns do.

    A count over a count is divided in double precision, as Python divides
    two ints (both below 2**53); the separators' count stays an int below
    three, as ``min(3.0, n_nav)`` gives it; logarithms are ``math.log1p``'s.

    >>> import math
    >>> base_features(10, 2, True, 1, 1, 0, 1, False, 4)[2:]
    (1.0, 1.0, 0.6931471805599453, 0.5, 0.0, 0.5, 0.0, 3.0)
    """
    return (
        _log1p(n),
        _log1p(nw),
        1.0 if nw < 4 else 0.0,
        1.0 if end else 0.0,
        _log1p(n_sent),
        (min(1.0, float(n_comma) / nw) if nw else 0.0),
        float(n_digit) / n if n else 0.0,
        float(n_caps) / nw if nw else 0.0,
        1.0 if url else 0.0,
        n_nav if n_nav < 3 else 3.0,
    )


# The icon-strip rule of a line of ASCII and General Punctuation ----------------


def _splits(o: int) -> bool:
    """Whitespace to ``str.split`` among ASCII and General Punctuation (``str.isspace``)."""
    return (
        o == 32
        or 9 <= o <= 13
        or 28 <= o <= 31
        or 0x2000 <= o <= 0x200A
        or o == 0x2028
        or o == 0x2029
        or o == 0x202F
        or o == 0x205F
    )


def _folded(o: int) -> int:
    """A character of ASCII or General Punctuation casefolded (only ASCII capitals
    change there)."""
    return o + 32 if 65 <= o <= 90 else o


def icon_labels(text: str) -> bool:
    """``rules._icon_labels`` of a line of ASCII and General Punctuation, in two passes
    over its first 300 tokens and no string per token.

    The tokens are ``text.split()``'s; casefolded (ASCII capitals made small:
    General Punctuation has no case) a token keeps its length, so its head and
    tail are its first and last four characters, lowered. An affix that is on
    ``need`` (0.4 of the tokens) of the ``m`` long tokens is on more than a third
    of them: the first pass keeps the two affixes of each kind that can be
    (Misra and Gries' frequent items, two counters), the second counts those
    two exactly.

    >>> icon_labels("icon bookmark-bicon bookmarkicon cameraicon checkicon chevron downicon")
    True
    >>> icon_labels("The nation's station ran a relation of the situation and information")
    False
    """
    if not ascii_words(text):  # the compiled core reads no other text
        raise ValueError("the text has a character neither ASCII nor General Punctuation")
    return _icon_strip(text)


def _icon_strip(text: str) -> bool:
    """:func:`icon_labels` of text the caller has checked (:func:`line_analysis` has)."""
    n = len(text)
    if n < 11:
        return False  # six tokens and the five spaces between them
    # First pass: the tokens, the long ones, and each kind's two candidate affixes.
    n_toks = 0
    m = 0
    h1 = h2 = t1 = t2 = 0
    hc1 = hc2 = tc1 = tc2 = 0
    a = -1  # where the token being read started
    # The characters by iteration (compiled: read in place), a space after the
    # last one ending the last token, and their offsets counted beside them. A
    # token's affixes are its first and last four characters casefolded, one
    # number (16 bits each, as General Punctuation needs): the last four read
    # (``roll``), kept at the token's fourth (``first``) and at its end.
    low64 = 0xFFFFFFFFFFFFFFFF  # a C number compiled: the literal would be an object
    roll = 0
    first = 0
    p = -1
    for c in text + " ":
        p += 1
        o = ord(c)
        if not _splits(o):
            if a < 0:
                a = p
            roll = ((roll << 16) | _folded(o)) & low64
            if p == a + 3:
                first = roll
        elif a >= 0:
            n_toks += 1
            if p - a >= 6:
                m += 1
                head = first
                tail = roll
                if hc1 and head == h1:
                    hc1 += 1
                elif hc2 and head == h2:
                    hc2 += 1
                elif not hc1:
                    h1 = head
                    hc1 = 1
                elif not hc2:
                    h2 = head
                    hc2 = 1
                else:
                    hc1 -= 1
                    hc2 -= 1
                if tc1 and tail == t1:
                    tc1 += 1
                elif tc2 and tail == t2:
                    tc2 += 1
                elif not tc1:
                    t1 = tail
                    tc1 = 1
                elif not tc2:
                    t2 = tail
                    tc2 = 1
                else:
                    tc1 -= 1
                    tc2 -= 1
            a = -1
            if n_toks == 300:
                break
    if n_toks < 6:
        return False
    need = 0.4 * n_toks
    if m == 0 or m < need:
        return False
    # Second pass: the candidates' counts (a counter at 0 names none).
    k = 0
    hn1 = hn2 = tn1 = tn2 = 0
    a = -1
    p = -1
    for c in text + " ":
        p += 1
        o = ord(c)
        if not _splits(o):
            if a < 0:
                a = p
            roll = ((roll << 16) | _folded(o)) & low64
            if p == a + 3:
                first = roll
        elif a >= 0:
            k += 1
            if p - a >= 6:
                head = first
                tail = roll
                if hc1 and head == h1:
                    hn1 += 1
                if hc2 and head == h2:
                    hn2 += 1
                if tc1 and tail == t1:
                    tn1 += 1
                if tc2 and tail == t2:
                    tn2 += 1
            a = -1
            if k == n_toks:
                break
    return hn1 >= need or hn2 >= need or tn1 >= need or tn2 >= need


# A page's stopwords: how many each line has -----------------------------------


def stop_lang_counts(
    ids: Buffer, n: int, set_starts: Buffer, set_langs: Buffer, counts: Buffer, per_set: Buffer
) -> None:
    """Add to ``counts[k]`` how many of the first ``n`` ``ids`` language ``k``'s
    stoplist has: the languages of set ``s`` are ``set_langs[set_starts[s] :
    set_starts[s + 1]]``.

    The ids are counted per set first, in ``per_set`` (a count per set, all 0;
    left so), and each set's count is added to its languages once: a page's
    thousand words have a few dozen sets, which have up to dozens of languages.
    The counts are whole numbers, the same in any order.

    >>> import numpy as np
    >>> ids = np.array([1, 2, 0, 2], np.uintc)
    >>> starts, langs = np.array([0, 0, 1, 3], np.intp), np.array([0, 0, 1], np.intp)
    >>> counts, per_set = np.zeros(2, np.intp), np.zeros(3, np.intp)
    >>> stop_lang_counts(ids.data, 4, starts.data, langs.data, counts.data, per_set.data)
    >>> counts.tolist(), per_set.tolist()
    ([3, 2], [0, 0, 0])
    """
    if n > len(ids):
        raise ValueError(f"{n} ids asked for, but there are {len(ids)}")
    n_sets = len(set_starts) - 1
    n_langs = len(counts)
    if len(per_set) < n_sets:
        raise ValueError(f"{n_sets} word sets need {n_sets} counts, not {len(per_set)}")
    error = ""
    for i in range(n):
        s = ids[i]
        if s >= n_sets:
            error = f"id {s} is not one of {n_sets} word sets"
            break
        per_set[s] += 1
    # Every count is read and set back to 0, after an error too.
    for s in range(n_sets):
        c = per_set[s]
        per_set[s] = 0
        if c == 0 or error:
            continue
        if set_starts[s] < 0 or set_starts[s + 1] > len(set_langs):
            error = f"set {s} is not within the {len(set_langs)} languages of the sets"
            continue
        for j in range(set_starts[s], set_starts[s + 1]):
            k = set_langs[j]
            if k < 0 or k >= n_langs:
                error = f"set {s} names language {k} of {n_langs}"
                break
            counts[k] += c
    if error:
        raise ValueError(error)


def stop_counts(ids: Buffer, n_words: list[int], column: bytes) -> list[int]:
    """How many of each line's ids (the next ``n_words[i]`` of ``ids``) are ids of
    word sets that a language's stoplist is in: ``column[id]`` is 1 for those.

    >>> import numpy as np
    >>> stop_counts(np.array([0, 2, 1, 2], np.uintc).data, [3, 0, 1], bytes([0, 0, 1]))
    [1, 0, 1]
    """
    total = 0
    for i in range(len(n_words)):
        total += n_words[i]
    if total > len(ids):  # the compiled core does not check its reads
        raise ValueError(f"the lines have {total} words, but there are {len(ids)} ids")
    width = len(column)
    out = []
    m = 0
    for i in range(len(n_words)):
        count = 0
        end = m + n_words[i]
        while m < end:
            if ids[m] >= width:
                raise ValueError(f"id {ids[m]} is not in a column of {width} word sets")
            count += column[ids[m]]
            m += 1
        out.append(count)
    return out


# The page's text features: one dict per block, in one pass ---------------------


def text_features(
    lines: list[Any],
    stops: list[int] | None,
    log11: float,
    log13: float,
) -> list[dict[str, float]]:
    """The text features of a page's analysed lines (``_Line``: ``base`` and ``n_words``).

    The dicts of :func:`~normalize.boilerplate.features._text_features`, their
    keys in its order and their values the same floats: the same operations
    on the same numbers (a count over a count, ``min`` and ``max`` as
    comparisons, sums of zeros and ones, the ``base`` values as they are);
    logarithms are ``math.log1p``'s. ``stops`` is the number of
    stopwords in each line, ``None`` when the page has no stoplist; ``log11``
    and ``log13`` are ``log1p(10)`` and ``log1p(12)``: a long block has at
    least ten words, prose at least twelve.

    >>> import math
    >>> class Line:
    ...     def __init__(self, base, n_words):
    ...         self.base, self.n_words = base, n_words
    >>> lines = [Line((1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0), 0)]
    >>> f = text_features(lines, None, math.log1p(10), math.log1p(12))
    >>> f[0]["no_stoplist"], f[0]["stop_rel"], f[0]["dist_prose"], f[0]["pos"], f[0]["nav_sep"]
    (1.0, 1.0, 5.0, 0.0, 0)
    """
    n = len(lines)
    if stops is not None and len(stops) != n:
        raise ValueError(f"{n} lines but {len(stops)} counts of their stopwords")
    last_pos = n - 1 if n > 1 else 1
    no_stoplist = 0.0 if stops is not None else 1.0
    bases = []
    sds = []
    long_sd = []
    for i in range(n):
        line = lines[i]
        base = line.base
        if len(base) != 10:
            raise ValueError(f"a line's base features are 10 numbers, not {len(base)}")
        bases.append(base)
        sd = 0.0
        if stops is not None:
            nw = line.n_words
            if nw:
                count = stops[i]
                sd = count / nw
        sds.append(sd)
        if base[1] >= log11:
            long_sd.append(sd)
    # Stopword density relative to the page's prose (the densest quarter of its long blocks).
    long_sd.sort()
    m = len(long_sd)
    ref = long_sd[int(0.75 * (m - 1))] if m else 0.0
    if ref < 0.15:
        ref = 0.15
    rels = []
    prose = []
    prose_idx = []
    upto = [0.0]
    total = 0.0
    for i in range(n):
        base = bases[i]
        rel = 1.0
        if stops is not None:
            sd = sds[i]
            rel = sd / ref
            if not rel < 2.0:
                rel = 2.0
        rels.append(rel)
        pr = 1.0 if base[1] >= log13 and base[3] > 0 and rel >= 0.5 else 0.0
        prose.append(pr)
        if pr:
            prose_idx.append(i)
        total += pr
        upto.append(total)
    n_prose = len(prose_idx)
    first = prose_idx[0] if n_prose else n
    last = prose_idx[n_prose - 1] if n_prose else -1
    feats = []
    j = 0
    for i in range(n):
        base = bases[i]
        if n_prose:
            while j + 1 < n_prose:
                ahead = prose_idx[j + 1] - i
                here = prose_idx[j] - i
                if abs(ahead) > abs(here):
                    break
                j += 1
            dist = _log1p(abs(prose_idx[j] - i))
        else:
            dist = 5.0
        lo = i - 3 if i >= 3 else 0
        hi = i + 4 if i + 4 <= n else n
        width = hi - lo - 1
        pr = prose[i]
        ctx_prose = upto[hi] - upto[lo] - pr
        ctx_prose /= width if width > 1 else 1
        if i:
            prev = bases[i - 1]
            prev_words = prev[1]
            prev_end = prev[3]
        else:
            prev_words = prev_end = 0.0
        if i + 1 < n:
            after = bases[i + 1]
            next_words = after[1]
            next_end = after[3]
        else:
            next_words = next_end = 0.0
        feats.append(
            {
                "bias": 1.0,
                "log_chars": base[0],
                "log_words": base[1],
                "short": base[2],
                "stop": sds[i],
                "no_stoplist": no_stoplist,
                "end_punct": base[3],
                "sent_punct": base[4],
                "comma_rate": base[5],
                "digit_ratio": base[6],
                "cap_ratio": base[7],
                "urlish": base[8],
                "nav_sep": base[9],
                "pos": i / last_pos,
                "stop_rel": rels[i],
                "prose": pr,
                "dist_prose": dist,
                "in_span": 1.0 if first <= i <= last else 0.0,
                "after_span": 1.0 if i > last else 0.0,
                "ctx_prose": ctx_prose,
                "prev_words": prev_words,
                "next_words": next_words,
                "prev_end_punct": prev_end,
                "next_end_punct": next_end,
                "title_like": 0.0,
            }
        )
    return feats
