"""Cross-document repetition: chrome is what repeats across the pages of one source.

The pipeline's batch-level evidence pass groups a batch's pages by
:func:`source_group`, collects each page's :func:`repeat_keys` and keeps the
keys that :func:`find_repeats` finds in enough of the group's pages.
"""

from __future__ import annotations

import math
import posixpath
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from normalize.boilerplate.features import page_lines
from normalize.config import BoilerplateConfig
from normalize.document import Page


def repeat_keys(page: Page, config: BoilerplateConfig | None = None) -> frozenset[str]:
    """Normalized keys of the page's blocks that may count as repeated chrome.

    Long blocks are left out (``repeat_max_words``): a long paragraph shared
    by pages is syndicated content, not a template.

    >>> from normalize.extract.text import text_page
    >>> sorted(repeat_keys(text_page("Share it!\\nA\\n\\nShare it!", config=BoilerplateConfig())))
    ['a', 'share it']
    """
    config = config or BoilerplateConfig()
    limit = config.repeat_max_words
    keys = {line.key for line in page_lines(page) if 0 < line.n_words <= limit}
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
