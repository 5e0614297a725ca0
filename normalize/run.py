"""A corpus run: inputs → engine → writer, with progress, a summary and an exit status.

:func:`run_corpus` is what ``normalize run`` does once the flags are a
:class:`~normalize.config.RunConfig`: it opens the writer of the run's
format (resuming from its checkpoint when asked), takes the batches of
records from the chosen engine, writes and commits them batch by batch,
logs each document's errors, and prints the summary. It is the same for
every engine.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from normalize.config import RunConfig
from normalize.engines import engine
from normalize.io.checkpoint import ResumeError
from normalize.io.record import OutputRecord
from normalize.io.writers import open_writer

log = logging.getLogger("normalize")

#: Exit status: every document was fine; some documents have error records;
#: a usage error (bad flags, an output that cannot be written or resumed).
EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


@dataclass
class Summary:
    """End-of-run figures: what a person checks after a run."""

    documents: int = 0
    bytes: int = 0
    errors: int = 0
    boilerplate: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.perf_counter)

    def add(self, record: OutputRecord) -> None:
        self.documents += 1
        self.bytes += record.size
        if record.errors:
            self.errors += 1
            return
        self.languages[record.lang] += 1
        self.boilerplate.update(record.boilerplate)

    def format(self) -> str:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        mb = self.bytes / 1e6
        lines = [
            f"{self.documents:,} documents, {mb:,.3g} MB in {seconds:,.1f} s "
            f"({mb / seconds:,.3g} MB/s), {self.errors:,} with errors",
        ]
        if self.languages:
            top = ", ".join(f"{lang} {n:,}" for lang, n in self.languages.most_common(12))
            lines.append(f"languages: {top}")
        if self.boilerplate:
            top = ", ".join(f"{r} {n:,}" for r, n in self.boilerplate.most_common(12))
            lines.append(f"boilerplate segments removed by reason: {top}")
        return "\n".join(lines)


def run_corpus(inputs: Sequence[str], run: RunConfig, stdin: IO[bytes] | None = None) -> int:
    """Normalize ``inputs`` as ``run`` says; the exit status (see ``EXIT_*``)."""
    try:
        writer = open_writer(inputs, run)
    except ResumeError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except OSError as exc:
        log.error("cannot write to %s: %s", run.output, exc.strerror or exc)
        return EXIT_USAGE

    if run.pipeline.translate.target:
        from normalize import packs, translate

        try:
            packs.import_argos_package(run.pipeline.translate.packs_dir)
            translate.translation_device(run.pipeline.translate)
        except (packs.MissingExtraError, translate.TranslationError) as exc:
            log.error("%s", exc)
            writer.close(complete=False)
            return EXIT_USAGE

    if writer.resumed_documents:
        log.info("resuming after %d document(s) already written", writer.resumed_documents)
    summary = Summary()
    from tqdm import tqdm

    complete = False
    try:
        with tqdm(
            unit=" docs",
            disable=True if run.quiet else None,
            file=sys.stderr,
            desc="normalize",
            dynamic_ncols=True,
        ) as bar:
            batches = engine(run.engine)(inputs, run, writer.resumed_documents, stdin)
            for batch in batches:
                for record in batch:
                    summary.add(record)
                    for message in record.errors:
                        log.warning("%s: %s", record.id, message)
                    writer.write(record)
                writer.commit(len(batch))
                bar.update(len(batch))
        complete = True
    finally:
        writer.close(complete)
    if not run.quiet:
        print(summary.format(), file=sys.stderr)
    failed = summary.errors or writer.resumed_errors
    return EXIT_DOCUMENT_ERRORS if failed else EXIT_OK
