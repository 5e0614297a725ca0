"""HTML to blocks: the page's visible text in reading order, with structural features.

The parse uses lxml's HTML parser, the parser beautifulsoup4 is configured
with here, directly: bs4's Python tree costs about 21 ms on a typical page
against 1.6 ms for lxml's (measured on the article-extraction pages), which
alone would miss the speed target (as many pages per second as trafilatura).
beautifulsoup4, with Python's ``html.parser``, reads what lxml gives up on
(nesting past its depth limit) in :func:`_strip_tags`. Malformed markup is
repaired by libxml2 as a browser would.
The walk over the tree is iterative, so nesting depth cannot raise
``RecursionError``; elements deeper than ``max_depth`` add their text to the
block at that depth.

A *block* is the text between two block-level boundaries (``p``, ``li``,
``h1``…, ``div``, ``td``, two ``br`` in a row…). Each block records what a
classifier needs about where it sits: its tag, link density, whether a
``nav``/``header``/``footer``/``aside``/``form`` encloses it, class/id words of
its ancestors (``share``, ``comment``, ``related``, ``breadcrumb``,
``cookie``…), and whether it is inside the page's main-content container
(the element richest in prose, as readability scores it).

>>> from normalize.config import BoilerplateConfig
>>> page = html_page("<html lang=en><head><title>Hi - Site</title></head><body>"
...     "<nav><a href=/>Home</a></nav><h1>Hi</h1><p>Some text.</p></body></html>",
...     canonicalize=str.strip, config=BoilerplateConfig())
>>> [page.block_text(b) for b in page.blocks], dict(page.metadata)
(['Home', 'Hi', 'Some text.'], {'title': 'Hi', 'html_lang': 'en'})
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import lxml.etree

from normalize.boilerplate.tokens import _NO_SPACE_SCRIPT
from normalize.canonical import canonical_blocks
from normalize.config import BoilerplateConfig
from normalize.document import Block, Page
from normalize.extract import metadata
from normalize.extract.text import text_page
from normalize.langpacks import phrase_key


class BoilerplateError(ValueError):
    """A page that the boilerplate stage cannot turn into blocks (e.g. not HTML at all).

    ``code`` is the stable identifier an error record carries: ``empty_html``
    (nothing to read) or ``bad_html`` (the parser found no document).
    """

    def __init__(self, message: str, code: str = "bad_html") -> None:
        super().__init__(message)
        self.code = code


#: Elements whose content is never visible text (in a browser with scripts
#: on, and without ruby annotations: furigana over 子 is not body text).
#: ``noscript`` is read when it holds the page's text (:func:`_noscript_verdicts`).
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "template",
        "noscript",
        "noembed",
        "noframes",
        "rt",
        "rp",
        "rtc",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "head",
        "select",
        "option",
        "datalist",
        "button",
        "input",
        "textarea",
        "map",
        "picture",
        "source",
        "track",
    ]
)
#: Elements that start and end a block.
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "td",
        "th",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "blockquote",
        "pre",
        "section",
        "article",
        "aside",
        "nav",
        "header",
        "footer",
        "main",
        "form",
        "fieldset",
        "legend",
        "figure",
        "figcaption",
        "address",
        "hr",
        "center",
        "details",
        "summary",
        "menu",
        "body",
        "html",
        "dialog",
    ]
)
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])

#: Class/id words of the named kinds of chrome. A word matches a whole token of a
#: class or id split at "-", "_" and spaces, or (for the longer ones) a prefix of it.
CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "cls_breadcrumb": ("breadcrumb", "breadcrumbs", "crumbs", "crumb"),
    "cls_comments": ("comment", "comments", "disqus", "respond", "replies", "discussion"),
    "cls_share": ("share", "sharing", "social", "sharebar", "addthis", "sociallinks"),
    "cls_subscribe": ("subscribe", "newsletter", "signup", "subscription", "paywall"),
    "cls_cookie": ("cookie", "cookies", "consent", "gdpr"),
    "cls_related": (
        "related", "recommended", "recommendations", "popular", "trending", "outbrain",
        "taboola", "promo", "teaser", "readmore", "more", "mostread", "recirc", "also",
    ),
    "cls_ads": ("ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "banner", "dfp"),
    "cls_nav": ("nav", "navbar", "navigation", "menu", "masthead", "topbar", "skip", "pagination"),
    "cls_footer": ("footer", "copyright", "colophon", "bottom"),
    "cls_sidebar": ("sidebar", "widget", "rail", "aside", "sidebox"),
    "cls_meta": ("byline", "author", "date", "meta", "tags", "tag", "category", "credit",
                 "caption", "timestamp", "dateline", "info", "toolbar", "tools"),
    "cls_good": ("article", "content", "post", "entry", "story", "body", "text", "main",
                 "blog", "prose", "articlebody"),
}  # fmt: skip
_CLASS_INDEX = {w: name for name, ws in CLASS_WORDS.items() for w in ws}
_CLASS_PREFIX = re.compile(
    "(" + "|".join(sorted((w for w in _CLASS_INDEX if len(w) >= 5), key=len, reverse=True)) + ")"
)
_SPLIT_CLASS = re.compile(r"[\s_\-:./]+")
_STRUCT = {"nav": "in_nav", "header": "in_header", "footer": "in_footer", "aside": "in_aside",
           "form": "in_form", "article": "in_article", "main": "in_main", "menu": "in_nav",
           "ul": "in_list", "ol": "in_list", "table": "in_table", "figure": "in_figure",
           "dialog": "in_dialog"}  # fmt: skip
_ROLES = {"navigation": "in_nav", "banner": "in_header", "contentinfo": "in_footer",
          "complementary": "in_aside", "main": "in_main", "article": "in_article",
          "search": "in_form", "menu": "in_nav", "menubar": "in_nav", "dialog": "in_dialog",
          "alertdialog": "in_dialog"}  # fmt: skip
#: A sibling of the main-content container whose prose score is at least this
#: share of the container's is part of the article region (readability: 0.2).
SIBLING_SHARE = 0.2
#: Elements whose class words describe the whole page.
_PAGE_TAGS = frozenset(["html", "body"])
#: How many of the nearest enclosing elements lend their class/id words to a block.
NEAR_CLASS_LEVELS = 5
#: An element's text with its descendants' (what lxml.html's ``text_content`` is).
_TEXT_CONTENT = lxml.etree.XPath("string()", smart_strings=False)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def class_hints(el: lxml.etree._Element) -> frozenset[str]:
    """The class-word features that an element's class and id set.

    >>> from lxml.html import fragment_fromstring as f
    >>> sorted(class_hints(f('<div class="post-share social_links" id="sideBar"></div>')))
    ['cls_good', 'cls_share', 'cls_sidebar']
    """
    return _attr_hints(dict(el.items()))


def _attr_hints(attrs: dict[str, str]) -> frozenset[str]:
    """:func:`class_hints` from an element's attributes.

    Each attribute is looked up on its own (a space splits tokens anyway), so
    a site's class names stay cached however unique its ids are.
    """
    out: frozenset[str] = frozenset()
    for name in ("class", "id", "itemprop"):
        value = attrs.get(name)
        if value:
            out = out | _hints(value) if out else _hints(value)
    return out


#: Class names that file a page in the site's taxonomy (WordPress's
#: ``post_class``/``body_class``: ``category-social-media``, ``tag-share``,
#: ``format-standard``; Drupal's ``taxonomy-term-…``): they say what the page
#: is about, never what a block is.
_TAXONOMY_CLASS = re.compile(
    r"(?:category|tag|tags|post_tag|post-tag|format|status|type|taxonomy|term)[-_]"
)
#: A :data:`_TAXONOMY_CLASS` name anywhere in a class string (at a name's start).
_TAXONOMY_NAME = re.compile(r"(?<!\S)" + _TAXONOMY_CLASS.pattern)
#: The first five letters of the words matched as a token's prefix: a token
#: that starts otherwise needs no look at :data:`_CLASS_PREFIX`.
_PREFIX_STARTS = frozenset(w[:5] for w in _CLASS_INDEX if len(w) >= 5)
_NO_HINTS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=8192)
def _hints(attrs: str) -> frozenset[str]:
    """Class-word features of a class/id string (cached: sites repeat their class names).

    >>> sorted(_hints("post category-social-media tag-newsletter share-bar"))
    ['cls_good', 'cls_share']
    """
    low = attrs.lower()
    if _TAXONOMY_NAME.search(low):
        low = " ".join(n for n in low.split() if not _TAXONOMY_CLASS.match(n))
    out: set[str] | None = None
    for tok in _SPLIT_CLASS.split(low):
        name = _CLASS_INDEX.get(tok)
        if name is None:
            # Most tokens name nothing: "post", "12345", "wp", "block-editor".
            if len(tok) <= 6 or tok[:5] not in _PREFIX_STARTS:
                continue
            m = _CLASS_PREFIX.match(tok)
            if m is None:
                continue
            name = _CLASS_INDEX[m.group(1)]
        if out is None:
            out = {name}
        else:
            out.add(name)
    return _NO_HINTS if out is None else frozenset(out)


@dataclass(slots=True)
class _Raw:
    """A block while it is being read."""

    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    #: How many links lend text to the block, and the last one that did.
    n_links: int = 0
    last_link: int = 0
    #: The block's first text is a link's (a teaser's linked headline).
    link_head: bool = False
    tag: str = "div"
    flags: frozenset[str] = frozenset()
    #: Class/id hints of the nearest enclosing elements, by element id: the
    #: container's own words are taken out once it is known.
    near: tuple[tuple[int, frozenset[str]], ...] = ()
    path: tuple[int, ...] = ()
    is_title: bool = False


#: The tag feature of a block's tag; any other tag is ``tag_other``.
_TAG_FEATURES: dict[str, str] = {
    "p": "tag_p",
    **{h: "tag_h" for h in sorted(HEADINGS)},
    **dict.fromkeys(("li", "dt", "dd"), "tag_li"),
    **dict.fromkeys(("td", "th"), "tag_td"),
    **dict.fromkeys(("pre", "blockquote"), "tag_pre"),
    **dict.fromkeys(("figcaption", "caption"), "tag_caption"),
}


def cut_html(html: str, limit: int) -> str:
    """The first ``limit`` characters of ``html``, without a tag cut in half at the end.

    >>> cut_html("<p>Some text</p><div class=x>", 20), cut_html("<p>ok</p>", 100)
    ('<p>Some text</p>', '<p>ok</p>')
    """
    if len(html) <= limit:
        return html
    html = html[:limit]
    lt = html.rfind("<")
    if lt > html.rfind(">"):
        html = html[:lt]
    return html


def _parse(html: str, config: BoilerplateConfig) -> tuple[lxml.etree._Element, bool]:
    """The page's tree, with its comments (see :func:`_metadata`), and whether it was cut."""
    truncated = len(html) > config.max_html_chars
    if truncated:
        html = cut_html(html, config.max_html_chars)
    if not _XML_DECL.sub("", html, count=1).strip():
        raise BoilerplateError("the page is empty: there is no HTML to read", "empty_html")
    # huge_tree lifts libxml2's nesting limit from 256 to 2048 levels (text nested
    # deeper is dropped by the parser); the input is already capped in size.
    # An XML declaration becomes a comment before the root, which nothing reads.
    # collect_ids=False: no table of the id attributes (nothing looks an
    # element up by its id: no XPath id(), no getElementById), 15 % of the parse.
    parser = lxml.etree.HTMLParser(encoding="utf-8", huge_tree=True, collect_ids=False)
    parser.set_element_class_lookup(_html_classes())
    try:
        root = lxml.etree.fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as e:
        raise BoilerplateError(f"the HTML could not be parsed ({e}); is it HTML at all?") from e
    if root is None:
        raise BoilerplateError(
            "the HTML could not be parsed (Document is empty); is it HTML at all?"
        )
    return root, truncated


def _html_classes() -> lxml.etree.ElementDefaultClassLookup:
    """The element classes of lxml.html (htmldate reads only such trees), chosen in C.

    lxml.html's own parser picks a class per element in Python (a form
    element gets ``FormElement``…), which costs the walk a Python call for
    every element it touches; htmldate uses no method of those classes.
    """
    import lxml.html

    return lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )


def _drop_comments(root: lxml.etree._Element) -> None:
    """Remove the comments and processing instructions of the page's elements.

    What is left is the tree the parser gives without them
    (``remove_comments``): the text around each is joined into one text
    node, as a comment splits a byline ("Jane<!-- -->Doe") or a paragraph.
    Comments outside every element (before ``<html>``) hold no text and stay.

    >>> root = lxml.etree.fromstring("<p>Ja<!-- x -->ne <b>D</b><!-- y -->oe</p>",
    ...     lxml.etree.HTMLParser())
    >>> _drop_comments(root)
    >>> lxml.etree.tostring(root), root.xpath("//text()")
    (b'<html><body><p>Jane <b>D</b>oe</p></body></html>', ['Jane ', 'D', 'oe'])
    """
    tops = [root, *root.itersiblings(preceding=True), *root.itersiblings()]
    nodes = [n for top in tops for n in top.iter(lxml.etree.Comment, lxml.etree.PI)]
    for node in nodes:
        parent = node.getparent()
        if parent is None:
            continue
        tail = node.tail
        if tail:
            before = node.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(node)  # with its tail, now joined to the text before it


def _metadata(root: lxml.etree._Element, html: str) -> dict[str, Any]:
    """What the page says about itself (see :mod:`normalize.extract.metadata`) and its ``<html lang>``.

    The page is parsed once: htmldate reads the tree with its comments (a
    date may be only there), then they are dropped (:func:`_drop_comments`)
    for the bylines and the walk, which read text as the parser gives it
    without them.
    """
    found = metadata.candidates(root)
    date = metadata.publication_date(root, html, url=metadata.page_url(found))
    _drop_comments(root)
    meta = metadata.metadata_of(found, root)
    if date:
        meta["date"] = date
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        for el in root.iter("meta"):
            if (el.get("http-equiv") or "").lower() == "content-language":
                lang = el.get("content")
                break
    if lang and lang.strip():
        meta["html_lang"] = lang.strip()
    return meta


@dataclass(frozen=True, slots=True)
class HtmlDraft:
    """An HTML page as read, before the canonical stage: its blocks' raw texts and
    where they sit, and what the page says about itself.

    The canonical stage gives the texts (:attr:`texts`) their canonical form;
    :func:`page_of` then builds the page from them. ``flat`` is the page read
    as text, when the parser kept none of it (nesting past its limit).
    """

    metadata: dict[str, Any]
    raws: list[_Raw]
    own_hints: dict[int, frozenset[str]]
    truncated: bool
    flat: str | None = None

    @property
    def texts(self) -> list[str]:
        """The texts to canonicalize: the blocks' raw texts, or the flat text."""
        if self.flat is not None:
            return [self.flat]
        return ["".join(r.parts) for r in self.raws]

    @property
    def title(self) -> str | None:
        """The metadata title: the page's first block when no heading is its title."""
        title = self.metadata.get("title")
        return title if isinstance(title, str) and title else None


def read_html(html: str, config: BoilerplateConfig) -> HtmlDraft:
    """Parse ``html`` and walk it into blocks of raw text, with their structure.

    Raises :class:`BoilerplateError` for a page with nothing to read.
    """
    root, truncated = _parse(html, config)
    html = cut_html(html, config.max_html_chars)
    meta = _metadata(root, html)
    body = root.find("body")
    if body is None:
        body = root
    own_hints: dict[int, frozenset[str]] = {}
    raws = _walk(body, config, own_hints)
    if not raws:
        flat = _strip_tags(html)
        if flat.strip():
            # The parser kept no text (nesting past its limit): read the page
            # as text rather than lose it; the text model decides its blocks.
            return HtmlDraft(meta, [], own_hints, truncated, flat)
    if len(raws) >= config.max_blocks:
        truncated = True
        raws = raws[: config.max_blocks]
    return HtmlDraft(meta, raws, own_hints, truncated)


def page_of(
    draft: HtmlDraft, texts: Sequence[str], title: str | None, config: BoilerplateConfig
) -> tuple[Page, bool]:
    """The page of ``draft`` made of its canonical ``texts`` (:attr:`HtmlDraft.texts`
    in canonical form, in order), blocks joined by blank lines (empty ones dropped).

    The title is a block (flagged ``is_title``): the heading that matches the
    metadata title, or else ``title`` (the canonical :attr:`HtmlDraft.title`)
    put first. The flag returned says whether ``title`` was needed.
    """
    meta = dict(draft.metadata)
    if draft.flat is not None:
        page = text_page(texts[0], config=config)
        return Page(page.text, page.blocks, {**meta, "flattened": True}, origin="text"), False
    kept_texts: list[str] = []
    feats: list[dict[str, float]] = []
    kept: list[_Raw] = []
    for r, t in zip(draft.raws, texts, strict=False):
        if t.strip():
            kept_texts.append(t.strip("\n"))
            kept.append(r)
    _add_features(kept, kept_texts, feats, draft.own_hints)
    title_needed = not _mark_title(kept, kept_texts, feats, meta) and bool(meta.get("title"))
    if title_needed and title is not None:
        t = title.strip("\n")
        if t:
            kept_texts.insert(0, t)
            feats.insert(0, {"is_title": 1.0, "tag_h": 1.0})
    if draft.truncated:
        meta["truncated"] = True
    # The blocks joined by blank lines, each block's span with the blank line after it.
    text = "\n\n".join(kept_texts)
    ends = list(itertools.accumulate(len(t) + 2 for t in kept_texts))
    starts = [0, *ends[:-1]] if ends else []
    if ends:
        ends[-1] -= 2
    blocks = tuple(Block(s, e, features=f) for s, e, f in zip(starts, ends, feats, strict=True))
    return Page(text=text, blocks=blocks, metadata=meta, origin="html"), title_needed


def html_page(html: str, *, canonicalize: Callable[[str], str], config: BoilerplateConfig) -> Page:
    """Read ``html`` into a :class:`Page` of blocks joined by blank lines, block texts
    through ``canonicalize``: :func:`read_html` and :func:`page_of` in one call, for
    callers outside the pipeline (which runs the canonical stage between them).
    """
    draft = read_html(html, config)
    if draft.flat is not None:
        return page_of(draft, [canonicalize(draft.flat)], None, config)[0]
    texts = canonical_blocks(draft.texts, canonicalize)
    title = canonicalize(draft.title) if draft.title is not None else None
    return page_of(draft, texts, title, config)[0]


def _strip_tags(html: str) -> str:
    """Visible text of HTML that lxml could not keep, one string per line.

    beautifulsoup4 with Python's own ``html.parser`` builds its tree without
    a nesting limit (lxml's parser gives up past a depth of a few thousand),
    so a page nested 10k deep or never closed is still read tag by tag rather
    than lost. It is several times slower than lxml, hence only this fallback.

    What a browser does not render stays out, as in the lxml walk: the
    elements of :data:`SKIP_TAGS` (``noscript`` always: this reader keeps no
    structure to tell a notice from a body), CDATA sections, comments and
    declarations.

    >>> _strip_tags("<div><div><b>deep</b> text</div><p>after &amp; more</p><script>x</script>")
    'deep\\ntext\\nafter & more'
    >>> _strip_tags("<p>a</p><![CDATA[x < y]]><textarea>draft</textarea><option>B</option><p>b</p>")
    'a\\nb'
    """
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString

    soup = BeautifulSoup(html, "html.parser")
    for element in soup(list(SKIP_TAGS)):
        element.decompose()
    # Strings of exactly this type: CData, Comment, Doctype… are subclasses.
    return soup.get_text("\n", strip=True, types=(NavigableString,))


#: A ``noscript`` notice asks for JavaScript; the word is the same in every language.
_JS_NOTICE = re.compile(r"java\s*script", re.IGNORECASE)
#: Notices are a sentence or two; a longer ``noscript`` is a page's own text.
MAX_NOTICE_CHARS = 400
_MARKUP_TEXT = re.compile(r"<[a-zA-Z/!]")
_OUTSIDE_TEXT = lxml.etree.XPath(
    "//body//text()[not(ancestor::noscript or ancestor::script or ancestor::style"
    " or ancestor::template)]",
    smart_strings=False,
)


def _visible_texts(el: lxml.etree._Element) -> list[str]:
    """The element's text pieces outside non-rendered descendants, whitespace-collapsed."""
    out = []
    walker = lxml.etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if event == "start":
            if node is not el and (not tag or (tag in SKIP_TAGS and tag != "noscript")):
                walker.skip_subtree()
            elif node.text:
                out.append(node.text)
        elif node is not el and node.tail:
            out.append(node.tail)
    return [t for t in (" ".join(p.split()) for p in out) if t]


def _noscript_verdicts(body: lxml.etree._Element) -> dict[lxml.etree._Element, str]:
    """Which ``noscript`` elements to read: ``content`` or ``notice``; the others stay out.

    Some blog engines render the post body inside ``noscript`` (and build the
    page with scripts): that text is the article. Read it unless it is empty,
    raw markup (libxml2 keeps a ``noscript`` in ``head`` as text), a notice
    asking for JavaScript (read, flagged ``noscript_notice``: boilerplate with
    its reason), or text that is also rendered outside it (most of its pieces
    occur in the page's other text): that would be read twice.
    """
    out: dict[lxml.etree._Element, str] = {}
    outside: str | None = None
    for el in body.iter("noscript"):
        if any(a.tag == "noscript" for a in el.iterancestors()):
            continue
        pieces = _visible_texts(el)
        text = " ".join(pieces)
        if not text or _MARKUP_TEXT.search(text):
            continue
        if len(text) <= MAX_NOTICE_CHARS and _JS_NOTICE.search(text):
            out[el] = "notice"
            continue
        if outside is None:
            outside = " ".join(" ".join(t.split()) for t in _OUTSIDE_TEXT(body))
        long_pieces = [p for p in pieces if len(p) >= 20] or pieces
        seen = sum(len(p) for p in long_pieces if p in outside)
        if seen * 2 < sum(len(p) for p in long_pieces):
            out[el] = "content"
    return out


def _collapse_spaces(text: str) -> str:
    """``text`` with every run of whitespace one space (source line breaks are not
    visible), its edges kept as one space: ``re.sub(r"\\s+", " ", text)``, several
    times faster on a paragraph (``str.split`` and ``\\s`` know the same spaces).

    >>> _collapse_spaces("\\n  Some\\ttext,\\n  more "), _collapse_spaces("  "), _collapse_spaces("")
    (' Some text, more ', ' ', '')
    """
    words = text.split()
    if not words:
        return " " if text else ""
    out = " ".join(words)
    if text[0].isspace():
        out = " " + out
    if text[-1].isspace():
        out += " "
    return out


#: What the walk needs of a tag, in one lookup: (the tag, lower-cased; skip its
#: subtree (a ``noscript`` is decided per element); it starts and ends a block;
#: its structural flag; its class words describe the page; it is a link).
_TagInfo = tuple[str, bool, bool, str | None, bool, bool]


def _tag_info(tag: object) -> _TagInfo:
    """:data:`_TagInfo` of an element's ``tag`` as lxml gives it (a comment's or a
    processing instruction's is not a string: its subtree is skipped).

    >>> _tag_info("DIV"), _tag_info("script")[:3]
    (('div', False, True, None, False, False), ('script', True, False))
    """
    if not isinstance(tag, str):
        return ("", True, False, None, False, False)
    tag = tag.lower()
    return (
        tag,
        not tag or (tag in SKIP_TAGS and tag != "noscript"),
        tag in BLOCK_TAGS or tag == "noscript",
        _STRUCT.get(tag),
        tag in _PAGE_TAGS,
        tag == "a",
    )


def _walk(
    body: lxml.etree._Element, config: BoilerplateConfig, own_hints: dict[int, frozenset[str]]
) -> list[_Raw]:
    """Blocks of visible text in document order (iterative; bounded by max_depth/max_blocks).

    ``own_hints`` receives the hints of each block element's own class/id/tag.

    The loop is written for speed (it touches every element of every page):
    what a tag means is looked up once per page (:func:`_tag_info`), a skipped
    element's attributes are not read, whitespace-only texts (most of a page's,
    its indentation) are handled inline, other texts by :func:`add`, and an
    element's class-word hints are looked up once per page for each (class,
    id, itemprop) it carries.
    """
    raws: list[_Raw] = []
    cur = _Raw()
    parts = cur.parts
    # One entry per open element: (is_block, structural flags of it and all its
    # ancestors, element id, the id of the link it is in (0: none), its own
    # class/id hints).
    none: frozenset[str] = frozenset()
    top = (False, none, -1, 0, none)
    stack: list[tuple[bool, frozenset[str], int, int, frozenset[str]]] = [top]
    # The ids and tags of the open block elements (a block's path and tag;
    # "div" for text outside every block element). The stack's first entry
    # stands for what is outside the walked element.
    block_ids: list[int] = []
    block_tags: list[str] = ["div"]
    # The class-word hints of each (class, id, itemprop) met on the page.
    hints: dict[tuple[str | None, str | None, str | None], frozenset[str]] = {}
    # What each tag met on the page means (:func:`_tag_info`).
    tag_infos: dict[object, _TagInfo] = {}
    ids = 0
    brs = 0
    max_depth, max_blocks = config.max_depth, config.max_blocks
    hidden_style = _HIDDEN_STYLE.search
    collapse = _collapse_spaces

    def add(text: str) -> None:
        """Add a text that is not only whitespace to the current block."""
        nonlocal brs
        text = collapse(text)
        brs = 0
        entry = stack[-1]
        if not parts:
            cur.tag = block_tags[-1]
            # Structure counts from any ancestor (a nav is a nav however deep);
            # class words only from the nearest ones, because a wrapper's
            # "has-sidebar" or "comments-open" says nothing about a paragraph.
            cur.flags = entry[1]
            cur.near = tuple([(e[2], e[4]) for e in stack[-NEAR_CLASS_LEVELS:] if e[4]])
            cur.path = tuple(block_ids)
        parts.append(text)
        link = entry[3]
        if link:
            cur.link_chars += len(text.strip())
            if link != cur.last_link:
                if not cur.n_links and len(parts) == 1:
                    cur.link_head = True
                cur.n_links += 1
                cur.last_link = link

    noscripts = _noscript_verdicts(body) if body.find(".//noscript") is not None else {}
    walker = lxml.etree.iterwalk(body, events=("start", "end"))
    depth = 0
    for event, el in walker:
        if event == "start":
            depth += 1
            info = tag_infos.get(el.tag)
            if info is None:
                info = tag_infos[el.tag] = _tag_info(el.tag)
            tag, skip, is_block, struct, page_level, is_link = info
            if skip or (tag == "noscript" and el not in noscripts):
                walker.skip_subtree()
                stack.append((False, stack[-1][1], -1, 0, none))
                continue
            # One read of the attributes (the HTML parser keeps no duplicates).
            items = el.items()
            attrs = dict(items) if items else None
            if attrs is not None and (
                "hidden" in attrs
                or (attrs.get("aria-hidden") == "true" and not is_block)
                or ("style" in attrs and hidden_style(attrs["style"] or ""))
            ):
                walker.skip_subtree()
                stack.append((False, stack[-1][1], -1, 0, none))
                continue
            if depth > max_depth:
                stack.append((False, stack[-1][1], -1, 0, none))
                text = el.text
                if text:
                    if not text.isspace():
                        add(text)
                    elif parts:
                        parts.append("\n" if text == "\n" else " ")
                continue
            if tag == "br":
                brs += 1
                if brs >= 2:
                    if parts:
                        raws.append(cur)
                        cur = _Raw()
                        parts = cur.parts
                elif parts:
                    parts.append("\n")
            elif is_block and parts:
                raws.append(cur)
                cur = _Raw()
                parts = cur.parts
            parent = stack[-1]
            flags = parent[1]
            own = none
            if attrs is not None:
                # The classes of <html> and <body> describe the page (WordPress puts
                # the post's categories there: "category-social-media"), not a block.
                if not page_level:
                    key = (attrs.get("class"), attrs.get("id"), attrs.get("itemprop"))
                    if key != (None, None, None):
                        own = hints.get(key)  # type: ignore[assignment]
                        if own is None:
                            own = hints[key] = _attr_hints(attrs)
                if not struct and "role" in attrs:
                    struct = _ROLES.get((attrs["role"] or "").lower())
            if tag == "noscript" and noscripts[el] == "notice":
                struct = "noscript_notice"
            if struct:
                flags = flags | {struct}
            ids += 1
            if is_block:
                if own or struct:
                    own_hints[ids] = own | {struct} if struct else own
                block_ids.append(ids)
                block_tags.append(tag)
            stack.append((is_block, flags, ids, ids if is_link else parent[3], own))
            text = el.text
            if text:  # most texts and tails are None: no call
                if not text.isspace():
                    add(text)
                elif parts:
                    # Whitespace (and a lone br) never starts a block; inside one it
                    # is a space, or the line break a br asked for.
                    parts.append("\n" if text == "\n" else " ")
        else:
            depth -= 1
            if stack.pop()[0]:
                block_ids.pop()
                block_tags.pop()
                if parts:
                    raws.append(cur)
                    cur = _Raw()
                    parts = cur.parts
            if len(raws) >= max_blocks:
                break
            tail = el.tail
            if tail:
                if not tail.isspace():
                    add(tail)
                elif parts:
                    parts.append("\n" if tail == "\n" else " ")
    if parts:
        raws.append(cur)
    return raws


#: Hints that make an element a poor main-content candidate, and good ones
#: (readability weighs candidates by their class names the same way).
_BAD_CANDIDATE = frozenset(
    [
        "cls_comments",
        "cls_sidebar",
        "cls_footer",
        "cls_related",
        "cls_nav",
        "cls_share",
        "cls_ads",
        "cls_subscribe",
        "cls_cookie",
        "cls_breadcrumb",
        "in_nav",
        "in_footer",
        "in_aside",
        "in_header",
        "in_form",
    ]
)
_GOOD_CANDIDATE = frozenset(["cls_good", "in_article", "in_main"])


def _add_features(
    raws: list[_Raw],
    texts: list[str],
    feats: list[dict[str, float]],
    own_hints: dict[int, frozenset[str]],
) -> None:
    """Structural features, and the main-content container.

    The container is found as readability does: every prose-like block (25+
    characters, few links) credits its three nearest block ancestors (the
    parent fully, the grandparent a half, the next a third) with one point,
    one per comma of any script and up to three for its length
    (:func:`_prose_length`), a quarter as much when class words put it in a
    comment list or a sidebar; the best-credited element, discounted by its
    link density and weighed by its own class words, is the container. Its
    siblings that score :data:`SIBLING_SHARE` of it are the rest of the
    article region (``in_region``).

    Class words of the container and its ancestors describe the page, not a
    block, so a block's ``cls_*`` features come only from the elements
    below the container (and from its own).
    """
    score: dict[int, float] = {}
    # Characters and link characters of each block element, its descendants'
    # included: each block counts for its innermost element, which passes
    # its sums on to its parent (elements are numbered in document order, so
    # a child's number is greater than its parent's).
    chars: dict[int, int] = {}
    links: dict[int, int] = {}
    enclosing: dict[int, int] = {}
    bad = _BAD_CANDIDATE
    for r, t in zip(raws, texts, strict=True):
        n = len(t)
        path = r.path
        if path:
            a = path[-1]
            chars[a] = chars.get(a, 0) + n
            links[a] = links.get(a, 0) + r.link_chars
            i = len(path) - 1
            while i and path[i] not in enclosing:
                enclosing[path[i]] = path[i - 1]
                i -= 1
        if n >= 25 and r.link_chars / n < 0.3:
            s = 1.0 + _commas(t) + min(_prose_length(t) / 100.0, 3.0)
            in_bad = not r.flags.isdisjoint(bad)
            if not in_bad:
                for _, hints in r.near:
                    if not hints.isdisjoint(bad):
                        in_bad = True
                        break
            if in_bad:
                s *= 0.25  # prose in a comment list or a sidebar is not the article
            for level, a in enumerate(reversed(path[-3:])):
                score[a] = score.get(a, 0.0) + s / (1 + level)
    for a in sorted(enclosing, reverse=True):
        up = enclosing[a]
        chars[up] = chars.get(up, 0) + chars[a]
        links[up] = links.get(up, 0) + links[a]
    best, best_score = None, 0.0
    for a, s in score.items():
        ld = links.get(a, 0) / chars[a] if chars.get(a) else 0.0
        s *= 1.0 - ld
        hints = own_hints.get(a, _NO_HINTS)
        if hints & _BAD_CANDIDATE:
            s *= 0.25
        elif hints & _GOOD_CANDIDATE:
            s *= 1.25
        score[a] = s
        if s > best_score:
            best, best_score = a, s
    # The container and its ancestors describe the page (a WordPress post's
    # <article class="category-social-media">), not the blocks inside it; the
    # container's parent holds its siblings.
    page_level: frozenset[int] = frozenset()
    parent = None
    if best is not None:
        for r in raws:
            if best in r.path:
                i = r.path.index(best)
                page_level = frozenset(r.path[: i + 1])
                parent = r.path[i - 1] if i else None
                break
    cont_ld = links.get(best, 0) / chars[best] if best is not None and chars.get(best) else 0.0
    # Siblings of the container that score as prose too belong to the article
    # (readability appends them: a body split over several divs).
    sibling_score = SIBLING_SHARE * best_score
    # The best score of each block element and its ancestors (parents first).
    richest: dict[int, float] = {}
    for a in sorted(chars):
        above = enclosing.get(a)
        own = score.get(a, 0.0)
        richest[a] = own if above is None else max(richest[above], own)
    for r, t in zip(raws, texts, strict=True):
        n = len(t)
        path = r.path
        ld = min(1.0, r.link_chars / n) if n else 0.0
        f: dict[str, float] = {_TAG_FEATURES.get(r.tag, "tag_other"): 1.0, "link_density": ld}
        if ld > 0.9:
            f["all_link"] = 1.0
        if r.link_head and ld < 0.6:
            # A linked headline and then text of its own: a teaser of another page.
            f["link_head"] = 1.0
        if r.n_links:
            # Many links in one block are a tag cloud or a link strip, however
            # long it is; prose links a few words here and there.
            f["log_links"] = math.log1p(r.n_links)
        if best_score > 0:
            # How prose-rich the richest region around this block is, relative to the page's best.
            f["region"] = (richest[path[-1]] if path else 0.0) / best_score
        for flag in r.flags | (_near_hints(r, page_level) if r.near else _NO_HINTS):
            f[flag] = 1.0
        if best is None:
            feats.append(f)
            continue
        in_container = best in path
        if in_container:
            f["in_container"] = 1.0
        f["container_ld"] = cont_ld if in_container else 0.0
        # Sibling of the container: inside the container's parent but not the container.
        if parent is not None:
            if in_container:
                f["in_region"] = 1.0
            elif parent in path:
                f["container_near"] = 1.0
                i = path.index(parent) + 1
                if i < len(path):
                    sib = path[i]
                    if sib != best and score.get(sib, 0.0) >= sibling_score:
                        f["in_region"] = 1.0
        feats.append(f)


def _commas(text: str) -> int:
    """How many commas ``text`` holds, in the conventions of the scripts (Latin,
    Arabic, CJK ideographic and fullwidth): four counts, no pattern.

    >>> _commas("a, b، c、d，e"), _commas("none")
    (4, 0)
    """
    return text.count(",") + text.count("،") + text.count("、") + text.count("，")


def _prose_length(text: str) -> int:
    """The length of ``text`` in Latin-alphabet characters' worth of prose.

    A Han or kana character carries about what a word and its space do in
    Latin script (three characters on average), so a Chinese paragraph
    scores as long as its translation would, not a third of it.

    >>> _prose_length("Park hours"), _prose_length("公园开放时间")
    (10, 18)
    """
    if text.isascii():
        return len(text)
    return len(text) + 2 * len(_NO_SPACE_SCRIPT.findall(text))


def _near_hints(r: _Raw, skip: Collection[int]) -> frozenset[str]:
    """The class-word hints of a block's nearest enclosing elements, but those of ``skip``."""
    out: frozenset[str] = frozenset()
    for el, hints in r.near:
        if el not in skip:
            out = out | hints
    return out


def _mark_title(
    raws: list[_Raw], texts: list[str], feats: list[dict[str, float]], meta: dict
) -> bool:
    """Flag the block that is the title: an h1 (or heading) equal to or inside the
    metadata title; whether there was one."""
    title_key = phrase_key(meta.get("title", ""))
    full_key = phrase_key(meta.pop("_full_title", ""))
    first_h1 = None
    for i, r in enumerate(raws):
        if r.tag not in HEADINGS:
            continue
        k = phrase_key(texts[i])
        if not k:
            continue
        if title_key and (
            k == title_key
            or (len(k) >= 12 and (k in title_key or title_key in k))
            or (r.tag == "h1" and k in full_key)
        ):
            feats[i]["is_title"] = 1.0
            if k == title_key or (len(k) >= 12 and (k in title_key or title_key in k)):
                # The headline as the page shows it; a heading that is only
                # another part of the <title> (the site name) is not it.
                meta["title"] = texts[i]
            return True
        if r.tag == "h1" and first_h1 is None:
            first_h1 = i
    if first_h1 is not None and not title_key:
        feats[first_h1]["is_title"] = 1.0
        meta["title"] = texts[first_h1]
        return True
    return False
