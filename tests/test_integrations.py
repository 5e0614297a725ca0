"""normalize inside other pipelines: datatrove's executor and Hugging Face datasets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from normalize.config import Config
from tests.warc_fixtures import ENGLISH_PAGE, RUSSIAN_PAGE, sample_records, write_warc


def test_datatrove_step_reads_a_warc_and_writes_jsonl(tmp_path: Path) -> None:
    pytest.importorskip("datatrove")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter

    from normalize.integrations.datatrove import Normalize

    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "00000.warc.gz", sample_records())
    LocalPipelineExecutor(
        [
            WarcReader(str(tmp_path / "crawl")),
            Normalize(exclusion_writer=JsonlWriter(str(tmp_path / "excluded"))),
            JsonlWriter(str(tmp_path / "clean")),
        ],
        tasks=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    lines = gzip.decompress((tmp_path / "clean" / "00000.jsonl.gz").read_bytes()).splitlines()
    docs = {json.loads(line)["metadata"]["url"]: json.loads(line) for line in lines}
    # datatrove's reader keeps the HTML responses (with status 200 or not: it does not look).
    english = docs["https://frogs.example.org/en/new-species"]
    assert english["text"].startswith("Frogs of the forest")
    assert "<p>" not in english["text"] and "Home | News" not in english["text"]
    meta = english["metadata"]
    assert meta["lang"] == "en"
    assert "".join(s["text"] for s in meta["segments"]).count("Home") == 1
    assert meta["reasons"] and all(isinstance(n, int) for n in meta["reasons"].values())
    russian = docs["https://frogs.example.ru/novosti/lyagushki"]
    assert russian["metadata"]["lang"] == "ru"
    assert "Группа исследователей из Москвы описала новый вид лягушек" in russian["text"]
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "normalize" in s["name"])
    assert step["stats"]["forwarded"] == step["stats"]["total"] == len(docs)


def test_datatrove_step_drops_error_records_into_the_exclusion_writer(tmp_path: Path) -> None:
    pytest.importorskip("datatrove")
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.writers import JsonlWriter

    from normalize.integrations.datatrove import Normalize

    step = Normalize(
        Config(max_bytes=len(ENGLISH_PAGE) + 100),
        exclusion_writer=JsonlWriter(str(tmp_path), compression=None),
    )
    docs = [
        DtDocument(text=ENGLISH_PAGE, id="ok", metadata={"url": "https://a.example/"}),
        DtDocument(text=ENGLISH_PAGE * 2, id="big", metadata={}),
    ]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["ok"]
    excluded = [json.loads(line) for line in (tmp_path / "00000.jsonl").read_text().splitlines()]
    assert [(d["id"], d["metadata"]["errors"][0]["code"]) for d in excluded] == [
        ("big", "too_large")
    ]
    assert step.stats["dropped_too_large"].total == 1


def test_hf_normalize_batch_with_dataset_map() -> None:
    datasets = pytest.importorskip("datasets")
    from normalize.integrations.hf import features, normalize_batch, normalize_dataset

    ds = datasets.Dataset.from_dict(
        {
            "id": [1, 2, 3],
            "text": [ENGLISH_PAGE, RUSSIAN_PAGE, None],
            "url": ["https://frogs.example.org/a", "https://frogs.example.ru/b", None],
            "extra": ["x", "y", "z"],
        }
    )
    # Two batches: the first without errors, the second with one.
    out = ds.map(normalize_batch, batched=True, batch_size=2, features=features(ds.features))
    assert out.to_list() == normalize_dataset(ds, batch_size=2).to_list()
    assert out["id"] == [1, 2, 3] and out["extra"] == ["x", "y", "z"]
    assert out["lang"][:2] == ["en", "ru"]
    assert out["text"][0].startswith("Frogs of the forest") and "<p>" not in out["text"][0]
    assert [e["code"] for e in out["errors"][2]] == ["bad_field"] and out["errors"][0] == []
    assert out["segments"][1][0]["text"]
    assert out["metadata"][0]["url"] == "https://frogs.example.org/a"


def test_hf_normalize_batch_names_the_columns_when_the_text_field_is_wrong() -> None:
    from normalize.integrations.hf import normalize_batch

    with pytest.raises(KeyError, match=r"no column 'body'; its columns are \['html', 'id'\]"):
        normalize_batch({"html": ["<p>x</p>"], "id": [1]}, text_field="body")
