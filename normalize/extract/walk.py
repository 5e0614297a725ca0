"""The walk over an HTML page's tree into blocks of raw text, and the blocks' structural
features, compiled with Cython when it can be.

Like :mod:`normalize.kernels`, this module is plain Python that setup.py
also compiles in Cython's pure-Python mode (``walk.pxd`` beside it gives the
C types: the walk's state, the frames of its stack and what a tag means are
C structs there, their fields read without a dictionary); interpreted, the
same source runs. :mod:`normalize.compiled` says which build was loaded;
``tests/test_extract_walk.py`` checks both give the same blocks.

The walk touches every element of every page, so what it knows about an
element is made cheap to ask: what a tag means is looked up once per page
(:class:`TagInfo`, :func:`tag_info`); the class-word hints and the
structural flags an element carries are bits of one integer
(:data:`FEATURES`), turned into the frozensets of feature names a block
holds once per page for each combination met; an element's class-word hints
are worked out only when a block asks for them (the elements around the
start of a block's text, and the block elements the main-content search
scores: most elements are neither), once per page for each attribute
value; whitespace-only texts (most of a page's, its indentation) never
reach :meth:`_Walk.add`. :func:`block_features` then finds the page's
main-content container and gives each block its features, once the
canonical stage has given the blocks their texts.

>>> import lxml.etree
>>> body = lxml.etree.fromstring("<html><body><nav class=menu><a href=/>Home</a></nav>"
...     "<p>Some <b>bold</b> text.</p></body></html>", lxml.etree.HTMLParser())[0]
>>> raws, own = walk(body, 30, 100, {})
>>> [("".join(r.parts), r.tag, sorted(r.flags), r.n_links) for r in raws]
[('Home', 'nav', ['in_nav'], 1), ('Some bold text.', 'p', [], 0)]
>>> sorted(own.get(2, frozenset()))
['cls_nav', 'in_nav']
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping

import lxml.etree

from normalize.boilerplate.tokens import _NO_SPACE_SCRIPT

#: Elements whose content is never visible text (in a browser with scripts
#: on, and without ruby annotations: furigana over 子 is not body text).
#: ``noscript`` is read when it holds the page's text
#: (:func:`normalize.extract.html._noscript_verdicts`).
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
#: The characters that split a class or id into tokens, besides whitespace: each
#: is made a space (``str.replace``), so that ``str.split`` cuts at it, with no
#: pattern to run.
_CLASS_SEPARATORS = "_-:./"
#: The structural flag of an element of each tag, and of each ARIA role.
_STRUCT = {"nav": "in_nav", "header": "in_header", "footer": "in_footer", "aside": "in_aside",
           "form": "in_form", "article": "in_article", "main": "in_main", "menu": "in_nav",
           "ul": "in_list", "ol": "in_list", "table": "in_table", "figure": "in_figure",
           "dialog": "in_dialog"}  # fmt: skip
_ROLES = {"navigation": "in_nav", "banner": "in_header", "contentinfo": "in_footer",
          "complementary": "in_aside", "main": "in_main", "article": "in_article",
          "search": "in_form", "menu": "in_nav", "menubar": "in_nav", "dialog": "in_dialog",
          "alertdialog": "in_dialog"}  # fmt: skip
#: The flag of a ``noscript`` that asks for JavaScript.
NOSCRIPT_NOTICE = "noscript_notice"
#: Every name a hint or a flag can have: bit ``i`` of a mask stands for ``FEATURES[i]``.
FEATURES: tuple[str, ...] = (
    *CLASS_WORDS,
    *sorted({*_STRUCT.values(), *_ROLES.values()}),
    NOSCRIPT_NOTICE,
)
_BITS = {name: 1 << i for i, name in enumerate(FEATURES)}
_ROLE_BITS = {role: _BITS[name] for role, name in _ROLES.items()}
#: Elements whose class words describe the whole page.
_PAGE_TAGS = frozenset(["html", "body"])
#: How many of the nearest enclosing elements lend their class/id words to a block.
NEAR_CLASS_LEVELS = 5
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

#: How class names that file a page in the site's taxonomy start (WordPress's
#: ``post_class``/``body_class``: ``category-social-media``, ``tag-share``,
#: ``format-standard``; Drupal's ``taxonomy-term-…``): they say what the page
#: is about, never what a block is (one ``str.startswith``, no pattern).
_TAXONOMY_NAMES = tuple(
    word + sep
    for word in ("category", "tag", "tags", "post_tag", "post-tag", "format", "status", "type",
                 "taxonomy", "term")
    for sep in "-_"
)  # fmt: skip
#: The first five letters of the words matched as a token's prefix: a token
#: that starts otherwise needs no look at :data:`_CLASS_PREFIX`.
_PREFIX_STARTS = frozenset(w[:5] for w in _CLASS_INDEX if len(w) >= 5)
_NO_HINTS: frozenset[str] = frozenset()
#: The code points from the first of Han, Hiragana and Katakana (U+2E80) up: a
#: text without one has no character of :data:`_NO_SPACE_SCRIPT`, which this
#: standard-library class rules out several times faster (most pages' prose
#: is not ASCII, for a curly quote or a dash, and holds none).
_FROM_HAN = re.compile("[\u2e80-\U0010ffff]")


@functools.lru_cache(maxsize=8192)
def hints(attrs: str) -> frozenset[str]:
    """Class-word features of a class/id string (cached: sites repeat their class names).

    >>> sorted(hints("post category-social-media tag-newsletter share-bar"))
    ['cls_good', 'cls_share']
    """
    names = attrs.lower().split()
    text = " ".join([n for n in names if not n.startswith(_TAXONOMY_NAMES)])
    for sep in _CLASS_SEPARATORS:
        text = text.replace(sep, " ")
    out: set[str] | None = None
    for tok in text.split():
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


def attr_hints(attrs: Mapping[str, str]) -> frozenset[str]:
    """The class-word features that an element's class, id and itemprop set.

    Each attribute is looked up on its own (a space splits tokens anyway), so
    a site's class names stay cached however unique its ids are.

    >>> sorted(attr_hints({"class": "post-share social_links", "id": "sideBar"}))
    ['cls_good', 'cls_share', 'cls_sidebar']
    """
    out: frozenset[str] = frozenset()
    for name in ("class", "id", "itemprop"):
        value = attrs.get(name)
        if value:
            out = out | hints(value) if out else hints(value)
    return out


def collapse_spaces(text: str) -> str:
    """``text`` with every run of whitespace one space (source line breaks are not
    visible), its edges kept as one space: ``re.sub(r"\\s+", " ", text)``, several
    times faster on a paragraph (``str.split`` and ``\\s`` know the same spaces).

    >>> collapse_spaces("\\n  Some\\ttext,\\n  more "), collapse_spaces("  "), collapse_spaces("")
    (' Some text, more ', ' ', '')
    """
    words = text.split()
    if not words:
        return " " if text else ""
    out = " ".join(words)
    if text[0].isspace():
        out = " " + out
    if text[len(text) - 1].isspace():
        out += " "
    return out


class RawBlock:
    """A block while it is being read: its text's pieces and where it sits."""

    __slots__ = ("parts", "link_chars", "n_links", "last_link", "link_head", "tag", "flags",
                 "near", "path")  # fmt: skip

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.link_chars: int = 0
        #: How many links lend text to the block, and the last one that did.
        self.n_links: int = 0
        self.last_link: int = 0
        #: The block's first text is a link's (a teaser's linked headline).
        self.link_head: bool = False
        #: The tag of the innermost block element around it ("div" outside every one).
        self.tag: str = "div"
        #: The structural flags of its element and all their ancestors.
        self.flags: frozenset[str] = _NO_HINTS
        #: Class/id hints of the nearest enclosing elements, by element id: the
        #: container's own words are taken out once it is known.
        self.near: tuple[tuple[int, frozenset[str]], ...] = ()
        #: The ids of the block elements around it, outermost first.
        self.path: tuple[int, ...] = ()


class TagInfo:
    """What the walk needs of a tag, in one lookup (:func:`tag_info`)."""

    __slots__ = ("tag", "skip", "is_block", "struct", "page_level", "is_link", "is_br",
                 "is_noscript")  # fmt: skip

    def __init__(self, tag: str, skip: bool, struct: int) -> None:
        #: The tag, lower-cased ("" for a comment or a processing instruction).
        self.tag = tag
        #: Its subtree is not read (a ``noscript``'s is decided per element).
        self.skip = skip
        #: It starts and ends a block.
        self.is_block = tag in BLOCK_TAGS or tag == "noscript"
        #: Its structural flag (bit of :data:`FEATURES`; 0: none).
        self.struct = struct
        #: Its class words describe the page (``html``, ``body``).
        self.page_level = tag in _PAGE_TAGS
        self.is_link = tag == "a"
        self.is_br = tag == "br"
        self.is_noscript = tag == "noscript"


def tag_info(tag: object) -> TagInfo:
    """:class:`TagInfo` of an element's ``tag`` as lxml gives it (a comment's or a
    processing instruction's is not a string: its subtree is skipped).

    >>> info = tag_info("DIV")
    >>> info.tag, info.skip, info.is_block, info.struct, tag_info("script").skip
    ('div', False, True, 0, True)
    """
    if not isinstance(tag, str):
        return TagInfo("", True, 0)
    low = tag.lower()
    struct = _STRUCT.get(low)
    return TagInfo(
        low, not low or (low in SKIP_TAGS and low != "noscript"), _BITS[struct] if struct else 0
    )


class _Frame:
    """An open element on the walk's stack."""

    __slots__ = ("is_block", "flags", "number", "link", "own", "cls", "ident", "prop")

    def __init__(self) -> None:
        self.is_block = False
        #: The structural flags of it and all its ancestors (a mask of :data:`FEATURES`).
        self.flags = 0
        #: Its number in document order (-1: an element whose hints are not read).
        self.number = -1
        #: The number of the link it is in (0: none).
        self.link = 0
        #: Its own class-word hints (a mask; -1 until a block asks for them).
        self.own = 0
        #: Its class, id and itemprop (None: absent, empty, or not read).
        self.cls: str | None = None
        self.ident: str | None = None
        self.prop: str | None = None


class _Walk:
    """The state of one walk: the blocks read, the one being read, the open elements."""

    __slots__ = ("raws", "cur", "parts", "frames", "top", "block_ids", "block_tags", "brs",
                 "names", "value_hints")  # fmt: skip

    def __init__(self) -> None:
        self.raws: list[RawBlock] = []
        self.cur = RawBlock()
        self.parts = self.cur.parts
        # One frame per open element, frames[0] for what is outside the walked
        # element; frames[top] is the innermost. Frames are reused as the walk
        # goes up and down: one object per depth, not per element.
        self.frames: list[_Frame] = [_Frame()]
        self.top = 0
        # The ids and tags of the open block elements (a block's path and tag;
        # "div" for text outside every block element).
        self.block_ids: list[int] = []
        self.block_tags: list[str] = ["div"]
        self.brs = 0
        # The feature names of each mask met on the page.
        self.names: dict[int, frozenset[str]] = {0: _NO_HINTS}
        # The class-word hints (a mask) of each class, id and itemprop value met on the page.
        self.value_hints: dict[str, int] = {}

    def names_of(self, mask: int) -> frozenset[str]:
        """The feature names of the bits of ``mask``."""
        out = self.names.get(mask)
        if out is None:
            out = frozenset([name for i, name in enumerate(FEATURES) if mask >> i & 1])
            self.names[mask] = out
        return out

    def value_mask(self, value: str) -> int:
        """The class-word hints of a class, id or itemprop value, as a mask."""
        bits = self.value_hints.get(value)
        if bits is None:
            bits = 0
            for hint in hints(value):
                bits |= _BITS[hint]
            self.value_hints[value] = bits
        return bits

    def attrs_mask(self, cls: str | None, ident: str | None, prop: str | None) -> int:
        """The class-word hints of an element's class, id and itemprop, as a mask."""
        own = 0
        if cls:
            own |= self.value_mask(cls)
        if ident:
            own |= self.value_mask(ident)
        if prop:
            own |= self.value_mask(prop)
        return own

    def own_of(self, frame: _Frame) -> int:
        """The class-word hints of a frame's element (worked out the first time)."""
        if frame.own < 0:
            frame.own = self.attrs_mask(frame.cls, frame.ident, frame.prop)
        return frame.own

    def push(
        self,
        is_block: bool,
        flags: int,
        number: int,
        link: int,
        own: int,
        cls: str | None,
        ident: str | None,
        prop: str | None,
    ) -> None:
        """Open an element's frame."""
        self.top += 1
        if self.top == len(self.frames):
            self.frames.append(_Frame())
        frame = self.frames[self.top]
        frame.is_block = is_block
        frame.flags = flags
        frame.number = number
        frame.link = link
        frame.own = own
        frame.cls = cls
        frame.ident = ident
        frame.prop = prop

    def skip(self) -> None:
        """Open the frame of an element whose hints and links are not read."""
        parent = self.frames[self.top]
        self.push(False, parent.flags, -1, 0, 0, None, None, None)

    def close(self) -> None:
        """End the block being read (it has text) and start the next."""
        self.raws.append(self.cur)
        self.cur = RawBlock()
        self.parts = self.cur.parts

    def space(self, text: str) -> None:
        """A whitespace-only text: it never starts a block; inside one it is a space,
        or the line break a ``br`` asked for."""
        if self.parts:
            self.parts.append("\n" if text == "\n" else " ")

    def add(self, text: str) -> None:
        """Add a text that is not only whitespace to the current block."""
        text = collapse_spaces(text)
        self.brs = 0
        frame = self.frames[self.top]
        cur = self.cur
        parts = self.parts
        if not parts:
            cur.tag = self.block_tags[len(self.block_tags) - 1]
            # Structure counts from any ancestor (a nav is a nav however deep);
            # class words only from the nearest ones, because a wrapper's
            # "has-sidebar" or "comments-open" says nothing about a paragraph.
            cur.flags = self.names_of(frame.flags)
            near = []
            for i in range(max(0, self.top - NEAR_CLASS_LEVELS + 1), self.top + 1):
                f = self.frames[i]
                own = self.own_of(f)
                if own:
                    near.append((f.number, self.names_of(own)))
            cur.near = tuple(near)
            cur.path = tuple(self.block_ids)
        parts.append(text)
        link = frame.link
        if link:
            # len(text.strip()): collapse_spaces keeps at most one space at each
            # edge of a text that is not only whitespace.
            n = len(text)
            cur.link_chars += n - (text[0] == " ") - (text[n - 1] == " ")
            if link != cur.last_link:
                if not cur.n_links and len(parts) == 1:
                    cur.link_head = True
                cur.n_links += 1
                cur.last_link = link


class BlockHints:
    """The hints of each block element's own class, id, itemprop and tag (its
    structural flag), by its number in document order: what :func:`walk` read,
    worked out when asked (most elements are never asked about).
    """

    __slots__ = ("state", "values")

    def __init__(self, state: _Walk) -> None:
        self.state = state
        #: Each block element's class, id, itemprop and structural flag (a mask).
        self.values: dict[int, tuple[str | None, str | None, str | None, int]] = {}

    def get(self, number: int, default: frozenset[str]) -> frozenset[str]:
        """The hints of the block element ``number``, or ``default`` if it has none."""
        values = self.values.get(number)
        if values is None:
            return default
        cls, ident, prop, struct = values
        mask = self.state.attrs_mask(cls, ident, prop) | struct
        return self.state.names_of(mask) if mask else default


def walk(
    body: lxml.etree._Element,
    max_depth: int,
    max_blocks: int,
    noscripts: Mapping[object, str],
) -> tuple[list[RawBlock], BlockHints]:
    """Blocks of visible text in document order (iterative; bounded by ``max_depth``
    and ``max_blocks``), from lxml's ``iterwalk`` over ``body``, and the hints of
    the block elements they name in their paths.

    ``noscripts`` are the ``noscript`` elements to read, with their verdict
    (``content`` or ``notice``).
    """
    state = _Walk()
    frames = state.frames
    own_hints = BlockHints(state)
    block_values = own_hints.values
    tag_infos: dict[object, TagInfo] = {}
    ids = 0
    depth = 0
    hidden_style = _HIDDEN_STYLE.search
    walker = lxml.etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        if event == "start":
            depth += 1
            parent = frames[state.top]
            tag = el.tag
            info = tag_infos.get(tag)
            if info is None:
                info = tag_infos[tag] = tag_info(tag)
            if info.skip or (info.is_noscript and el not in noscripts):
                walker.skip_subtree()
                state.skip()
                continue
            # One read of the attributes (the HTML parser keeps no duplicates).
            items = el.items()
            hidden = False
            role = cls = ident = prop = None
            for name, value in items:
                if name == "class":
                    cls = value
                elif name == "id":
                    ident = value
                elif name == "itemprop":
                    prop = value
                elif name == "hidden":
                    hidden = True
                elif name == "aria-hidden":
                    if value == "true" and not info.is_block:
                        hidden = True
                elif name == "style":
                    if hidden_style(value):
                        hidden = True
                elif name == "role":
                    role = value
            if hidden:
                walker.skip_subtree()
                state.skip()
                continue
            if depth > max_depth:
                state.skip()
                text = el.text
                if text:
                    if not text.isspace():
                        state.add(text)
                    else:
                        state.space(text)
                continue
            if info.is_br:
                state.brs += 1
                if state.brs >= 2:
                    if state.parts:
                        state.close()
                elif state.parts:
                    state.parts.append("\n")
            elif info.is_block and state.parts:
                state.close()
            struct = info.struct
            if not struct and role is not None:
                struct = _ROLE_BITS.get(role.lower(), 0)
            if info.is_noscript and noscripts[el] == "notice":
                struct = _BITS[NOSCRIPT_NOTICE]
            ids += 1
            # The classes of <html> and <body> describe the page (WordPress puts
            # the post's categories there), not a block. The others' hints are
            # worked out when a block asks (-1: not yet).
            own = 0 if info.page_level or not (cls or ident or prop) else -1
            if info.is_block:
                if own or struct:
                    block_values[ids] = (cls, ident, prop, struct)
                state.block_ids.append(ids)
                state.block_tags.append(info.tag)
            link = ids if info.is_link else parent.link
            if own:
                state.push(info.is_block, parent.flags | struct, ids, link, own, cls, ident, prop)
            else:
                state.push(info.is_block, parent.flags | struct, ids, link, 0, None, None, None)
            text = el.text
            if text:  # most texts and tails are None: no call
                if not text.isspace():
                    state.add(text)
                elif state.parts:
                    state.parts.append("\n" if text == "\n" else " ")
        else:
            depth -= 1
            frame = frames[state.top]
            state.top -= 1
            if frame.is_block:
                state.block_ids.pop()
                state.block_tags.pop()
                if state.parts:
                    state.close()
            if len(state.raws) >= max_blocks:
                break
            tail = el.tail
            if tail:
                if not tail.isspace():
                    state.add(tail)
                elif state.parts:
                    state.parts.append("\n" if tail == "\n" else " ")
    if state.parts:
        state.raws.append(state.cur)
    return state.raws, own_hints


#: A sibling of the main-content container whose prose score is at least this
#: share of the container's is part of the article region (readability: 0.2).
SIBLING_SHARE = 0.2
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
#: The tag feature of a block's tag; any other tag is ``tag_other``.
TAG_FEATURES: dict[str, str] = {
    "p": "tag_p",
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "tag_h"),
    **dict.fromkeys(("li", "dt", "dd"), "tag_li"),
    **dict.fromkeys(("td", "th"), "tag_td"),
    **dict.fromkeys(("pre", "blockquote"), "tag_pre"),
    **dict.fromkeys(("figcaption", "caption"), "tag_caption"),
}


def block_features(
    raws: list[RawBlock], texts: list[str], own_hints: BlockHints
) -> list[dict[str, float]]:
    """Each block's structural features, and the main-content container.

    ``texts`` are the blocks' canonical texts, one per block of ``raws``.
    The container is found as readability does: every prose-like block (25+
    characters, few links) credits its three nearest block ancestors (the
    parent fully, the grandparent a half, the next a third) with one point,
    one per comma of any script and up to three for its length
    (:func:`prose_length`), a quarter as much when class words put it in a
    comment list or a sidebar; the best-credited element, discounted by its
    link density and weighed by its own class words, is the container. Its
    siblings that score :data:`SIBLING_SHARE` of it are the rest of the
    article region (``in_region``).

    Class words of the container and its ancestors describe the page, not a
    block, so a block's ``cls_*`` features come only from the elements
    below the container (and from its own).
    """
    if len(texts) != len(raws):
        raise ValueError(f"{len(texts)} texts for {len(raws)} blocks: give one text per block")
    score: dict[int, float] = {}
    # Characters and link characters of each block element, its descendants'
    # included: each block counts for its innermost element, which passes
    # its sums on to its parent (elements are numbered in document order, so
    # a child's number is greater than its parent's).
    chars: dict[int, int] = {}
    links: dict[int, int] = {}
    enclosing: dict[int, int] = {}
    bad = _BAD_CANDIDATE
    for k in range(len(raws)):
        r = raws[k]
        t = texts[k]
        n = len(t)
        path = r.path
        m = len(path)
        if m:
            a = path[m - 1]
            chars[a] = chars.get(a, 0) + n
            links[a] = links.get(a, 0) + r.link_chars
            i = m - 1
            while i and path[i] not in enclosing:
                enclosing[path[i]] = path[i - 1]
                i -= 1
        if n >= 25 and float(r.link_chars) / n < 0.3:
            s = 1.0 + commas(t) + min(prose_length(t) / 100.0, 3.0)
            in_bad = not r.flags.isdisjoint(bad)
            if not in_bad:
                for pair in r.near:
                    if not pair[1].isdisjoint(bad):
                        in_bad = True
                        break
            if in_bad:
                s *= 0.25  # prose in a comment list or a sidebar is not the article
            # The three nearest block ancestors, the parent first.
            level = 0
            i = m - 1
            while i >= 0 and level < 3:
                a = path[i]
                score[a] = score.get(a, 0.0) + s / (1 + level)
                level += 1
                i -= 1
    for a in sorted(enclosing, reverse=True):
        up = enclosing[a]
        chars[up] = chars.get(up, 0) + chars[a]
        links[up] = links.get(up, 0) + links[a]
    best = -1
    best_score = 0.0
    for a, s in score.items():
        n = chars.get(a, 0)
        ld = float(links.get(a, 0)) / n if n else 0.0
        s *= 1.0 - ld
        hints = own_hints.get(a, _NO_HINTS)
        if not hints.isdisjoint(_BAD_CANDIDATE):
            s *= 0.25
        elif not hints.isdisjoint(_GOOD_CANDIDATE):
            s *= 1.25
        score[a] = s
        if s > best_score:
            best = a
            best_score = s
    # The container and its ancestors describe the page (a WordPress post's
    # <article class="category-social-media">), not the blocks inside it; the
    # container's parent holds its siblings (-1: none).
    page_level: frozenset[int] = frozenset()
    parent = -1
    cont_ld = 0.0
    if best >= 0:
        for r in raws:
            path = r.path
            if best in path:
                i = path.index(best)
                page_level = frozenset(path[: i + 1])
                parent = path[i - 1] if i else -1
                break
        n = chars.get(best, 0)
        if n:
            cont_ld = float(links.get(best, 0)) / n
    # Siblings of the container that score as prose too belong to the article
    # (readability appends them: a body split over several divs).
    sibling_score = SIBLING_SHARE * best_score
    # The best score of each block element and its ancestors (parents first).
    richest: dict[int, float] = {}
    for a in sorted(chars):
        own = score.get(a, 0.0)
        if a in enclosing:
            above = richest[enclosing[a]]
            if not own > above:
                own = above
        richest[a] = own
    feats: list[dict[str, float]] = []
    for k in range(len(raws)):
        r = raws[k]
        n = len(texts[k])
        path = r.path
        m = len(path)
        ld = min(1.0, float(r.link_chars) / n) if n else 0.0
        f: dict[str, float] = {TAG_FEATURES.get(r.tag, "tag_other"): 1.0, "link_density": ld}
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
            f["region"] = (richest[path[m - 1]] if m else 0.0) / best_score
        for flag in r.flags:
            f[flag] = 1.0
        for pair in r.near:
            if pair[0] not in page_level:
                for flag in pair[1]:
                    f[flag] = 1.0
        if best < 0:
            feats.append(f)
            continue
        in_container = best in path
        if in_container:
            f["in_container"] = 1.0
        f["container_ld"] = cont_ld if in_container else 0.0
        # Sibling of the container: inside the container's parent but not the container.
        if parent >= 0:
            if in_container:
                f["in_region"] = 1.0
            elif parent in path:
                f["container_near"] = 1.0
                i = path.index(parent) + 1
                if i < m:
                    sib = path[i]
                    if sib != best and score.get(sib, 0.0) >= sibling_score:
                        f["in_region"] = 1.0
        feats.append(f)
    return feats


def commas(text: str) -> int:
    """How many commas ``text`` holds, in the conventions of the scripts (Latin,
    Arabic, CJK ideographic and fullwidth): four counts, no pattern.

    >>> commas("a, b، c、d，e"), commas("none")
    (4, 0)
    """
    return text.count(",") + text.count("،") + text.count("、") + text.count("，")


def prose_length(text: str) -> int:
    """The length of ``text`` in Latin-alphabet characters' worth of prose.

    A Han or kana character carries about what a word and its space do in
    Latin script (three characters on average), so a Chinese paragraph
    scores as long as its translation would, not a third of it.

    >>> prose_length("Park hours"), prose_length("公园开放时间")
    (10, 18)
    """
    if text.isascii() or _FROM_HAN.search(text) is None:
        return len(text)
    return len(text) + 2 * len(_NO_SPACE_SCRIPT.findall(text))
