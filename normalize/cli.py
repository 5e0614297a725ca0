"""The command line: ``normalize run INPUT... [-o OUT]``, ``normalize packs …``, ``normalize report …``.

``normalize INPUT...`` is ``normalize run INPUT...``. The subcommand is
decided by the shape of the command line alone, never by the files in the
current folder: a first argument ``run``, ``packs`` or ``report`` is the
subcommand; anything else starts the arguments of ``run``. A file or folder
named like a subcommand is read with ``normalize run report`` (or
``normalize ./report``).

Standard output carries program output only (records, or a listing); logs,
warnings and progress go to standard error. Exit status: 0 when every
document was fine, 1 when some documents have error records, 2 for usage
errors (bad flags, unwritable output).
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from normalize import __version__
from normalize.config import Config, RunConfig
from normalize.document import SEGMENT_MODES
from normalize.engines import ENGINES, WORKER_GC_THRESHOLDS
from normalize.io.shards import parse_size
from normalize.io.writers import WRITERS
from normalize.logs import setup_logging
from normalize.scripts import UnknownLanguageError

log = logging.getLogger("normalize")

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2

#: The subcommands; ``run`` is the default.
SUBCOMMANDS = ("run", "packs", "report")

DESCRIPTION = (
    "Turn scraped documents (text, HTML, JSONL; files, folders or stdin) into clean "
    "canonical UTF-8 records with boilerplate and language segments marked."
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser: the subcommands, for ``normalize --help``."""
    p = argparse.ArgumentParser(
        prog="normalize",
        description=f"{DESCRIPTION} 'normalize INPUT...' is 'normalize run INPUT...'.",
    )
    p.add_argument("--version", action="version", version=f"normalize {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="normalize inputs into records (the default command)")
    sub.add_parser("packs", help="list|install FILE|remove CODE: offline translation packs")
    sub.add_parser("report", help="OUT.jsonl -o report.html: an HTML page to review a run")
    return p


def build_run_parser() -> argparse.ArgumentParser:
    """The parser of ``normalize run`` (and of ``normalize INPUT...``)."""
    defaults = RunConfig()  # every default is the configuration's own
    p = argparse.ArgumentParser(
        prog="normalize run",
        description=f"{DESCRIPTION} Other commands: 'normalize packs list|install FILE|remove "
        "CODE' (translation packs), 'normalize report OUT.jsonl -o report.html' (review "
        "report).",
    )
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="file, folder (recursed) or - for stdin"
    )
    p.add_argument(
        "-o",
        "--output",
        default=defaults.output,
        help="output file: .jsonl, .jsonl.gz, .jsonl.zst or .parquet (by extension), - for "
        "stdout (default); DIR/ for numbered shards; a folder with --format text",
    )
    p.add_argument(
        "--format",
        choices=tuple(WRITERS),
        default=defaults.format,
        help="jsonl records (default), parquet (also chosen by a .parquet output), or one .txt "
        "per document in the --output folder",
    )
    p.add_argument(
        "--shard-size",
        metavar="SIZE",
        help="with -o DIR/: start a new shard (DIR/00000.jsonl.zst, …) once one holds SIZE "
        "bytes, e.g. 200MB (the default for a folder)",
    )
    p.add_argument(
        "--stats",
        metavar="FILE",
        help="also write the run's statistics (the summary's figures) as JSON to FILE; "
        "sharded output always gets DIR/stats.json",
    )
    p.add_argument(
        "--segments",
        choices=SEGMENT_MODES,
        default=defaults.segments,
        help="segments in each record: full (default), offsets (without their text: much "
        "smaller records) or none",
    )
    p.add_argument(
        "--text-field",
        default=defaults.text_field,
        help="JSONL field or Parquet column with the document (default: text)",
    )
    p.add_argument(
        "--id-field",
        default=defaults.id_field,
        help="JSONL field or Parquet column with the document id (default: id)",
    )
    p.add_argument(
        "--keep-boilerplate",
        action="store_true",
        help="keep boilerplate in 'text' (it is always kept in 'segments')",
    )
    p.add_argument(
        "--languages", help="comma-separated candidate languages (ISO 639-1); default: all"
    )
    p.add_argument(
        "--uncurl-quotes", action="store_true", help="turn curly quotes into ASCII quotes"
    )
    p.add_argument(
        "--translate-to", metavar="LANG", help="translate segments into LANG with installed packs"
    )
    p.add_argument(
        "--source-lang",
        metavar="LANG",
        help="with --translate-to: translate every segment not in the target language from LANG, "
        "whatever language it was labelled",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default=defaults.pipeline.translate.device,
        help="with --translate-to: where translation runs (default auto: a GPU when CTranslate2 "
        "sees one)",
    )
    p.add_argument(
        "--translate-boilerplate",
        action="store_true",
        help="with --translate-to: translate boilerplate segments too",
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=defaults.pipeline.max_bytes,
        help="per-document size limit in bytes (default: %(default)s)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=defaults.pipeline.max_seconds,
        help="wall-clock seconds per document before it becomes a timeout error record; "
        "0: no limit (default: %(default)s)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=defaults.batch_size,
        help="documents per batch (default: %(default)s); cross-document chrome is detected "
        "within a batch, so the output depends on it",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=defaults.jobs,
        help="worker processes (default: all cores); output is the same for any number",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run into the same -o file from its checkpoint",
    )
    p.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        default=defaults.engine,
        help="local processes (default) or a Ray cluster (needs the [ray] extra)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    p.add_argument("--version", action="version", version=f"normalize {__version__}")
    return p


def config_from_args(args: argparse.Namespace) -> Config:
    """Map the pipeline's flags onto the one configuration object."""
    cfg = Config()
    segment = cfg.segment
    if args.languages:
        langs = tuple(code.strip() for code in args.languages.split(",") if code.strip())
        segment = dataclasses.replace(segment, languages=langs)
    translate = cfg.translate
    if args.translate_to:
        translate = dataclasses.replace(
            translate,
            target=args.translate_to,
            translate_boilerplate=args.translate_boilerplate,
            source_lang=args.source_lang,
            device=args.device,
        )
    return dataclasses.replace(
        cfg,
        canonical=cfg.canonical.with_(uncurl_quotes=args.uncurl_quotes),
        segment=segment,
        translate=translate,
        keep_boilerplate=args.keep_boilerplate,
        max_bytes=args.max_bytes,
        max_seconds=args.max_seconds,
    )


def run_config_from_args(args: argparse.Namespace) -> RunConfig:
    """Map every flag of ``normalize run`` (and the environment) onto one :class:`RunConfig`."""
    return RunConfig.from_environment(
        os.environ,
        pipeline=config_from_args(args),
        batch_size=args.batch_size,
        jobs=args.jobs,
        engine=args.engine,
        text_field=args.text_field,
        id_field=args.id_field,
        output=args.output,
        format=args.format,
        shard_size=parse_size(args.shard_size) if args.shard_size else None,
        segments=args.segments,
        stats=args.stats,
        resume=args.resume,
        quiet=args.quiet,
    )


def command() -> NoReturn:
    """The ``normalize`` command (and ``python -m normalize``): :func:`main`, then the
    process ends with its status, without tearing the interpreter down.

    Once a command is done, its output written and closed, Python's
    finalization frees every object of every module one by one: about
    23 ms of CPU after a run on one small file (a tenth of that run), for
    nothing a finished command needs. The exit handlers run as they would
    then (logging's, multiprocessing's) and the standard streams are
    flushed; the process then ends. Where it could not end as the
    interpreter would (another thread still running, which finalization
    would wait for; a standard stream that cannot be flushed, which makes
    its status 120), it ends as usual. An exception out of :func:`main`
    (a bug) ends it as usual too, with its traceback. The command collects
    garbage as the workers do (:data:`normalize.engines.WORKER_GC_THRESHOLDS`),
    less often than a library would.
    """
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    status = main()
    if threading.active_count() == 1:
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(status)
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """``normalize [run] INPUT...``, ``normalize packs …``, ``normalize report …``.

    The subcommand is the first argument when it is one of
    :data:`SUBCOMMANDS`, whatever files exist (see the module docstring).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else None
    if command == "packs":
        from normalize import packs

        return packs.main(argv[1:])
    if command == "report":
        from normalize import report

        return report.main(argv[1:])
    if command in ("-h", "--help", "--version"):
        build_parser().parse_args(argv)  # prints, then exits
        return EXIT_OK
    return run(argv[1:] if command == "run" else argv)


def run(argv: Sequence[str]) -> int:
    """``normalize run INPUT... [flags]``: parse, check, and run the corpus."""
    args = build_run_parser().parse_args(argv)
    setup_logging(
        logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    )
    if args.batch_size < 1 or args.max_bytes < 1 or args.max_seconds < 0:
        log.error("--batch-size and --max-bytes must be positive, --max-seconds 0 or more")
        return EXIT_USAGE
    try:
        run_config = run_config_from_args(args)
    except UnknownLanguageError as exc:
        log.error("--languages: %s", exc)
        return EXIT_USAGE
    except ValueError as exc:
        log.error("--shard-size: %s", exc)
        return EXIT_USAGE
    if run_config.shard_size and (run_config.output == "-" or run_config.format == "text"):
        log.error("--shard-size needs an output folder of records: -o DIR/ (not --format text)")
        return EXIT_USAGE
    if run_config.format == "text" and run_config.output == "-":
        log.error("--format text needs an output folder: -o FOLDER")
        return EXIT_USAGE
    if run_config.resume and run_config.output == "-":
        log.error("--resume needs an output file: -o OUT.jsonl (or -o FOLDER with --format text)")
        return EXIT_USAGE
    from normalize.run import Interrupted, run_corpus

    def terminate(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    signal.signal(signal.SIGTERM, terminate)
    status = run_corpus(args.inputs, run_config)
    if status in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    """Leave an interrupted run without waiting for its worker pool.

    The checkpoint and the message are written by then. A worker stopped in
    the middle of sending its result leaves half a message in the pool's
    result pipe, and the pool's manager thread, which the interpreter joins at
    exit, would wait for the rest forever; the workers themselves die with
    this process (``PR_SET_PDEATHSIG``).
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
