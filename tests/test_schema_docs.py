"""docs/schema.md documents every column of every table defined in pipeline/schema.py."""
from __future__ import annotations

import re

from pipeline.schema import TABLES

from conftest import ROOT


def documented_columns() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    tables: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^## (\w+)", line)
        if heading:
            current = heading.group(1)
            tables[current] = set()
        row = re.match(r"^\| (\w+) \|", line)
        if current and row and row.group(1) != "column":
            tables[current].add(row.group(1))
    return tables


def test_every_table_and_column_is_documented():
    documented = documented_columns()
    for name, schema in TABLES.items():
        assert name in documented, f"docs/schema.md has no section for {name}"
        assert set(schema.names) == documented[name], name
