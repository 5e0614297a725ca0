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
import os
import sys
from collections.abc import Sequence
from typing import IO

from normalize.config import RunConfig
from normalize.document import Skipped
from normalize.engines import engine
from normalize.io.checkpoint import ResumeError
from normalize.io.shards import STATS
from normalize.io.stats import Summary
from normalize.io.writers import is_folder_output, open_writer

log = logging.getLogger("normalize")

#: Exit status: every document was fine; some documents have error records;
#: a usage error (bad flags, an output that cannot be written or resumed).
EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


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
    said = Said()
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
                documents = 0
                for item in batch:
                    if isinstance(item, Skipped):
                        summary.skip(item)
                        continue
                    documents += 1
                    summary.add(item)
                    for code, message in zip(item.error_codes, item.errors, strict=True):
                        said.warn(item.id, code, message)
                    writer.write(item)
                writer.commit(documents)
                bar.update(documents)
        complete = True
    finally:
        writer.close(complete)
    summary.merge(getattr(writer, "resumed_stats", Summary(started=None)))
    for path in stats_files(run):
        summary.write(path)
    if not run.quiet:
        print(summary.format(), file=sys.stderr)
    failed = summary.failed or writer.resumed_errors
    return EXIT_DOCUMENT_ERRORS if failed else EXIT_OK


def stats_files(run: RunConfig) -> list[str]:
    """Where the run's statistics go: ``--stats FILE``, and ``DIR/stats.json`` of sharded output."""
    paths = [run.stats] if run.stats else []
    if is_folder_output(run):
        paths.append(os.path.join(run.output, STATS))
    return paths


class Said:
    """Logs each document's errors on standard error, a problem of many documents once.

    A wrong ``--text-field`` makes every record of a file an error record
    (each says so in the output); on standard error it is said once, by the
    first record, and the summary counts them by code.
    """

    #: Error codes said once per run rather than once per document.
    ONCE = frozenset({"bad_field"})

    def __init__(self) -> None:
        self.said: set[str] = set()

    def warn(self, doc_id: str, code: str, message: str) -> None:
        if code in self.ONCE:
            if code in self.said:
                return
            self.said.add(code)
            message += " (said once: the summary counts every record with this problem)"
        if message.startswith(f"{doc_id}:") or message.startswith(doc_id + " "):
            log.warning("%s", message)
        else:
            log.warning("%s: %s", doc_id, message)
