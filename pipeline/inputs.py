"""The inputs of a run: every path below the input folder, each with what to do about it.

Nothing outside the input folder gets in: symbolic links are never followed
(a link's target, inside the folder or not, is not read or hashed), and regular
files are opened without following links. Every path the walk meets becomes an
`Input`; those that are not regular files with a usable name carry the manifest
status and reason they are recorded with (hidden files and folders, links,
FIFOs and other special files, folders that cannot be listed, names that are
not valid UTF-8).
"""
from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Input:
    source_file: str  # path relative to the input folder, "/"-separated; escaped when not valid UTF-8
    # A string, not a Path: a run lists every input before it starts, and a Path costs ~450 bytes more.
    path: str
    status: str | None = None  # "skipped" or "failed" when the walk already knows; None: a regular file
    reason: str | None = None


def walk(input_dir: Path) -> list[Input]:
    """Every entry below `input_dir`, in the order of their relative paths."""
    root = Path(input_dir)
    found: list[Input] = []
    pending = [(os.fspath(root), "")]  # folders as strings, as `Input.path` holds them
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            found.append(Input(prefix.rstrip("/") or ".", folder, "failed", f"cannot list the folder: {_why(exc)}"))
            continue
        for entry in entries:
            name = prefix + entry.name
            path = entry.path
            if not _is_utf8(entry.name):
                found.append(Input(_escaped_name(prefix, entry.name), path, "failed",
                                   "the file name is not valid UTF-8 (rename it to read it)"))
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                found.append(Input(name, path, "failed", f"cannot inspect: {_why(exc)}"))
                continue
            if stat.S_ISLNK(mode):
                found.append(Input(name, path, "skipped", _link_reason(path, root)))
            elif entry.name.startswith("."):
                kind = "folder, not searched" if stat.S_ISDIR(mode) else "file"
                found.append(Input(name, path, "skipped", f"hidden {kind}"))
            elif stat.S_ISDIR(mode):
                pending.append((path, name + "/"))
            elif stat.S_ISREG(mode):
                found.append(Input(name, path))
            else:
                found.append(Input(name, path, "skipped", f"not a regular file ({_special_kind(mode)})"))
    return sorted(found, key=lambda item: item.source_file)


def open_regular(path: Path) -> int:
    """A read-only descriptor on `path`, refusing links and special files (a FIFO would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(f"{path} is not a regular file")
    return fd


def printable(name: str) -> str:
    """`name` for a terminal: control and format characters escaped (\\x1b, \\u202e …), and the
    bytes of a name that is not valid UTF-8 (held as surrogate escapes) as \\xNN."""
    out = []
    for ch in name:
        if 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _why(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped_name(prefix: str, name: str) -> str:
    return prefix + os.fsencode(name).decode("utf-8", "backslashreplace")


def _link_reason(path: str, root: Path) -> str:
    target = Path(os.path.realpath(path))
    if not target.exists():
        return "broken symbolic link (not followed)"
    try:
        inside = target.relative_to(Path(os.path.realpath(root))).as_posix()
    except ValueError:
        return "symbolic link to a path outside the input folder (not followed)"
    return f"symbolic link to {printable(inside)} (not followed: what it points to is read where it is)"


def _special_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return "special file"
