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
import signal
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

from normalize.config import RunConfig
from normalize.document import Skipped
from normalize.engines import engine
from normalize.io.checkpoint import OutputError
from normalize.io.shards import STATS
from normalize.io.stats import Summary
from normalize.io.writers import is_folder_output, open_writer

log = logging.getLogger("normalize")

T = TypeVar("T")

#: Exit status: every document was fine; some documents have error records;
#: a usage error (bad flags, an output that cannot be written or resumed).
EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


class Interrupted(BaseException):
    """The run was asked to stop (SIGTERM); like ``KeyboardInterrupt`` for SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _WriteFailed(Exception):
    """Writing the output failed (a full disk, a file too large, an I/O error)."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc)
        self.exc = exc


def check_output(inputs: Sequence[str], run: RunConfig) -> None:
    """Refuse an output that is one of the inputs (or, for a folder, holds one).

    An output *inside* an input folder is fine: the readers never read the
    run's own output (:func:`normalize.io.readers.own_output`).
    """
    if run.output == "-":
        return
    out = os.path.realpath(run.output)
    for item in inputs:
        if item == "-":
            continue
        path = os.path.realpath(item)
        inside = run.format == "text" and path.startswith(out.rstrip(os.sep) + os.sep)
        if path == out or inside:
            raise OutputError(
                f"the output {run.output} is {'an' if path == out else 'a folder holding an'} "
                f"input ({item}); writing it would destroy what is read: choose another -o"
            )


def _resume_hint(run: RunConfig) -> str:
    if run.output == "-":
        return "the records written so far are on standard output"
    return (
        f"the documents done so far are kept in {run.output}; run the same command "
        "again with --resume to continue from there"
    )


class _NoBar:
    """The progress bar where none is shown."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        pass


def _progress_bar(quiet: bool) -> Any:
    """tqdm's bar on a terminal's stderr, nothing otherwise (as tqdm's
    ``disable=None`` does), without importing tqdm then: its import looks up
    installed distributions, a good part of the start-up of a small run."""
    if quiet or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(unit=" docs", file=sys.stderr, desc="normalize", dynamic_ncols=True)


def run_corpus(inputs: Sequence[str], run: RunConfig, stdin: IO[bytes] | None = None) -> int:
    """Normalize ``inputs`` as ``run`` says; the exit status (see ``EXIT_*``).

    A full disk or another write failure is one clear message and exit
    status 2 (the checkpoint stays, for ``--resume``); an interruption
    (SIGINT, or SIGTERM turned into :class:`Interrupted` by the CLI) is one
    line saying how to resume, and the status of that signal.
    """
    try:
        check_output(inputs, run)
        writer = open_writer(inputs, run)
    except OutputError as exc:
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
    complete = False
    try:
        with _progress_bar(run.quiet) as bar:
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
                    for source, target, _ in item.untranslated:
                        said.missing_pack(source, target, run.pipeline.translate.packs_dir)
                    _write(writer.write, item)
                _write(writer.commit, documents)
                bar.update(documents)
        _write(writer.close, True)
        complete = True
    except _WriteFailed as write_failed:
        reason = write_failed.exc.strerror or write_failed.exc
        if run.output == "-":
            log.error("cannot write the records to standard output: %s", reason)
        else:
            log.error(
                "cannot write %s: %s. Free some space (or fix the cause), then run the same "
                "command again with --resume to continue from the last checkpoint.",
                run.output,
                reason,
            )
        return EXIT_USAGE
    except (KeyboardInterrupt, Interrupted) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        log.error("interrupted (%s): %s.", signal.Signals(signum).name, _resume_hint(run))
        return 128 + signum
    finally:
        if not complete:
            writer.close(complete=False)
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

    def missing_pack(self, source: str, target: str, packs_dir: str | None) -> None:
        """Say the first time a language pair lacks a pack (each record says it too)."""
        key = f"missing_pack:{source}->{target}"
        if key not in self.said:
            self.said.add(key)
            from normalize.translate import missing_pack_message

            log.warning("%s", missing_pack_message(source, target, packs_dir))


def _write(action: Callable[[T], None], arg: T) -> None:
    """Run one writer action; an ``OSError`` from it is a failed write, not a failed run."""
    try:
        action(arg)
    except OSError as exc:
        raise _WriteFailed(exc) from exc
