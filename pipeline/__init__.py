"""policymine: text mining of Chinese civil-affairs bureau reports.

The Python API, for notebooks (README, "Python API"):

    pipeline.extract(input_dir, output_dir)   → ExtractReport (the run's summary)
    pipeline.read_tables(output_dir)          → {table name: DataFrame}
    pipeline.indicators(text_or_path)         → DataFrame of indicator mentions
    pipeline.write_review(output_dir)         → HTML review pages

They are imported on first use, so that `import pipeline` (and the command line) stays quick.
"""
from __future__ import annotations

_EXPORTS = {
    "extract": "pipeline.api",
    "read_tables": "pipeline.api",
    "indicators": "pipeline.api",
    "ExtractReport": "pipeline.api",
    "write_review": "pipeline.review",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("policymine")
        except PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0"
    elif name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    globals()[name] = value
    return value
