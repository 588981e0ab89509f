"""Load the YAML and CSV data under `lexicons/`, once per process."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"


@cache
def load_yaml(name: str):
    """Parse `lexicons/NAME` (e.g. "themes.yaml"); the result is shared, do not mutate it."""
    with open(LEXICON_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def lexicon_path(name: str) -> Path:
    return LEXICON_DIR / name


@cache
def lexicons_fingerprint() -> str:
    """A hash of every lexicon file, so that a cached result is redone when a lexicon changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in LEXICON_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(LEXICON_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
