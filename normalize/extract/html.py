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

import itertools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import lxml.etree

from normalize import compiled
from normalize.boilerplate.tokens import scan
from normalize.canonical import canonical_blocks
from normalize.classes import dataclass
from normalize.config import BoilerplateConfig
from normalize.document import CONTENT, Block, Page
from normalize.extract import metadata
from normalize.extract.text import text_page
from normalize.langpacks import phrase_key

if TYPE_CHECKING:
    from normalize.extract import walk
    from normalize.extract.walk import BlockHints, RawBlock
else:
    walk = compiled.load("extract.walk")
    RawBlock, BlockHints = walk.RawBlock, walk.BlockHints
#: Whether the walk over the tree runs compiled (:mod:`normalize.extract.walk`).
WALK_COMPILED = compiled.is_compiled(walk)


class BoilerplateError(ValueError):
    """A page that the boilerplate stage cannot turn into blocks (e.g. not HTML at all).

    ``code`` is the stable identifier an error record carries: ``empty_html``
    (nothing to read) or ``bad_html`` (the parser found no document).
    """

    def __init__(self, message: str, code: str = "bad_html") -> None:
        super().__init__(message)
        self.code = code


SKIP_TAGS = walk.SKIP_TAGS
BLOCK_TAGS = walk.BLOCK_TAGS
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def class_hints(el: lxml.etree._Element) -> frozenset[str]:
    """The class-word features that an element's class and id set.

    >>> from lxml.html import fragment_fromstring as f
    >>> sorted(class_hints(f('<div class="post-share social_links" id="sideBar"></div>')))
    ['cls_good', 'cls_share', 'cls_sidebar']
    """
    return walk.attr_hints(dict(el.items()))


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


def _parse(
    html: str, config: BoilerplateConfig, utf8: bytes | None = None
) -> tuple[lxml.etree._Element, bool]:
    """The page's tree, with its comments (see :func:`_metadata`), and whether it was cut;
    ``utf8`` is ``html`` in UTF-8, if known (the parser reads UTF-8: encoding a
    page costs a quarter of its parse)."""
    truncated = len(html) > config.max_html_chars
    if truncated:
        html = cut_html(html, config.max_html_chars)
        utf8 = None
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
        if utf8 is None:
            utf8 = html.encode("utf-8", "surrogatepass")
        root = lxml.etree.fromstring(utf8, parser=parser)
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
    raws: list[RawBlock]
    own_hints: BlockHints
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


def read_html(html: str, config: BoilerplateConfig, *, utf8: bytes | None = None) -> HtmlDraft:
    """Parse ``html`` and walk it into blocks of raw text, with their structure;
    ``utf8`` is ``html`` in UTF-8, if known (the bytes it was decoded from).

    Raises :class:`BoilerplateError` for a page with nothing to read.
    """
    root, truncated = _parse(html, config, utf8)
    html = cut_html(html, config.max_html_chars)
    meta = _metadata(root, html)
    body = root.find("body")
    if body is None:
        body = root
    raws, own_hints = _walk(body, config)
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
    kept: list[RawBlock] = []
    for r, t in zip(draft.raws, texts, strict=False):
        if t.strip():
            kept_texts.append(t.strip("\n"))
            kept.append(r)
    # Structural features, and the main-content container (compiled where built).
    feats = walk.block_features(kept, kept_texts, draft.own_hints)
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
    blocks = scan.span_blocks(Block, starts, ends, feats, CONTENT)
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
#: (``descendant::`` steps, not ``//``: libxml2 reads ``//`` before a step with a
#: predicate as a step over the children of every node.)
_OUTSIDE_TEXT = lxml.etree.XPath(
    "/descendant::body/descendant::text()[not(ancestor::noscript or ancestor::script"
    " or ancestor::style or ancestor::template)]",
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


def _walk(
    body: lxml.etree._Element, config: BoilerplateConfig
) -> tuple[list[RawBlock], BlockHints]:
    """Blocks of visible text in document order, and the hints of each block
    element's own class/id/tag (:func:`normalize.extract.walk.walk`, compiled
    where it was built), with the ``noscript`` elements to read."""
    noscripts = _noscript_verdicts(body) if body.find(".//noscript") is not None else {}
    return walk.walk(body, config.max_depth, config.max_blocks, noscripts)


def _mark_title(
    raws: list[RawBlock], texts: list[str], feats: list[dict[str, float]], meta: dict
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
