"""The segmenter's inner loops, compiled with Cython when a compiler is there.

This module is plain Python. When normalize is installed (``pip install
.``, ``pip install -e .``, ``make``), setup.py compiles it with Cython in
its pure-Python mode: ``kernels.pxd`` beside it gives the C types of the
arguments and locals, and the same source becomes a C extension that Python
imports instead of this file. :mod:`normalize.compiled` says which one was
loaded (``NORMALIZE_PURE_PYTHON=1`` forces this file).

The callers use these loops only when they are compiled: interpreted,
numpy's vectorised steps that compute the same numbers are faster than
loops in Python, and run instead. The loops stay runnable interpreted, as
the twin of the compiled build: ``tests/test_kernels.py`` checks the
compiled build against this file and both against numpy's steps, bit for
bit, and the CLI's output with and without the compiled core, byte for byte.

The kernels take and fill flat buffers of numbers (numpy arrays or
``memoryview`` objects of them, row-major): they know nothing of pieces,
languages or packs, so a change to the evidence around them (a new prior)
does not touch them.

Numbers are bit-identical to numpy's: what numpy computes with a
transcendental function (``exp``) is computed by the caller with numpy,
sums of rows follow numpy's own pairwise summation (:func:`pairwise_sum`),
and the C compiler may not fuse a multiplication and an addition (setup.py
passes ``-ffp-contract=off``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    #: A flat buffer of numbers: a numpy array or a ``memoryview`` of one
    #: (compiled, a typed memoryview; the annotations are for mypy only).
    Buffer = Any

#: numpy's pairwise summation adds blocks of at most this many items with
#: eight accumulators (``PW_BLOCKSIZE`` in numpy's loops).
PW_BLOCKSIZE = 128


def pairwise_sum(a: Buffer, lo: int, n: int) -> float:
    """The sum of ``a[lo : lo + n]`` exactly as numpy's ``sum`` adds a contiguous row.

    numpy adds eight interleaved running sums and splits long rows in
    halves, which rounds differently from adding left to right; matching it
    keeps the kernels' results bit-identical to the numpy code they replace.

    >>> import numpy as np
    >>> row = np.random.default_rng(0).random(300) ** 9
    >>> pairwise_sum(memoryview(row), 0, 300) == row.sum() != sum(row.tolist())
    True
    """
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= PW_BLOCKSIZE:
        r0 = a[lo]
        r1 = a[lo + 1]
        r2 = a[lo + 2]
        r3 = a[lo + 3]
        r4 = a[lo + 4]
        r5 = a[lo + 5]
        r6 = a[lo + 6]
        r7 = a[lo + 7]
        i = lo + 8
        blocks_end = lo + n - n % 8
        while i < blocks_end:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < lo + n:
            res += a[i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise_sum(a, lo, half) + pairwise_sum(a, lo + half, n - half)


def viterbi(
    scores: Buffer,
    cost: Buffer,
    n: int,
    k: int,
    best: Buffer,
    history: Buffer,
    tops: Buffer,
    labels: Buffer,
) -> None:
    """Fill ``labels`` with the best path through ``n`` pieces of ``k`` candidates.

    ``scores`` is ``n × k`` (row-major), ``cost[i]`` the cost of switching
    language before piece ``i`` (staying is free). With one cost for every
    switch, the best previous state is either the same language or the
    overall best (``tops[i]``), so each step is linear in ``k``.
    ``best`` (``k``), ``history`` (``n × k``) and ``tops`` (``n``) are
    scratch buffers. Ties go to the lowest column, as with numpy's argmax.
    """
    for j in range(k):
        best[j] = scores[j]
        history[j] = scores[j]
    tops[0] = 0
    for i in range(1, n):
        top = 0
        for j in range(1, k):
            if best[j] > best[top]:
                top = j
        tops[i] = top
        floor = best[top] - cost[i]
        row = i * k
        for j in range(k):
            v = best[j]
            if v < floor:
                v = floor
            v += scores[row + j]
            best[j] = v
            history[row + j] = v
    label = 0
    for j in range(1, k):
        if best[j] > best[label]:
            label = j
    labels[n - 1] = label
    for i in range(n - 1, 0, -1):
        prev = (i - 1) * k
        top = tops[i]
        if history[prev + label] < history[prev + top] - cost[i]:
            label = top
        labels[i - 1] = label


def posteriors(
    like: Buffer,
    jump: Buffer,
    n: int,
    k: int,
    labels: Buffer,
    fwd: Buffer,
    msg: Buffer,
    row: Buffer,
    out: Buffer,
) -> None:
    """Fill ``out[i]`` with the posterior probability of ``labels[i]`` at piece ``i``.

    Forward-backward in probability space: ``like`` (``n × k``) are the
    pieces' likelihoods relative to their best (floored above zero), the
    transition is 1 to stay and ``jump[i]`` to switch before piece ``i``,
    every row rescaled to sum to one. The backward pass runs as the forward
    one on the reversed chain (``m[i] = mix(m[i+1]) * like[i]``).
    ``fwd`` and ``msg`` (``n × k``) and ``row`` (``k``) are scratch buffers.
    """
    last = (n - 1) * k
    first_sum = pairwise_sum(like, 0, k)
    last_sum = pairwise_sum(like, last, k)
    for j in range(k):
        fwd[j] = like[j] / first_sum
        msg[last + j] = like[last + j] / last_sum
    for t in range(n - 1):
        # Forward to piece t + 1, backward to piece n - 2 - t; rows sum to
        # one, so mixing with the uniform jump is ``x * stay + jump``.
        f_jump = jump[t + 1]
        f_stay = 1.0 - f_jump
        b_jump = jump[n - 1 - t]
        b_stay = 1.0 - b_jump
        f_from = t * k
        f_to = f_from + k
        b_from = (n - 1 - t) * k
        b_to = b_from - k
        for j in range(k):
            fwd[f_to + j] = (fwd[f_from + j] * f_stay + f_jump) * like[f_to + j]
            msg[b_to + j] = (msg[b_from + j] * b_stay + b_jump) * like[b_to + j]
        f_sum = pairwise_sum(fwd, f_to, k)
        b_sum = pairwise_sum(msg, b_to, k)
        for j in range(k):
            fwd[f_to + j] = fwd[f_to + j] / f_sum
            msg[b_to + j] = msg[b_to + j] / b_sum
    for i in range(n):
        at = i * k
        if i < n - 1:
            stay = 1.0 - jump[i + 1]
            nxt = at + k
            for j in range(k):
                row[j] = fwd[at + j] * (msg[nxt + j] * stay + jump[i + 1])
        else:
            for j in range(k):
                row[j] = fwd[at + j] * 1.0
        out[i] = row[labels[i]] / pairwise_sum(row, 0, k)


def loglik(
    data: Buffer,
    offsets: Buffer,
    n: int,
    nextmove: Buffer,
    emitting: Buffer,
    table: Buffer,
    k: int,
    chunk: int,
    acc: Buffer,
    out: Buffer,
) -> None:
    """Add to ``out[i]`` (``n × k``) the table rows of the states text ``i`` passes through.

    langid's automaton (``nextmove[(state << 8) | byte]``) walks the UTF-8
    bytes ``data[offsets[i] : offsets[i + 1]]`` of each text from its start
    state; every state that emits a feature (``emitting[state]``) adds its
    row of ``table`` (``states × k``, float32) to the text's sums, in
    float64. The rows are added in the order numpy's ``add.reduceat`` adds
    them over chunks of ``chunk`` emitting bytes (counted across the texts):
    within a chunk one after the other from the first, then each chunk's
    sum to ``out``. ``acc`` (``k``) is a scratch buffer.
    """
    seen = 0
    for i in range(n):
        state = 0
        started = False
        row = i * k
        for p in range(offsets[i], offsets[i + 1]):
            state = nextmove[(state << 8) | data[p]]
            if not emitting[state]:
                continue
            base = state * k
            if started and seen % chunk == 0:
                for j in range(k):
                    out[row + j] = out[row + j] + acc[j]
                started = False
            if started:
                for j in range(k):
                    acc[j] = acc[j] + table[base + j]
            else:
                for j in range(k):
                    acc[j] = table[base + j]
                started = True
            seen += 1
        if started:
            for j in range(k):
                out[row + j] = out[row + j] + acc[j]
