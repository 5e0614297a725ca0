"""A record's segments as JSON text, compiled with Cython when a compiler is there.

A record holds hundreds of segments, and writing them is most of the cost
of its JSON line. This module is plain Python that setup.py also compiles
(Cython's pure-Python mode, C types in ``jsonl.pxd``), like
:mod:`normalize.kernels`. :meth:`normalize.document.Document.to_json_line`
calls :func:`segments_json` only when it is compiled; interpreted, the
loop here is slower than :meth:`~normalize.document.Segment.to_json_line`'s
one f-string per segment, which runs instead. The tests hold both builds
to that method and to ``json.dumps``, byte for byte.

The compiled loop saves what the interpreted one pays per segment: a
character scan in C tells whether a string needs JSON's escapes (almost
none do), and a confidence seen before in the record reuses its written
form (``round(c, 4)`` and its ``repr``, a tenth of a microsecond each,
come back for most segments).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any


def escaped(s: str) -> str:
    """``s`` as it stands between a JSON string's quotes (``json.dumps`` with
    ``ensure_ascii=False``: a quote, a backslash and control characters are
    escaped); ``s`` itself when none of them is in it.

    >>> escaped('say "hi"'), escaped("tab\\there"), escaped("café")
    ('say \\\\"hi\\\\"', 'tab\\\\there', 'café')
    """
    for ch in s:
        if ch < " " or ch == '"' or ch == "\\":
            quoted = encode_basestring(s)
            return quoted[1 : len(quoted) - 1]
    return s


#: Below this size a float rounded to four places is written as its digits
#: (:func:`four_places`): ``repr`` uses no exponent, and two numbers of four
#: places are much further apart than two neighbouring floats.
_FIXED_BELOW = 1e9


def four_places(x: float) -> str:
    """``repr(round(x, 4))`` for a nonzero ``x`` of size below :data:`_FIXED_BELOW`.

    ``round`` makes the decimal digits of ``x`` to four places (``dtoa``'s
    correctly rounded mode, the one ``f"{x:.4f}"`` uses too), reads them back
    as a float, and ``repr`` writes the shortest digits that read back as
    that float: those digits, without trailing zeros, since a number with
    fewer places is at least 0.0001 away, which is many floats away at
    this size. One formatting instead of two and a parse (segments rarely
    share a confidence, so most of them pay for it).

    >>> four_places(0.98765), four_places(0.5), four_places(-0.00004), four_places(12.0)
    ('0.9877', '0.5', '-0.0', '12.0')
    """
    shown = f"{x:.4f}".rstrip("0")
    return shown + "0" if shown.endswith(".") else shown


def segments_json(segments: Sequence[Any], text: bool) -> str:
    """The JSON objects of ``segments``, comma-separated (a record's ``segments`` array
    without its brackets): each ``segment.to_json_line(text=text)``, the same bytes.

    A segment whose fields are all of their plain types (``str``, ``int``,
    a ``float`` confidence that rounds to a finite number, no translation)
    is written here; any other takes its own ``to_json_line``.

    >>> from normalize.document import Segment
    >>> segs = [Segment("a", 0, 1, "en", "Latn", 0.98765), Segment("\\n", 1, 2, kind="gap")]
    >>> segments_json(segs, True) == ",".join(s.to_json_line() for s in segs)
    True
    """
    parts = []
    # The written confidence of each float seen in this call (zeros aside:
    # 0.0 and -0.0 are one key but two texts).
    written: dict[float, str] = {}
    opened, closed = ('"', '",') if text else ("null", ",")
    for seg in segments:
        conf = seg.confidence
        s_text = seg.text
        lang = seg.lang
        script = seg.script
        kind = seg.kind
        reason = seg.reason
        if (
            type(conf) is not float
            or type(seg.start) is not int
            or type(seg.end) is not int
            or type(s_text) is not str
            or type(lang) is not str
            or type(script) is not str
            or type(kind) is not str
            or not (reason is None or type(reason) is str)
            or seg.translation is not None
            or seg.translation_covers is not None
            or seg.translation_source_lang is not None
        ):
            parts.append(seg.to_json_line(text=text))
            continue
        if conf == 0.0:
            shown = "-0.0" if math.copysign(1.0, conf) < 0.0 else "0.0"
        else:
            found = written.get(conf)
            if found is None:
                if -_FIXED_BELOW < conf < _FIXED_BELOW:
                    found = four_places(conf)
                else:
                    rounded = round(conf, 4)
                    found = float.__repr__(rounded) if math.isfinite(rounded) else ""
                written[conf] = found
            shown = found
        if not shown:  # NaN or infinite: json's own words for them
            parts.append(seg.to_json_line(text=text))
            continue
        start = seg.start
        end = seg.end
        # The text between its quotes goes into the segment's string as it is
        # (not quoted in a string of its own first: a copy of every text).
        body = escaped(s_text) if text else ""
        why = "null" if reason is None else f'"{escaped(reason)}"'
        parts.append(
            f'{{"text":{opened}{body}{closed}"start":{start},"end":{end},'
            f'"lang":"{escaped(lang)}","script":"{escaped(script)}",'
            f'"confidence":{shown},"kind":"{escaped(kind)}","reason":{why},'
            '"translation":null,"translation_covers":null,"translation_source_lang":null}'
        )
    return ",".join(parts)
