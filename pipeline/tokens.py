"""jieba word segmentation with the civil-affairs user words.

jieba's user words are global to a tokenizer, so each process builds its own
`jieba.Tokenizer` once (workers included) rather than relying on jieba's
default instance or `enable_parallel`, which silently drops user words.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import jieba
import jieba.posseg

from pipeline.lexicons import load_yaml

jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    pos: str  # jieba POS tag ("" when only words were asked for)
    start: int  # offset in the string that was segmented
    end: int


def user_words() -> list[tuple[str, str | None]]:
    entries = load_yaml("jieba_user_words.yaml")["words"]
    out = []
    for entry in entries:
        if isinstance(entry, dict):
            (word, pos), = entry.items()
            out.append((word, pos))
        else:
            out.append((entry, None))
    return out


@cache
def tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    for word, pos in user_words():
        tok.add_word(word, freq=tok.suggest_freq(word, tune=False) or None, tag=pos)
    return tok


@cache
def pos_tokenizer() -> jieba.posseg.POSTokenizer:
    return jieba.posseg.POSTokenizer(tokenizer())


def words(text: str) -> list[Token]:
    """Segment `text` into words with offsets (no POS tags)."""
    out, pos = [], 0
    for word in tokenizer().cut(text, HMM=True):
        out.append(Token(word, "", pos, pos + len(word)))
        pos += len(word)
    return out


def tagged_words(text: str) -> list[Token]:
    """Segment `text` into words with jieba POS tags and offsets."""
    out, pos = [], 0
    for pair in pos_tokenizer().cut(text, HMM=True):
        out.append(Token(pair.word, pair.flag, pos, pos + len(pair.word)))
        pos += len(pair.word)
    return out
