#!/usr/bin/env python3
"""Corpus I/O: what reading WARC and writing Parquet cost in a run (target: < 10 %).

Builds a WARC archive (one gzip member per record, as Common Crawl writes
them) from the pages of the two extraction benchmarks
(``../shared/bench/article-extraction`` and ``extraction-multilingual``),
with a request and a metadata record around each page and an image response
after every tenth, then measures on one core, in this one run:

- reading it into raw documents through normalize's reader (fastwarc over
  Python's gzip, which reports a file cut short), and, as references, the
  same fields read with warcio and with fastwarc decompressing the gzip
  itself;
- normalizing the pages (the pipeline, batch by batch, records serialized as
  a worker does);
- writing the records as Parquet (the record's Arrow schema, zstd), and as
  plain and zstd JSONL for reference;
- the share of reading + writing Parquet in the whole (target < 10 %).

Times are CPU seconds of this process (the machine is shared; wall-clock
time would count other processes' work).
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.config import RunConfig
from normalize.document import RawDocument, Skipped
from normalize.io.parquet import ParquetWriter
from normalize.io.readers import read_file
from normalize.io.record import OutputRecord
from normalize.io.writers import JsonlWriter
from normalize.pipeline import batched, process_batch
from tests.warc_fixtures import PNG, Response, write_warc

BENCH = ROOT.parent / "shared" / "bench"
PAGES = [BENCH / "article-extraction" / "html", BENCH / "extraction-multilingual" / "html"]
BATCH = 256


def build_warc(path: Path) -> int:
    """The archive; returns its number of pages."""
    responses = []
    files = sorted(p for folder in PAGES if folder.exists() for p in folder.glob("*.html.gz"))
    for n, page in enumerate(files):
        url = f"https://site{n % 40}.example/{page.name.split('.')[0]}"
        body = gzip.decompress(page.read_bytes())
        responses.append(Response(url, body, "text/html; charset=utf-8"))
        if n % 10 == 0:
            responses.append(Response(f"{url}.png", PNG, "image/png"))
    write_warc(path, responses)
    return len(files)


def read_with_warcio(path: Path) -> int:
    """The reference reader: the same fields, with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    pages = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            http = record.http_headers
            if http.get_statuscode() != "200" or "html" not in (
                http.get_header("Content-Type") or ""
            ):
                continue
            record.rec_headers.get_header("WARC-Target-URI")
            record.rec_headers.get_header("WARC-Date")
            record.rec_headers.get_header("WARC-Record-ID")
            record.content_stream().read(16 << 20)
            pages += 1
    return pages


def read_with_fastwarc_gzip(path: Path) -> int:
    """fastwarc decompressing the gzip itself (faster, but silent where a file is cut off)."""
    from normalize.io.warc import read_warc

    with open(path, "rb") as f:
        return sum(isinstance(item, RawDocument) for item in read_warc(f, str(path), 16 << 20))


def timed(fn):  # type: ignore[no-untyped-def]
    """``fn()`` and the CPU seconds it took: every step runs in this one process on
    one core, and CPU time does not count what other processes on the machine take."""
    started = time.process_time()
    result = fn()
    return result, time.process_time() - started


def main() -> int:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "crawl.warc.gz"
        pages = build_warc(warc)
        warc_mb = warc.stat().st_size / 1e6
        if not pages:
            print("no pages found under", BENCH, file=sys.stderr)
            return 1
        run = RunConfig(jobs=1)
        items, t_read = timed(lambda: list(read_file(str(warc), run)))
        raws = [item for item in items if isinstance(item, RawDocument)]
        skipped = sum(isinstance(item, Skipped) for item in items)
        _, t_warcio = timed(lambda: read_with_warcio(warc))
        _, t_native = timed(lambda: read_with_fastwarc_gzip(warc))

        def normalize() -> list[list[OutputRecord]]:
            return [
                [
                    OutputRecord.of(d, r)
                    for d, r in zip(process_batch(b, run.pipeline), b, strict=True)
                ]
                for b in batched(raws, BATCH)
            ]

        batches, t_norm = timed(normalize)

        def write(writer: JsonlWriter | ParquetWriter) -> int:
            for batch in batches:
                for record in batch:
                    writer.write(record)
                writer.commit(len(batch))
            writer.close()
            return os.path.getsize(writer.target)

        size_pq, t_pq = timed(lambda: write(ParquetWriter(str(Path(tmp) / "out.parquet"))))
        size_js, t_js = timed(lambda: write(JsonlWriter(str(Path(tmp) / "out.jsonl"))))
        size_zst, t_zst = timed(lambda: write(JsonlWriter(str(Path(tmp) / "out.jsonl.zst"))))

    total = t_read + t_norm + t_pq
    share = (t_read + t_pq) / total
    print(
        f"WARC: {warc_mb:.1f} MB, {pages} pages; {len(raws)} documents read, "
        f"{skipped} records skipped (requests, metadata, images)"
    )
    print(f"{'step (one core)':<38} {'CPU s':>8}  reference, same run")
    print(
        f"{'read WARC (normalize reader, fastwarc)':<38} {t_read:8.2f}  warcio {t_warcio:.2f} s; "
        f"fastwarc reading the gzip itself {t_native:.2f} s"
    )
    print(f"{'normalize the pages':<38} {t_norm:8.2f}  ({len(raws) / t_norm:.1f} pages/s)")
    print(
        f"{'write Parquet (record schema, zstd)':<38} {t_pq:8.2f}  JSONL {t_js:.2f} s, "
        f"JSONL.zst {t_zst:.2f} s"
    )
    print(
        f"output sizes: Parquet {size_pq / 1e6:.1f} MB, JSONL {size_js / 1e6:.1f} MB, "
        f"JSONL.zst {size_zst / 1e6:.1f} MB"
    )
    verdict = "met" if share < 0.10 else "NOT met"
    print(f"reading WARC + writing Parquet: {share:.1%} of the run (target < 10 %: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
