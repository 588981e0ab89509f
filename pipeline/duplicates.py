"""Find reports that are the same report: mirrored on two sites, reposted, lightly edited.

Two reports are near-duplicates when the Jaccard similarity of their sets of
sentences is at least `THRESHOLD`: page furniture is already stripped and the
text normalised, so mirrors share nearly all sentences while two different
reports of one bureau share only stock phrases. MinHash signatures over the
sentences and an LSH index (banding) find candidates without comparing every
pair; the earliest report in input order is the original. The signature is
computed where the document is processed (a worker), the index is kept by the run.

The MinHash is datasketch's (version 2, its default "affine32" scheme, seed 1),
in a few lines of numpy: datasketch's import alone took half a CPU second (it
imports scipy), in every run. Each key is hashed with the first 4 bytes of its
SHA-1 (little-endian), mixed with the MurmurHash3 32-bit finalizer and mapped by
`NUM_PERM` random odd-multiplier affine maps modulo 2^32; the signature keeps the
minimum of each map. The same inputs give the same signatures as datasketch did.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache

import numpy as np

THRESHOLD = 0.8
NUM_PERM = 64
# Sentences shorter than this are headings and stock phrases that many reports share.
MIN_SENTENCE_CHARS = 8
MIN_SENTENCES = 5
PUNCTUATION = re.compile(r"[\s，,。．.、；;：:！!？?“”\"'‘’（）()《》]")
# The same but for line ends, so that the sentences, one a line, are stripped in one pass; the
# whitespace of `\s` (what str.isspace calls space) but "\n" is spelled out: one character class
# is matched twice as fast as two alternatives.
SPACES_BUT_LINE_END = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
PUNCTUATION_BUT_LINE_ENDS = re.compile(rf"[{SPACES_BUT_LINE_END}，,。．.、；;：:！!？?“”\"'‘’（）()《》]")
SEED = 1  # fixed permutations: the same input gives the same answer
# The LSH banding: BANDS bands of ROWS signature values each; reports that agree on a whole band are
# candidates. (5, 11) minimises the sum of the false-positive and false-negative probabilities,
# weighed equally, at THRESHOLD with NUM_PERM values (tests/test_worker_contract.py derives it).
BANDS, ROWS = 5, 11

# A signature: the NUM_PERM minimum hash values (uint32) of a report's sentence set.
Signature = np.ndarray


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The affine maps h → a·h + b (mod 2^32), `a` odd so that each map is a bijection."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 finalizer: spreads the bits of each value (uint32 arithmetic wraps)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash(keys: Iterable[bytes]) -> Signature:
    """The MinHash signature of a non-empty set of byte strings."""
    hashed = np.frombuffer(b"".join(hashlib.sha1(key).digest()[:4] for key in keys), dtype="<u4")
    a, b = _permutations()
    return (_fmix32(hashed.astype(np.uint32).reshape(-1, 1)) * a + b).min(axis=0)


def signature(sentences: list[str]) -> Signature | None:
    """The MinHash of a report's set of sentences, or None when it has too few to compare."""
    lines = "\n".join(sentences)
    if lines.count("\n") == len(sentences) - 1:  # no sentence holds a line end (none does, once segmented)
        keys = set(PUNCTUATION_BUT_LINE_ENDS.sub("", lines).encode("utf-8").split(b"\n"))
    else:
        keys = {PUNCTUATION.sub("", s).encode("utf-8") for s in sentences}
    keys = {k for k in keys if len(k) >= 3 * MIN_SENTENCE_CHARS}  # UTF-8: 3 bytes a character
    if len(keys) < MIN_SENTENCES:
        return None
    return minhash(keys)


def jaccard(first: Signature | np.ndarray, second: Signature) -> float | np.ndarray:
    """The Jaccard similarity the two signatures estimate: the share of equal values. `first` may be
    several signatures, one a row, for their similarities to `second`."""
    return np.count_nonzero(first == second, axis=-1) / first.shape[-1]


class NearDuplicateIndex:
    """The originals met so far, for a run that meets tens of thousands of reports. The signatures
    are rows of one array and each band maps a hash of its values to the rows that have them, so a
    report adds a handful of small objects: as a dict of arrays and byte strings, the index's small
    objects, scattered among the results that pass through the run, kept the run's memory growing
    by ~3 KB a report. Two bands of different values with the same hash (a chance of 2^-64) only
    add a candidate that the Jaccard estimate then weighs."""

    def __init__(self, capacity: int = 1024) -> None:
        self.bands: list[dict[int, int | list[int]]] = [{} for _ in range(BANDS)]
        self.signatures = np.empty((capacity, NUM_PERM), dtype=np.uint32)  # doubled when full
        self.doc_ids: list[str] = []

    def _candidates(self, band_keys: list[int]) -> set[int]:
        rows: set[int] = set()
        for band, key in zip(self.bands, band_keys):
            found = band.get(key)
            if isinstance(found, list):
                rows.update(found)
            elif found is not None:
                rows.add(found)
        return rows

    def original_of(self, doc_id: str, signature: Signature | None) -> str | None:
        """The earlier report this one duplicates, or None (and it is indexed as an original)."""
        if signature is None:
            return None
        band_keys = [hash(signature[band * ROWS:(band + 1) * ROWS].tobytes()) for band in range(BANDS)]
        candidates = sorted(self._candidates(band_keys))
        if candidates:
            similarities = jaccard(self.signatures[candidates], signature)
            for row, similarity in zip(candidates, similarities.tolist()):  # the earliest original first
                if similarity >= THRESHOLD:
                    return self.doc_ids[row]
        row = len(self.doc_ids)
        if row == len(self.signatures):
            self.signatures = np.concatenate([self.signatures, np.empty_like(self.signatures)])
        self.signatures[row] = signature
        self.doc_ids.append(doc_id)
        for band, key in zip(self.bands, band_keys):
            found = band.get(key)
            if found is None:
                band[key] = row
            elif isinstance(found, list):
                found.append(row)
            else:
                band[key] = [found, row]
        return None
