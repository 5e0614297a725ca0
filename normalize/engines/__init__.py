"""Engines: where the batches of a run are normalized.

An engine is a function ``records(inputs, run, skip, stdin)`` that yields
the run's :class:`~normalize.io.record.OutputRecord` objects, one list per
batch, in input order, after skipping ``skip`` input documents (those a
resumed run has done). Engines schedule work only: they read through
:mod:`normalize.io.readers`, and the run (:mod:`normalize.run`) writes
what they yield, so ``--format``, ``--resume``, ``--quiet``, the summary and
the exit status are the same on every engine.

- ``local`` (:mod:`normalize.engines.local`): worker processes on this machine.
- ``ray`` (:mod:`normalize.engines.ray`): a Ray cluster (the ``[ray]`` extra).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from normalize.config import RunConfig
from normalize.document import Skipped
from normalize.io.record import OutputRecord

Engine = Callable[
    [Sequence[str], RunConfig, int, "IO[bytes] | None"], Iterator[list[OutputRecord | Skipped]]
]

#: The garbage-collection thresholds of a process that runs batches (Python's
#: default: 700, 10, 10): the workers, and the command itself, whose imports of
#: the pipeline's modules make hundreds of thousands of objects and few cycles
#: (the default thresholds collected them 39 times, ~3.5 ms). A worker allocates
#: millions of short-lived containers per batch (tokens, blocks, segments) and
#: few reference cycles; collecting the youngest generation every 700
#: allocations scans them again and again. Measured in-process on the 181
#: article-extraction pages, medians of 3 on one core: 4.14 s -> 3.97 s of CPU
#: (4 %), same output. Cycles are still collected, in bigger steps.
WORKER_GC_THRESHOLDS = (100_000, 50, 100)

#: Engine name → its module (imported when chosen: Ray is an optional extra).
ENGINES = {"local": "normalize.engines.local", "ray": "normalize.engines.ray"}


def engine(name: str) -> Engine:
    """The ``records`` function of the engine called ``name``."""
    module: Any = importlib.import_module(ENGINES[name])
    records: Engine = module.records
    return records
