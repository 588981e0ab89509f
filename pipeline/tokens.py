"""Word segmentation with jieba's dictionary and the civil-affairs user words.

The backend is rjieba, a binding of jieba-rs: it ships jieba's dictionary and
cuts the same way, about 25× faster than pure-Python jieba (bench/ measures the
token agreement). The user words are added once per process (workers forked
after the warm-up share them) to the segmenter rjieba builds when it is imported,
the one its module functions use: a second one would cost another 0.1 CPU s and
25 MB in every run. jieba's `enable_parallel` would drop them.
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import rjieba

from pipeline.lexicons import load_yaml


class Token(NamedTuple):
    """A word with its offsets. A tuple: the indicator rules segment thousands of clause pieces
    per report, and a tuple is several times cheaper to build than a frozen dataclass."""

    text: str
    pos: str  # jieba POS tag ("" when only words were asked for)
    start: int  # offset in the string that was segmented
    end: int


def user_words() -> list[tuple[str, str | None]]:
    out = []
    for entry in load_yaml("jieba_user_words.yaml")["words"]:
        if isinstance(entry, dict):
            (word, pos), = entry.items()
            out.append((word, pos))
        else:
            out.append((entry, None))
    return out


@cache
def tokenizer() -> rjieba.Jieba:
    tok = rjieba.cut.__self__  # the segmenter behind rjieba's module functions
    for word, pos in user_words():
        # suggest_freq gives the frequency that keeps the word whole, as jieba's user dictionaries do
        tok.add_word(word, tok.suggest_freq(word), pos)
    return tok


def _with_offsets(pieces, tagged: bool) -> list[Token]:
    out, pos = [], 0
    for piece in pieces:
        word, flag = piece if tagged else (piece, "")
        # Token(…) without the Python-level __new__ of a named tuple: a third of the cost
        out.append(_new_tuple(Token, (word, flag, pos, pos + len(word))))
        pos += len(word)
    return out


_new_tuple = tuple.__new__


def words(text: str) -> list[Token]:
    """Segment `text` into words with offsets (no POS tags)."""
    return _with_offsets(tokenizer().cut(text, True), tagged=False)


def tagged_words(text: str) -> list[Token]:
    """Segment `text` into words with jieba POS tags and offsets."""
    return _with_offsets(tokenizer().tag(text, True), tagged=True)


@cache
def _blank_zh():
    import spacy

    return spacy.blank("zh")


def spacy_doc(text: str):
    """`text` as a spaCy Doc cut by this tokenizer, for analysts who work with spaCy's tools
    (Matcher, displacy, Span offsets). Each token's jieba POS tag is in `token.tag_`; no
    trained model is needed. `doc.text == text`, and token offsets are those of `tagged_words`."""
    from spacy.tokens import Doc

    tokens = tagged_words(text)
    return Doc(_blank_zh().vocab, words=[t.text for t in tokens], spaces=[False] * len(tokens),
               tags=[t.pos for t in tokens])
