"""Find reports that are the same report: mirrored on two sites, reposted, lightly edited.

Two reports are near-duplicates when the Jaccard similarity of their sets of
sentences is at least `THRESHOLD`: page furniture is already stripped and the
text normalised, so mirrors share nearly all sentences while two different
reports of one bureau share only stock phrases. MinHash signatures over the
sentences and an LSH index (datasketch) find candidates without comparing
every pair; the earliest report in input order is the original. The signature is
computed where the document is processed (a worker), the index is kept by the run.
"""
from __future__ import annotations

import re
from functools import cache

from datasketch import LeanMinHash, MinHash, MinHashLSH

THRESHOLD = 0.8
NUM_PERM = 64
# Sentences shorter than this are headings and stock phrases that many reports share.
MIN_SENTENCE_CHARS = 8
MIN_SENTENCES = 5
PUNCTUATION = re.compile(r"[\s，,。．.、；;：:！!？?“”\"'‘’（）()《》]")
SEED = 1  # fixed permutations: the same input gives the same answer


@cache
def _blank() -> MinHash:
    """An empty MinHash: its permutations are drawn once, copies share them."""
    return MinHash(num_perm=NUM_PERM, seed=SEED)


def signature(sentences: list[str]) -> LeanMinHash | None:
    """The MinHash of a report's set of sentences, or None when it has too few to compare."""
    keys = {PUNCTUATION.sub("", s).encode("utf-8") for s in sentences}
    keys = {k for k in keys if len(k) >= 3 * MIN_SENTENCE_CHARS}  # UTF-8: 3 bytes a character
    if len(keys) < MIN_SENTENCES:
        return None
    minhash = _blank().copy()
    minhash.update_batch(sorted(keys))
    return LeanMinHash(minhash)  # without the permutations: small to send


class NearDuplicateIndex:
    def __init__(self) -> None:
        self.lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self.signatures: dict[str, LeanMinHash] = {}
        self.order: dict[str, int] = {}

    def original_of(self, doc_id: str, signature: LeanMinHash | None) -> str | None:
        """The earlier report this one duplicates, or None (and it is indexed as an original)."""
        if signature is None:
            return None
        candidates = [c for c in self.lsh.query(signature)
                      if self.signatures[c].jaccard(signature) >= THRESHOLD]
        if candidates:
            return min(candidates, key=self.order.__getitem__)
        self.order[doc_id] = len(self.order)
        self.signatures[doc_id] = signature
        self.lsh.insert(doc_id, signature)
        return None
