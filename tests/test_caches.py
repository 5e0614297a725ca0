"""RepeatCache: keeps values only for keys seen before, least recently used out first."""

from __future__ import annotations

from normalize.caches import RepeatCache


def test_a_value_is_kept_on_the_second_sighting_only() -> None:
    cache: RepeatCache[str, int] = RepeatCache(size=4)
    cache.offer("paragraph", 1)
    assert cache.get("paragraph") is None and len(cache) == 0
    cache.offer("nav", 2)
    cache.offer("nav", 2)
    assert cache.get("nav") == 2 and len(cache) == 1


def test_least_recently_used_values_go_first() -> None:
    cache: RepeatCache[str, int] = RepeatCache(size=2)
    for key, value in (("a", 1), ("b", 2), ("a", 1), ("b", 2)):
        cache.offer(key, value)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.offer("c", 3)
    cache.offer("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_keys_seen_once_are_forgotten_beyond_the_bound() -> None:
    cache: RepeatCache[str, int] = RepeatCache(size=8, seen=2)
    for key in ("x", "y", "z"):  # "x" falls out of the two remembered keys
        cache.offer(key, 0)
    cache.offer("x", 0)
    assert cache.get("x") is None
    cache.offer("z", 0)
    assert cache.get("z") == 0
