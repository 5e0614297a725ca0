"""A bounded cache for what repeats across documents: site chrome.

The boilerplate and segment stages analyse every line and piece of every
page. A site's chrome (menus, crumbs, share prompts) comes back on each of
its pages, so its analysis is worth keeping; body text seldom comes back,
and keeping its analysis would fill memory with values that are never read
again, making a long run's memory grow with what it has seen. A
:class:`RepeatCache` therefore keeps a value only for a key seen before: the
first sighting leaves just the key's hash in a bounded first-in first-out
set (a "doorkeeper", as in TinyLFU), the second stores the value, and the
least recently used values go first.

A cache never changes a result: a value is what computing it again gives.
Each process has its own (built on first use, after any fork).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RepeatCache(Generic[K, V]):
    """Least recently used values, admitted on a key's second sighting.

    >>> cache = RepeatCache(size=2)
    >>> cache.offer("nav", 1); cache.get("nav") is None  # seen once: not kept
    True
    >>> cache.offer("nav", 1); cache.get("nav")          # seen again: kept
    1
    """

    __slots__ = ("_seen", "_seen_size", "_size", "_values")

    def __init__(self, size: int, seen: int | None = None) -> None:
        self._size = size
        #: How many keys seen once are remembered (by hash): a few pages' worth.
        self._seen_size = seen if seen is not None else 4 * size
        # Ordered dicts drop their oldest entry at once; a plain dict's first
        # entry is found past every slot freed by earlier drops (slower and
        # slower until the dict is rebuilt).
        self._values: OrderedDict[K, V] = OrderedDict()
        self._seen: OrderedDict[int, None] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept for ``key`` (now the most recently used), or ``None``."""
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def offer(self, key: K, value: V) -> None:
        """A freshly computed value: kept if ``key`` was seen before, else ``key`` is noted."""
        if key in self._values:
            return
        digest = hash(key)
        if digest in self._seen:
            del self._seen[digest]
            self._values[key] = value
            if len(self._values) > self._size:
                self._values.popitem(last=False)
            return
        self._seen[digest] = None
        if len(self._seen) > self._seen_size:
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)
