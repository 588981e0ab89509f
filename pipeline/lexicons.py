"""Load the YAML and CSV data under `lexicons/`, once per process, and keep what is slow to
derive from them on disk between runs.

`lexicons` is a package of data files: it is found through `importlib.resources`
wherever it is installed (a wheel, `pip install .`, or this checkout in place).
"""
from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Callable

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


# The packages whose code decides every result.
PACKAGE_DIRS = ("pipeline", "extractors")


@cache
def code_fingerprint() -> str:
    """A hash of the pipeline's code."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in PACKAGE_DIRS:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Where `derived` keeps its results: $POLICYMINE_CACHE, else the user's cache folder.
CACHE_VARIABLE = "POLICYMINE_CACHE"


def cache_dir() -> Path:
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policymine"


def derived(name: str, inputs: tuple[str, ...], build: Callable[[], list[str]]) -> list[str]:
    """`build()`, a list of strings derived from the lexicons, the code and `inputs` (what else it
    reads), kept on disk under `cache_dir()` by a hash of all of them and of the Python version (a
    regular expression's matches could change with it), so that a later process reads it instead of
    deriving it again. A change to any of them gives another hash and the result is derived afresh;
    an unreadable or damaged file too. Written atomically; only the newest result of a `name` is kept."""
    digest = hashlib.sha256(f"{sys.version}\n{lexicons_fingerprint()}\n{code_fingerprint()}\n".encode())
    for text in inputs:
        digest.update(len(text).to_bytes(8, "little"))
        digest.update(text.encode("utf-8", "surrogatepass"))
    folder = cache_dir()
    path = folder / f"{name}-{digest.hexdigest()[:24]}.json"
    try:
        with open(path, encoding="utf-8") as fh:
            value = json.load(fh)
        if isinstance(value, list):
            return value
    except (OSError, ValueError):  # not there yet, or damaged: derived again below
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=f".{name}-",
                                         suffix=".tmp", delete=False) as fh:
            json.dump(value, fh, ensure_ascii=False)
        os.replace(fh.name, path)
        for old in folder.glob(f"{name}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk: the result is only not kept
        pass
    return value
