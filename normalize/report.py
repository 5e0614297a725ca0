"""A review report: one self-contained HTML page to check a run by eye.

``normalize report OUT.jsonl -o report.html`` reads the JSONL records of a run
(see :meth:`normalize.document.Document.to_json`) and writes a page with a
summary (documents, errors, languages, boilerplate by reason, with small
charts) and every document with its segments coloured by language, its
boilerplate struck through with the reason on hover, translations beside their
segments, and its error records.

Why it is built the way it is:

* **Everything from the documents is untrusted.** Scraped pages contain
  ``<script>``, ``onerror=`` and quote characters; every string that comes
  from a record goes through :func:`html.escape` (quotes included, so it is
  safe in attributes too) and never into CSS: language colours are CSS
  classes named by index (``L0``, ``L1`` …), not by the language code from
  the record. As defence in depth the page carries a Content-Security-Policy
  that allows no script at all and only the one stylesheet we wrote (by its
  SHA-256 hash), so even an escaping bug could not run code or restyle the
  page.
* **No script at all.** Hover text is the native ``title`` attribute,
  documents fold with ``<details>``, charts are inline SVG. There is nothing
  to load from anywhere, so the page works offline and in any viewer.
* **Large runs stay usable.** Records are rendered one at a time and only
  their HTML is kept, for the first ``max_documents``; later records are only
  counted for the summary, and a note says how many were left out. One huge
  document is cut at ``max_document_chars`` (or when its markup outgrows its
  text) with a note, and the documents section stops growing at
  ``MAX_DOCUMENTS_HTML`` whatever the limits. Every other part is bounded
  too: each field shown is cut at ``MAX_FIELD_CHARS``, the error and
  unreadable-line tables at ``MAX_TABLES_HTML``, the colours (CSS rules and
  legend entries) at ``MAX_LANG_CLASSES`` languages, the charts at
  ``CHART_ROWS`` rows; so the file's size has a hard ceiling, whatever the
  records hold.
* **Broken input is shown, not skipped.** :func:`read_jsonl` turns a line
  that is not a JSON object into an :class:`UnreadableLine`, which the report
  lists (and :func:`main` also prints on stderr, exiting 1).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import math
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any, TextIO

from normalize.classes import dataclass

#: How many documents are shown in full. With article pages of 5–20 thousand
#: characters, 200 make a report of a few megabytes, which a browser opens
#: instantly; the rest are still counted in the summary.
DEFAULT_MAX_DOCUMENTS = 200
#: How many characters of one document are shown. A pathological page (a
#: 16 MiB dump) would otherwise make the whole report unusable.
DEFAULT_MAX_DOCUMENT_CHARS = 100_000
#: A hard bound on the HTML of the documents section, whatever the limits
#: above: past it, documents are only counted. Many tiny segments cost more
#: markup than text, and a browser becomes sluggish well before 64 MB of HTML.
MAX_DOCUMENTS_HTML = 32 * 1024 * 1024
#: The most characters of one field shown (an id, a title, a metadata value,
#: an error message): a record's fields are untrusted and may be megabytes.
MAX_FIELD_CHARS = 2_000
#: The most characters of a language code: real codes have at most a dozen.
MAX_LANG_CHARS = 40
#: The most languages that get a colour (a CSS rule and a legend entry each);
#: further languages are shown in one neutral colour. Half a million
#: distinct codes must not make a 100 MB stylesheet.
MAX_LANG_CLASSES = 100
#: The most facts, error records and warnings shown per document.
MAX_ITEMS_PER_DOCUMENT = 50
#: A hard bound on the HTML of the summary's error and unreadable-line tables.
MAX_TABLES_HTML = 2 * 1024 * 1024
#: Markup allowed per character of text shown, before a document is cut
#: (a page of one-character segments would otherwise be mostly tags).
MARKUP_PER_CHAR = 4
#: How many rows a summary chart shows; the rest is summed into "other".
CHART_ROWS = 12

#: Language codes that carry no colour: no linguistic content, undetermined.
NEUTRAL_LANGS = frozenset({"zxx", "und", ""})
#: The most frequent languages in our data get hues spread by the golden
#: angle, so that they never look alike; any other code gets a hue from a
#: hash of the code. Either way a language has the same colour in every report.
COMMON_LANGS = (
    "en", "hi", "ru", "ar", "zh", "fr", "de", "es", "ur", "fa", "ps", "pt",
    "ja", "ko", "it", "tr", "bn", "uk", "id", "nl",
)  # fmt: skip
#: ISO 15924 codes of scripts written right to left: their segments get
#: ``dir="auto"`` so that the browser lays them out by their own direction.
RTL_SCRIPTS = frozenset(
    {"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Mand", "Samr", "Rohg", "Yezi", "Aran"}
)


@dataclass(frozen=True, slots=True)
class UnreadableLine:
    """A line of the input that is not a JSON object, with why."""

    line_no: int
    message: str
    excerpt: str


def read_jsonl(
    lines: Iterable[str | bytes],
) -> Iterator[Mapping[str, Any] | UnreadableLine]:
    """Parse JSONL lazily; a broken line becomes an :class:`UnreadableLine`.

    Blank lines are allowed (a trailing newline is common); anything else
    that is not a JSON object is reported with its line number, so the report
    can show it instead of crashing on the first bad byte of a big run.
    Lines may be ``bytes`` (a file opened in binary): then a line that is not
    UTF-8 is reported too, rather than decoded into something else.

    >>> [type(r).__name__ for r in read_jsonl(['{"id": "a"}', '', '{broken', '[1]'])]
    ['dict', 'UnreadableLine', 'UnreadableLine']
    >>> next(iter(read_jsonl(['', '', '[1]']))).line_no
    3
    """
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        excerpt = text.strip()[:200]
        try:
            data = json.loads(line)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            yield UnreadableLine(line_no, f"not valid JSON: {exc}", excerpt)
            continue
        if not isinstance(data, dict):
            yield UnreadableLine(
                line_no, f"a record must be a JSON object, not {type(data).__name__}", excerpt
            )
            continue
        yield data


def lang_hue(lang: str) -> int:
    """The hue (0–359) that stands for a language, the same in every report.

    >>> lang_hue("en"), lang_hue("hi"), lang_hue("ru")
    (210, 348, 125)
    >>> lang_hue("xx-unknown") == lang_hue("xx-unknown")
    True
    """
    if lang in COMMON_LANGS:
        # Start at blue: red is kept for errors.
        return round(210 + COMMON_LANGS.index(lang) * 137.508) % 360
    return zlib.crc32(lang.encode("utf-8", "surrogatepass")) % 360


def _esc(value: Any) -> str:
    """Escape anything for HTML text or a double-quoted attribute.

    >>> _esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    >>> _esc(None)
    ''
    """
    if value is None:
        return ""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _str(value: Any, default: str = "") -> str:
    """A field as a string, whatever type a (possibly broken) record gave it."""
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _utf8_size(text: str) -> int:
    """Bytes of ``text`` in the written file (a lone surrogate is written as one "?")."""
    return len(text.encode("utf-8", "replace"))


def _clip(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """``text`` cut at ``limit`` characters, with an ellipsis when cut.

    >>> _clip("abcdef", 3)
    'abc…'
    """
    return text if len(text) <= limit else text[:limit] + "…"


def _field(value: Any, default: str = "") -> str:
    """A field as a string for display, cut at :data:`MAX_FIELD_CHARS`."""
    return _clip(_str(value, default))


def _lang(value: Any) -> str:
    """A language code from a record, ``und`` if absent, cut at :data:`MAX_LANG_CHARS`."""
    return _clip(_str(value, "und"), MAX_LANG_CHARS)


def _number(value: Any) -> float | None:
    """A finite number, or None (a 401-digit integer does not convert to a float).

    >>> _number(0.5), _number(10**400), _number(float("nan")), _number("1")
    (0.5, None, None, None)
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    """An integer a count or an offset can be (|n| < 2**63), or None."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
        return value
    return None


def _changes(value: Any) -> list[tuple[str, Any]]:
    """A record's ``changes`` as (step, count) pairs: a list of ``{step, count}``
    (schema 2.0), or a map of step to count (records of schema 1.0)."""
    if isinstance(value, Mapping):
        return list(value.items())
    return [(_str(_dict(c).get("step")), _dict(c).get("count")) for c in _list(value)]


def _warning(value: Any) -> str:
    """A warning as one line: ``stage/code: message`` (2.0), or the text itself (1.0)."""
    if isinstance(value, Mapping):
        return f"{_str(value.get('stage'))}/{_str(value.get('code'))}: {_str(value.get('message'))}"
    return _str(value)


def _metadata(value: Any) -> dict[str, Any]:
    """A record's metadata with what it does not know left out and ``extra`` spread out."""
    meta = _dict(value)
    out = {k: v for k, v in meta.items() if k != "extra" and v not in (None, False, [])}
    extra = meta.get("extra")
    if isinstance(extra, Mapping):
        out.update(extra)
    for item in _list(extra):
        out[_str(_dict(item).get("key"))] = _dict(item).get("value")
    return out


def _seg_chars(seg: Mapping[str, Any]) -> int:
    """A segment's length in characters, from its text or (``--segments offsets``) its offsets."""
    if isinstance(seg.get("text"), str):
        return len(seg["text"])
    return max(0, (_int(seg.get("end")) or 0) - (_int(seg.get("start")) or 0))


@dataclass(slots=True)
class _Summary:
    """Counters over every record, shown or not (mutable: filled while streaming)."""

    documents: int = 0
    shown: int = 0
    #: Bytes of documents HTML so far, against MAX_DOCUMENTS_HTML.
    html_size: int = 0
    #: Whether a document did not fit under MAX_DOCUMENTS_HTML (none after it is shown).
    documents_full: bool = False
    with_errors: int = 0
    with_warnings: int = 0
    chars_content: int = 0
    chars_boilerplate: int = 0
    doc_langs: Counter[str] = field(default_factory=Counter)
    seg_lang_chars: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    reason_chars: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    translated: int = 0
    #: Rows of the error table (HTML), capped by count and by MAX_TABLES_HTML.
    error_rows: list[str] = field(default_factory=list)
    error_rows_omitted: int = 0
    #: Rows of the unreadable-lines table (HTML), capped the same way.
    unreadable: list[str] = field(default_factory=list)
    unreadable_omitted: int = 0
    #: Bytes of both tables so far, against MAX_TABLES_HTML.
    tables_size: int = 0
    #: Language code -> CSS class index, in order of first appearance.
    lang_class: dict[str, int] = field(default_factory=dict)
    #: Whether some language got no colour of its own (MAX_LANG_CLASSES).
    lang_overflow: bool = False

    def css_class(self, lang: str) -> str:
        if lang in NEUTRAL_LANGS:
            return "Lz"
        if lang not in self.lang_class:
            if len(self.lang_class) >= MAX_LANG_CLASSES:
                self.lang_overflow = True
                return "Lo"
            self.lang_class[lang] = len(self.lang_class)
        return f"L{self.lang_class[lang]}"

    def add_row(self, rows: list[str], row: str, limit: int) -> bool:
        """Append a table row if both the row count and the byte budget allow."""
        size = _utf8_size(row)
        if len(rows) >= limit or self.tables_size + size > MAX_TABLES_HTML:
            return False
        rows.append(row)
        self.tables_size += size
        return True


def _count(summary: _Summary, rec: Mapping[str, Any]) -> None:
    """Add one record to the summary counters (every record, shown or not)."""
    summary.documents += 1
    errors = [_dict(e) for e in _list(rec.get("errors"))]
    if errors:
        summary.with_errors += 1
        for err in errors:
            summary.error_codes[_field(err.get("code"), "?")] += 1
    if _list(rec.get("warnings")):
        summary.with_warnings += 1
    if not errors or rec.get("segments"):
        summary.doc_langs[_lang(rec.get("lang"))] += 1
    if rec.get("translated_text") is not None or any(
        isinstance(seg, Mapping) and seg.get("translation") is not None
        for seg in _list(rec.get("segments"))
    ):
        summary.translated += 1
    for step, n in _changes(rec.get("changes")):
        if _int(n):
            summary.changes[_field(step)] += n
    for seg in _list(rec.get("segments")):
        seg = _dict(seg)
        n = _seg_chars(seg)
        if seg.get("kind") == "boilerplate":
            summary.chars_boilerplate += n
            reason = _field(seg.get("reason"), "unspecified")
            summary.reasons[reason] += 1
            summary.reason_chars[reason] += n
        else:
            summary.chars_content += n
        lang = _lang(seg.get("lang"))
        if lang not in NEUTRAL_LANGS:
            summary.seg_lang_chars[lang] += n


def _segment_html(seg: Mapping[str, Any], text: str, summary: _Summary) -> str:
    """One segment: a coloured span, or a struck-through ``<del>`` for boilerplate.

    The ``title`` says language, script and confidence, and for boilerplate
    first the reason, which is what a reviewer hovers for.
    """
    lang = _lang(seg.get("lang"))
    script = _clip(_str(seg.get("script")), MAX_LANG_CHARS)
    conf = _number(seg.get("confidence"))
    info = lang + (f" · {script}" if script else "")
    if conf is not None and lang not in NEUTRAL_LANGS:
        info += f" · {conf:.2f}"
    boiler = seg.get("kind") == "boilerplate"
    cls = summary.css_class(lang)
    # ``lang`` lets the browser pick the right font and a screen reader the
    # right voice; ``dir="auto"`` lays a right-to-left run out by itself.
    dir_attr = ' dir="auto"' if script in RTL_SCRIPTS else ""
    if lang not in NEUTRAL_LANGS:
        dir_attr = f' lang="{_esc(lang)}"' + dir_attr
    if boiler:
        title = f"boilerplate: {_field(seg.get('reason'), 'unspecified')} ({info})"
        out = f'<del class="bp {cls}" title="{_esc(title)}"{dir_attr}>{_esc(text)}</del>'
    elif lang in NEUTRAL_LANGS:
        out = f'<span class="{cls}"{dir_attr}>{_esc(text)}</span>'
    else:
        out = f'<span class="seg {cls}" title="{_esc(info)}"{dir_attr}>{_esc(text)}</span>'
    translation = seg.get("translation")
    if translation is not None:
        out += f'<ins class="tr" dir="auto" title="translation">{_esc(_field(translation))}</ins>'
    return out


def _document_html(
    rec: Mapping[str, Any], index: int, summary: _Summary, max_chars: int
) -> tuple[str, str]:
    """One document as a folding ``<details>`` block; returns (anchor, html)."""
    anchor = f"d{index}"
    doc_id = _field(rec.get("id"), "?")
    errors = [_dict(e) for e in _list(rec.get("errors"))]
    warnings = [_field(_warning(w)) for w in _list(rec.get("warnings"))[:MAX_ITEMS_PER_DOCUMENT]]
    meta = _metadata(rec.get("metadata"))
    segments = [_dict(s) for s in _list(rec.get("segments"))]
    offsets_only = any(s.get("text") is None for s in segments)
    lang = _lang(rec.get("lang"))

    head = [f'<span class="id">{_esc(doc_id)}</span>']
    head.append(f'<span class="tag {summary.css_class(lang)}">{_esc(lang)}</span>')
    if meta.get("title"):
        head.append(f'<span class="title" dir="auto">{_esc(_field(meta["title"]))}</span>')
    if errors:
        head.append(f'<span class="badge err">{len(errors)} error(s)</span>')
    n_warnings = len(_list(rec.get("warnings")))
    if warnings:
        head.append(f'<span class="badge warn">{n_warnings} warning(s)</span>')
    bp = sum(_seg_chars(s) for s in segments if s.get("kind") == "boilerplate")
    total = sum(_seg_chars(s) for s in segments)
    if total:
        head.append(f'<span class="muted">{total:,} chars, {bp:,} boilerplate</span>')

    body: list[str] = []
    facts: list[tuple[str, Any]] = [("source", rec.get("source"))]
    facts += [(f"metadata.{_str(k)}", v) for k, v in meta.items() if k != "title"]
    facts += [("steps", ", ".join(_str(s) for s in _list(rec.get("steps"))))]
    changes = _changes(rec.get("changes"))
    facts += [("changes", ", ".join(f"{_str(k)}: {_int(v)}" for k, v in changes))]
    if rec.get("translated_lang"):
        facts.append(("translated_lang", rec.get("translated_lang")))
    facts = [(k, v) for k, v in facts if v not in (None, "")]
    rows = "".join(
        f'<tr><th>{_esc(_field(k))}</th><td dir="auto">{_esc(_field(v))}</td></tr>'
        for k, v in facts[:MAX_ITEMS_PER_DOCUMENT]
    )
    if len(facts) > MAX_ITEMS_PER_DOCUMENT:
        rows += f"<tr><td>… {len(facts) - MAX_ITEMS_PER_DOCUMENT:,} more</td></tr>"
    body.append(f'<table class="facts">{rows}</table>')
    for err in errors[:MAX_ITEMS_PER_DOCUMENT]:
        where = f" at {_field(err.get('where'))}" if err.get("where") else ""
        body.append(
            f'<p class="error"><b>{_esc(_field(err.get("stage")))}/'
            f"{_esc(_field(err.get('code')))}</b>"
            f"{_esc(where)}: {_esc(_field(err.get('message')))}</p>"
        )
    for w in warnings:
        body.append(f'<p class="warning">{_esc(w)}</p>')
    hidden = max(0, len(errors) - MAX_ITEMS_PER_DOCUMENT) + (n_warnings - len(warnings))
    if hidden:
        body.append(f'<p class="note">{hidden:,} more error records and warnings not shown.</p>')

    parts: list[str] = []
    shown = size = 0
    expected = 0
    tiling_problem = None
    if offsets_only:
        body.append(
            '<p class="muted">The segments were written without their text '
            "(--segments offsets); the clean text is shown.</p>"
        )
    for seg in [] if offsets_only else segments:
        text = _str(seg.get("text"))
        start, end = _int(seg.get("start")), _int(seg.get("end"))
        if tiling_problem is None and (start != expected or end != expected + len(text)):
            tiling_problem = (
                f"segments do not tile the text: a segment spans {start}–{end} "
                f"where {expected}–{expected + len(text)} was expected"
            )
        expected += len(text)
        if shown + len(text) > max_chars or size > MARKUP_PER_CHAR * max_chars:
            if size <= MARKUP_PER_CHAR * max_chars:
                parts.append(_segment_html(seg, text[: max_chars - shown], summary))
                shown = max_chars
            parts.append(
                f'<span class="note">… cut here: {total - shown:,} more characters '
                f"not shown (max_document_chars={max_chars:,})</span>"
            )
            break
        parts.append(_segment_html(seg, text, summary))
        shown += len(text)
        size += len(parts[-1])
    if tiling_problem:
        body.append(f'<p class="warning">{_esc(tiling_problem)}</p>')
    if parts:
        body.append(f'<div class="text" dir="auto">{"".join(parts)}</div>')
    elif _str(rec.get("text")):
        text = _str(rec.get("text"))
        note = ""
        if len(text) > max_chars:
            note = (
                f'<span class="note">… cut here: {len(text) - max_chars:,} more characters</span>'
            )
        body.append(
            '<p class="muted">No segments; the clean text:</p>'
            f'<div class="text" dir="auto">{_esc(text[:max_chars])}{note}</div>'
        )
    elif not errors:
        body.append('<p class="muted">Empty document.</p>')
    if rec.get("translated_text") is not None:
        t = _str(rec.get("translated_text"))
        body.append(
            f'<details class="translation"><summary>Translation ({_esc(_lang(rec.get("translated_lang")))}'
            f")</summary>"
            f'<div class="text" dir="auto">{_esc(t[:max_chars])}</div></details>'
        )
    cls = "doc has-err" if errors else "doc"
    return anchor, (
        f'<details class="{cls}" id="{anchor}" open><summary>{" ".join(head)}</summary>'
        f"{''.join(body)}</details>\n"
    )


def _error_row(anchor: str | None, rec: Mapping[str, Any], err: Mapping[str, Any]) -> str:
    """One row of the summary's error table, linking to the document when it is shown."""
    name = _esc(_field(rec.get("id"), "?"))
    link = f'<a href="#{anchor}">{name}</a>' if anchor else name
    where = f" ({_esc(_field(err.get('where')))})" if err.get("where") else ""
    return (
        f"<tr><td>{link}</td><td>{_esc(_field(err.get('stage')))}</td>"
        f'<td>{_esc(_field(err.get("code")))}</td><td dir="auto">{_esc(_field(err.get("message")))}'
        f"{where}</td></tr>"
    )


def _bar_chart(rows: Iterable[tuple[str, int, str | None]], unit: str = "") -> str:
    """A small horizontal bar chart as inline SVG (no script, no external asset).

    ``rows`` are (label, value, css class for the bar or None); values are
    drawn relative to the largest.

    >>> svg = _bar_chart([("en", 30, "L0"), ("<x>", 10, None)])
    >>> "&lt;x&gt;" in svg and "<x>" not in svg
    True
    """
    rows = list(rows)
    if not rows:
        return '<p class="muted">none</p>'
    top = max(v for _, v, _ in rows) or 1
    line, label_w, bar_w = 18, 150, 220
    width, height = label_w + bar_w + 90, line * len(rows) + 4
    out = [f'<svg class="chart" width="{width}" height="{height}" role="img">']
    for i, (label, value, cls) in enumerate(rows):
        y = i * line + 2
        w = max(1, round(bar_w * value / top))
        short = label if len(label) <= 22 else label[:21] + "…"
        out.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_esc(short)}</text>'
            f'<rect class="bar {cls or "plain"}" x="{label_w}" y="{y + 2}" width="{w}" '
            f'height="{line - 5}"><title>{_esc(label)}: {value:,}{unit}</title></rect>'
            f'<text x="{label_w + w + 5}" y="{y + 13}">{value:,}{unit}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _top(counter: Counter[str], n: int = CHART_ROWS) -> list[tuple[str, int]]:
    """The n most common entries, the rest summed as "(other)"."""
    items = counter.most_common()
    if len(items) <= n:
        return items
    rest = sum(v for _, v in items[n - 1 :])
    return items[: n - 1] + [("(other)", rest)]


def _summary_html(s: _Summary, max_documents: int) -> str:
    ok = s.documents - s.with_errors
    cards = [
        ("documents", s.documents),
        ("ok", ok),
        ("with errors", s.with_errors),
        ("with warnings", s.with_warnings),
        ("translated", s.translated),
        ("content chars", s.chars_content),
        ("boilerplate chars", s.chars_boilerplate),
    ]
    if s.unreadable or s.unreadable_omitted:
        cards.append(("unreadable lines", len(s.unreadable) + s.unreadable_omitted))
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">']
    for label, value in cards:
        out.append(f'<div class="card"><b>{value:,}</b><span>{label}</span></div>')
    out.append("</div>")
    if s.documents > s.shown:
        why = (
            f"max_documents={max_documents:,}; raise it with <code>--max-documents</code>"
            if not s.documents_full
            else f"the report's size limit of {MAX_DOCUMENTS_HTML // 2**20} MB was reached"
        )
        out.append(
            f'<p class="note" id="cap-note">Showing the first {s.shown:,} of {s.documents:,} '
            f"documents in full; {s.documents - s.shown:,} more are counted in this summary "
            f"but not shown ({why}).</p>"
        )
    langs_doc = [(k, v, s.css_class(k)) for k, v in _top(s.doc_langs)]
    langs_seg = [(k, v, s.css_class(k)) for k, v in _top(s.seg_lang_chars)]
    charts = [
        ("Documents by language", _bar_chart(langs_doc)),
        ("Characters by segment language", _bar_chart(langs_seg)),
        ("Boilerplate by reason (segments)", _bar_chart((k, v, "bpbar") for k, v in _top(s.reasons))),
        ("Boilerplate by reason (chars)", _bar_chart((k, v, "bpbar") for k, v in _top(s.reason_chars))),
        ("Errors by code", _bar_chart((k, v, "errbar") for k, v in _top(s.error_codes))),
        ("Changes by step", _bar_chart((k, v, None) for k, v in _top(s.changes))),
    ]  # fmt: skip
    out.append('<div class="charts">')
    for name, svg in charts:
        out.append(f"<figure><figcaption>{name}</figcaption>{svg}</figure>")
    out.append("</div>")
    if s.error_rows:
        out.append('<h3 id="errors">Error records</h3><table class="errors">')
        out.append("<tr><th>document</th><th>stage</th><th>code</th><th>message</th></tr>")
        out.extend(s.error_rows)
        out.append("</table>")
        if s.error_rows_omitted:
            out.append(
                f'<p class="note">{s.error_rows_omitted:,} more error records not listed.</p>'
            )
    if s.unreadable:
        out.append('<h3 id="unreadable">Unreadable input lines</h3><table class="errors">')
        out.append("<tr><th>line</th><th>problem</th><th>beginning of the line</th></tr>")
        out.extend(s.unreadable)
        out.append("</table>")
        if s.unreadable_omitted:
            out.append(f'<p class="note">{s.unreadable_omitted:,} more unreadable lines.</p>')
    out.append("</section>")
    return "".join(out)


def _legend_html(s: _Summary) -> str:
    items = [
        f'<span class="seg {s.css_class(lang)}">{_esc(lang)}</span>'
        for lang in sorted(s.lang_class, key=s.lang_class.__getitem__)
    ]
    if s.lang_overflow:
        items.append(f'<span class="seg Lo">more languages (over {MAX_LANG_CLASSES})</span>')
    items.append('<span class="Lz">zxx/und: no language</span>')
    items.append('<del class="bp Lz" title="boilerplate: reason on hover">boilerplate</del>')
    items.append('<ins class="tr">translation</ins>')
    return f'<div class="legend" id="legend"><b>Legend</b> {" ".join(items)}</div>'


_BASE_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:80rem;padding:1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}
.card{border:1px solid #ccc;border-radius:6px;padding:.3rem .8rem;min-width:7rem}
.card b{display:block;font-size:1.3rem}.card span{color:#666;font-size:.85rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:.5rem 0}figcaption{font-weight:600;font-size:.9rem}
.chart text{font-size:12px;fill:#333}
.bar.plain{fill:#8aa}.bar.bpbar{fill:#b88}.bar.errbar{fill:#d55}.bar.Lz{fill:#bbb}
.legend{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.4rem 0;z-index:1}
.legend>*{margin-right:.3rem;padding:0 .3rem}
.doc{border:1px solid #ccc;border-radius:6px;margin:.8rem 0;padding:.3rem .6rem;
scroll-margin-top:3rem}
.doc.has-err{border-color:#d55}
.doc>summary{cursor:pointer;font-weight:600}
.id{font-family:monospace}.title{font-weight:400;font-style:italic}
.tag{font-family:monospace;padding:0 .3rem;border-radius:3px}
.badge{font-size:.8rem;padding:0 .4rem;border-radius:3px;color:#fff}
.badge.err{background:#c33}.badge.warn{background:#c80}
.muted{color:#777;font-weight:400;font-size:.85rem}
.note{display:block;background:#ffd;border:1px dashed #cc8;padding:.2rem .5rem;color:#553}
.facts{font-size:.8rem;color:#555;border-collapse:collapse}
.facts th{text-align:left;padding-right:1rem;vertical-align:top}
.facts td{word-break:break-all}
.error{color:#a00;background:#fee;padding:.2rem .5rem}
.warning{color:#850;background:#ffe;padding:.2rem .5rem}
.text{white-space:pre-wrap;word-wrap:break-word;border-top:1px solid #eee;padding-top:.4rem}
.seg{border-radius:2px}
del.bp{text-decoration:line-through 2px #a33;opacity:.75;cursor:help}
ins.tr{text-decoration:none;display:inline-block;font-size:.85em;background:#eef;
border-left:3px solid #66c;margin:0 .2rem;padding:0 .3rem;color:#335}
ins.tr::before{content:"\\2192  "}
.Lz{background:transparent}.Lo{background:#e4e4e4}.bar.Lo{fill:#aaa}
table.errors{border-collapse:collapse;font-size:.85rem}
table.errors td,table.errors th{border:1px solid #ddd;padding:.1rem .4rem;text-align:left}
code{font-size:.85em}
"""


def _lang_css(s: _Summary) -> str:
    """One rule per language class; the colour comes from the code, the class is an index."""
    rules = []
    for lang, i in s.lang_class.items():
        hue = lang_hue(lang)
        rules.append(
            f".L{i}{{background:hsl({hue} 75% 86%);box-shadow:inset 0 -2px hsl({hue} 55% 55%)}}"
            f".bar.L{i}{{fill:hsl({hue} 55% 60%)}}"
        )
    return "\n".join(rules)


def render_report(
    records: Iterable[Mapping[str, Any] | UnreadableLine],
    *,
    title: str = "normalize report",
    max_documents: int = DEFAULT_MAX_DOCUMENTS,
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
) -> str:
    """The report of a run as one self-contained HTML page.

    ``records`` are JSON records as written by ``Document.to_json()``; they
    are consumed once, in order, so a generator over a huge file works: only
    the HTML of the first ``max_documents`` is kept, the rest are counted.
    :class:`UnreadableLine` items (from :func:`read_jsonl`) are listed as
    input problems.

    >>> page = render_report([{"id": "<b>x</b>", "lang": "en", "segments": [
    ...     {"text": "Hi", "start": 0, "end": 2, "lang": "en", "kind": "content"}]}])
    >>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    True
    >>> "script-src 'none'" in page
    True
    """
    if max_documents < 0 or max_document_chars < 1:
        raise ValueError(
            "max_documents must be 0 or more and max_document_chars at least 1, "
            f"got {max_documents} and {max_document_chars}"
        )
    s = _Summary()
    docs: list[str] = []
    rows_limit = max(max_documents, 50)
    for rec in records:
        if isinstance(rec, UnreadableLine):
            row = (
                f"<tr><td>{rec.line_no}</td><td>{_esc(_field(rec.message))}</td>"
                f"<td><code>{_esc(_field(rec.excerpt))}</code></td></tr>"
            )
            if not s.add_row(s.unreadable, row, rows_limit):
                s.unreadable_omitted += 1
            continue
        _count(s, rec)
        anchor = None
        if s.shown < max_documents and not s.documents_full:
            anchor, doc_html = _document_html(rec, s.documents, s, max_document_chars)
            size = _utf8_size(doc_html)
            if s.html_size + size <= MAX_DOCUMENTS_HTML:
                docs.append(doc_html)
                s.shown += 1
                s.html_size += size
            else:
                anchor = None
                s.documents_full = True
        for err in _list(rec.get("errors")):
            if not s.add_row(s.error_rows, _error_row(anchor, rec, _dict(err)), rows_limit):
                s.error_rows_omitted += 1
    summary = _summary_html(s, max_documents)  # may assign classes for chart bars
    legend = _legend_html(s)
    css = _BASE_CSS + _lang_css(s)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; script-src 'none'; style-src 'sha256-{digest}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{css}</style></head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n{summary}\n{legend}\n"
        f'<section id="documents"><h2>Documents</h2>\n{"".join(docs)}</section>\n'
        "</body></html>\n"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="normalize report",
        description="Write a self-contained HTML page to review the records of a run.",
    )
    p.add_argument("input", help="JSONL records of a run (`-` for stdin)")
    p.add_argument(
        "-o",
        "--output",
        help="HTML file to write (`-` for stdout); default: report.html next to the input",
    )
    p.add_argument("--title", help="page title (default: from the input file name)")
    p.add_argument(
        "--max-documents",
        type=int,
        default=DEFAULT_MAX_DOCUMENTS,
        help=f"documents shown in full; the rest are only counted (default {DEFAULT_MAX_DOCUMENTS})",
    )
    p.add_argument(
        "--max-document-chars",
        type=int,
        default=DEFAULT_MAX_DOCUMENT_CHARS,
        help=f"characters shown per document (default {DEFAULT_MAX_DOCUMENT_CHARS})",
    )
    return p


def _reported(
    items: Iterable[Mapping[str, Any] | UnreadableLine], name: str, stderr: TextIO, bad: list[int]
) -> Iterator[Mapping[str, Any] | UnreadableLine]:
    """Pass records through, telling stderr about each unreadable line as it goes by."""
    for item in items:
        if isinstance(item, UnreadableLine):
            bad.append(item.line_no)
            print(f"{name}:{item.line_no}: skipped, {item.message}", file=stderr)
        yield item


#: The outputs of a run that the report reads (a folder of shards holds some of them).
OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")


def output_records(path: Path) -> Iterator[Mapping[str, Any] | UnreadableLine]:
    """The records of a run's output: JSONL (gzip or zstd too), Parquet, or a folder of shards."""
    if path.is_dir():
        for shard in sorted(p for p in path.iterdir() if p.name.endswith(OUTPUT_SUFFIXES)):
            yield from output_records(shard)
        return
    if path.name.endswith(".parquet"):
        from normalize.io.extras import require

        pq = require("pyarrow.parquet", "parquet", "a report of Parquet output")
        for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
            yield from batch.to_pylist()
        return
    from normalize.io.compression import compression_of, decompressing

    with path.open("rb") as raw, decompressing(raw, compression_of(path.name)) as stream:
        yield from read_jsonl(stream)


def main(argv: list[str]) -> int:
    """``normalize report OUT.jsonl [-o report.html]``.

    Exit status: 0 when every line was read, 1 when some input lines were
    unreadable (the report is still written and lists them), 2 for a usage
    error or an input/output file that cannot be opened.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage on stderr
        return 0 if exc.code == 0 else 2
    if args.max_documents < 0 or args.max_document_chars < 1:
        print("normalize report: --max-documents must be >= 0, --max-document-chars >= 1",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.input == "-":
        records: Iterable[Mapping[str, Any] | UnreadableLine] = read_jsonl(sys.stdin.buffer)
        name = "<stdin>"
        out_path = args.output or "-"
    else:
        path = Path(args.input)
        name = str(path)
        out_path = args.output or str(path.with_name("report.html"))
        records = output_records(path)
    title = args.title or f"normalize report: {Path(name).name}"
    bad: list[int] = []
    try:
        page = render_report(
            _reported(records, name, sys.stderr, bad),
            title=title,
            max_documents=args.max_documents,
            max_document_chars=args.max_document_chars,
        )
    except (OSError, ImportError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"normalize report: cannot read {name}: {reason}", file=sys.stderr)
        return 2
    # A JSON escape such as "\ud800" gives a lone surrogate, which UTF-8
    # cannot encode: it becomes "?" rather than failing the whole report.
    data = page.encode("utf-8", "replace")
    if out_path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            Path(out_path).write_bytes(data)
        except OSError as exc:
            print(f"normalize report: cannot write {out_path}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"normalize report: wrote {out_path}", file=sys.stderr)
    if bad:
        print(
            f"normalize report: {len(bad)} unreadable line(s) in {name}; they are listed "
            "in the report",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
