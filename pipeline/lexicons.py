"""Load the YAML and CSV data under `lexicons/`, once per process.

`lexicons` is a package of data files: it is found through `importlib.resources`
wherever it is installed (a wheel, `pip install .`, or this checkout in place).
"""
from __future__ import annotations

import hashlib
import importlib.resources
from functools import cache
from pathlib import Path

import yaml

# libyaml's loader parses the lexicons ~10x faster than the pure-Python one, with the same result;
# it ships with PyYAML's wheels, the fallback only matters on a build without it.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A regular package installed as files, so its resources are plain paths.
LEXICON_DIR = Path(str(importlib.resources.files("lexicons")))


@cache
def load_yaml(name: str):
    """Parse `lexicons/NAME` (e.g. "themes.yaml"); the result is shared, do not mutate it."""
    with open(LEXICON_DIR / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)


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
