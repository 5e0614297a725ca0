"""The per-worker context: what a worker builds once and keeps for its whole run.

Models, language packs and caches are costly to build and cheap to keep, so
a worker keeps them; but they belong to that worker, not to the module that
uses them. A :class:`Context` owns them all: the language identifier, the
language packs (:class:`~normalize.langpacks.LangPacks`), the bounded caches
of the stages (:class:`~normalize.caches.RepeatCache`: lines of site chrome,
evidence rows of short pieces) and the translators. Nothing is built before
a stage asks for it, so a context made before a fork costs nothing, and one
made in a worker after the fork builds everything there (as cc_net's late
``_prepare()`` does).

The pipeline hands a context to every stage. The one-shot Python API
(:func:`~normalize.pipeline.normalize_document`, :func:`segment_languages
<normalize.segment.segment_languages>`…) uses the process's default context,
:func:`default_context`, made on first use and made again in a forked child.

>>> ctx = Context()
>>> ctx.owned("answer", lambda: 42), ctx.owned("answer", lambda: 0)
(42, 42)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from normalize.identify import LanguageIdentifier
    from normalize.langpacks import LangPacks

T = TypeVar("T")


class Context:
    """What one worker builds once and owns: models, packs and caches.

    A stage keeps what it builds under a key of its own with :meth:`owned`
    (a cache, a table derived from the packs, a loaded translator); the
    language identifier and the packs, which several stages use, have their
    own properties. A context is for one process: threads may share it.
    """

    def __init__(self) -> None:
        #: The process the context was made in: a forked child makes its own.
        self.pid = os.getpid()
        self._owned: dict[Hashable, Any] = {}
        # Re-entrant: building one value may ask for another (a table from the packs).
        self._lock = threading.RLock()

    def owned(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept under ``key``, built by ``build`` on first use.

        The build runs with the document clocks stopped (:func:`clocks_stopped`):
        it is the worker's one-time cost, not the document's that happens to
        ask first.
        """
        try:
            return self._owned[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._owned:
                with clocks_stopped():
                    self._owned[key] = build()
            return self._owned[key]

    @property
    def identifier(self) -> LanguageIdentifier:
        """The language identifier (langid's model as arrays), loaded on first use."""
        from normalize.identify import load_identifier

        return self.owned("identifier", load_identifier)

    @property
    def packs(self) -> LangPacks:
        """The language packs (``lang_packs/``), each read on first use."""
        from normalize.langpacks import LangPacks

        return self.owned("packs", LangPacks)


#: The timers that measure one document: the soft limit's real-time alarm
#: (armed in ``pipeline.alarms``) and the hard CPU-time limit of worker processes
#: (``engines.local``).
_DOCUMENT_CLOCKS = tuple(
    getattr(signal, name) for name in ("ITIMER_REAL", "ITIMER_PROF") if hasattr(signal, name)
)


@contextlib.contextmanager
def clocks_stopped() -> Iterator[None]:
    """Stop the running document clocks in the block, then let them go on.

    A model or table loaded for the first document of a worker took its
    whole time limit under load (two short documents timed out with
    ``--max-seconds 0.2``): time spent building what the worker keeps is not
    the document's. Timers not running stay off; where the platform has no
    interval timers the block just runs.
    """
    stopped = [(clock, signal.setitimer(clock, 0)) for clock in _DOCUMENT_CLOCKS]
    try:
        yield
    finally:
        for clock, (remaining, interval) in stopped:
            if remaining > 0:
                signal.setitimer(clock, remaining, interval)


def _keep_forever(inherited: object) -> None:
    """Never free, in this process, what a context inherited from the parent over a fork.

    A CTranslate2 translator's thread pool does not survive a fork, and
    freeing the parent's copy in the child waits forever for its threads
    (``pthread_cond_destroy`` on a condition they were waiting on). The
    memory is the parent's, shared copy-on-write: keeping it costs nothing.
    An extra reference keeps it alive through interpreter shutdown too.
    """
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(inherited))


class _DefaultContext:
    """The holder of the process's default context: one per process, made on first use.

    A child forked from a process that had one sets it aside (never freed,
    see :func:`_keep_forever`) and makes its own on first use: models and
    translator thread pools do not survive a fork.
    """

    def __init__(self) -> None:
        self._context: Context | None = None
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget_inherited)

    def _forget_inherited(self) -> None:
        # In the child, right after the fork; not under the lock: a thread of
        # the parent may have held it at the fork.
        self._lock = threading.Lock()
        if self._context is not None:
            _keep_forever(self._context)
            self._context = None

    def get(self) -> Context:
        ctx = self._context
        if ctx is None or ctx.pid != os.getpid():
            with self._lock:
                ctx = self._context
                if ctx is None or ctx.pid != os.getpid():
                    if ctx is not None:
                        _keep_forever(ctx)
                    ctx = self._context = Context()
        return ctx


_DEFAULT = _DefaultContext()


def default_context() -> Context:
    """The context of the one-shot Python API in this process (made on first use)."""
    return _DEFAULT.get()
