"""What a page says about itself: headline, date, author, site, canonical URL, topics.

Pure functions over an already-parsed lxml tree. The sources are read most
explicit first: the page's JSON-LD (``schema.org`` Article and its kin), then
Open Graph / Twitter / Dublin Core ``<meta>`` tags, then markup conventions
(``rel=author``, ``rel=tag``, ``itemprop``), then the visible ``<title>``
and ``<h1>``. The fields are those of trafilatura's metadata, so that users
can compare the two.

The publication date comes from htmldate, the library trafilatura uses. It
is given an lxml tree, never a string: htmldate downloads a string that
looks like a URL, and normalize never reaches the network. The tree is the
one the HTML reader walks (one parse per page), read by htmldate while it
still has its comments: a date may be only there ("cached on 2019-03-04").

>>> import lxml.etree
>>> html = ('<html><head><title>Rain in Spain | Daily Planet</title>'
...     '<meta property="og:site_name" content="Daily Planet">'
...     '<meta name="keywords" content="weather, Spain">'
...     '<link rel="canonical" href="https://www.planet.example/rain"></head>'
...     '<body><p class="byline">By Lois Lane</p></body></html>')
>>> root = lxml.etree.fromstring(html, lxml.etree.HTMLParser())
>>> meta = html_metadata(root)
>>> meta["title"], meta["sitename"], meta["url"], meta["tags"]
('Rain in Spain', 'Daily Planet', 'https://www.planet.example/rain', ['weather', 'Spain'])
>>> meta["author"], meta["hostname"]
('Lois Lane', 'planet.example')
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import lxml.etree

log = logging.getLogger("normalize")

#: The fields this module may give, in the order of the record table.
FIELDS: tuple[str, ...] = (
    "title",
    "date",
    "author",
    "sitename",
    "url",
    "hostname",
    "description",
    "categories",
    "tags",
)

#: ``<meta>`` keys (name, property or itemprop, lower-cased) per field, most
#: specific first.
META_KEYS: Mapping[str, tuple[str, ...]] = {
    "title": ("og:title", "twitter:title", "dc.title", "dcterms.title", "headline", "title"),
    "author": (
        "author", "article:author", "dc.creator", "dcterms.creator", "parsely-author",
        "sailthru.author", "byl", "citation_author",
    ),
    "sitename": ("og:site_name", "application-name", "publisher", "dc.publisher", "twitter:site"),
    "url": ("og:url", "twitter:url"),
    "description": ("og:description", "description", "twitter:description", "dc.description"),
    "categories": ("article:section", "section", "parsely-section", "category"),
    "tags": ("article:tag", "keywords", "news_keywords", "parsely-tags", "sailthru.tags"),
}  # fmt: skip
_META_INDEX = {key: name for name, keys in META_KEYS.items() for key in keys}
#: JSON-LD types whose properties describe the page's main work.
_LD_WORKS = frozenset(
    "article newsarticle blogposting reportagenewsarticle analysisnewsarticle "
    "opinionnewsarticle reviewnewsarticle backgroundnewsarticle techarticle "
    "scholarlyarticle report webpage itempage aboutpage qapage faqpage recipe "
    "review socialmediaposting liveblogposting creativework medicalwebpage "
    "discussionforumposting podcastepisode videoobject".split()
)
#: What is read of a JSON-LD script (a page may embed megabytes of product data).
MAX_LD_CHARS = 200_000
#: Longer texts are not a name (an author or a site).
MAX_NAME_CHARS = 100
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:·•»«/]\s+|\s*[|»]\s*")
#: The word before a byline's name. "di", "av", "od" only in lower case: as
#: capitals they start names (Di Maio).
_BY = re.compile(r"^(?:(?i:by|von|par|por|door|przez|автор|written by|posted by)|di|av|od)[:\s]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_CLASS_WORDS = re.compile(r"[\s_-]+")
#: Where a byline's name ends: a role after a comma or bar, a date, "updated".
_BYLINE_END = re.compile(r"\s*(?:[|,•·]|\s-\s|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\bupdated\b)", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|\bund\b|\bet\b|\by\b|&)\s*")


def _text(value: Any) -> str:
    """One line of text from a JSON or attribute value ('' for anything else).

    Entities are decoded: CMSs often escape twice, so ``content="&amp;#039;"``
    reaches us as ``&#039;``.

    >>> _text(" &#039;Quoted&#039;\\n title "), _text(None)
    ("'Quoted' title", '')
    """
    if not isinstance(value, str):
        return ""
    if "&" in value:
        value = html.unescape(value)
    # Runs of whitespace as one space, none at the edges (str.split knows the
    # spaces a regex's \\s does, and is several times faster on a paragraph).
    return " ".join(value.split())


def _key(text: str) -> str:
    """A comparison key: letters and digits only, case-folded.

    >>> _key("The  Guardian!") == _key("the guardian")
    True
    """
    return _NOT_ALNUM.sub("", text.casefold())


def hostname(url: str | None) -> str | None:
    """The host of an absolute http(s) URL, lower-cased, without ``www.``.

    >>> hostname("https://WWW.Example.org:8080/a?b"), hostname("notes/a.html")
    ('example.org', None)
    """
    if not url or "://" not in url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return host.removeprefix("www.")


def _absolute(href: str, base: str | None) -> str | None:
    """``href`` as an absolute http(s) URL (resolved against ``base``), or None."""
    href = href.strip()
    if not href:
        return None
    if base and "://" not in href:
        href = urljoin(base, href)
    return href if hostname(href) else None


def _ld_objects(root: lxml.etree._Element) -> Iterator[Mapping[str, Any]]:
    """The JSON-LD objects of the page, ``@graph`` members included; bad JSON is skipped."""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "")[:MAX_LD_CHARS]
        try:
            # strict=False: CMSs leave raw line breaks inside JSON-LD strings.
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))


def _ld_types(obj: Mapping[str, Any]) -> set[str]:
    types = obj.get("@type")
    if isinstance(types, str):
        types = [types]
    return {t.lower() for t in types if isinstance(t, str)} if isinstance(types, list) else set()


def _names(value: Any, ids: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
    """Names from a JSON-LD person/organization value (a string, an object or a list).

    An object that only refers to another by ``@id`` (Yoast's ``"author":
    {"@id": "…#/schema/person/…"}``) is looked up in ``ids``.

    >>> _names([{"@id": "#p1"}, {"name": "B"}], {"#p1": {"name": "A"}})
    ['A', 'B']
    """
    if isinstance(value, list):
        return [n for v in value for n in _names(v, ids)]
    if isinstance(value, dict):
        if "name" not in value and ids and isinstance(value.get("@id"), str):
            value = ids.get(value["@id"], value)
        return _names(value.get("name"))
    text = _text(value)
    return [text] if text else []


def _terms(value: Any) -> list[str]:
    """Category or tag terms from a string (comma-separated) or a list of strings."""
    if isinstance(value, list):
        return [t for v in value for t in _terms(v)]
    text = _text(value)
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _unique(items: list[str]) -> list[str]:
    """The items in order, each once (compared case-insensitively)."""
    seen: set[str] = set()
    out = []
    for item in items:
        k = item.casefold()
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _from_ld(root: lxml.etree._Element, found: dict[str, list[Any]]) -> None:
    """Candidates from JSON-LD: the page's work (article, page…) and its publisher."""
    objects = list(_ld_objects(root))
    ids = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and "name" in o}
    for obj in objects:
        types = _ld_types(obj)
        if types & {"organization", "newsmediaorganization", "website"}:
            found["sitename"].extend(_names(obj.get("name")))
            continue
        if not types & _LD_WORKS:
            continue
        found["title"].extend(_names(obj.get("headline")) or _names(obj.get("name")))
        found["author"].extend(_names(obj.get("author"), ids) or _names(obj.get("creator"), ids))
        found["sitename"].extend(_names(obj.get("publisher")))
        found["description"].extend(_names(obj.get("description")))
        found["categories"].extend(_terms(obj.get("articleSection")))
        found["tags"].extend(_terms(obj.get("keywords")))
        main = obj.get("mainEntityOfPage")
        found["url"].extend(_names(main.get("@id") if isinstance(main, dict) else main))
        found["url"].extend(_names(obj.get("url")))


#: The links that carry a ``rel`` (an author's, a tag's): most of a page's links
#: carry none, and XPath finds the others without a Python step per link.
#: (``descendant::``, not ``.//``: libxml2 reads ``//`` with a predicate as a
#: step over every node's children.)
_REL_LINKS = "descendant::a[@rel]"


def _from_markup(root: lxml.etree._Element, found: dict[str, list[Any]]) -> None:
    """Candidates from ``<meta>``, ``<link>``, ``rel`` and ``itemprop`` conventions.

    Each field's candidates come from one kind of element, in document order.
    """
    text_of = _xpath("string()", smart_strings=False)  # an element's text with its descendants'
    rel_links = _xpath(_REL_LINKS)(root)
    for el in itertools.chain(root.iter("meta", "link", "title", "h1"), rel_links):
        tag = el.tag
        if tag == "meta":
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            name = _META_INDEX.get(key)
            content = _text(el.get("content"))
            if not name or not content:
                continue
            if name in ("categories", "tags"):
                found[name].extend(_terms(content))
            else:
                found[name].append(content)
        elif tag == "link":
            if "canonical" in (el.get("rel") or "").lower().split():
                found["canonical"].append(el.get("href") or "")
        elif tag == "a":
            rel = (el.get("rel") or "").lower().split()
            if "author" in rel:
                found["rel_author"].append(_text(text_of(el)))
            elif "tag" in rel:
                found["category" if "category" in rel else "rel_tag"].append(_text(text_of(el)))
        elif tag == "title":
            found["html_title"].append(_text(text_of(el)))
        else:
            found["h1"].append(_text(text_of(el)))


@functools.cache
def _xpath(path: str, smart_strings: bool = True) -> lxml.etree.XPath:
    """``path`` compiled, on first use: lxml is imported by the first page of HTML, never
    by a run of text (which needs :func:`record_metadata` alone)."""
    import lxml.etree

    return lxml.etree.XPath(path, smart_strings=smart_strings)


#: Elements that hold a byline: ``itemprop=author``, ``rel=author``, class ``byline``/``author``
#: (every element of the page, in document order: the class is read once, and only
#: where there is one).
_BYLINES = (
    "/descendant::*[@class[contains(., 'byline') or contains(., 'author')]"
    " or @itemprop='author' or @rel='author']"
)


def _markup_authors(root: lxml.etree._Element) -> list[str]:
    """Bylines in the body (read only when no header names an author: it walks every element)."""
    out: list[str] = []
    for el in _xpath(_BYLINES)(root):
        if len(out) >= 5:
            break
        if el.get("itemprop") != "author" and el.get("rel") != "author":
            # "author", "post-author", "ap-story-byline", "author-link"…
            words = set(_CLASS_WORDS.split((el.get("class") or "").lower()))
            if "byline" not in words and "author" not in words:
                continue
        if any(
            a.tag == "form" or "comment" in (a.get("class") or "").lower()
            for a in el.iterancestors()
        ):
            continue  # a comment's author or a comment form's "Name" field
        name_el = el.find(".//*[@itemprop='name']")
        # Text nodes joined with spaces: "Jane Doe<span>May 3</span>" is two pieces.
        out.append(_text(" ".join((name_el if name_el is not None else el).itertext())))
    return out


def clean_author(text: str) -> str | None:
    """An author name from a byline: without "By", dates or a trailing role; None if not a name.

    >>> clean_author("By Jane Doe, Staff Writer"), clean_author("https://x.example/jane")
    ('Jane Doe', None)
    >>> clean_author("20 Nov 2019 08:00 GMT"), clean_author("By"), clean_author("Di Maio")
    (None, None, 'Di Maio')
    """
    text = _BY.sub("", _text(text))
    text = _BYLINE_END.split(text, maxsplit=1)[0]
    text = text.strip(" .:;-–—@")
    if not text or len(text) > MAX_NAME_CHARS or "://" in text or "@" in text.strip("@"):
        return None
    if not any(ch.isalpha() for ch in text) or len(text.split()) > 6:
        return None
    if any(ch.isdigit() for ch in text) or _BY.fullmatch(text + " "):
        return None  # a date or a bare "By" is not a name
    return text


def clean_title(title: str, sitename: str | None = None, host: str | None = None) -> str:
    """A ``<title>`` without the site name: drop parts naming the site, keep the longest.

    >>> clean_title("Taliban denies talks | World news | The Guardian")
    'Taliban denies talks'
    >>> clean_title("CNN - Breaking News, Latest News and Videos", "CNN")
    'Breaking News, Latest News and Videos'
    """
    parts = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    site_keys = {_key(s) for s in (sitename, host, (host or "").split(".")[0]) if s}
    rest = [p for p in parts if _key(p) not in site_keys] or parts
    return max(rest, key=len).strip()


def _site_keys(sitename: str | None, host: str | None) -> frozenset[str]:
    """The comparison keys (:func:`_key`) of the site's names: its name, its host, and
    the host without its suffix or with its first label only.

    >>> sorted(_site_keys("The Planet", "planet.example"))
    ['planet', 'planetexample', 'theplanet']
    """
    keys = {_key(sitename or "")}
    if host:
        keys |= {_key(host), _key(host.split(".")[0]), _key(host.rsplit(".", 1)[0])}
    keys.discard("")
    return frozenset(keys)


def _is_site_name(title: str, site_keys: frozenset[str]) -> bool:
    """True when ``title`` only names the site (e.g. "CNN" on cnn.com), whose
    names' keys are ``site_keys`` (:func:`_site_keys`)."""
    k = _key(title)
    return not k or k in site_keys


def _untruncated(title: str, others: list[str]) -> str:
    """``title``, or a longer candidate it is the cut-off start of ("Wild beat…").

    >>> _untruncated("Wild beat Sabres…", ["Wild beat Sabres 4-1 | Site", "x"])
    'Wild beat Sabres 4-1 | Site'
    """
    stem = title.rstrip(" .…")
    if stem == title or len(stem) < 10:
        return title
    return next((o for o in others if o.startswith(stem) and len(o) > len(stem)), title)


def _first(found: Mapping[str, list[Any]], *names: str) -> str | None:
    for name in names:
        for value in found.get(name, ()):
            if value:
                return str(value)
    return None


def html_metadata(root: lxml.etree._Element, *, base_url: str | None = None) -> dict[str, Any]:
    """Title, author, site name, canonical URL, host, description, categories and tags.

    ``base_url`` (where the page came from) resolves a relative canonical link
    and gives the host when the page names none. The date is left to
    :func:`publication_date`, which needs a tree of lxml.html's own classes.
    Fields not found are absent.
    """
    return metadata_of(candidates(root), root, base_url=base_url)


def candidates(root: lxml.etree._Element) -> dict[str, list[Any]]:
    """What the page's JSON-LD and markup say about it, per field, most explicit first.

    Only attributes, scripts' text and XPath string values are read, never
    text nodes one by one, so a tree with its comments gives the same
    candidates as the tree without them.
    """
    from collections import defaultdict

    found: dict[str, list[Any]] = defaultdict(list)
    _from_ld(root, found)
    _from_markup(root, found)
    return found


def page_url(found: Mapping[str, list[Any]], base_url: str | None = None) -> str | None:
    """The page's URL from its :func:`candidates`: the canonical link first, then
    JSON-LD's and Open Graph's, as an absolute URL (or a path, without ``base_url``)."""
    for cand in (*found.get("canonical", ()), *found.get("url", ())):
        url = _absolute(cand, base_url)
        if url:
            return url
        if cand.startswith("/") and not cand.startswith("//") and not base_url:
            return cand  # resolved by record_metadata against the document's source
    return None


def metadata_of(
    found: dict[str, list[Any]], root: lxml.etree._Element, *, base_url: str | None = None
) -> dict[str, Any]:
    """:func:`html_metadata` from the page's :func:`candidates`; ``root`` is read
    for bylines in the body when no header names an author, as the parser gives
    it without comments (a comment splits a byline's text)."""
    meta: dict[str, Any] = {}
    url = page_url(found, base_url)
    host = hostname(url) or hostname(base_url)
    if url:
        meta["url"] = url
    if host:
        meta["hostname"] = host

    sitename = next((n for n in found["sitename"] if n and len(n) <= MAX_NAME_CHARS), None)
    if sitename:
        sitename = sitename.lstrip("@")
        meta["sitename"] = sitename

    site_keys = _site_keys(sitename, host)
    titles = [t for t in found["title"] if not _is_site_name(t, site_keys)]
    html_title = _first(found, "html_title")
    h1 = [t for t in found["h1"] if t and not _is_site_name(t, site_keys)]
    if html_title:
        # The part of "<headline> | <site>" that a heading repeats is the headline.
        h1_keys = {_key(t) for t in h1}
        parts = [p for p in _TITLE_SPLIT.split(html_title) if _key(p) in h1_keys]
        cleaned = parts[0].strip() if parts else clean_title(html_title, sitename, host)
        if not _is_site_name(cleaned, site_keys):
            titles.append(cleaned)
    if len(h1) == 1:
        titles.append(h1[0])
    if titles:
        meta["title"] = _untruncated(clean_title(titles[0], sitename, host), titles[1:])
    if html_title:
        meta["_full_title"] = html_title

    authors: list[str] = []
    for name in ("author", "rel_author", "markup_author"):
        if name == "markup_author":
            found[name] = _markup_authors(root)
        for cand in found[name]:
            # A meta author may be a profile URL or a list "A, B"; JSON-LD gives one per entry.
            for part in _AUTHOR_SPLIT.split(cand) if cand else ():
                author = clean_author(part)
                if author and not _is_site_name(author, site_keys):
                    authors.append(author)
        if authors:
            break
    if authors:
        meta["author"] = "; ".join(_unique(authors)[:5])

    description = _first(found, "description")
    if description:
        meta["description"] = description

    categories = _unique([c for c in found["categories"] + found["category"] if c])
    if categories:
        meta["categories"] = categories[:20]
    tags = _unique([t for t in found["tags"] + found["rel_tag"] if t])
    if tags:
        meta["tags"] = tags[:50]
    return {k: v for k, v in meta.items() if v}


def _names_new_year(html: str, year: str) -> bool:
    """True when the page writes January 1 of ``year`` as a full date in digits.

    >>> _names_new_year("<p>Posted 01.01.2020</p>", "2020"), _names_new_year("© 2020", "2020")
    (True, False)
    """
    pattern = rf"{year}[-/.]0?1[-/.]0?1\b|\b0?1[-/.]0?1[-/.]{year}"
    return re.search(pattern, html) is not None


def publication_date(tree: lxml.etree._Element, html: str, *, url: str | None = None) -> str | None:
    """The publication date (``YYYY-MM-DD``) htmldate finds in the page, or None.

    htmldate reads the header, JSON-LD, ``<time>``/``<abbr>`` and, with its
    ``extensive_search`` (when the markup gives none), date patterns in the text, preferring the original
    date to an update (``original_date``). ``tree`` is the page ``html``
    parsed into lxml.html's element classes (htmldate reads nothing else,
    and never sees a string: offline whatever the page holds), comments
    included; htmldate copies it before it prunes anything. A year alone
    (htmldate's last resort, e.g. from "© 2024") is not taken for a date.

    >>> import lxml.html
    >>> page = ('<html><head><meta property="article:published_time" '
    ...     'content="2021-03-04T10:00:00Z"></head><body><p>x</p></body></html>')
    >>> publication_date(lxml.html.document_fromstring(page), page)
    '2021-03-04'
    """
    from htmldate import find_date

    try:
        # htmldate trusts a full date in the URL (/2021/03/04/) before the page:
        # it reads the page only when the URL has none. Then the header,
        # JSON-LD, <time> and <abbr> first; the costlier search of
        # the text only when they give nothing (they agree on 680 of the 684
        # bench pages, at half the cost).
        found = find_date(tree, extensive_search=False, original_date=True, url=url)
        if found is None:
            found = find_date(tree, extensive_search=True, original_date=True, url=url)
            if found and found.endswith("-01-01") and not _names_new_year(html, found[:4]):
                # htmldate's last resort is a year alone (a copyright line,
                # "© 2024") given as January 1: not a publication date.
                found = None
    except Exception as exc:  # noqa: BLE001 - a date is never worth losing a page for
        log.debug("htmldate failed: %r", exc)
        return None
    return found or None


#: Fields normalize sets about its own processing; they replace an input field of the same name.
PROCESSING_FIELDS = frozenset(["format", "encoding", "truncated", "flattened", "duplicate_of"])


def record_metadata(
    given: Mapping[str, Any], page: Mapping[str, Any], source: str | None
) -> dict[str, Any]:
    """A record's ``metadata``: the input's own fields, then what the page says, then the source.

    Fields given with the input (every extra field of a JSONL record, e.g.
    ``crawl_date``) are carried through and win over what the page says:
    they are the user's data. What normalize records about its processing
    (:data:`PROCESSING_FIELDS`) is always its own. A document whose source is
    an http(s) URL gets it as ``url`` and its ``hostname`` when the page names
    no canonical URL, and a canonical link given as a path is resolved against it.

    >>> record_metadata({"title": "Mine", "crawl_date": "2024-01-02"},
    ...     {"title": "Page", "date": "2023-12-30", "format": "html"}, "https://www.a.example/p")
    {'title': 'Mine', 'crawl_date': '2024-01-02', 'date': '2023-12-30', 'format': 'html', 'url': 'https://www.a.example/p', 'hostname': 'a.example'}
    """
    out = dict(given)
    for key, value in page.items():
        if key in PROCESSING_FIELDS or key not in out:
            out[key] = value
    # The source's host, parsed once: most records take both their URL and
    # their hostname from the source.
    source_host = hostname(source)
    url = out.get("url")
    if isinstance(url, str) and url.startswith("/"):
        resolved = _absolute(url, source if source_host else None)
        if resolved:
            out["url"] = resolved
        else:
            del out["url"]  # a path without a site is no URL
    if "url" not in out and source_host:
        out["url"] = source
    if "hostname" not in out:
        url = out.get("url")
        if url is source:
            host = source_host
        else:
            host = hostname(url if isinstance(url, str) else None) or source_host
        if host:
            out["hostname"] = host
    return out
