"""The record's Arrow schema, made from its JSON Schema (one description of the record).

The Parquet writer writes this schema explicitly, and the same schema (or the
``datasets`` features made from it) reads JSONL output back: a reader that
infers types from the data cannot know that an empty ``errors`` list holds
error objects, so types would differ from shard to shard. Deriving the Arrow
schema from ``normalize/schema/record.schema.json`` keeps the two equal by
construction; ``tests/test_corpus_io.py`` checks it on real output.

The mapping: ``string``/``integer``/``number``/``boolean`` → ``string``,
``int64``, ``float64``, ``bool``; ``const`` and ``enum`` → ``string``;
``array`` → ``list``; ``object`` with ``properties`` → ``struct`` (fields in
the schema's order); ``object`` with only ``additionalProperties`` →
``map<string, …>``. Every Arrow field is nullable, as JSON readers
(``pyarrow.json``) and ``datasets`` read them, so that the schema is the same
whichever way the output is loaded; which fields may be null is the JSON
Schema's to say, and every record is checked against it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from normalize.io.extras import require


def record_json_schema() -> dict[str, Any]:
    """The record's JSON Schema (``normalize/schema/record.schema.json``)."""
    from importlib import resources  # not at import: only Parquet output and tests read it

    text = resources.files("normalize").joinpath("schema/record.schema.json").read_text("utf-8")
    return json.loads(text)


def pyarrow() -> Any:
    """The pyarrow module, or an error that names the extra to install."""
    return require("pyarrow", "parquet", "Parquet")


def arrow_type(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Any:
    """The Arrow type of a JSON Schema (see the module docstring).

    ``root`` is the document that ``$ref: #/$defs/…`` references point into.

    >>> arrow_type({"type": "array", "items": {"type": ["string", "null"]}})
    ListType(list<item: string>)
    >>> arrow_type({"type": "object", "additionalProperties": {"type": "string"}})
    MapType(map<string, string>)
    """
    pa = pyarrow()
    root = root or schema
    if "$ref" in schema:
        prefix = "#/$defs/"
        if not schema["$ref"].startswith(prefix):
            raise ValueError(f"only local $defs references are supported, not {schema['$ref']}")
        schema = root["$defs"][schema["$ref"][len(prefix) :]]
    if "const" in schema or "enum" in schema:
        return pa.string()
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) != 1:
            raise ValueError(f"no Arrow type for a JSON Schema of several types: {kind}")
        kind = kinds[0]
    if kind == "string":
        return pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        items = schema["items"]
        return pa.list_(arrow_type(items, root))
    if kind == "object" and "properties" in schema:
        return pa.struct(
            [pa.field(name, arrow_type(sub, root)) for name, sub in schema["properties"].items()]
        )
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return pa.map_(pa.string(), arrow_type(schema["additionalProperties"], root))
    raise ValueError(f"no Arrow type for the JSON Schema {json.dumps(schema)[:200]}")


def record_schema() -> Any:
    """The Arrow schema of a record: one field per property of the JSON Schema, in order."""
    pa = pyarrow()
    fields = arrow_type(record_json_schema())
    return pa.schema(list(fields))
