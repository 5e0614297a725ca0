"""The segmenter's inner loops (and the canonical check's), compiled with Cython
when a compiler is there.

This module is plain Python. When normalize is installed (``pip install
.``, ``pip install -e .``, ``make``), setup.py compiles it with Cython in
its pure-Python mode: ``kernels.pxd`` beside it gives the C types of the
arguments and locals, and the same source becomes a C extension that Python
imports instead of this file. :mod:`normalize.compiled` says which one was
loaded (``NORMALIZE_PURE_PYTHON=1`` forces this file).

The callers use the numeric loops and the scanners only when they are
compiled: interpreted, numpy's vectorised steps and the patterns that
compute the same are faster than loops in Python, and run instead. The
bookkeeping loops (spans, labels, strays, the row cache's lookups, phrase
keys, letter counts) are called by both builds: interpreted, this file
runs them, plain Python like the code they replaced. Every loop stays runnable interpreted, as the twin of the
compiled build: ``tests/test_kernels.py`` checks the compiled build against
this file and both against numpy's steps or the patterns, bit for bit, and
the CLI's output with and without the compiled core, byte for byte.

The numeric kernels (the decoder's passes, langid's walk, the bonuses)
take and fill flat buffers of numbers (numpy arrays or ``memoryview``
objects of them, row-major) and know nothing of languages or packs, so a
change to the evidence around them (a new prior) does not touch them. The
segmenter's bookkeeping kernels (:func:`spans`, :func:`set_labels`,
:func:`absorb_strays`, :func:`piece_rows`, :func:`make_pieces`,
:func:`cut_segments`) read and write its pieces' and segments' fields by
name: a field renamed in ``segment._Piece`` or ``document.Segment`` is
renamed here too (the tests run both builds on every case file).

Numbers are bit-identical to numpy's: what numpy computes with a
transcendental function (``exp``) is computed by the caller with numpy,
sums of rows follow numpy's own pairwise summation (:func:`pairwise_sum`),
and the C compiler may not fuse a multiplication and an addition (setup.py
passes ``-ffp-contract=off``).
"""

from __future__ import annotations

import unicodedata
from types import MemberDescriptorType
from typing import TYPE_CHECKING

try:
    import cython
except ImportError:  # interpreted where Cython is not installed: a stand-in that says so
    from types import SimpleNamespace

    cython = SimpleNamespace(compiled=False)
# Compiled, Cython makes this a constant: True. A branch on ``cython.compiled``
# itself is taken or dropped when Cython compiles the module (``code_at``).
compiled = cython.compiled

if TYPE_CHECKING:
    from typing import Any

    #: A flat buffer of numbers: a numpy array or a ``memoryview`` of one
    #: (compiled, a typed memoryview; the annotations are for mypy only).
    Buffer = Any

#: numpy's pairwise summation adds blocks of at most this many items with
#: eight accumulators (``PW_BLOCKSIZE`` in numpy's loops).
PW_BLOCKSIZE = 128

#: Bits of :func:`canonical_flags`' table (one entry per BMP character) and result.
#: Table and result: a character some canonical rule acts on (a trigger).
CANON_TRIGGER = 1
#: Table: a non-starter (a combining mark); result: a run of them at least ``run`` long.
CANON_MARK = 2
#: Result: a character beyond ASCII.
CANON_NON_ASCII = 4
#: Result: a character beyond the BMP, which the table does not cover.
CANON_ASTRAL = 8
#: Result: two spaces in a row (``"  "``).
CANON_SPACES = 16
#: Result: a space beside a line break (``"\n "`` or ``" \n"``).
CANON_LINE_SPACE = 32
#: Result: three line breaks in a row (``"\n\n\n"``).
CANON_BLANK_LINES = 64
#: Table and result: a character NFC's quick check does not pass on its own
#: (NFC_Quick_Check No or Maybe, or a mark: a non-starter). A text without one
#: (and without astral characters) is in NFC: every character passes the
#: quick check and none is reordered.
CANON_NFC = 128
#: Size of :func:`canonical_flags`' table: the Basic Multilingual Plane.
CANON_TABLE_SIZE = 0x10000

#: Bits of :func:`in_nfc`'s table, which has two bytes per BMP character: a
#: combining class, then these bits. A non-starter (canonical combining class
#: not 0): the first byte is its class. A starter's first byte is the class of
#: the last character of its canonical decomposition (0 when it has none).
NFC_MARK = 1
#: The second character of a pair NFC composes (NFC_Quick_Check Maybe): it may
#: compose with the starter before it.
NFC_SECOND = 2
#: A character :func:`in_nfc` leaves to ``unicodedata``: one NFC changes on its
#: own (NFC_Quick_Check No), a Hangul jamo (composed by rule, not by the
#: pairs), one whose decomposition the check does not follow.
NFC_ODD = 4
#: Size of :func:`in_nfc`'s table: two bytes for each BMP character.
NFC_TABLE_SIZE = 2 * 0x10000


def code_at(text: str, i: int) -> int:
    """The code point of ``text[i]`` (an index the caller has checked), read in place:
    compiled, no one-character string and no bounds check per character."""
    if not cython.compiled:
        return ord(text[i])
    return PyUnicode_READ(PyUnicode_KIND(text), PyUnicode_DATA(text), i)  # type: ignore[name-defined]  # noqa: F821


def text_kind(text: str) -> int:
    """The width of ``text``'s code points in memory (compiled; 0 interpreted): with
    :func:`text_data`, what :func:`read_at` reads, found once for a loop."""
    if not cython.compiled:
        return 0
    return PyUnicode_KIND(text)  # type: ignore[name-defined]  # noqa: F821


def text_data(text: str) -> Any:
    """Where ``text``'s code points are in memory (compiled; the text interpreted)."""
    if not cython.compiled:
        return text
    return PyUnicode_DATA(text)  # type: ignore[name-defined]  # noqa: F821


def read_at(kind: int, data: Any, i: int) -> int:
    """The code point ``i`` of the text of :func:`text_kind` and :func:`text_data`
    (an index the caller has checked): :func:`code_at` without finding the
    text's kind and data again for each character."""
    if not cython.compiled:
        return ord(data[i])
    return PyUnicode_READ(kind, data, i)  # type: ignore[name-defined]  # noqa: F821


def canonical_flags(text: str, table: bytes, run: int) -> int:
    """What a check of ``text`` for the canonical form needs, in one pass over it.

    ``table`` has an entry per BMP character (:data:`CANON_TABLE_SIZE` bytes)
    with the bits :data:`CANON_TRIGGER`, :data:`CANON_MARK` and
    :data:`CANON_NFC` (bytes, which the compiled build reads in place: a typed
    memoryview cost ~0.18 us a call to take, 0.4 ms of a text pass). The
    result ORs ``CANON_TRIGGER`` and ``CANON_NFC`` when a character of that bit
    is in ``text``, ``CANON_MARK`` when ``run`` characters in a row are marks,
    ``CANON_NON_ASCII`` and
    ``CANON_ASTRAL`` when it has characters beyond ASCII and beyond the BMP
    (those have no entry: the caller decides for them; an astral character
    ends a run of marks here), and :data:`CANON_SPACES`,
    :data:`CANON_LINE_SPACE` and :data:`CANON_BLANK_LINES` for the sequences
    of spaces and line breaks that rules act on.

    >>> entries = bytearray(CANON_TABLE_SIZE)
    >>> entries[0xA0], entries[0x301] = CANON_TRIGGER, CANON_MARK | CANON_NFC
    >>> table = bytes(entries)
    >>> canonical_flags("plain", table, 2), canonical_flags("a\u00a0b", table, 2)
    (0, 5)
    >>> canonical_flags("e\u0301\u0301", table, 2), canonical_flags("e\u0301x\u0301", table, 2)
    (134, 132)
    >>> canonical_flags("a  b", table, 2), canonical_flags("a \\nb", table, 2)
    (16, 32)
    >>> canonical_flags("a\\n\\nb", table, 2), canonical_flags("a\\n\\n\\nb", table, 2)
    (0, 64)
    """
    if len(table) < CANON_TABLE_SIZE:
        raise ValueError(f"a table of {len(table)} entries, not {CANON_TABLE_SIZE}")
    if run < 1:
        raise ValueError(f"a run of {run} marks")
    # Compiled, the bytes read in place.
    entries = table
    # The bits as C ints (compiled, the module's names are Python objects).
    trigger, mark, non_ascii, astral = CANON_TRIGGER, CANON_MARK, CANON_NON_ASCII, CANON_ASTRAL
    nfc = CANON_NFC
    spaces, line_space, blank_lines = CANON_SPACES, CANON_LINE_SPACE, CANON_BLANK_LINES
    flags = 0
    marks = 0
    breaks = 0
    prev = 0
    # The OR of the codes of the characters read in quiet runs (below).
    seen = 0
    kind = text_kind(text)
    data = text_data(text)
    n = len(text)
    i = 0
    while i < n:
        code = read_at(kind, data, i)
        i += 1
        if 0x20 < code < 0x10000 and not entries[code]:
            # A run of quiet characters (most of a text): in the table and of
            # no bit there, and not a line break or a control; a space too, but
            # after one (a rule's sequence) or at the start. They only end the
            # sequences of spaces and breaks and the runs of marks, and say
            # whether the text goes beyond ASCII: read in a loop of their own
            # that keeps that alone (and the last character, for what follows).
            seen |= code
            while i < n:
                last = code
                code = read_at(kind, data, i)
                if code == 0x20:
                    if last == 0x20 or entries[code]:
                        break
                elif code < 0x20 or code >= 0x10000 or entries[code]:
                    break
                seen |= code
                i += 1
            else:
                last = code
            prev = last
            breaks = 0
            marks = 0
            continue
        if code < 0x80:
            entry = entries[code]
            if code == 0x20:
                if prev == 0x20:
                    flags |= spaces
                elif prev == 0x0A:
                    flags |= line_space
            elif code == 0x0A:
                if prev == 0x20:
                    flags |= line_space
                breaks += 1
                if breaks >= 3:
                    flags |= blank_lines
            if code != 0x0A:
                breaks = 0
        elif code < 0x10000:
            flags |= non_ascii
            entry = entries[code]
        else:
            flags |= non_ascii | astral
            entry = 0
        if code >= 0x80:
            breaks = 0
        prev = code
        if not entry:  # most characters: no bit, one test
            marks = 0
            continue
        if entry & trigger:
            flags |= trigger
        if entry & nfc:
            flags |= nfc
        if entry & mark:
            marks += 1
            if marks >= run:
                flags |= mark
        else:
            marks = 0
    if seen >= 0x80:
        flags |= non_ascii
    return flags


def in_nfc(text: str, table: bytes, pairs: bytes) -> bool:
    """Whether ``text`` is in NFC, known without normalizing it: ``True`` only where
    ``unicodedata.is_normalized("NFC", text)`` is true; ``False`` where that call
    has to tell (a character beyond the BMP or of :data:`NFC_ODD`, or where NFC
    would reorder or compose: then the text is not in NFC, or rarely is).

    ``table`` (:data:`NFC_TABLE_SIZE` bytes) has each BMP character's class and
    bits (:data:`NFC_MARK`, :data:`NFC_SECOND`, :data:`NFC_ODD`), ``pairs`` the
    pairs NFC composes (BMP characters both), each ``first << 16 | second`` in
    four bytes, big-endian, sorted. (Bytes, which the compiled build reads in
    place: a typed memoryview costs ~0.12 us a call to take.) ``is_normalized`` decomposes and composes again every text that
    holds a second character (an Indic vowel sign, a nukta, an Arabic hamza
    above) whatever follows; NFC gives the text back when, character by
    character,

    - the non-starters after a starter come in the order of their classes,
      including the marks its decomposition ends with (é is e U+0301, which a
      mark of a lower class than 230 would follow in NFD), so NFD reorders
      nothing; and
    - no second character composes with the last starter before it: a starter
      second only with a starter right before it, a non-starter second
      unless a mark between them (not composed) has a class as high (the
      marks after a starter rise: the one before it has the highest). A
      starter that decomposes composes back into itself (it is in NFC), and
      so is the starter the second would compose with.

    >>> entries = bytearray(NFC_TABLE_SIZE)
    >>> entries[2 * 0x301 : 2 * 0x302] = 230, NFC_MARK | NFC_SECOND
    >>> entries[2 * 0x316 : 2 * 0x317] = 220, NFC_MARK
    >>> entries[2 * 0xE9] = 230  # é: e U+0301
    >>> table, pairs = bytes(entries), (0x65 << 16 | 0x301).to_bytes(4, "big")
    >>> [in_nfc(t, table, pairs) for t in ("e", "x\u0301", "\u00e9\u0301", "e\u0316\u0301")]
    [True, True, True, False]
    >>> [in_nfc(t, table, pairs) for t in ("e\u0301", "\u00e9\u0316", "\u0316\u0301", "\u0301\u0316")]
    [False, False, True, False]
    """
    if len(table) < NFC_TABLE_SIZE:
        raise ValueError(f"a table of {len(table)} entries, not {NFC_TABLE_SIZE}")
    if len(pairs) % 4:
        raise ValueError(f"pairs of {len(pairs)} bytes, not four each")
    # The bits as C ints (compiled, the module's names are Python objects).
    mark, second, odd = NFC_MARK, NFC_SECOND, NFC_ODD
    # Compiled, the bytes read in place.
    entries = table
    # The last starter (-1 before the first), the class of the character before
    # (0: a starter), and the class of the last mark the last starter decomposes
    # to while no mark has followed it.
    starter = -1
    before = 0
    tail = 0
    kind = text_kind(text)
    data = text_data(text)
    n = len(text)
    for i in range(n):
        code = read_at(kind, data, i)
        if code >= 0x10000:
            return False
        bits = entries[2 * code + 1]
        if not bits:  # most characters: a starter that composes with nothing before it
            starter = code
            before = 0
            tail = entries[2 * code]
            continue
        if bits & odd:
            return False
        cls = entries[2 * code]
        if bits & mark:
            if cls < before or cls < tail:
                return False
            if bits & second and starter >= 0 and before < cls and _composes(pairs, starter, code):
                return False
            before = cls
            tail = 0
        else:
            if bits & second and starter >= 0 and before == 0 and _composes(pairs, starter, code):
                return False
            starter = code
            before = 0
            tail = cls
    return True


def _composes(pairs: bytes, first: int, second: int) -> bool:
    """Whether ``first << 16 | second`` is one of ``pairs`` (:func:`in_nfc`'s): a binary
    search."""
    keys = pairs
    key = first << 16 | second
    lo = 0
    hi = len(pairs) // 4
    while lo < hi:
        mid = (lo + hi) // 2
        at = 4 * mid
        # Byte by byte into a wide number (compiled, a C int would overflow).
        found = keys[at]
        found = found << 8 | keys[at + 1]
        found = found << 8 | keys[at + 2]
        found = found << 8 | keys[at + 3]
        if found == key:
            return True
        if found < key:
            lo = mid + 1
        else:
            hi = mid
    return False


def pairwise_sum(a: Buffer, lo: int, n: int) -> float:
    """The sum of ``a[lo : lo + n]`` exactly as numpy's ``sum`` adds a contiguous row.

    numpy adds eight interleaved running sums and splits long rows in
    halves, which rounds differently from adding left to right; matching it
    keeps the kernels' results bit-identical to the numpy code they replace.

    >>> import numpy as np
    >>> row = np.random.default_rng(0).random(300) ** 9
    >>> bool(pairwise_sum(memoryview(row), 0, 300) == row.sum() != sum(row.tolist()))
    True
    """
    # The compiled core checks no index: the range is checked here, once.
    if lo < 0 or n < 0 or lo + n > len(a):
        raise ValueError(f"a[{lo}:{lo + n}] is not within the {len(a)} numbers of a")
    return _pairwise_sum(a, lo, n)


def _pairwise_sum(a: Buffer, lo: int, n: int) -> float:
    """:func:`pairwise_sum` of a range the caller has checked."""
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
    return _pairwise_sum(a, lo, half) + _pairwise_sum(a, lo + half, n - half)


#: The floor of the posteriors' likelihoods: it keeps every row sum positive
#: (an underflow to zero would make it 0/0).
LIKE_FLOOR = 1e-300


def decode_work_size(n: int, k: int) -> int:
    """The numbers of the work buffer :func:`decode_begin` and :func:`decode_end` share
    for a chain of ``n`` pieces of ``k`` candidates.

    >>> decode_work_size(3, 2)
    31
    """
    return 4 * n * k + n + 2 * k


def decode_begin(
    scores: Buffer,
    cost: Buffer,
    n: int,
    k: int,
    temperature: float,
    work: Buffer,
    ints: Buffer,
) -> int:
    """Label a chain of ``n`` pieces of ``k`` candidates (its best path, into
    ``ints[:n]``) and lay out the exponents of its posteriors in ``work``; return
    where they start.

    ``scores`` is ``n × k`` (row-major), ``cost[i]`` the cost of switching
    language before piece ``i`` (staying is free). With one cost for every
    switch, the best previous state is either the same language or the
    overall best, so each step is linear in ``k``; ties go to the lowest
    column, as with numpy's argmax. ``work`` holds
    :func:`decode_work_size` numbers, ``ints`` ``2 n`` (the second half is
    scratch). The exponents, at the returned offset, are ``n × k`` scores
    divided by ``temperature`` less their row's maximum (NaN when a row has
    one, as numpy's), then ``n`` switching costs divided by ``temperature``
    and negated: the caller takes their exponentials in place (with numpy,
    whose ``exp`` the interpreted steps use) before :func:`decode_end`.
    """
    # The compiled core checks no index: the sizes are checked here.
    if n < 1 or k < 1:
        raise ValueError(f"a path needs a piece and a candidate, not {n} and {k}")
    if (
        len(scores) < n * k
        or len(cost) < n
        or len(work) < decode_work_size(n, k)
        or len(ints) < 2 * n
    ):
        raise ValueError(
            f"scores need {n} rows of {k}, cost {n} items, ints {2 * n} and work "
            f"{decode_work_size(n, k)}"
        )
    history = 0
    best = n * k
    _viterbi(scores, cost, n, k, work, best, history, ints, n, ints)
    at = best + k
    for i in range(n * k):
        work[at + i] = scores[i]
    for i in range(n):
        work[at + n * k + i] = cost[i]
    if temperature != 1.0:
        for i in range(at, at + n * k + n):
            work[i] = work[i] / temperature
    for i in range(n):
        row = at + i * k
        peak = work[row]
        for j in range(row + 1, row + k):
            # numpy's maximum: a NaN anywhere is the row's.
            if work[j] > peak or work[j] != work[j]:
                peak = work[j]
        for j in range(row, row + k):
            work[j] = work[j] - peak
    for i in range(at + n * k, at + n * k + n):
        work[i] = -work[i]
    return at


def decode_end(work: Buffer, n: int, k: int, ints: Buffer, conf: Buffer) -> None:
    """Fill ``conf[i]`` with the posterior probability of piece ``i``'s label
    (``ints[i]``), from the exponentials of what :func:`decode_begin` laid out in
    ``work`` (taken in place).

    Forward-backward in probability space: the likelihoods are the
    exponentials of the scores (relative to their row's best), floored at
    :data:`LIKE_FLOOR`; the transition is 1 to stay and the exponential of
    the negated cost to switch, every row rescaled to sum to one.
    """
    # The compiled core checks no index: the sizes and labels are checked here.
    if n < 1 or k < 1:
        raise ValueError(f"posteriors need a piece and a candidate, not {n} and {k}")
    if len(work) < decode_work_size(n, k) or len(ints) < n or len(conf) < n:
        raise ValueError(f"work needs {decode_work_size(n, k)} numbers, ints and conf {n}")
    for i in range(n):
        if ints[i] < 0 or ints[i] >= k:
            raise ValueError(f"label {ints[i]} of piece {i} is not one of {k}")
    like = n * k + k
    for i in range(like, like + n * k):
        # numpy's maximum: a NaN stays.
        if work[i] < LIKE_FLOOR:
            work[i] = LIKE_FLOOR
    _posteriors(work, like, like + n * k, n, k, ints, like + n * k + n, conf)


def _viterbi(
    scores: Buffer,
    cost: Buffer,
    n: int,
    k: int,
    work: Buffer,
    best: int,
    history: int,
    tops: Buffer,
    tops_at: int,
    labels: Buffer,
) -> None:
    """The best path of :func:`decode_begin` into ``labels[:n]``, with ``work[best :
    best + k]``, ``work[history : history + n * k]`` and ``tops[tops_at : tops_at +
    n]`` as scratch, all checked by the caller."""
    for j in range(k):
        work[best + j] = scores[j]
        work[history + j] = scores[j]
    tops[tops_at] = 0
    for i in range(1, n):
        top = 0
        for j in range(1, k):
            if work[best + j] > work[best + top]:
                top = j
        tops[tops_at + i] = top
        floor = work[best + top] - cost[i]
        row = i * k
        for j in range(k):
            v = work[best + j]
            if v < floor:
                v = floor
            v += scores[row + j]
            work[best + j] = v
            work[history + row + j] = v
    label = 0
    for j in range(1, k):
        if work[best + j] > work[best + label]:
            label = j
    labels[n - 1] = label
    for i in range(n - 1, 0, -1):
        prev = history + (i - 1) * k
        top = tops[tops_at + i]
        if work[prev + label] < work[prev + top] - cost[i]:
            label = top
        labels[i - 1] = label


def _posteriors(
    work: Buffer,
    like: int,
    jump: int,
    n: int,
    k: int,
    labels: Buffer,
    scratch: int,
    out: Buffer,
) -> None:
    """The posteriors of :func:`decode_end`: the likelihoods ``work[like : like + n *
    k]``, the jumps ``work[jump : jump + n]``, ``2 n k + k`` numbers of scratch from
    ``work[scratch]``, all checked by the caller.

    The backward pass runs as the forward one on the reversed chain
    (``m[i] = mix(m[i+1]) * like[i]``).
    """
    fwd = scratch
    msg = fwd + n * k
    row = msg + n * k
    last = (n - 1) * k
    first_sum = _pairwise_sum(work, like, k)
    last_sum = _pairwise_sum(work, like + last, k)
    for j in range(k):
        work[fwd + j] = work[like + j] / first_sum
        work[msg + last + j] = work[like + last + j] / last_sum
    for t in range(n - 1):
        # Forward to piece t + 1, backward to piece n - 2 - t; rows sum to
        # one, so mixing with the uniform jump is ``x * stay + jump``.
        f_jump = work[jump + t + 1]
        f_stay = 1.0 - f_jump
        b_jump = work[jump + n - 1 - t]
        b_stay = 1.0 - b_jump
        f_from = t * k
        f_to = f_from + k
        b_from = (n - 1 - t) * k
        b_to = b_from - k
        for j in range(k):
            work[fwd + f_to + j] = (work[fwd + f_from + j] * f_stay + f_jump) * work[
                like + f_to + j
            ]
            work[msg + b_to + j] = (work[msg + b_from + j] * b_stay + b_jump) * work[
                like + b_to + j
            ]
        f_sum = _pairwise_sum(work, fwd + f_to, k)
        b_sum = _pairwise_sum(work, msg + b_to, k)
        for j in range(k):
            work[fwd + f_to + j] = work[fwd + f_to + j] / f_sum
            work[msg + b_to + j] = work[msg + b_to + j] / b_sum
    for i in range(n):
        at = i * k
        if i < n - 1:
            stay = 1.0 - work[jump + i + 1]
            nxt = at + k
            for j in range(k):
                work[row + j] = work[fwd + at + j] * (
                    work[msg + nxt + j] * stay + work[jump + i + 1]
                )
        else:
            for j in range(k):
                work[row + j] = work[fwd + at + j] * 1.0
        out[i] = work[row + labels[i]] / _pairwise_sum(work, row, k)


def pool_rows(
    scores: Buffer,
    n: int,
    k: int,
    short: Buffer,
    pool_on: bool,
    pool: float,
    priors: Buffer,
    pooled: Buffer,
) -> None:
    """Pool the evidence of a chain's short items, then add the priors, in place:
    the segmenter's emissions from its pieces' evidence ``scores`` (``n × k``).

    When ``pool_on`` and more than one piece is short (``short[i]``), each short
    row moves ``pool`` of the way to their sum (``s + pool * (sum - s)``); the
    sum adds the short rows one after the other from the first, as numpy's sum
    over the rows of a table of two columns or more does. Then ``priors[j]`` is
    added to column ``j`` of every row. ``pooled`` (``k``) is scratch.
    """
    # The compiled core checks no index: the sizes are checked here.
    if n < 0 or k < 2:
        raise ValueError(f"n ({n}) is a count and k ({k}) at least 2")
    if len(scores) < n * k or len(short) < n or len(priors) < k or len(pooled) < k:
        raise ValueError(f"scores need {n} rows of {k}, short {n} items, priors and pooled {k}")
    if pool_on:
        m = 0
        for i in range(n):
            if short[i]:
                row = i * k
                if m == 0:
                    for j in range(k):
                        pooled[j] = scores[row + j]
                else:
                    for j in range(k):
                        pooled[j] = pooled[j] + scores[row + j]
                m += 1
        if m > 1:
            for i in range(n):
                if short[i]:
                    row = i * k
                    for j in range(k):
                        scores[row + j] = scores[row + j] + pool * (pooled[j] - scores[row + j])
    for i in range(n):
        row = i * k
        for j in range(k):
            scores[row + j] = scores[row + j] + priors[j]


def loglik(
    texts: list[str],
    nextmove: Buffer,
    emitting: Buffer,
    table: Buffer,
    k: int,
    chunk: int,
    acc: Buffer,
    out: Buffer,
) -> None:
    """Add to ``out[i]`` (``len(texts) × k``) the table rows of the states text ``i``
    passes through.

    langid's automaton (``nextmove[(state << 8) | byte]``, 16-bit) walks the UTF-8
    bytes of each text from its start state (encoded here, a code point at a
    time, as ``str.encode`` encodes them: no bytes object per text, no joined
    copy of them all); every state that emits a feature (``emitting[state]``)
    adds its row of ``table`` (``states × k``, float32) to the text's sums, in
    float64. The rows are added in the order numpy's ``add.reduceat`` adds
    them over chunks of ``chunk`` emitting bytes (counted across the texts):
    within a chunk one after the other from the first, then each chunk's
    sum to ``out``. ``acc`` (``k``) is a scratch buffer. A text with a lone
    surrogate, which UTF-8 cannot encode, raises ``str.encode``'s error.
    """
    # The compiled core checks no index: the sizes and every state the
    # automaton moves to are checked here.
    states = len(nextmove) >> 8
    n = len(texts)
    if k < 0 or chunk < 1:
        raise ValueError(f"k ({k}) is a count and chunk ({chunk}) positive")
    if (
        len(nextmove) != states << 8
        or len(emitting) < states
        or len(table) < states * k
        or len(out) < n * k
        or len(acc) < k
    ):
        raise ValueError(
            f"nextmove needs 256 moves per state, emitting and table a row per state, "
            f"out {n} rows of {k}"
        )
    seen = 0
    for i in range(n):
        text = texts[i]
        state = 0
        started = False
        row = i * k
        for ch in text:
            code = ord(ch)
            # The code point's UTF-8 bytes: how many, then each in turn.
            if code < 0x80:
                size = 1
            elif code < 0x800:
                size = 2
            elif code < 0x10000:
                if 0xD800 <= code < 0xE000:
                    text.encode("utf-8")  # raises UnicodeEncodeError
                    raise ValueError(f"a lone surrogate in text {i}")
                size = 3
            else:
                size = 4
            for b in range(size):
                if size == 1:
                    byte = code
                elif b == 0:
                    byte = ((0xF00 >> size) & 0xF0) | (code >> (6 * (size - 1)))
                else:
                    byte = 0x80 | ((code >> (6 * (size - 1 - b))) & 0x3F)
                state = nextmove[(state << 8) | byte]
                if state >= states:
                    raise ValueError(f"state {state} is not one of the automaton's {states}")
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


def phrase_key(text: str, is_edge: Any, nfc_table: bytes, nfc_pairs: bytes) -> str:
    """The form phrases are compared in (``langpacks.phrase_key``): NFC, casefolded,
    spaces collapsed, the characters ``is_edge`` says are punctuation, symbols or
    spaces gone at the edges.

    Only the edges are looked at (character by character), so a long
    paragraph costs its casefold and split, not a regex scan. Printable text
    has no space but " " (every other one is a control or separator
    character; a test checks every code point), so it needs no collapsing
    unless a space is doubled or at an edge: one fast check instead of a
    split and a join of every paragraph.

    ASCII text (which Python knows without a scan) is its own NFC and its
    casefold is its lower case, which Python makes with a fast table where
    casefold looks every character up in the full folding. Other text is
    most often in NFC already (a piece of canonical text), which
    :func:`in_nfc` (with ``nfc_table`` and ``nfc_pairs``, its tables) tells in
    one read where ``unicodedata.normalize`` decomposes and composes again
    every text with a character NFC might compose (a Bengali vowel sign):
    on the 1,000 text pages, 3,552 keys of 655,000 characters a pass, 3.7 ms
    of normalize against 0.5 ms. (Interpreted, the check would cost more
    than normalize: normalize alone answers there.)

    >>> table = bytes(NFC_TABLE_SIZE)  # a table of starters alone: all in NFC
    >>> phrase_key("« Share it with a  friend! »", lambda c: not c.isalnum(), table, b"")
    'share it with a friend'
    """
    if text.isascii():
        key = text.lower()
    elif compiled and in_nfc(text, nfc_table, nfc_pairs):
        key = text.casefold()
    else:
        key = unicodedata.normalize("NFC", text).casefold()
    if needs_collapse(key):
        key = " ".join(key.split())
    j = len(key)
    # A letter is never an edge (no letter is punctuation, a symbol or a space; a
    # test checks every code point): most keys begin and end with one, and
    # ``str.isalpha`` answers without calling ``is_edge``.
    i = 0
    while i < j:
        ch = key[i]
        if ch.isalpha() or not is_edge(ch):
            break
        i += 1
    while j > i:
        ch = key[j - 1]
        if ch.isalpha() or not is_edge(ch):
            break
        j -= 1
    return key[i:j]


def needs_collapse(key: str) -> bool:
    """Whether ``key`` has a character that is not printable, two spaces in a row or a
    space at an edge: what :func:`phrase_key` collapses (else it has nothing to).

    Compiled, one read of the key (ASCII told by its code) where Python's
    ``isprintable`` calls the Unicode tables for every character and the
    spaces take another search.

    >>> needs_collapse("a b"), needs_collapse("a  b"), needs_collapse(" a"), needs_collapse("a\tb")
    (False, True, True, True)
    """
    if not compiled:
        j = len(key)
        return (
            not key.isprintable() or "  " in key or (j > 0 and (key[0] == " " or key[j - 1] == " "))
        )
    prev = 0x20  # as if a space came before the key
    for ch in key:
        code = ord(ch)
        if code == 0x20:
            if prev == 0x20:
                return True
        elif code < 0x80:
            if code < 0x20 or code == 0x7F:
                return True
        elif not ch.isprintable():
            return True
        prev = code
    return prev == 0x20 and len(key) > 0


def letter_bonuses(
    texts: list[str],
    codes: Buffer,
    cols: Buffer,
    bonus: float,
    cap: int,
    k: int,
    hits: Buffer,
    out: Buffer,
) -> None:
    """Add to ``out[i]`` (``len(texts) × k``) the letter evidence of text ``i``: to each
    column ``c``, ``bonus`` times the number of its characters that are letters of
    column ``c``, at most ``cap`` of them.

    The letters are the code points ``codes`` (ascending, no repeats), letter
    ``codes[m]`` of column ``cols[m]``: the segmenter's are the letters one
    candidate's pack alone lists. ``hits`` (``k``) is scratch. One pass over each
    text's characters, most of which a comparison with the first and last
    letter settles (a search for each character of a page's pieces was most of
    the cost).

    >>> import numpy as np
    >>> out = np.zeros(4)
    >>> letter_bonuses(["żółw", "x"], np.array([0xF3, 0x142, 0x17C]), np.array([1, 0, 1]),
    ...                1.5, 2, 2, np.zeros(2, dtype=np.intp), out)
    >>> out.tolist()
    [1.5, 3.0, 0.0, 0.0]
    """
    # The compiled core checks no index: the sizes, the letters' order and their
    # columns are checked here.
    m = len(codes)
    if len(hits) < k or len(out) < len(texts) * k or len(cols) < m:
        raise ValueError(f"hits needs {k} cells, out {len(texts)} rows of {k}, cols {m} items")
    for i in range(m):
        if cols[i] < 0 or cols[i] >= k:
            raise ValueError(f"column {cols[i]} of letter {i} is not one of {k}")
        if i and codes[i] <= codes[i - 1]:
            raise ValueError(f"letter {i} is not after letter {i - 1}")
    if m == 0:
        return
    first = codes[0]
    last = codes[m - 1]
    for j in range(k):
        hits[j] = 0
    for i in range(len(texts)):
        found = False
        text = texts[i]
        for ch in text:
            code = ord(ch)
            if code < first or code > last:
                continue
            # Binary search of the letters.
            lo = 0
            hi = m
            while lo < hi:
                mid = (lo + hi) // 2
                if codes[mid] < code:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < m and codes[lo] == code:
                hits[cols[lo]] += 1
                found = True
        if found:
            row = i * k
            for j in range(k):
                if hits[j]:
                    out[row + j] = out[row + j] + bonus * min(hits[j], cap)
                    hits[j] = 0


# Word tables: words looked up by their characters, with no string made per word.
# One format for every table of words: the segmenter's stopwords of a candidate
# (:func:`word_bonuses`) and the boilerplate stage's stopwords of every pack
# (:func:`word_columns`).
#: The hash of a word's code points: ``h = (h * WORD_HASH_MULT + code) & WORD_HASH_MASK``
#: from ``h = 0`` (a product that fits in 64 bits, so C and Python agree).
WORD_HASH_MULT = 1000003
WORD_HASH_MASK = 0xFFFFFFFF
#: Items before a word table's slots: its number of slots, then of words.
WORD_TABLE_HEADER = 2


def word_table_size(words: list[str]) -> int:
    """How many items the table of ``words`` takes (:func:`fill_word_table`)."""
    chars = 0
    for w in range(len(words)):
        chars += len(words[w])
    return WORD_TABLE_HEADER + word_slots(len(words)) + 2 * len(words) + 1 + chars


def word_slots(n: int) -> int:
    """The slots of a table of ``n`` words: the least power of two at least ``2 n``
    (at least one), so that a probe meets an empty slot soon."""
    m = 1
    while m < 2 * n:
        m *= 2
    return m


def fill_word_table(words: list[str], cols: list[int], table: Buffer) -> None:
    """Make ``table`` (:func:`word_table_size` items) the table of ``words``, word
    ``words[w]`` of column ``cols[w]``: what :func:`word_bonuses` and
    :func:`word_columns` look words up in.

    The table is flat: the number of slots ``m`` (a power of two) and of words
    ``n``; ``m`` slots, each empty (0) or a word's index plus one, at the hash
    of its characters (:data:`WORD_HASH_MULT`) or, when taken, the next free one;
    the words' starts in the characters (``n + 1``, the last their end); their
    columns (``n``); their code points, one after another. A lookup compares
    a word with the few filed at and after its slot, where they are: no
    string per word looked up, no dictionary. Raises ValueError when a word
    is given twice or ``cols`` lacks one's column.
    """
    n = len(words)
    m = word_slots(n)
    if len(cols) < n:
        raise ValueError(f"cols needs the columns of the {n} words")
    if len(table) < word_table_size(words):
        raise ValueError(f"a table of {len(table)} items, not {word_table_size(words)}")
    table[0] = m
    table[1] = n
    for s in range(m):
        table[WORD_TABLE_HEADER + s] = 0
    starts = WORD_TABLE_HEADER + m
    chars = starts + 2 * n + 1
    at = 0
    for w in range(n):
        word = words[w]
        table[starts + w] = at
        table[starts + n + 1 + w] = cols[w]
        for ch in word:
            table[chars + at] = ord(ch)
            at += 1
    table[starts + n] = at
    for w in range(n):
        word = words[w]
        s = probe_word(word, 0, len(word), word_hash(word, 0, len(word)), table, len(table))
        if s < 0 or table[WORD_TABLE_HEADER + s] != 0:
            raise ValueError(f"word {word!r} is given twice")
        table[WORD_TABLE_HEADER + s] = w + 1


def check_word_table(table: Buffer) -> None:
    """Raise ValueError unless the header of ``table`` fits it (:func:`fill_word_table`):
    what a reader of a table checks before it probes (:func:`probe_word` checks
    the entries it reads against the header)."""
    size = len(table)
    if size < WORD_TABLE_HEADER:
        raise ValueError("not a word table (no header)")
    m = table[0]
    n = table[1]
    if m < 1 or m & (m - 1) or n < 0 or WORD_TABLE_HEADER + m + 2 * n + 1 > size:
        raise ValueError(f"not a word table ({m} slots, {n} words, {size} items)")


def word_columns(
    texts: list[str], sep: str, table: Buffer, k: int, missing: int, out: Buffer
) -> int:
    """The column of each word of ``texts`` in the word table ``table``
    (:func:`fill_word_table`), in order, to ``out`` (unsigned 32-bit ints: ids);
    ``missing`` for a word it lacks. Returns the number of words.

    The words of a text are what the character ``sep`` separates (a text of
    no characters has none; two ``sep`` in a row have an empty word between
    them). Each word is looked up where it is, hashed as its characters go by:
    a page's thousands of words cost no string and no dictionary lookup each
    (the boilerplate stage's stopwords: its lines' casefolded words joined by
    NUL, looked up in the stopwords of every pack).

    Raises ValueError when the words are more than ``out`` has room for, the
    table is not one :func:`fill_word_table` made, or a column is not one of ``k``.

    >>> import numpy as np
    >>> table = np.empty(word_table_size(["the", "of"]), np.intp)
    >>> fill_word_table(["the", "of"], [3, 5], table)
    >>> out = np.zeros(4, np.uintc)
    >>> word_columns(["the\\x00cat", "", "of"], "\\x00", table.data, 9, 0, out.data)
    3
    >>> out.tolist()
    [3, 0, 5, 0]
    """
    check_word_table(table)
    size = len(table)
    room = len(out)
    if len(sep) != 1:
        raise ValueError(f"the separator {sep!r} is not one character")
    stop = ord(sep)
    m = 0
    for i in range(len(texts)):
        text = texts[i]
        end = len(text)
        if end == 0:
            continue
        lo = 0
        pos = 0
        h = 0
        for ch in text:
            code = ord(ch)
            if code != stop:
                h = (h * WORD_HASH_MULT + code) & WORD_HASH_MASK
            else:
                col = slot_column(probe_word(text, lo, pos, h, table, size), table, k)
                if col < -1:
                    word_table_error(text, lo, pos, h, table, size, k)
                if m < room:  # the compiled core does not check its writes
                    out[m] = col if col >= 0 else missing
                m += 1
                lo = pos + 1
                h = 0
            pos += 1
        # The end of the text ends its last word.
        col = slot_column(probe_word(text, lo, end, h, table, size), table, k)
        if col < -1:
            word_table_error(text, lo, end, h, table, size, k)
        if m < room:
            out[m] = col if col >= 0 else missing
        m += 1
    if m > room:
        raise ValueError(f"the texts have {m} words, more than the {room} cells of out")
    return m


def word_hash(text: str, lo: int, hi: int) -> int:
    """The hash of the word ``text[lo:hi]`` in a word table (a range the caller has checked)."""
    h = 0
    for i in range(lo, hi):
        h = (h * WORD_HASH_MULT + code_at(text, i)) & WORD_HASH_MASK
    return h


def probe_word(text: str, lo: int, hi: int, h: int, table: Buffer, size: int) -> int:
    """The slot of the word ``text[lo:hi]`` (of hash ``h``) in ``table`` (``size``
    items, whose header the caller has checked): its own, or the empty slot where
    it would go (-1 when no slot is either, -2 when an entry lies outside the table).

    Every entry read is checked, so a table that :func:`fill_word_table` did not
    make gives -2, never a read past its end.
    """
    m = table[0]
    n = table[1]
    starts = WORD_TABLE_HEADER + m
    chars = starts + 2 * n + 1
    s = h & (m - 1)
    for _tries in range(m):
        e = table[WORD_TABLE_HEADER + s]
        if e == 0:
            return s
        if e < 0 or e > n:
            return -2
        a = table[starts + e - 1]
        b = table[starts + e]
        if a < 0 or b < a or chars + b > size:
            return -2
        if b - a == hi - lo:
            same = True
            for i in range(hi - lo):
                if table[chars + a + i] != code_at(text, lo + i):
                    same = False
                    break
            if same:
                return s
        s = (s + 1) & (m - 1)
    return -1


def slot_column(s: int, table: Buffer, k: int) -> int:
    """The column of the word in slot ``s`` of the word table ``table`` (what
    :func:`probe_word` found for a word; its header the caller has checked), or -1
    when the slot is empty (the word is not in the table).

    Below -1 when the table is not one :func:`fill_word_table` made (``s`` is
    -2: an entry outside it) or the column is not one of ``k``: the caller
    raises the error (:func:`word_table_error`). Without error handling of
    their own, the probe and this are small enough to be inline in the loops
    that look words up.
    """
    if s == -2:
        return -2
    if s < 0 or table[WORD_TABLE_HEADER + s] == 0:
        return -1
    col = table[WORD_TABLE_HEADER + table[0] + table[1] + table[WORD_TABLE_HEADER + s]]
    if col < 0 or col >= k:
        return -3
    return col


def word_table_error(text: str, lo: int, hi: int, h: int, table: Buffer, size: int, k: int) -> int:
    """Raise the ValueError of a lookup that :func:`slot_column` found wrong: the
    table has an entry out of it, or the word ``text[lo:hi]``'s column is not one of ``k``."""
    s = probe_word(text, lo, hi, h, table, size)
    if s == -2:
        raise ValueError("not a word table (an entry out of it)")
    col = table[WORD_TABLE_HEADER + table[0] + table[1] + table[WORD_TABLE_HEADER + s]]
    raise ValueError(f"column {col} of word {text[lo:hi]!r} is not one of {k}")


def word_bonuses(
    texts: list[str],
    is_edge: Any,
    nfc_table: bytes,
    nfc_pairs: bytes,
    phrases: dict[str, tuple[int, ...]],
    stopwords: Buffer,
    chrome: float,
    stopword: float,
    cap: int,
    max_words: int,
    k: int,
    hits: Buffer,
    out: Buffer,
) -> None:
    """Add to ``out[i]`` (``len(texts) × k``) the word evidence of text ``i``'s phrase key
    (:func:`phrase_key`, whose edges ``is_edge`` says and whose NFC check
    :func:`in_nfc` with ``nfc_table`` and ``nfc_pairs``).

    The chrome bonus (``chrome``) to each column ``phrases[key]`` names,
    in order; then the stopword bonus, ``stopword`` times the number of
    the key's first ``max_words`` words (``key.split()``'s) that the word
    table ``stopwords`` (:func:`fill_word_table`) gives a column to, at most
    ``cap`` of them, to each such column. ``hits`` (``k``) is scratch. The
    tables map strings to columns and could be any: the segmenter's are a
    candidate set's chrome phrases and the stopwords one candidate alone
    lists. The words are read in the key where they are: a paragraph's
    fifty words cost no string and no dictionary lookup each.
    """
    # The compiled core checks no index: the sizes, the table and the columns are
    # checked here.
    if len(hits) < k or len(out) < len(texts) * k:
        raise ValueError(f"hits needs {k} cells and out {len(texts)} rows of {k}")
    check_word_table(stopwords)
    size = len(stopwords)
    for j in range(k):
        hits[j] = 0
    for i in range(len(texts)):
        key = phrase_key(texts[i], is_edge, nfc_table, nfc_pairs)
        row = i * k
        cols = phrases.get(key)
        if cols is not None:
            for col in cols:
                if col < 0 or col >= k:
                    raise ValueError(f"column {col} of phrase {key!r} is not one of {k}")
                out[row + col] = out[row + col] + chrome
        # The words of the key, read where they are: each one's hash as its
        # characters go by, its column when a white space (or the end) closes it.
        found = False
        words = 0
        pos = 0
        lo = -1
        h = 0
        col = -1
        if max_words > 0:
            for ch in key:
                if not ch.isspace():
                    if lo < 0:
                        lo = pos
                        h = 0
                    h = (h * WORD_HASH_MULT + ord(ch)) & WORD_HASH_MASK
                elif lo >= 0:
                    col = slot_column(probe_word(key, lo, pos, h, stopwords, size), stopwords, k)
                    if col < -1:
                        word_table_error(key, lo, pos, h, stopwords, size, k)
                    if col >= 0:
                        hits[col] += 1
                        found = True
                    lo = -1
                    words += 1
                    if words == max_words:
                        break
                pos += 1
            if lo >= 0 and words < max_words:
                col = slot_column(probe_word(key, lo, pos, h, stopwords, size), stopwords, k)
                if col < -1:
                    word_table_error(key, lo, pos, h, stopwords, size, k)
                if col >= 0:
                    hits[col] += 1
                    found = True
        if found:
            for j in range(k):
                if hits[j]:
                    out[row + j] = out[row + j] + stopword * min(hits[j], cap)
                    hits[j] = 0


# Evidence rows kept across documents.
def piece_rows(
    text: str,
    pieces: list[Any],
    short_chars: int,
    max_chars: int,
    context: object,
    get: Any,
    k: int,
    out: Buffer,
    missing: dict[str, list[int]],
    short: Buffer,
) -> None:
    """Look up each piece's evidence row, ``get((context, piece_text))``: a kept row
    (``k`` numbers as bytes, :func:`offer_rows`) is copied to row ``i`` of ``out``
    (``len(pieces) × k``); the pieces whose row is missing (and those longer than
    ``max_chars``, which are not kept) are listed under their text in ``missing``,
    in order. ``short[i]`` says whether piece ``i`` stands apart and has at most
    ``short_chars`` characters (a menu item or crumb, which pools its evidence).

    ``pieces`` have ``start``, ``end`` and ``item`` (``segment._Piece``);
    ``get`` is a cache's (``caches.RepeatCache.get``). Raises ValueError when a
    piece is not within ``text``, ``short`` or ``out`` has no room for every
    piece, or a kept row is not ``k`` numbers.
    """
    # The compiled core checks no index: the buffers, the pieces and the rows are
    # checked here.
    n = len(text)
    if len(short) < len(pieces) or k < 0 or len(out) < len(pieces) * k:
        raise ValueError(f"short needs the {len(pieces)} items of pieces, out {len(pieces)} rows")
    for i in range(len(pieces)):
        p = pieces[i]
        start = p.start
        end = p.end
        if start < 0 or end < start or end > n:
            raise ValueError(f"piece {start}:{end} is not within 0:{n}")
        piece = text[start:end]
        short[i] = 1 if p.item and end - start <= short_chars else 0
        row = get((context, piece)) if end - start <= max_chars else None
        if row is not None:
            if len(row) != k * 8:
                raise ValueError(f"a kept row of {len(row)} bytes, not {k} numbers")
            copy_row(row, out, i * k, k)
            continue
        where = missing.get(piece)
        if where is None:
            missing[piece] = [i]
        else:
            where.append(i)


def offer_rows(
    todo: list[str],
    fresh: Buffer,
    missing: dict[str, list[int]],
    k: int,
    out: Buffer,
    max_chars: int,
    context: object,
    offer: Any,
) -> None:
    """Put the rows computed for the missing pieces in their places and offer them
    to the cache: ``fresh[j]`` (``len(todo) × k``) is the row of text ``todo[j]``,
    which is copied to the rows of ``out`` that ``missing`` lists for it
    (:func:`piece_rows`); a text of at most ``max_chars`` is offered as
    ``offer((context, text), its row as bytes)`` (``k`` float64, native order: a
    small immutable object of its own, which :func:`piece_rows` copies back).
    Raises ValueError when a piece is not one of the rows of ``out``.
    """
    if k < 0 or len(fresh) < len(todo) * k:
        raise ValueError(f"fresh needs {len(todo)} rows of {k}")
    m = len(out) // k if k else 0
    for j in range(len(todo)):
        piece = todo[j]
        for i in missing[piece]:
            if i < 0 or i >= m:
                raise ValueError(f"piece {i} is not one of the {m} rows")
            copy_numbers(fresh, j * k, out, i * k, k)
        if len(piece) <= max_chars:
            offer((context, piece), row_bytes(fresh, j * k, k))


def copy_numbers(src: Buffer, at: int, out: Buffer, to: int, k: int) -> None:
    """``out[to : to + k] = src[at : at + k]`` (ranges the caller has checked)."""
    if compiled:
        memcpy(cython.address(out[to]), cython.address(src[at]), k * 8)  # type: ignore[name-defined]  # noqa: F821
    else:
        out[to : to + k] = src[at : at + k]


def copy_row(row: bytes, out: Buffer, to: int, k: int) -> None:
    """``out[to : to + k]`` = the ``k`` numbers of ``row`` (sizes the caller has checked)."""
    if compiled:
        memcpy(cython.address(out[to]), PyBytes_AS_STRING(row), k * 8)  # type: ignore[name-defined]  # noqa: F821
    else:
        out[to : to + k] = memoryview(row).cast("d")


def row_bytes(src: Buffer, at: int, k: int) -> bytes:
    """The numbers ``src[at : at + k]`` as bytes (a range the caller has checked)."""
    if compiled:
        return PyBytes_FromStringAndSize(  # type: ignore[name-defined]  # noqa: F821
            cython.cast(cython.p_char, cython.address(src[at])), k * 8
        )
    return bytes(memoryview(src)[at : at + k])


# The piece scanner: the flags of a character class (``info`` bits 40-55).
#: A letter (``\p{L}``).
C_LETTER = 1
#: A mark (``\p{M}``): it goes with the letter before it.
C_MARK = 2
#: White space (``\s``).
C_SPACE = 4
#: A line break (``\n``).
C_NEWLINE = 8
#: A breadcrumb or title separator, bracket, quote or colon.
C_STRUCT = 16
#: A dash: a separator when white space is on one side of it.
C_DASH = 32
#: A sentence end when white space or the gap's end follows (``. ! ? … । ॥ ۔ ؟``).
C_STOP = 64
#: A sentence end anywhere (``。！？．``).
C_FULL_STOP = 128
#: A separator between menu items and crumbs (``| > » › / \ •`` …).
C_ITEM = 256
#: An apostrophe inside a word (``'`` ``’``).
C_APOSTROPHE = 512
#: A character of an e-mail address's name (``[\\w.+-]``).
C_EMAIL = 1024
#: A character of a domain name's label (``[\\w-]``).
C_DOMAIN = 2048
#: The end of a URL (``[\\s<>"'()\\[\\]{}]``).
C_URL_STOP = 4096
#: Where ``info`` keeps the flags and the class's first script.
FLAG_SHIFT = 40
FIRST_SHIFT = 56
#: ``first`` of a class that is no letter of a word script.
NO_SCRIPT = 255
ONE = 1
#: The bits of ``info`` that say which word scripts a letter is of.
SCRIPT_BITS = (ONE << FLAG_SHIFT) - ONE
#: Strength of a gap between two tokens, weakest first (as in normalize.segment).
GAP_SOFT = 0
GAP_SENTENCE = 1
GAP_STRUCT = 2
GAP_LINE = 3
#: The bit of :func:`gap_kind`'s result that says the gap sets items apart.
APART = 1 << 16

#: The flags by name, for the callers that build the class tables (compiled,
#: the constants above are C's, not the module's attributes).
CHAR_FLAGS = {
    "letter": C_LETTER,
    "mark": C_MARK,
    "space": C_SPACE,
    "newline": C_NEWLINE,
    "struct": C_STRUCT,
    "dash": C_DASH,
    "stop": C_STOP,
    "full_stop": C_FULL_STOP,
    "item": C_ITEM,
    "apostrophe": C_APOSTROPHE,
    "email": C_EMAIL,
    "domain": C_DOMAIN,
    "url_stop": C_URL_STOP,
    "flag_shift": FLAG_SHIFT,
    "first_shift": FIRST_SHIFT,
    "no_script": NO_SCRIPT,
}


def gap_kind(
    text: str,
    lo: int,
    hi: int,
    schemes: bool,
    emails: bool,
    classes: Buffer,
    info: Buffer,
) -> int:
    """How strongly ``text[lo:hi]`` separates the tokens around it (``segment._gap_kind``).

    A line break is a line; a separator character, or a dash with white
    space on one side, a structure; a sentence end a sentence; anything
    else (spaces, commas, digits) soft. Bits 16 and up of the result say
    whether the gap also sets items apart (``segment._sets_apart``). Each
    URL or e-mail address in the gap (:func:`url_end`, of the kinds
    ``schemes`` and ``emails`` ask for; the scanner's gaps have none) counts
    as one space, as ``_URL.sub(" ", gap)`` would make it: between two
    pieces, a link is no separator of its own.
    """
    structure = False
    sentence = False
    item = False
    prev = 0
    f = 0
    urls = schemes or emails
    i = lo
    while i < hi:
        end = url_end(text, i, hi, schemes, emails, classes, info) if urls else -1
        if end > i:
            f = C_SPACE
            i = end
        else:
            f = (info[classes[code_at(text, i)]] >> FLAG_SHIFT) & 0xFFFF
            i += 1
        if f & C_NEWLINE:
            return GAP_LINE | APART
        if f & C_STRUCT:
            structure = True
        if f & C_ITEM:
            item = True
        if (f & C_DASH and prev & C_SPACE) or (f & C_SPACE and prev & C_DASH):
            structure = True
            item = True
        if f & C_FULL_STOP or (f & C_SPACE and prev & C_STOP):
            sentence = True
        prev = f
    if prev & C_STOP:
        sentence = True
    # Every item separator is also a structure one: a soft gap sets nothing apart.
    if structure:
        return GAP_STRUCT | (APART if item else 0)
    if sentence:
        return GAP_SENTENCE | APART
    return GAP_SOFT


def word_end(
    kind: int, data: Any, pos: int, n: int, script: int, classes: Buffer, info: Buffer
) -> int:
    """The end of the word whose first letter, of the script whose bit is ``script``,
    is at ``pos`` of the text of ``kind`` and ``data`` (:func:`read_at`).

    Letters of the script and marks follow; an apostrophe between two
    letters of the script joins them.
    """
    cont = script | (C_MARK << FLAG_SHIFT)
    i = pos + 1
    while i < n:
        x = info[classes[read_at(kind, data, i)]]
        if x & cont:
            i += 1
        elif (
            (x >> FLAG_SHIFT) & C_APOSTROPHE
            and i + 1 < n
            and info[classes[read_at(kind, data, i + 1)]] & script
        ):
            i += 2
        else:
            break
    return i


def has_prefix(text: str, pos: int, n: int, prefix: str) -> bool:
    """Whether ``text[pos:]`` starts with ``prefix`` (without making a slice)."""
    if pos + len(prefix) > n:
        return False
    for i in range(len(prefix)):
        if text[pos + i] != prefix[i]:
            return False
    return True


def run_end(text: str, pos: int, n: int, flag: int, classes: Buffer, info: Buffer) -> int:
    """The end of the run of characters with ``flag`` from ``pos``."""
    while pos < n and (info[classes[code_at(text, pos)]] >> FLAG_SHIFT) & flag:
        pos += 1
    return pos


def url_end(
    text: str, pos: int, n: int, schemes: bool, emails: bool, classes: Buffer, info: Buffer
) -> int:
    """The end of the URL or e-mail address at ``pos``, or -1 (``segment._URL_SCHEME``,
    ``segment._EMAIL``, those the flags ask for).

    A URL is ``http://``, ``https://``, ``ftp://`` or ``www.`` and what
    follows up to white space, a bracket or a quote; an address is
    ``[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+``. Each run is taken whole: a shorter
    one could not be followed by what follows the longest.
    """
    if schemes:
        start = -1
        if has_prefix(text, pos, n, "http://"):
            start = pos + 7
        elif has_prefix(text, pos, n, "https://"):
            start = pos + 8
        elif has_prefix(text, pos, n, "ftp://"):
            start = pos + 6
        elif has_prefix(text, pos, n, "www."):
            start = pos + 4
        if start >= 0:
            end = start
            while end < n and not (info[classes[code_at(text, end)]] >> FLAG_SHIFT) & C_URL_STOP:
                end += 1
            if end > start:
                return end
    if emails:
        at = run_end(text, pos, n, C_EMAIL, classes, info)
        if at == pos or at >= n or text[at] != "@":
            return -1
        end = run_end(text, at + 1, n, C_DOMAIN, classes, info)
        if end == at + 1:
            return -1
        found = -1
        while end < n and text[end] == ".":
            label = run_end(text, end + 1, n, C_DOMAIN, classes, info)
            if label == end + 1:
                break
            found = end = label
        return found
    return -1


#: Numbers :func:`scan_pieces` writes per piece: start, end, script, before, item.
PIECE_NUMBERS = 5


def found_size(capacity: int) -> int:
    """The size of a ``found`` buffer with room for ``capacity`` pieces (:func:`scan_pieces`)."""
    return capacity * PIECE_NUMBERS


def scan_pieces(
    text: str,
    schemes: bool,
    emails: bool,
    classes: Buffer,
    info: Buffer,
    groups: Buffer,
    hani: int,
    jpan: int,
    other: int,
    pending: Buffer,
    found: Buffer,
) -> int:
    """Cut ``text`` into pieces as ``segment._pieces`` does; return how many.

    ``classes[code point]`` is the character's class, ``info[class]`` its
    scripts (bit ``s`` for word script ``s``), flags and first script. A
    token is a URL or e-mail address (:func:`url_end`, where ``schemes``
    and ``emails`` say the text may have them), a run of words of one
    script that single spaces join, or a run of letters of no word script
    (script ``other``); tokens of one group (``groups[script]``) with a
    soft gap between them make one piece (Han and kana: script ``jpan``).
    A URL is no piece: it ends the piece before it and passes its gap on.
    Fills ``found`` with :data:`PIECE_NUMBERS` numbers per piece: its start,
    end, script, ``before`` (the strongest gap since the previous piece of
    its group) and ``item`` (1 when it stands apart: a line, separator or
    sentence end, or the text's edge on one side); one buffer, so that a
    call converts one. ``pending`` (a slot per group) is scratch. Returns -1
    when the text has more pieces than ``found`` has room for (never more
    than its length).
    """
    # The compiled core checks no index: the tables' sizes, the class of every
    # character of the text and each script's group are checked here, so the
    # loops below (and the helpers they call) read only within them.
    n = len(text)
    if len(classes) < 0x110000 or not 0 <= other < len(groups):
        raise ValueError(f"classes needs a class per code point, groups a group for {other}")
    room = len(found) // PIECE_NUMBERS
    # Each class's first script once, then each character's class.
    for g in range(len(info)):
        script = (info[g] >> FIRST_SHIFT) & 0xFF
        if script != NO_SCRIPT and script >= len(groups):
            raise ValueError(f"class {g} is of script {script}, which groups lacks")
    for ch in text:
        g = classes[ord(ch)]
        if g >= len(info):
            raise ValueError(f"{ch!r} has class {g}, which info lacks")
    for g in range(len(pending)):
        pending[g] = -1
    urls = schemes or emails
    # Where a token may start: a letter, or a character of an e-mail address.
    first = C_EMAIL if emails else C_LETTER
    count = 0
    # Where the last piece's numbers start in found.
    last = 0
    pos = 0
    last_end = 0
    cur_group = -1
    apart_before = 1
    carried = GAP_SOFT
    after_url = False
    width = text_kind(text)
    data = text_data(text)
    while pos < n:
        x = info[classes[read_at(width, data, pos)]]
        if not (x >> FLAG_SHIFT) & first:
            pos += 1
            continue
        end = url_end(text, pos, n, schemes, emails, classes, info) if urls else -1
        script = -1
        if end < 0:
            if not (x >> FLAG_SHIFT) & C_LETTER:
                pos += 1
                continue
            script = (x >> FIRST_SHIFT) & 0xFF
            if script != NO_SCRIPT:
                # Only letters have script bits.
                bit = ONE << script
                end = word_end(width, data, pos, n, bit, classes, info)
                while (
                    end + 1 < n
                    and text[end] == " "
                    and info[classes[code_at(text, end + 1)]] & bit
                    and not (
                        urls and url_end(text, end + 1, n, schemes, emails, classes, info) >= 0
                    )
                ):
                    end = word_end(width, data, end + 1, n, bit, classes, info)
            else:
                script = other
                end = pos + 1
                while end < n:
                    f = (info[classes[code_at(text, end)]] >> FLAG_SHIFT) & 0xFFFF
                    if f & C_MARK:
                        end += 1
                    elif f & C_LETTER and not info[classes[code_at(text, end)]] & SCRIPT_BITS:
                        end += 1
                    else:
                        break
        if pos == last_end:
            gap = carried
        elif pos == last_end + 1 and text[last_end] == " ":
            gap = carried
        else:
            gap = gap_kind(text, last_end, pos, False, False, classes, info)
            if (gap & (APART - 1)) < carried:
                gap = (gap & APART) | carried
        kind = gap & (APART - 1)
        start = pos
        last_end = end
        pos = end
        if script < 0:
            # A URL ends the piece before it and passes its gap on.
            cur_group = -1
            carried = kind
            after_url = True
            continue
        carried = GAP_SOFT
        group = groups[script]
        if group < 0 or group >= len(pending):
            raise ValueError(f"group {group} of script {script} has no slot in pending")
        if cur_group >= 0 and kind == GAP_SOFT and group == cur_group:
            found[last + 1] = end
            if script != found[last + 2] and group == hani:
                found[last + 2] = jpan
            continue
        if count == room:
            return -1
        for g in range(len(pending)):
            if pending[g] >= 0 and pending[g] < kind:
                pending[g] = kind
        at = count * PIECE_NUMBERS
        found[at + 3] = pending[group] if pending[group] >= 0 else GAP_LINE
        pending[group] = GAP_SOFT
        found[at] = start
        found[at + 1] = end
        found[at + 2] = script
        if count:
            # The gap before this piece sets the previous one apart too; with
            # URLs between them, it is all that lies between the two pieces.
            if after_url:
                gap = gap_kind(text, found[last + 1], start, False, False, classes, info)
            apart = 1 if gap & APART else 0
            found[last + 4] = 1 if apart_before or apart else 0
            apart_before = apart
        after_url = False
        cur_group = group
        found[at + 4] = 0
        last = at
        count += 1
    if count:
        found[last + 4] = 1
        found[4] = 1
    return count


# Spans.
def classified(text: str, classes: Buffer) -> bool:
    """Whether every code point of ``text`` has a class in ``classes`` (the scanner's
    table, one entry per code point; 0 for none yet): a text with none to classify,
    found in one read of it.

    >>> import numpy as np
    >>> classes = np.zeros(0x110000, dtype=np.uint16)
    >>> classes[:0x100] = 1
    >>> classified("déjà vu", classes), classified("дом", classes)
    (True, False)
    """
    if len(classes) < 0x110000:
        raise ValueError("classes needs a class per code point")
    for ch in text:
        if classes[ord(ch)] == 0:
            return False
    return True


def spans(
    text: str,
    pieces: list[Any],
    schemes: bool,
    emails: bool,
    classes: Buffer,
    info: Buffer,
    none_lang: str,
    none_script: str,
) -> list[tuple[int, int, str, str, float]]:
    """The stretches ``(start, end, lang, script, confidence)`` that tile ``text``:
    runs of labelled ``pieces``, ``(none_lang, none_script)`` stretches between them.

    ``pieces`` are in text order, each with ``start``, ``end``, ``lang``,
    ``script`` and ``confidence`` (``segment._Piece``). A run is pieces of
    one language and script that no gap stronger than a sentence end
    separates (:func:`gap_kind`, a URL or e-mail address in it counting as a
    space); its stretch takes what follows it up to the next piece when that
    is a URL or address after spaces (``[ \\u00a0]+``), then an optional
    space and a run of sentence ends (``[ \\u00a0\\u202f]?`` and ``. ! ? …
    । ॥ ۔ ؟ 。 ！ ？ ．``). Its confidence is its pieces', weighted by their
    lengths (the weighted terms added by Python's ``sum``, as the original
    sum did). ``schemes`` and ``emails`` say which URLs the text may have
    (``segment._url_kinds``); ``classes`` and ``info`` are the scanner's
    tables, which must classify every character of ``text``. Raises
    ValueError when a piece is empty, out of the text or out of order.
    """
    # The compiled core checks no index: the tables, the pieces' bounds and the
    # class of every character between pieces (all that is read) are checked here.
    n = len(text)
    if len(classes) < 0x110000:
        raise ValueError("classes needs a class per code point")
    count = len(pieces)
    last = 0
    for i in range(count + 1):
        if i < count:
            start = pieces[i].start
            end = pieces[i].end
        else:
            start = end = n
        if start < last or end < start or (end == start and i < count) or end > n:
            raise ValueError(f"piece {start}:{end} is empty, out of order or not within 0:{n}")
        for k in range(last if i else start, start):
            if classes[code_at(text, k)] >= len(info):
                raise ValueError(
                    f"{text[k]!r} has class {classes[code_at(text, k)]}, which info lacks"
                )
        last = end
    urls = schemes or emails
    stops = C_STOP | C_FULL_STOP
    out = []
    pos = 0
    i = 0
    while i < count:
        first = pieces[i]
        lang = first.lang
        script = first.script
        end = first.end
        j = i + 1
        while j < count:
            p = pieces[j]
            if p.lang != lang or p.script != script:
                break
            start = p.start
            if not (start == end + 1 and text[end] == " ") and (
                gap_kind(text, end, start, schemes, emails, classes, info) & (APART - 1)
                > GAP_SENTENCE
            ):
                break
            end = p.end
            j += 1
        limit = pieces[j].start if j < count else n
        start = first.start
        if urls:
            at = end
            while at < limit and (text[at] == " " or text[at] == "\u00a0"):
                at += 1
            if at > end:
                url = url_end(text, at, limit, schemes, emails, classes, info)
                if url >= 0:
                    end = url
        at = end
        if at < limit and (text[at] == " " or text[at] == "\u00a0" or text[at] == "\u202f"):
            at += 1
        stop = at
        while stop < limit and (info[classes[code_at(text, stop)]] >> FLAG_SHIFT) & stops:
            stop += 1
        if stop > at:
            end = stop
        if start > pos:
            out.append((pos, start, none_lang, none_script, 1.0))
        if j == i + 1:
            size = first.end - start
            conf = first.confidence * size / size
        else:
            weighted = []
            size = 0
            for k in range(i, j):
                p = pieces[k]
                weighted.append(p.confidence * (p.end - p.start))
                size += p.end - p.start
            conf = sum(weighted) / size
        out.append((start, end, lang, script, conf))
        pos = end
        i = j
    if pos < n:
        out.append((pos, n, none_lang, none_script, 1.0))
    return out


# Labels.
def set_labels(
    chain: list[Any], labels: Buffer, conf: Buffer, cands: tuple[str, ...], size: int
) -> None:
    """Give piece ``i`` of ``chain`` the label of its window of ``size`` pieces: language
    ``cands[labels[i // size]]``, confidence ``conf[i // size]``.

    Raises ValueError when ``labels`` or ``conf`` has no item for a window, or a
    label is not one of ``cands``.
    """
    n = len(chain)
    if size < 1:
        raise ValueError(f"windows of {size} pieces")
    windows = (n + size - 1) // size
    if len(labels) < windows or len(conf) < windows:
        raise ValueError(f"labels and conf need the {windows} items of the windows")
    for w in range(windows):
        if labels[w] < 0 or labels[w] >= len(cands):
            raise ValueError(f"label {labels[w]} of window {w} is not one of {len(cands)}")
    for i in range(n):
        p = chain[i]
        p.lang = cands[labels[i // size]]
        p.confidence = float(conf[i // size])


def absorb_strays(
    text: str, pieces: list[Any], stray_letters: int, classes: Buffer, info: Buffer
) -> None:
    """Give a piece of at most ``stray_letters`` characters between two pieces of
    another group, which share a language and script, their language and
    script and the lower of their confidences, when no gap stronger than a
    sentence end (:func:`gap_kind`) lies on either side of it; in text order,
    so a piece given a label passes it on as the one before the next.

    ``pieces`` have ``start``, ``end``, ``group``, ``lang``, ``script`` and
    ``confidence`` (``segment._Piece``); ``classes`` and ``info`` are the
    scanner's tables, which must classify the characters between pieces.
    Raises ValueError when a piece is not within ``text`` or out of order.
    """
    # The compiled core checks no index: the pieces' bounds and the class of every
    # character between them (all that is read) are checked here.
    n = len(text)
    if len(classes) < 0x110000:
        raise ValueError("classes needs a class per code point")
    last = 0
    for i in range(len(pieces)):
        start = pieces[i].start
        end = pieces[i].end
        if start < last or end < start or end > n:
            raise ValueError(f"piece {start}:{end} is out of order or not within 0:{n}")
        for k in range(last if i else start, start):
            if classes[code_at(text, k)] >= len(info):
                raise ValueError(
                    f"{text[k]!r} has class {classes[code_at(text, k)]}, which info lacks"
                )
        last = end
    for i in range(1, len(pieces) - 1):
        p = pieces[i]
        before = pieces[i - 1]
        after = pieces[i + 1]
        if (
            p.end - p.start <= stray_letters
            and p.group != before.group
            and before.lang == after.lang
            and before.script == after.script
            and gap_kind(text, before.end, p.start, False, False, classes, info) & (APART - 1)
            <= GAP_SENTENCE
            and gap_kind(text, p.end, after.start, False, False, classes, info) & (APART - 1)
            <= GAP_SENTENCE
        ):
            p.lang = before.lang
            p.script = before.script
            p.confidence = min(before.confidence, after.confidence)


# Letters.
def count_letters(text: str) -> int:
    """How many characters of ``text`` are letters (``str.isalpha``).

    >>> count_letters("Hi, there 42"), count_letters("होम > दुनिया")
    (7, 5)
    """
    n = 0
    for ch in text:
        code = ord(ch)
        # An ASCII letter is one of A-Z, a-z (setting bit 5 lowers it): no lookup.
        if code < 0x80:
            if 0x61 <= (code | 0x20) <= 0x7A:
                n += 1
        elif ch.isalpha():
            n += 1
    return n


def letter_totals(
    segments: list[Any], skip: str, letters: dict[str, int], confident: dict[str, float]
) -> None:
    """Add each segment's letters to ``letters[lang]``, and its letters times its
    confidence to ``confident[lang]``, in order, but for segments of language ``skip``.

    Segments have ``text``, ``lang`` and ``confidence`` (``document.Segment``).
    """
    for seg in segments:
        lang = seg.lang
        if lang == skip:
            continue
        n = count_letters(seg.text)
        letters[lang] = letters.get(lang, 0) + n
        confident[lang] = confident.get(lang, 0.0) + n * seg.confidence


# Segments.
#: The fields :func:`cut_segments` sets, in the order of ``Segment``'s: every
#: one (a test checks it), the last three ``None``.
SEGMENT_FIELDS = (
    "text",
    "start",
    "end",
    "lang",
    "script",
    "confidence",
    "kind",
    "reason",
    "translation",
    "translation_covers",
    "translation_source_lang",
)


def slot_offsets(cls: type, names: tuple[str, ...]) -> list[int]:
    """Where the instances of ``cls`` keep the fields ``names``, for :func:`set_new_field`:
    compiled, the offsets of the slots of those names (interpreted, where fields are set
    by name, zeros).

    Raises ValueError when a name is not a slot of ``cls`` itself (``__slots__``,
    a dataclass's with ``slots=True``): a slot descriptor of another class set on
    ``cls`` gives an offset in that class's layout, not in ``cls``'s; compiled,
    also when it is one that holds a C value, or is read-only (a C type's).
    """
    out = []
    for name in names:
        descr = cls.__dict__.get(name)
        if type(descr) is not MemberDescriptorType or descr.__objclass__ is not cls:
            raise ValueError(f"{name!r} is not a slot of {cls.__name__}")
        offset = 0
        if compiled:
            if _member_type(descr) != T_OBJECT_EX or _member_flags(descr) & READONLY:  # type: ignore[name-defined]  # noqa: F821
                raise ValueError(
                    f"{name!r} is not a slot of {cls.__name__} that holds any object, writable"
                )
            offset = _member_offset(descr)
        out.append(offset)
    return out


def _member_type(descr: object) -> int:
    """The type of a member descriptor's slot (compiled only: CPython's ``PyMemberDef``)."""
    d = cython.cast(cython.p_void, descr)
    return cython.cast(Descr, d).d_member.type  # type: ignore[name-defined]  # noqa: F821


def _member_flags(descr: object) -> int:
    """The flags of a member descriptor's slot (compiled only)."""
    d = cython.cast(cython.p_void, descr)
    return cython.cast(Descr, d).d_member.flags  # type: ignore[name-defined]  # noqa: F821


def _member_offset(descr: object) -> int:
    """The offset of a member descriptor's slot in its instances (compiled only)."""
    d = cython.cast(cython.p_void, descr)
    return cython.cast(Descr, d).d_member.offset  # type: ignore[name-defined]  # noqa: F821


def set_new_field(obj: object, offset: int, name: str, value: object) -> None:
    """Set field ``name`` of ``obj`` (kept at ``offset``, :func:`slot_offsets`), a field
    not set yet (``obj`` just made by ``object.__new__``), a frozen dataclass's too, as
    ``object.__setattr__`` would.

    Compiled, the slot is written as CPython's member descriptor writes it
    (``PyMember_SetOne``: a new reference in the empty slot), without looking
    the attribute up on the type and calling its descriptor
    (``PyObject_GenericSetAttr``), which took half the time of making a
    segment: a page's segments are tens of thousands of objects of eleven
    fields.
    """
    if compiled:
        Py_INCREF(value)  # type: ignore[name-defined]  # noqa: F821
        slot = cython.cast(cython.p_char, cython.cast(cython.p_void, obj)) + offset
        cython.cast(cython.pointer(cython.p_void), slot)[0] = cython.cast(cython.p_void, value)
    else:
        object.__setattr__(obj, name, value)


def _segment(
    segment: type,
    at: list[int],
    text: str,
    start: object,
    end: object,
    lang: object,
    script: object,
    conf: object,
    kind: object,
    reason: object,
) -> Any:
    """A ``segment`` of these fields (the others ``None``), made without calling the class;
    ``at`` is :func:`slot_offsets` of :data:`SEGMENT_FIELDS`."""
    seg: Any = object.__new__(segment)
    set_new_field(seg, at[0], "text", text)
    set_new_field(seg, at[1], "start", start)
    set_new_field(seg, at[2], "end", end)
    set_new_field(seg, at[3], "lang", lang)
    set_new_field(seg, at[4], "script", script)
    set_new_field(seg, at[5], "confidence", conf)
    set_new_field(seg, at[6], "kind", kind)
    set_new_field(seg, at[7], "reason", reason)
    set_new_field(seg, at[8], "translation", None)
    set_new_field(seg, at[9], "translation_covers", None)
    set_new_field(seg, at[10], "translation_source_lang", None)
    return seg


def block_table(
    blocks: tuple[Any, ...], boilerplate: str
) -> tuple[list[int], list[str], list[str | None]]:
    """The ends, kinds and reasons of ``blocks`` (``document.Block``) as
    :func:`cut_segments` takes them: a block's reason only when its kind is
    ``boilerplate`` (a content block's is ``None``)."""
    ends = []
    kinds = []
    reasons = []
    for b in blocks:
        kind = b.kind
        ends.append(b.end)
        kinds.append(kind)
        reasons.append(b.reason if kind == boilerplate else None)
    return ends, kinds, reasons


def cut_segments(
    segment: type,
    text: str,
    spans: list[tuple[int, int, str, str, float]],
    ends: list[int],
    kinds: list[str],
    reasons: list[str | None],
) -> list[Any]:
    """A ``segment`` per span, or per part of a span in one block, with the block's kind.

    ``spans`` (``start, end, lang, script, confidence``) and the blocks
    (``text[ends[b - 1]:ends[b]]``, of kind ``kinds[b]`` and reason
    ``reasons[b]``) tile ``text``. Each segment is ``segment(text[start:end],
    start, end, lang, script, confidence, kind, reason)``, the fields after
    those ``None`` (:data:`SEGMENT_FIELDS`); compiled, it is made without
    calling the class, whose frozen dataclass ``__init__`` (a Python call
    per field) costs five times as much as the rest of the walk. Raises
    ValueError when the blocks do not reach a span's end.
    """
    nb = len(ends)
    if nb == 0 or len(kinds) != nb or len(reasons) != nb:
        raise ValueError(f"{nb} block ends, {len(kinds)} kinds and {len(reasons)} reasons")
    last = nb - 1
    limit = ends[last]
    at = slot_offsets(segment, SEGMENT_FIELDS)
    out = []
    bi = 0
    for span in spans:
        start_obj, end_obj, lang, script, conf = span
        start = start_obj
        end = end_obj
        if start < 0 or end < start or end > limit:
            raise ValueError(f"span {start}:{end} is not within the blocks' 0:{limit}")
        while bi < last and ends[bi] <= start:
            bi += 1
        # Most spans lie in one block: a segment for each part of the others.
        while bi < last and ends[bi] < end:
            cut_obj = ends[bi]
            cut = cut_obj
            out.append(
                _segment(
                    segment,
                    at,
                    text[start:cut],
                    start_obj,
                    cut_obj,
                    lang,
                    script,
                    conf,
                    kinds[bi],
                    reasons[bi],
                )
            )
            start_obj = cut_obj
            start = cut
            while bi < last and ends[bi] <= start:
                bi += 1
        out.append(
            _segment(
                segment,
                at,
                text[start:end],
                start_obj,
                end_obj,
                lang,
                script,
                conf,
                kinds[bi],
                reasons[bi],
            )
        )
    return out


#: The fields :func:`make_pieces` sets, in the order of ``segment._Piece``'s: every one
#: (a test checks it).
PIECE_FIELDS = ("start", "end", "script", "group", "before", "item", "lang", "confidence")


def make_pieces(
    piece: type,
    count: int,
    found: Buffer,
    names: tuple[str, ...],
    groups: tuple[str, ...],
    lang: str,
) -> list[Any]:
    """The first ``count`` pieces :func:`scan_pieces` found, as ``piece`` objects.

    Each is ``piece(start, end, names[script], groups[script], before,
    bool(item), lang, 0.0)`` (``segment._Piece``), made compiled without
    calling the class (as :func:`cut_segments`), from ``found``
    (:data:`PIECE_NUMBERS` numbers per piece). Raises ValueError when
    ``found`` holds fewer than ``count`` pieces or a script is not one of
    ``names``.
    """
    if len(found) < count * PIECE_NUMBERS or count < 0:
        raise ValueError(f"the buffer holds fewer than {count} pieces")
    if len(groups) != len(names):
        raise ValueError(f"{len(names)} script names but {len(groups)} groups")
    at = slot_offsets(piece, PIECE_FIELDS)
    out = []
    new = object.__new__
    for i in range(count):
        f = i * PIECE_NUMBERS
        k = found[f + 2]
        if k < 0 or k >= len(names):
            raise ValueError(f"script {k} of piece {i} is not one of {len(names)}")
        p: Any = new(piece)
        set_new_field(p, at[0], "start", found[f])
        set_new_field(p, at[1], "end", found[f + 1])
        set_new_field(p, at[2], "script", names[k])
        set_new_field(p, at[3], "group", groups[k])
        set_new_field(p, at[4], "before", found[f + 3])
        set_new_field(p, at[5], "item", found[f + 4] != 0)
        set_new_field(p, at[6], "lang", lang)
        set_new_field(p, at[7], "confidence", 0.0)
        out.append(p)
    return out
