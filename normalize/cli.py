"""The command line: ``normalize INPUT... [-o OUT]``, plus ``packs`` and ``report``.

Standard output carries program output only (records, or a listing); logs,
warnings and progress go to standard error. Exit status: 0 when every
document was fine, 1 when some documents have error records, 2 for usage
errors (bad flags, unwritable output).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import logging
import os
import sys
from collections.abc import Sequence

from normalize import __version__
from normalize.config import Config
from normalize.readers import ReadOptions, iter_inputs
from normalize.runner import Summary, default_jobs, raw_size, run_records
from normalize.scripts import UnknownLanguageError
from normalize.writers import JsonlWriter, ResumeError, TextWriter

log = logging.getLogger("normalize")

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2

SUBCOMMANDS = ("packs", "report")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="normalize",
        description="Turn scraped documents (text, HTML, JSONL; files, folders or stdin) into "
        "clean canonical UTF-8 records with boilerplate and language segments marked. "
        "Subcommands: 'normalize packs list|install FILE|remove CODE' (translation packs), "
        "'normalize report OUT.jsonl -o report.html' (review report).",
    )
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="file, folder (recursed) or - for stdin"
    )
    p.add_argument(
        "-o",
        "--output",
        default="-",
        help="output .jsonl path, or - for stdout (default); a folder with --format text",
    )
    p.add_argument(
        "--format",
        choices=("jsonl", "text"),
        default="jsonl",
        help="jsonl records (default) or one .txt per document in the --output folder",
    )
    p.add_argument(
        "--text-field", default="text", help="JSONL field with the document (default: text)"
    )
    p.add_argument(
        "--id-field", default="id", help="JSONL field with the document id (default: id)"
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
        default="auto",
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
        default=Config().max_bytes,
        help="per-document size limit in bytes (default: %(default)s)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=256,
        help="documents per batch; cross-document chrome is detected within a batch",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        help="worker processes (default: all cores); output is the same for any number",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run into the same -o file from its checkpoint",
    )
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local processes (default) or a Ray cluster (needs the [ray] extra)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    p.add_argument("--version", action="version", version=f"normalize {__version__}")
    return p


def config_from_args(args: argparse.Namespace) -> Config:
    """Map the flags onto the one configuration object."""
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
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS and not os.path.exists(argv[0]):
        if argv[0] == "packs":
            from normalize import packs

            return packs.main(argv[1:])
        from normalize import report

        return report.main(argv[1:])

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO,
        format="normalize: %(message)s",
        stream=sys.stderr,
    )
    if args.batch_size < 1 or args.max_bytes < 1:
        log.error("--batch-size and --max-bytes must be positive")
        return EXIT_USAGE
    try:
        config = config_from_args(args)
    except UnknownLanguageError as exc:
        log.error("--languages: %s", exc)
        return EXIT_USAGE
    options = ReadOptions(
        text_field=args.text_field, id_field=args.id_field, max_bytes=args.max_bytes
    )
    if args.engine == "ray":
        from normalize.ray_engine import run_ray

        return run_ray(
            args.inputs,
            args.output,
            config,
            options,
            batch_size=args.batch_size,
            jobs=args.jobs or None,
        )
    try:
        if args.format == "text":
            if args.output == "-":
                log.error("--format text needs an output folder: -o FOLDER")
                return EXIT_USAGE
            writer: JsonlWriter | TextWriter = TextWriter(args.output)
        else:
            if args.resume and args.output == "-":
                log.error("--resume needs an output file: -o OUT.jsonl")
                return EXIT_USAGE
            writer = JsonlWriter(
                args.output, resume=args.resume, fingerprint=fingerprint(args, config)
            )
    except ResumeError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except OSError as exc:
        log.error("cannot write to %s: %s", args.output, exc.strerror or exc)
        return EXIT_USAGE

    if config.translate.target:
        from normalize import packs, translate

        try:
            packs.import_argos_package(config.translate.packs_dir)
            translate.translation_device(config.translate)
        except (packs.MissingExtraError, translate.TranslationError) as exc:
            log.error("%s", exc)
            return EXIT_USAGE

    raws = iter_inputs(args.inputs, options)
    summary = Summary()
    earlier_errors = 0
    if isinstance(writer, JsonlWriter) and writer.resumed_documents:
        log.info("resuming after %d document(s) already written", writer.resumed_documents)
        raws = itertools.islice(raws, writer.resumed_documents, None)
        earlier_errors = _errors_in(f"{args.output}.partial")
    from tqdm import tqdm

    with (
        writer,
        tqdm(
            unit=" docs",
            disable=True if args.quiet else None,
            file=sys.stderr,
            desc="normalize",
            dynamic_ncols=True,
        ) as bar,
    ):
        jobs = args.jobs if args.jobs > 0 else default_jobs()
        for batch, records in run_records(raws, config, jobs=jobs, batch_size=args.batch_size):
            for raw, record in zip(batch, records, strict=True):
                summary.add(record, raw_size(raw))
                for message in record.errors:
                    log.warning("%s: %s", record.id, message)
                writer.write_line(record.line)
            writer.commit(len(batch))
            bar.update(len(batch))
    if not args.quiet:
        print(summary.format(), file=sys.stderr)
    return EXIT_DOCUMENT_ERRORS if summary.errors or earlier_errors else EXIT_OK


def fingerprint(args: argparse.Namespace, config: Config) -> str:
    """What must not change between a run and its ``--resume``: inputs and settings."""
    key = repr((args.inputs, args.batch_size, args.text_field, args.id_field, config))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _errors_in(path: str) -> int:
    """Error records already in a partial output (for the exit status of a resumed run)."""
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if '"errors":[]' not in line)
