"""Read an input file into text: detect the container and the character encoding.

Readers return a `RawDocument`; they never guess silently. A file that cannot be
read raises `ReadError` with the reason, and the run records it and goes on.
"""
from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from charset_normalizer import from_bytes

from pipeline.model import RawDocument

TEXT_SUFFIXES = {".txt", ".text"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES

# Encodings a Chinese report arrives in. GB18030 is a superset of GBK and GB2312;
# Big5 covers Taiwan/Hong Kong and older traditional-character pages.
CJK_ENCODINGS = ("gb18030", "big5", "utf_16", "utf_8")

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class ReadError(Exception):
    """The file could not be turned into report text; the message says why."""


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def decode_bytes(data: bytes) -> str:
    """Decode report bytes, detecting the encoding rather than assuming one."""
    if not data.strip():
        raise ReadError("empty file")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReadError(f"declares {encoding} by its byte-order mark but does not decode: {exc.reason}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise ReadError("binary data, not text")
    best = from_bytes(data, cp_isolation=list(CJK_ENCODINGS)).best()
    if best is None:
        raise ReadError("not text in any supported encoding (UTF-8, UTF-16, GB18030/GBK, Big5)")
    return str(best)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NUL in every other byte for ASCII characters."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for encoding, nuls in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
        if nuls > half * 0.2 and min(even_nuls, odd_nuls) < half * 0.05:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_file(path: Path, root: Path) -> RawDocument:
    """Read one input file found under `root`."""
    data = path.read_bytes()
    source_file = path.relative_to(root).as_posix()
    return RawDocument(source_file=source_file, doc_id=doc_id_of(data), text=decode_bytes(data))
