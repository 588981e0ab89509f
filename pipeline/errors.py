"""Conditions a user can meet on an ordinary day, each with its own exit status.

They are raised before any table is replaced, and the command line prints
their message as one line. Anything else that goes wrong is a bug and is
reported as one (exit status `INTERNAL_ERROR`, with the trace).
"""
from __future__ import annotations

SOME_INPUTS_FAILED = 1  # with --strict: the run completed, but some input could not be read
USAGE = 2  # click's own status for a bad option or argument
INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h: a bug in policymine


class PolicymineError(Exception):
    """A predictable condition; the message says what to do about it."""

    exit_code = 1


class InputNotFound(PolicymineError):
    """The input path does not exist, or is not the kind of path the command takes."""

    exit_code = 3


class NoReports(PolicymineError):
    """The input folder holds no file in a report format."""

    exit_code = 4


class NothingReadable(PolicymineError):
    """Report files were there, but not one could be read as a report."""

    exit_code = 5


class OutputNotWritable(PolicymineError):
    """The output folder cannot be created or written."""

    exit_code = 6


class OutputBusy(PolicymineError):
    """Another run is writing into the same output folder (it holds the folder's lock)."""

    exit_code = 8


class EngineUnavailable(PolicymineError):
    """The engine cannot process anything (a Dask cluster without workers); the message says why."""

    exit_code = 9


class MemoryBudget(PolicymineError):
    """The derived tables need more memory than DuckDB's budget allows, or the budget set
    (POLICYMINE_DUCKDB_MEMORY) is not a memory size."""

    exit_code = 10


class TablesNotFound(PolicymineError):
    """A command that reads the tables was pointed at a folder without them."""

    exit_code = 1


class MissingExtra(PolicymineError):
    """The command needs an optional dependency group that is not installed."""

    exit_code = 7

    def __init__(self, extra: str, purpose: str):
        super().__init__(f"{purpose} needs the optional dependencies of policymine[{extra}]: "
                         f"pip install 'policymine[{extra}]'")
