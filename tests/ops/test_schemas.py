"""The JSON Schema files producers read are exactly what the code validates, and they accept what it accepts."""

from __future__ import annotations

import json

import jsonschema

from cli.util_cmds import SCHEMA_DIR, schema_documents


def test_schema_files_are_current() -> None:
    for name, document in schema_documents().items():
        on_disk = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        assert on_disk == document, f"{name}.schema.json is stale: run `sentimon schemas`"


def test_post_schema_accepts_a_post_and_rejects_one_without_text() -> None:
    schema = json.loads((SCHEMA_DIR / "post.schema.json").read_text())
    jsonschema.validate({"id": "p1", "text": "loving the new app", "brand": ["Loopa"]}, schema)
    jsonschema.validate({"id": "p2", "text": "ok", "brand": "Loopa", "parent_id": "p1"}, schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors({"id": "p3"}))
    assert any("text" in error.message for error in errors)
