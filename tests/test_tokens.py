"""Segmentation keeps the civil-affairs compounds whole and its offsets exact."""
from __future__ import annotations

from hypothesis import given, strategies as st

from pipeline.tokens import spacy_doc, tagged_words, words


def test_user_words_stay_whole():
    cut = [t.text for t in words("新建居家养老服务中心12家，为特困人员实施适老化改造")]
    assert "居家养老服务中心" in cut and "特困人员" in cut and "适老化改造" in cut


@given(st.text(max_size=200))
def test_tokens_tile_the_text(text):
    tokens = tagged_words(text)
    assert "".join(t.text for t in tokens) == text
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_spacy_doc_holds_the_same_tokens_and_tags():
    text = "全年发放临时救助资金1907万元，惠及困难群众5794人次。"
    doc = spacy_doc(text)
    assert doc.text == text
    assert [(t.text, t.tag_, t.idx) for t in doc] == [(t.text, t.pos, t.start) for t in tagged_words(text)]
    assert doc.char_span(4, 8).text == "临时救助"
