"""Indicator mentions: each quantity of a report with what it measures and when.

For every quantity that `extractors.quantities` finds in a sentence (jieba is
called only on sentences that have one):

* subject – the gist of the measured thing, read from the clause around the
  figure with jieba words and POS tags: the words before it
  (发放临时救助资金532万元 → 发放临时救助资金) and the noun phrase it counts
  after it, with a short predicate of what the counted did (1500个社工岗位 →
  社工岗位; 260家社会组织参与帮扶 → 社会组织参与帮扶), without scope words
  (全市, 累计, 其中 …), prepositions (为 …) and copulas (达到, 提高至 …).
  Figures written back to back share their words (1200户次3600人次);
  coordinated figures share a trailing predicate. A bare rate (覆盖率达72.5%)
  or a figure with only a verb (入选) borrows the subject of the figure or
  clause before it; a generic noun (…个项目) takes the sentence's topic; a
  short name takes its longer form from earlier in the sentence (床位 →
  家庭养老床位);
* status – cue words of the figure's clause (力争, 确保, 预计 … → target;
  已建成, 截至目前 … → actual), then unambiguous plan cues earlier in the
  sentence (力争到…，…), then the section's status (from its heading), then the
  document's; a deadline after the reporting year (到2025年底) is a plan;
* period – the last year cue before the figure in its sentence (到2021年底,
  2020年上半年, not 较2019年), else the section's, else the document period
  of the same status;
* theme – the theme with the most evidence, summing what the subject, the
  clause and the sentence name, the sentence's labels and the nearest heading
  that names a theme (weights in lexicons/indicator_cues.yaml);
* indicator_code – `extractors.codes.assign_code`, with the kind cue of the figure's clause
  (共有/截至… → the total, 新增/新纳入… → the additions, 清退… → no code) picking a twin's reading;
* measure_kind – the code's kind (GUIDELINE 1b), else what the cue and unit say; kind_evidence
  keeps the cue word;
* is_previous_value – the first number of a stated change (由X提高至Y, 由X精减为Y): its subject
  ends in （调整前）, both numbers share the measured thing (and the rate, see quantities).
  Coordinated figures share their subject as the grammar shares it: 城乡/城市、农村…分别 gives
  one modifier to each, a comparison run (较2019年分别增长…) measures the run before it, a part
  after 其中 names its whole (享受低保的脱贫户).

Word lists are in lexicons/indicator_cues.yaml. `mentions_in_text` runs the
same on a bare passage.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from extractors import TEXT_CACHE_ENTRIES
from extractors.codes import assign_code, catalogue
from extractors.quantities import CLAUSE_BREAK, clause_bounds, find_quantities, grammar, is_change
from extractors.themes import read as read_themes
from pipeline.lexicons import load_yaml
from pipeline.model import Document, DocumentMeta, Mention, Quantity, Section, Sentence, ThemeLabel
from pipeline.tokens import Token, tagged_words as _tag_words

# A year that dates the figures after it in the sentence: 到2025年底, 2020年上半年, 2021年，…
# (not a year of comparison: 较2019年底, 比2020年).
# (The lookbehinds follow the first characters, so that the regex engine skips to them.)
YEAR_CUE = re.compile(r"((?:19|20)\d\d)(?<![较比与同]\d{4})\s*年(?:度)?(?:(上半年|下半年)|底|末|内|全年|(?=[，,、共累全]))")
HALF_CUE = re.compile(r"(上半年|下半年)")
# 到2025年底 / 至2022年末: a deadline, a plan unless it is the reporting year's own end.
# (截至2023年底 is the date of a reported figure, not a deadline.)
DEADLINE_CUE = re.compile(r"(?:到|至)(?<!截至)\s*((?:19|20)\d\d)\s*年(?:底|末)")
# Joints between two figures of one measurement (1200户次3600人次, 860户次、2100人次).
TIGHT_GAP = re.compile(r"^[、和及与或\s]*$")


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def tagged_words(text: str) -> tuple[Token, ...]:
    """jieba words of `text` with POS tags. The subject rules cut and re-read the same
    pieces of a clause many times, and subjects recur across reports."""
    return tuple(_tag_words(text))


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _theme_evidence(text: str) -> dict[str, float]:
    """The theme weights that `text` names (shared: do not mutate). Every figure of a sentence
    reads the sentence and its clause again, and subjects and headings recur across reports.
    Texts here are pieces of a normalised document, so they are not normalised again."""
    return read_themes(text, already_normalised=True).raw


# One per process, hashed by identity: the text helpers below are cached with it as a key.
@dataclass(frozen=True, slots=True, eq=False)
class Cues:
    scope: frozenset[str]
    inner_scope: frozenset[str]
    keep: frozenset[str]
    lead: frozenset[str]
    tail: frozenset[str]
    tail_words: tuple[str, ...]  # the same, for str.endswith
    tail_lengths: tuple[int, ...]  # the lengths of the tail words, longest first
    rate_words: tuple[str, ...]
    max_chars: int
    max_predicate_chars: int
    predicate_verbs: frozenset[str]
    generic_nouns: frozenset[str]
    change_verbs: tuple[str, ...]
    change_suffix: str
    beneficiary_prepositions: tuple[str, ...]
    raising_verbs: re.Pattern[str]
    previous_suffix: str
    flow_words: re.Pattern[str]
    stock_words: re.Pattern[str]
    stock_lead: re.Pattern[str]
    exit_words: re.Pattern[str]
    build_words: re.Pattern[str]
    subset_words: re.Pattern[str]
    target: re.Pattern[str]
    actual: re.Pattern[str]
    target_lead: re.Pattern[str]
    actual_lead: re.Pattern[str]
    halves: dict[str, str]
    theme_weights: dict[str, float]


@cache
def cues() -> Cues:
    spec = load_yaml("indicator_cues.yaml")
    any_of = lambda words: re.compile("|".join(map(re.escape, words)))  # noqa: E731
    subject = spec["subject"]
    return Cues(
        scope=frozenset(subject["scope_words"]),
        inner_scope=frozenset(subject["inner_scope_words"]),
        keep=frozenset(subject["keep_words"]),
        lead=frozenset(subject["lead_words"]),
        tail=frozenset(subject["tail_words"]),
        tail_words=tuple(subject["tail_words"]),
        tail_lengths=tuple(sorted({len(word) for word in subject["tail_words"]}, reverse=True)),
        rate_words=tuple(subject["rate_words"]),
        max_chars=int(subject["max_chars"]),
        max_predicate_chars=int(subject["max_predicate_chars"]),
        predicate_verbs=frozenset(subject["predicate_verbs"]),
        generic_nouns=frozenset(subject["generic_nouns"]),
        change_verbs=tuple(subject["change_verbs"]),
        change_suffix=str(subject["change_suffix"]),
        beneficiary_prepositions=tuple(subject["beneficiary_prepositions"]),
        raising_verbs=any_of(subject["raising_verbs"]),
        previous_suffix=str(subject["previous_suffix"]),
        flow_words=any_of(sorted(spec["measure_kind"]["flow"], key=len, reverse=True)),
        stock_words=any_of(sorted(spec["measure_kind"]["stock"], key=len, reverse=True)),
        stock_lead=any_of(sorted(spec["measure_kind"]["stock_lead"], key=len, reverse=True)),
        exit_words=any_of(sorted(spec["measure_kind"]["exit"], key=len, reverse=True)),
        build_words=any_of(sorted(spec["measure_kind"]["build"], key=len, reverse=True)),
        subset_words=any_of(spec["measure_kind"]["subset"]),
        target=any_of(spec["status"]["target"]),
        actual=any_of(spec["status"]["actual"]),
        target_lead=any_of(spec["status"]["target_lead"]),
        actual_lead=any_of(spec["status"]["actual_lead"]),
        halves=dict(spec["period"]["halves"]),
        theme_weights={k: float(v) for k, v in spec["theme_weights"].items()},
    )


# ---------------------------------------------------------------- subjects

# Dates and ages at the start of the words before a figure (2021年, 7月, 80周岁).
_DATE_WORD = re.compile(r"^(?:\d+|[一二三四五六七八九十〇零]+)?(?:年|月|日|号|季度|周岁|岁)$|^\d")
# POS tags (jieba's ICTCLAS set) that never begin the measured thing: prepositions,
# conjunctions, adverbs, time words, pronouns, particles, punctuation, locatives and
# measure words (80周岁以上老年人 → 老年人 once 80 is gone).
_SKIP_POS = ("p", "c", "d", "t", "r", "u", "x", "ul", "uj", "uz", "ug", "uv", "ud", "f", "q")
# Item separators inside a clause (…1条市级界线、7条县级界线…, …1500张和护理型床位800张).
_ITEM_SEPARATORS = ("、", "以及", "和", "及", "与", "或")
# 拟于, 将在, 已于: a one-character scope word that jieba glues to a preposition.
_GLUED_PREPOSITIONS = "于在对向为从把"
_PLACE_SCOPE = "全我本各"
_PLACE_SCOPE_CHARS = frozenset(_PLACE_SCOPE)
_OPEN_CLOSE = {"(": ")", "（": "）", "“": "”", "‘": "’", "《": "》", "【": "】", "「": "」"}
_CLOSE_OPEN = {v: k for k, v in _OPEN_CLOSE.items()}
_QUOTE_CLOSE = {"“": "”", "‘": "’", "《": "》", "「": "」"}
# A bracketed note on what a count includes (含家庭成员, 不含…): not part of what is measured.
_NOTE = re.compile(r"[(（](?:含|包括|不含|其中)[^()（）]*[)）]")
# A figure compared with an earlier one (较2019年增长19.3%): its subject is the compared thing.
_COMPARISON = re.compile(r"^(?:较|比|同比|环比)")


_STRIPPED_MARKS = " \n，,、；;：:。！？!?·—-…"
# What `_balanced_strip` may remove at either end.
_EDGE_MARKS = frozenset(_STRIPPED_MARKS) | frozenset(_OPEN_CLOSE) | frozenset(_CLOSE_OPEN)


def _is_date_word(word: str) -> bool:
    return bool(_DATE_WORD.match(word))


def _balanced_strip(text: str) -> str:
    """Strip punctuation at both ends, but keep a bracket or quote that closes one opened inside."""
    if text and text[0] not in _EDGE_MARKS and text[-1] not in _EDGE_MARKS:
        return text  # the common case: nothing to strip
    while True:
        before = text
        text = text.strip(_STRIPPED_MARKS)
        if text and text[0] in _CLOSE_OPEN:
            text = text[1:]
        if text and text[-1] in _OPEN_CLOSE:
            text = text[:-1]
        if text and text[0] in _OPEN_CLOSE and _OPEN_CLOSE[text[0]] not in text[1:]:
            text = text[1:]
        if text and text[-1] in _CLOSE_OPEN and _CLOSE_OPEN[text[-1]] not in text[:-1]:
            text = text[:-1]
        if text == before:
            return text


def _strip_left(text: str, c: Cues) -> str:
    """Drop scope words, prepositions, light verbs and dates at the start (whole words only)."""
    while True:
        text = _balanced_strip(text)
        if not text:
            return text
        words = tagged_words(text)
        first = words[0]
        if first.text[0] in c.scope and len(first.text) == 2 and first.text[1] in _GLUED_PREPOSITIONS:
            text = text[1:]  # 拟于…, 将在…, 已于… (jieba glues them)
            continue
        if first.text in ("在", "于", "从") and len(words) > 1:
            # a place phrase before the verb: 在城西新区建成… → 建成…
            verb = next((w for w in words[1:] if w.pos.startswith("v") and w.pos != "vn"), None)
            if verb is not None:
                text = text[verb.start:]
                continue
        if first.text in c.keep or (first.text in _OPEN_CLOSE and _OPEN_CLOSE[first.text] in text[1:]):
            return text
        if first.text in c.scope or first.text in c.lead or first.pos in _SKIP_POS \
                or _is_date_word(first.text) or first.text.isascii():
            text = text[first.end:]
            continue
        return text


def _strip_right(text: str, c: Cues) -> str:
    """Drop copulas, adverbs and particles at the end, the longest tail word first."""
    while True:
        text = _balanced_strip(text)
        if not text.endswith(c.tail_words):
            return text
        length = next((n for n in c.tail_lengths if len(text) > n and text[-n:] in c.tail), None)
        if length is None:
            return text
        text = text[:-length]


def _after_last_scope(text: str, c: Cues) -> str:
    """市、县两级分别举办培训班 → 举办培训班: what follows an inner
    scope adverb (分别, 已, 累计, 其中 …) is the measured thing."""
    words = tagged_words(text)
    for i in range(len(words) - 1, 0, -1):
        if words[i].text in c.inner_scope:
            rest = text[words[i].end:]
            if len(_balanced_strip(rest)) >= 2 and not all(_is_verb(w, c) for w in tagged_words(rest)):
                return rest
            if rest and all(_is_verb(w, c) for w in tagged_words(rest)):
                # 城市、农村低保标准分别提高: only a verb follows, the measured thing is before it
                return text[:words[i].start] + rest
    return text


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _clean_left(text: str, c: Cues) -> str:
    text = "".join(text.split())  # without whitespace (str.split and \s agree on what it is)
    text = _strip_right(text, c)
    text = _after_last_scope(text, c) if text else text
    text = _strip_right(_strip_left(text, c), c)
    if not text or _PLACE_SCOPE_CHARS.isdisjoint(text):
        return text
    # a place scope inside the words (惠及全州…老人 → 惠及…老人) says where, not what
    return "".join(w.text for w in tagged_words(text) if not (w.text in c.scope and w.text[0] in _PLACE_SCOPE))


_NOUNISH = ("n", "vn", "k", "a", "b", "j", "l", "nz", "ns", "nt", "nr", "s", "an", "i", "g", "zg", "ng", "m", "q")


def _nounish(pos: str) -> bool:
    return pos.startswith(_NOUNISH) and not (pos.startswith("v") and pos != "vn")


def _predicate_at(words, k: int, c: Cues) -> bool:
    """Whether words[k] begins a predicate rather than continuing the noun phrase."""
    w = words[k]
    if w.text in c.inner_scope or w.text in c.predicate_verbs or w.pos in ("p", "d"):
        return True
    if w.pos.startswith("v") and w.pos != "vn":
        nxt = words[k + 1] if k + 1 < len(words) else None
        # a verb glued to the noun it modifies stays (留守儿童, 示范型…中心, 捐赠站点)
        return nxt is None or not _nounish(nxt.pos)
    return False


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _right_parts(text: str, c: Cues) -> tuple[str, str]:
    """What a figure counts, after it: (noun phrase, predicate).

    300个社工岗位 → (社工岗位, ""); 260家社会组织参与帮扶 → (社会组织, 参与帮扶);
    75%的养老床位 → (养老床位, ""); …等困难群体 → (困难群体, …).
    """
    text = "".join(text.split())  # without whitespace (str.split and \s agree on what it is)
    if text.startswith("的"):
        text = text[1:]
    for opener, closer in (("(", ")"), ("（", "）")):
        i = text.find(opener)
        if i != -1 and closer not in text[i:]:
            text = text[:i]  # (床位数 … the bracket goes on after another figure
    if not text or text.startswith(_ITEM_SEPARATORS):
        return "", ""
    words = tagged_words(text)
    np_end = len(text)
    depth = 0
    skip_to = -1
    for k, w in enumerate(words):
        if k <= skip_to:
            continue
        if w.text in ("(", "（"):
            depth += 1
        elif w.text in (")", "）"):
            depth = max(0, depth - 1)
        if depth or w.text in (")", "）"):
            continue
        if k > 0 and w.text in _QUOTE_CLOSE:
            # a quoted name inside the phrase (社工“暖心守护”热线) or after it (…“零差错”)
            close = next((j for j in range(k + 1, len(words)) if words[j].text == _QUOTE_CLOSE[w.text]), None)
            if close is not None and close + 1 < len(words) and _nounish(words[close + 1].pos) \
                    and not _predicate_at(words, close + 1, c):
                skip_to = close
                continue
            np_end = w.start
            break
        if _predicate_at(words, k, c):
            np_end = w.start
            break
    noun, predicate = text[:np_end], text[np_end:]
    if "等" in noun and len(noun) > 10:
        noun = noun[noun.rindex("等") + 1:]  # 低保对象、特困人员…等困难群体 → 困难群体
    if "的" in noun and len(noun) > 10:
        noun = noun[noun.rindex("的") + 1:]
    predicate = _strip_right(_strip_scope_words(predicate, c), c)
    if predicate:
        first = tagged_words(predicate)[0]
        if not ((first.pos.startswith("v") and first.pos != "vn") or first.pos == "p"
                or first.text in c.predicate_verbs):
            predicate = ""  # 民政服务对象(基本)生活得到保障: not what the group did
    if _visible_len(noun) + _visible_len(predicate) > c.max_predicate_chars and "“" in predicate[2:]:
        predicate = _strip_right(predicate[: predicate.index("“", 2)], c)  # …开通电子津贴账户“助老卡”
    noun = _balanced_strip(_strip_scope_words(noun, c)).rstrip("的了等之")
    return _balanced_strip(noun), predicate


def _strip_scope_words(text: str, c: Cues) -> str:
    if not text:
        return text
    return "".join(w.text for w in tagged_words(text) if w.text not in c.scope)


_QUOTE_MARKS = re.compile("[“”‘’\"']")


def _visible_len(text: str) -> int:
    return len(text) - len(_QUOTE_MARKS.findall(text))


def _needs_context(subject: str, from_left: bool, c: Cues) -> bool:
    """A subject that cannot stand alone: empty, a bare rate (覆盖率), very short
    before its figure (床位数), or only verbs (入选, 整改)."""
    if not subject:
        return True
    n = _visible_len(subject)
    if n <= 4 and subject.endswith(c.rate_words):
        return True
    if from_left and n <= 3:
        return True
    return n <= 3 and all(w.pos.startswith("v") and w.pos != "vn" for w in tagged_words(subject))


@dataclass(slots=True)
class _Item:
    quantity: Quantity  # offsets relative to the sentence
    left: str = ""
    right: str = ""
    clause: tuple[int, int] = (0, 0)  # the bounds of its clause in the sentence


def _separator_starts(text: str) -> list[int]:
    """Offsets of the item separators (、 和 及 与 …) of `text`, as whole words (not 和 in 和谐)."""
    return [w.start for w in tagged_words(text) if w.text in _ITEM_SEPARATORS] if text else []


def _separator_ends(text: str) -> list[int]:
    return [w.end for w in tagged_words(text) if w.text in _ITEM_SEPARATORS] if text else []


def _subjects(sentence: str, quantities: list[Quantity], c: Cues) -> list[str | None]:
    """The subject of each quantity of one sentence (offsets relative to `sentence`)."""
    items = [_Item(q) for q in quantities]
    n = len(items)
    tight = [False] * n  # item i is written right after item i-1 (1200户次3600人次)
    for i in range(1, n):
        gap = sentence[items[i - 1].quantity.char_end:items[i].quantity.char_start]
        tight[i] = bool(TIGHT_GAP.match(gap))
    for i, item in enumerate(items):
        q = item.quantity
        cs, ce = item.clause = clause_bounds(sentence, q.char_start, q.char_end)
        # quantities come in text order: only the neighbours can be the nearest in the clause
        before = [items[i - 1].quantity] if i and cs <= items[i - 1].quantity.char_start else []
        after = [items[i + 1].quantity] if i + 1 < n and items[i + 1].quantity.char_start < ce else []
        left = sentence[before[-1].char_end if before else cs:q.char_start]
        right = sentence[q.char_end:after[0].char_start if after else ce]
        bracket = max(left.rfind("("), left.rfind("（"))
        if before and not tight[i] and bracket != -1:
            left = left[bracket + 1:]  # …护理院1家(床位数220张): the bracket says what it counts
        elif before and not tight[i]:
            cut = _separator_ends(left)
            left = left[cut[-1]:] if cut else ""
        if after:
            cut = _separator_starts(right)
            right = right[:cut[0]] if cut else right
        if left.rstrip().endswith(_ITEM_SEPARATORS):
            left = ""  # 支持某县完成…全覆盖和5个…: the words before belong to another item
        item.left, item.right = left, right
    # figures of one measurement written back to back share their words
    for i in range(1, n):
        if tight[i]:
            items[i].left = items[i - 1].left
    for i in range(n - 2, -1, -1):
        if tight[i + 1] and not items[i].right.strip():
            items[i].right = items[i + 1].right
    # a predicate shared by coordinated figures: 800名社工、3000名志愿者、260家社会组织参与帮扶
    parts = [_right_parts(item.right, c) for item in items]
    for i in range(n - 1, 0, -1):
        gap = sentence[items[i - 1].quantity.char_end:items[i].quantity.char_start]
        if "、" in gap and parts[i][1] and not parts[i - 1][1] and not CLAUSE_BREAK.search(gap):
            parts[i - 1] = (parts[i - 1][0], parts[i][1])

    out: list[str | None] = []
    previous: str | None = None
    previous_clause_end = -1
    previous_head: str | None = None  # the noun of the previous subject (…申报的项目 → 项目)
    topic: str | None = None  # the specific thing a run of generic subjects (…个项目) is about
    for i, item in enumerate(items):
        cs, ce = item.clause
        if previous is not None and previous_clause_end < cs - 1:
            previous = previous_head = None  # only a figure of this clause or the one before lends
        left = _clean_left(_without_beneficiary(item.left.lstrip(), c), c)
        noun, predicate = parts[i]
        right = noun + predicate if noun and predicate and len(noun) + len(predicate) <= c.max_predicate_chars else noun
        if not noun and predicate:
            right = predicate
        if left and right and _visible_len(left) + _visible_len(right) > c.max_chars:
            left = ""
        subject = left + right
        head = noun or _noun_tail(left, c)
        needs_context = _needs_context(subject, not right, c)
        if needs_context and previous_head and subject \
                and all(_is_verb(w, c) for w in tagged_words(subject)):
            # 征集项目120个，最终入选36个 → 入选项目: the verb takes the noun of the figure before
            subject = subject + previous_head
            if _is_generic(previous_head, c):
                found = _topic(sentence, cs, c) or topic
                if found and found not in subject:
                    subject = found + subject
        elif needs_context:
            context = _without_kind_words(previous or _previous_clause(sentence, item.quantity.char_start, c), c)
            listed = i > 0 and "、" in sentence[items[i - 1].quantity.char_end:item.quantity.char_start]
            if listed and previous and previous_head and context.endswith(previous_head) and subject \
                    and not any(_is_verb(w, c) for w in tagged_words(subject)):
                # 筹集口罩9000个、酒精5000瓶 → 筹集酒精: a listed noun shares the verb, not the noun before
                context = context[:-len(previous_head)]
            if context and subject not in context:
                subject = context + subject
            elif context:
                subject = context
        elif head and _is_generic(head, c):
            # …个项目竣工 after 社区养老设施建设: the generic noun stands for the topic
            found = _topic(sentence, cs, c) or topic
            if found and found not in subject:
                subject = found + subject
        else:
            longer = _earlier_compound(sentence, cs, head, c) if head else None
            if longer:
                subject = subject[: subject.rindex(head)] + longer + subject[subject.rindex(head) + len(head):]
            if head:
                topic = head
        subject = _balanced_strip(_NOTE.sub("", subject))
        if item.quantity.unit == "percent" and subject.endswith(c.change_verbs):
            subject += c.change_suffix  # 办理时限压缩40% → 办理时限压缩比例
        out.append(subject or None)
        if subject:
            previous = subject
            previous_head = _noun_tail(subject, c) or previous_head
            previous_clause_end = ce
    if n > 1:  # what figures of one sentence say of each other
        out = _graded_list(sentence, items, out, c)
        out = _distribute_coordinated(sentence, quantities, out)
        out = _attach_groups(sentence, quantities, _compared_runs(sentence, quantities, out), c)
    return [_persons_of_households(subject, q.unit) for subject, q in zip(out, quantities)]


def _without_beneficiary(subject: str, c: Cues) -> str:
    """为养老机构筹集口罩 → 筹集口罩: who supplies were raised for is not what is measured."""
    if not subject.startswith(c.beneficiary_prepositions):
        return subject
    raising = c.raising_verbs.search(subject, 2)
    return subject[raising.start():] if raising and len(subject) > raising.end() else subject


def _persons_of_households(subject: str | None, unit: str) -> str | None:
    """脱贫户532户1460人: the persons of a group named by its households are its 人口."""
    if unit == "person" and subject and subject.endswith("户") and len(subject) > 2:
        return subject[:-1] + "人口"
    return subject


def _runs(sentence: str, quantities: list[Quantity], subjects: list[str | None]) -> list[tuple[int, int]]:
    """(start, end) of the runs of coordinated figures (…分别为636元、515元)."""
    runs, i = [], 0
    while i < len(subjects):
        j = i + 1
        while j < len(subjects) and _same_measure(quantities[i].unit, quantities[j].unit) \
                and _COORDINATION_GAP.match(sentence[quantities[j - 1].char_end:quantities[j].char_start]):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _compared_runs(sentence: str, quantities: list[Quantity], subjects: list[str | None]) -> list[str | None]:
    """城市、农村低保标准分别提高到760元、6200元，较2020年分别增长8.6%、12.4% → the k-th
    comparison measures the k-th figure before it: 城市低保标准较2019年增长比例, …."""
    out = list(subjects)
    runs = _runs(sentence, quantities, subjects)
    for s, e in runs:
        # 集中供养孤儿每人每月1500元、分散供养孤儿每人每月1150元的标准: the noun after the run is shared
        last = out[e - 1]
        if e - s >= 2 and last and last.endswith("标准") and quantities[s].unit.startswith("CNY/"):
            for k in range(s, e - 1):
                if out[k] and not out[k].endswith("标准"):
                    out[k] += "标准"
    for (ps, pe), (s, e) in zip(runs, runs[1:]):
        if pe - ps != e - s or not out[s] or not _COMPARISON.match(out[s]):
            continue
        for k in range(e - s):
            base = out[ps + k]
            if base and not _COMPARISON.match(base):
                out[s + k] = base + out[s + k]
    return out


def _leading_verb_phrase(subject: str, c: Cues) -> str:
    """新纳入低保对象 → 新纳入: the predicate verb (with its 新) that begins a subject, if one does
    (not a verb that modifies the noun: 集中供养孤儿)."""
    words = tagged_words(subject)
    k = 0
    while k < len(words) and (words[k].text in c.keep or words[k].pos == "d"):
        k += 1
    if k < len(words) and words[k].text in c.predicate_verbs and k + 1 < len(words):
        return subject[:words[k].end]
    return ""


def _leading_predicate(subject: str, c: Cues) -> int | None:
    """The offset of the first predicate verb of `subject` (享受, 纳入 …), if it has one."""
    return next((w.start for w in tagged_words(subject) if w.text in c.predicate_verbs), None)


def _attach_groups(sentence: str, quantities: list[Quantity], subjects: list[str | None], c: Cues) -> list[str | None]:
    """A subject that is only what a group did names the group it is part of:
    脱贫户532户，其中享受低保470户 → 享受低保的脱贫户 (the figure before 其中 names the whole);
    脱贫人口纳入低保39.8万人、纳入特困供养1.6万人 → 纳入特困供养的脱贫人口 (coordinated items share
    the group named before the first verb)."""
    out = list(subjects)
    whole = None  # the group that a 其中 opened, in force until the next ；
    for i in range(1, len(out)):
        subject = out[i]
        gap = sentence[quantities[i - 1].char_end:quantities[i].char_start]
        if "；" in gap or ";" in gap:
            whole = None
        if "其中" in gap and out[i - 1]:
            whole = _noun_tail(out[i - 1], c) or out[i - 1]
        if not subject:
            continue
        if _leading_predicate(subject, c) != 0:
            if whole and whole not in subject and "其中" in gap:
                out[i] = whole + "中的" + subject  # 城镇贫困群众…，其中城市低保1830户 → 城镇贫困群众中的城市低保
                if i + 1 < len(out) and subjects[i + 1] == subject \
                        and TIGHT_GAP.match(sentence[quantities[i].char_end:quantities[i + 1].char_start]):
                    out[i + 1] = out[i]
            elif "、" in gap and out[i - 1] and subjects[i - 1] != subject and not CLAUSE_BREAK.search(gap):
                verb = _leading_verb_phrase(out[i - 1], c)
                if verb and not subject.startswith(verb):
                    out[i] = verb + subject  # 新纳入低保对象10.9万人、特困人员4600人 → 新纳入特困人员
            continue
        group = None
        if whole:
            group = whole
        elif "、" in gap and out[i - 1] and not CLAUSE_BREAK.search(gap):
            verb = _leading_predicate(out[i - 1], c)
            group = out[i - 1][:verb] if verb else None
        if group and len(group) >= 2 and group not in subject:
            out[i] = subject + "的" + group
            # the figure written right after it (470户905人) counts the same group
            if i + 1 < len(out) and subjects[i + 1] == subject \
                    and TIGHT_GAP.match(sentence[quantities[i].char_end:quantities[i + 1].char_start]):
                out[i + 1] = out[i]
    return out


# 城乡 names two places at once: 城乡低保标准分别为636元、515元 gives the urban then the rural one.
_PAIRED_SCOPES = {"城乡": ("城市", "农村")}
_COORDINATION_GAP = re.compile(r"^\s*[、和及与]\s*$")


# The copula or verb that introduces the values of a graded list (…标准为全自理300元/月、半护理…,
# …标准提高到一级200元、二级150元).
_LIST_INTRODUCER = re.compile(r"(?:提高到|提高至|调整为|调整到|提升至|提升到|达到|分别为|为|是|：|:)")
# The longest modifier a later item of a graded list has (三四级, 半失能, 全自理…).
_MAX_GRADE_CHARS = 4


def _graded_list(sentence: str, items: list["_Item"], subjects: list[str | None], c: Cues) -> list[str | None]:
    """标准为全自理300元/月、半护理600元/月 → 标准全自理, 标准半护理: the items after the first of a
    list under one introducing verb are grades of one measure; each takes the measure and its own
    grade, not the grades before it."""
    out = list(subjects)
    i = 0
    while i < len(items):
        j = i + 1
        while j < len(items) and _same_measure(items[i].quantity.unit, items[j].quantity.unit) \
                and 0 < len(items[j].left.strip()) <= _MAX_GRADE_CHARS \
                and _COORDINATION_GAP.match(sentence[items[j - 1].quantity.char_end:
                                                     items[j].quantity.char_start - len(items[j].left)]) \
                and not any(_is_verb(w, c) for w in tagged_words(items[j].left.strip())):
            j += 1
        if j - i >= 2:
            first = _clean_left(items[i].left, c)
            cut = None
            for cut in _LIST_INTRODUCER.finditer(first):
                pass
            grade = first[cut.end():] if cut else ""
            measure = first[:cut.start()] if cut else ""
            if measure and 0 < len(grade) <= _MAX_GRADE_CHARS:
                out[i] = measure + grade
                for k in range(i + 1, j):
                    out[k] = measure + items[k].left.strip()
        i = j
    return out


def _distribute_coordinated(sentence: str, quantities: list[Quantity], subjects: list[str | None]) -> list[str | None]:
    """城市、农村低保标准分别为717元、581元 → 城市低保标准, 农村低保标准: a run of coordinated
    figures that share a subject naming as many coordinated modifiers takes one modifier each."""
    out = list(subjects)
    i = 0
    while i < len(out):
        j = i + 1
        while j < len(out) and out[j] == out[i] and out[i] and _same_measure(quantities[i].unit, quantities[j].unit) \
                and _COORDINATION_GAP.match(sentence[quantities[j - 1].char_end:quantities[j].char_start]):
            j += 1
        if j - i >= 2:
            parts = _coordinated_parts(out[i], j - i)
            if parts:
                out[i:j] = parts
        i = j
    return out


def _same_measure(a: str, b: str) -> bool:
    """Units of figures that can be coordinated (600元/月、4620元/年 are two standards)."""
    return a == b or (a.startswith("CNY/") and b.startswith("CNY/"))


def _coordinated_parts(subject: str, n: int) -> list[str] | None:
    for scope, places in _PAIRED_SCOPES.items():
        if n == len(places) and scope in subject:
            return [subject.replace(scope, place, 1) for place in places]
    parts = subject.split("、")
    if len(parts) != n or any(not p or len(p) > 4 for p in parts[:-1]):
        return None
    last = parts[-1]
    lengths = {len(p) for p in parts[:-1]}
    if len(lengths) == 1:
        head = last[:lengths.pop()]  # 一级、二级、三级护理补贴: modifiers of one length
    else:
        head = tagged_words(last)[0].text
    tail = last[len(head):]
    if not tail:
        return None
    return [p + tail for p in parts[:-1]] + [last]


def _without_kind_words(text: str, c: Cues) -> str:
    """城市低保新增 → 城市低保: a subject lent to the next figure (…，清退156户，共有1830户) lends
    what was counted, not how the figure before counted it."""
    while text:
        found = None
        for words in (c.flow_words, c.exit_words, c.stock_words):
            for match in words.finditer(text):
                if match.end() == len(text) and match.start() > 0:
                    found = match
        if found is None:
            return text
        text = _strip_right(text[:found.start()], c)
    return text


def _is_verb(word, c: Cues) -> bool:
    return (word.pos.startswith("v") and word.pos != "vn") or word.text in c.predicate_verbs \
        or word.text in c.lead


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _noun_tail(text: str, c: Cues) -> str:
    """The noun phrase that ends `text` (建成床位 → 床位, 发放临时救助资金 → 临时救助资金)."""
    if not text:
        return ""
    words = tagged_words(text)
    start = len(text)
    k = len(words) - 1
    while k >= 0:
        w = words[k]
        if w.text in _CLOSE_OPEN:  # a quoted or bracketed name is part of the phrase
            opener = _CLOSE_OPEN[w.text]
            j = next((j for j in range(k - 1, -1, -1) if words[j].text == opener), None)
            if j is None:
                break
            start, k = words[j].start, j - 1
            continue
        if _nounish(w.pos) and w.pos not in ("m", "q") and not _is_verb(w, c):
            start, k = w.start, k - 1
            continue
        break
    return _balanced_strip(text[start:])


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _is_generic(head: str, c: Cues) -> bool:
    """A noun that needs its topic: 项目, 资金, 群众 … possibly after verbs (兑现资金)."""
    words = [w for w in tagged_words(head) if not _is_verb(w, c)]
    return bool(words) and all(w.text in c.generic_nouns for w in words)


def _topic(sentence: str, clause_start: int, c: Cues) -> str | None:
    """The specific noun phrase of the sentence's first clause (推进社区养老设施建设 → 社区养老设施建设)."""
    if clause_start == 0:
        return None
    first_start, first_end = clause_bounds(sentence, 0, 0)
    if find_quantities(sentence[first_start:first_end]):
        return None  # the first clause has figures of its own: their subjects are the topic
    tail = _noun_tail(_clean_left(sentence[first_start:first_end], c), c)
    return tail if tail and not _is_generic(tail, c) and _visible_len(tail) <= c.max_chars else None


def _earlier_compound(sentence: str, clause_start: int, head: str, c: Cues) -> str | None:
    """建成床位832张 after 开展家庭养老床位试点: the longer name the head had earlier in the sentence."""
    i = sentence.rfind(head, 0, clause_start)
    if i <= 0:
        return None
    following = tagged_words(sentence[i + len(head):i + len(head) + 6])
    if following and _nounish(following[0].pos) and not _is_verb(following[0], c):
        return None  # 移民 in 移民项目: part of another name
    before = sentence[max(0, i - 12):i]
    longer = _noun_tail(before + head, c)
    if longer.endswith(head) and len(longer) > len(head) and not any(ch in longer for ch in "，,、；;："):
        return longer
    return None


def _previous_clause(sentence: str, start: int, c: Cues) -> str:
    cs, _ = clause_bounds(sentence, start, start)
    if cs == 0:
        return ""
    ps, _ = clause_bounds(sentence, cs - 1, cs - 1)
    return _clean_left(sentence[ps:cs - 1], c)


# ---------------------------------------------------------------- what a figure measures

# How far before (and after) a count its kind words are read: they stand next to it, and a clause
# that lists thousands of figures must not be read again for each.
KIND_CUE_REACH = 60
# The longest sentence read whole for a figure's code (see `_code_context`).
CODE_CONTEXT_CHARS = 400
# A list item ends here (…28家；新建床位…): a reading does not carry across it.
ITEM_BREAK = re.compile(r"[；;]")
# Units whose figures are counts of persisting things or of additions: the ones a stock/flow cue reads.
_COUNT_UNITS = frozenset({"count", "bed", "person", "household", "m2"})
# The kind a unit implies when no catalogue entry says (GUIDELINE 1b).
_UNIT_KINDS = {"CNY/month": "standard", "CNY/person/month": "standard", "CNY/person/year": "standard",
               "CNY": "spending", "percent": "share", "percentage_point": "change",
               "person_time": "flow", "household_time": "flow"}


def _kind_cue(unit: str, clause_lead: str, stock_lead: str | None, follow: str, sibling: tuple[str, str] | None,
              c: Cues) -> tuple[str | None, str | None, bool]:
    """(kind, cue word, whether the reading is the sibling's) that the words around a count
    state: `flow` (新增…), `exit` (清退…), `stock` (共有…, or `stock_lead`, a 截至… in an earlier
    clause of the sentence), or (None, None, False) when nothing does. An addition may also be
    said right after the figure (将260人新纳入低保): `follow` is the rest of its clause.
    `sibling` is the reading of the figure coordinated just before this one (…28家，床位2300张),
    taken when this figure's own clause has no cue, no verb of building and names no part (其中…).
    A verb of building (建成, 发展) is the last cue: this period's work."""
    if unit not in _COUNT_UNITS:
        return None, None, False
    after = c.flow_words.match(follow.lstrip())
    if after:
        return "flow", after.group(), False
    for kind, words in (("flow", c.flow_words), ("exit", c.exit_words), ("stock", c.stock_words)):
        found = None
        for found in words.finditer(clause_lead):
            pass
        if found is not None:
            return kind, found.group(), False
    build = c.build_words.search(clause_lead)
    if sibling is not None and build is None and not c.subset_words.search(clause_lead):
        return *sibling, True
    if stock_lead:
        return "stock", stock_lead, False
    return ("flow", build.group(), False) if build else (None, None, False)


def _code_context(sentence: str, q: Quantity) -> str:
    """The text a figure's code is read in: its sentence, or around it in a sentence longer than any
    a report writes (real ones stay under ~400 characters), so a run-on list costs linear time."""
    if len(sentence) <= CODE_CONTEXT_CHARS:
        return sentence
    half = CODE_CONTEXT_CHARS // 2
    return sentence[max(0, q.char_start - half):q.char_end + half]


def _names_a_half(clause: str, seen: dict[str, bool]) -> bool:
    """Whether the clause names 上半年/下半年, read once per clause."""
    if clause not in seen:
        seen[clause] = HALF_CUE.search(clause) is not None
    return seen[clause]


def _measure_kind(code: str | None, unit: str, cue: str | None) -> str | None:
    if code is not None:
        return catalogue()[code].kind
    if unit in _UNIT_KINDS:
        return _UNIT_KINDS[unit]
    return cue if cue in ("stock", "flow") else None


def _previous_values(sentence: str, quantities: list[Quantity]) -> set[int]:
    """Indexes of the quantities that are the value before a stated change (由X提高至Y: X)."""
    return {i for i in range(len(quantities) - 1) if is_change(sentence, quantities[i], quantities[i + 1])}


def _change_subject(subject: str | None, c: Cues) -> str | None:
    """城乡低保标准提高 → 城乡低保标准: the measured thing without the verb of the change."""
    if not subject:
        return subject
    for verb in sorted(c.change_verbs, key=len, reverse=True):
        if subject.endswith(verb) and len(subject) > len(verb):
            return _strip_right(subject[: -len(verb)], c)
    return subject


# ---------------------------------------------------------------- status, period, theme

def _status(section_status: str | None, clause: str, lead_in: str, default: str, c: Cues) -> str:
    """actual / target: cue words of the figure's clause, then plan cues earlier in its
    sentence (力争到2022年底，A…、B…), then the section's status, then the document's."""
    if c.target.search(clause):
        return "target"
    if c.actual.search(clause):
        return "actual"
    if c.target_lead.search(lead_in):
        return "target"
    last_clause = CLAUSE_BREAK.split(lead_in.rstrip("，, "))[-1]
    if c.actual_lead.match(last_clause) and not find_quantities(last_clause):
        return "actual"  # 截至2023年底，全县共有…: the clause before only dates the figure
    return section_status or default


class _SentenceCues:
    """The cue searches of one sentence, each done once rather than once per figure.

    Each answer equals the search over the sentence cut at the figure
    (`pattern.finditer(sentence, 0, figure_start)`): a match of the whole sentence
    that ends `CUE_LOOKAHEAD` characters before the cut read nothing past it, and only
    the stretch from the first match that may have is searched again.
    """

    CUE_LOOKAHEAD = 3  # YEAR_CUE and DEADLINE_CUE read at most this far past their match

    def __init__(self, sentence: str):
        self.sentence = sentence
        self.years = list(YEAR_CUE.finditer(sentence))
        self.year_ends = [match.end() + self.CUE_LOOKAHEAD for match in self.years]
        self.deadlines: dict[int, re.Match[str] | None] = {}
        self.segment_starts: dict[int, int] = {}

    def last_year_before(self, end: int) -> re.Match[str] | None:
        settled = bisect.bisect_right(self.year_ends, end)
        last = self.years[settled - 1] if settled else None
        resume = min(self.years[settled].start(), end) if settled < len(self.years) else end
        for last in YEAR_CUE.finditer(self.sentence, resume, end):
            pass
        return last

    def first_deadline(self, start: int, end: int) -> re.Match[str] | None:
        if start not in self.deadlines:
            self.deadlines[start] = DEADLINE_CUE.search(self.sentence, start)
        first = self.deadlines[start]
        if first is None or first.end() <= end:
            return first
        return DEADLINE_CUE.search(self.sentence, first.start(), end)

    def segment_start(self, clause_start: int) -> int:
        """Where the ；-separated segment holding a clause starts."""
        if clause_start not in self.segment_starts:
            self.segment_starts[clause_start] = max(self.sentence.rfind("；", 0, clause_start),
                                                    self.sentence.rfind(";", 0, clause_start)) + 1
        return self.segment_starts[clause_start]


def _cue_period(last: re.Match[str] | None, c: Cues) -> str | None:
    """The period named by the last year cue before a figure in its sentence."""
    if last is None:
        return None
    year, half = last.group(1), last.group(2)
    return year + c.halves[half] if half else year


def _period_for(status: str, meta: DocumentMeta | None, section_period: str | None) -> str | None:
    periods = list(meta.periods) if meta else []
    if section_period:
        return section_period
    same = [p.period for p in periods if p.status == status]
    if same:
        return same[0] if status == "actual" else same[-1]
    return periods[0].period if periods else None


_NO_EVIDENCE: dict[str, float] = {}


class _SentenceTheme:
    """The theme evidence of one sentence that every figure in it shares (its reading, its labels,
    the nearest heading's), and the theme of each (subject, clause) already asked about: the
    figures of one clause often share their subject."""

    def __init__(self, sentence: str, labels: list[ThemeLabel], heading_raw: dict[str, float], c: Cues):
        self.sentence = sentence
        self.label_scores = {label.theme: label.score for label in labels}
        self.order = {label.theme: i for i, label in enumerate(labels)}
        self.heading_raw = heading_raw
        self.c = c
        self.themes: dict[tuple[str | None, str], str | None] = {}

    def theme(self, subject: str | None, clause: str) -> str | None:
        key = (subject, clause)
        if key not in self.themes:
            self.themes[key] = _theme(subject, clause, self.sentence, self.label_scores, self.order,
                                      self.heading_raw, self.c)
        return self.themes[key]


def _theme(subject: str | None, clause: str, sentence: str, label_scores: dict[str, float],
           order: dict[str, int], heading_raw: dict[str, float], c: Cues) -> str | None:
    """The mention's primary theme: the theme with the most evidence, counting what the
    subject, its clause and its sentence name, the sentence's labels (`label_scores`, ranked
    by `order`) and the nearest heading that names a theme (weights in indicator_cues.yaml)."""
    w = c.theme_weights
    score: dict[str, float] = {}
    for raw, weight in ((_theme_evidence(subject) if subject else _NO_EVIDENCE, w["subject"]),
                        (_theme_evidence(clause) if clause else _NO_EVIDENCE, w["clause"]),
                        (_theme_evidence(sentence) if sentence else _NO_EVIDENCE, w["sentence"]),
                        (label_scores, w["labels"]),
                        (heading_raw, w["heading"])):
        for theme, value in raw.items():
            score[theme] = score.get(theme, 0.0) + weight * value
    if len(score) < 2:
        return next(iter(score), None)  # most figures: one theme has evidence, or none
    return max(score, key=lambda t: (score[t], -order.get(t, len(order))))


# ---------------------------------------------------------------- mentions

def _section_chain(section_id: int | None, by_id: dict[int, Section]) -> list[Section]:
    chain = []
    while section_id is not None and section_id in by_id:
        section = by_id[section_id]
        chain.append(section)
        section_id = section.parent_id
    return chain  # innermost first


def _heading_reading(section: Section) -> dict[str, float]:
    return _theme_evidence(section.heading) if section.heading else {}


def _section_reading(section_id: int | None, by_id: dict[int, Section],
                     c: Cues) -> tuple[str | None, str | None, dict[str, float], str]:
    """What the sections around a sentence say of its figures: (status, period, theme reading of
    the nearest heading that names a theme, topic of the innermost heading)."""
    chain = _section_chain(section_id, by_id)
    status = next((s.status for s in chain if s.status), None)
    period = next((s.period for s in chain if s.period), None)
    heading_raw = next((raw for raw in (_heading_reading(s) for s in chain) if raw), {})
    heading_topic = _noun_tail(_clean_left(chain[0].heading, c), c) if chain and chain[0].heading else ""
    if len(heading_topic) < 3 or _is_generic(heading_topic, c):
        heading_topic = ""
    return status, period, heading_raw, heading_topic


def _document_default_status(meta: DocumentMeta | None) -> str:
    kinds = {p.status for p in meta.periods} if meta else set()
    return "target" if kinds == {"target"} else "actual"


def _sentences_that_may_hold_quantities(text: str, sentences: list[Sentence]) -> list[int]:
    """Indexes of the sentences with what a quantity needs (`Grammar.may_hold_quantity`), from one
    scan of the document rather than one search per sentence: most sentences of a report hold no figure.
    `sentences` are in text order and do not overlap."""
    ends = [sentence.char_end for sentence in sentences]
    may_hold_quantity = grammar().may_hold_quantity
    out = []
    found = may_hold_quantity.search(text)
    while found is not None:
        at = found.start()
        index = bisect.bisect_right(ends, at)
        if index == len(sentences):
            break
        sentence = sentences[index]
        if sentence.char_start <= at:
            out.append(index)
            found = may_hold_quantity.search(text, sentence.char_end)
        else:  # between two sentences
            found = may_hold_quantity.search(text, sentence.char_start)
    return out


def extract_mentions(document: Document, sections: list[Section], sentences: list[Sentence],
                     sentence_themes: list[list[ThemeLabel]], meta: DocumentMeta) -> list[Mention]:
    """One Mention per quantity of the document, offsets into `document.text`."""
    c = cues()
    by_id = {s.section_id: s for s in sections}
    default_status = _document_default_status(meta)
    last_actual_year = max((int(p.period[:4]) for p in (meta.periods if meta else ()) if p.status == "actual"),
                           default=0)
    text = document.text
    out: list[Mention] = []
    section_readings: dict[int | None, tuple[str | None, str | None, dict[str, float], str]] = {}
    for index in _sentences_that_may_hold_quantities(text, sentences):
        sentence = sentences[index]
        sent_text = text[sentence.char_start:sentence.char_end]
        quantities = find_quantities(sent_text)
        if not quantities:
            continue
        labels = sentence_themes[index] if index < len(sentence_themes) else []
        if sentence.section_id not in section_readings:
            section_readings[sentence.section_id] = _section_reading(sentence.section_id, by_id, c)
        section_status, section_period, heading_raw, heading_topic = section_readings[sentence.section_id]
        subjects = _subjects(sent_text, quantities, c)
        previous_values = _previous_values(sent_text, quantities)
        for i in sorted(previous_values):
            base = _change_subject(subjects[i], c)
            subjects[i + 1] = _change_subject(subjects[i + 1], c) or base
            subjects[i] = base + c.previous_suffix if base else base
        reading_before: tuple[str, str, int] | None = None  # the last count's stock/flow reading
        sentence_cues = _SentenceCues(sent_text)
        sentence_theme = _SentenceTheme(sent_text, labels, heading_raw, c)
        clause_status: dict[tuple[int, int], str] = {}  # figures of one clause share its cue words
        stock_lead = c.stock_lead.search(sent_text)  # the first 截至/目前…: it leads every later clause
        clauses: dict[tuple[int, int], str] = {}
        halves_named: dict[str, bool] = {}
        for index_in_sentence, (q, subject) in enumerate(zip(quantities, subjects)):
            cs, ce = clause_bounds(sent_text, q.char_start, q.char_end)
            if (cs, ce) not in clauses:  # one string per clause: a long list of figures shares it
                clauses[cs, ce] = sent_text[cs:ce]
            clause = clauses[cs, ce]
            segment_start = sentence_cues.segment_start(cs)
            if (cs, ce) not in clause_status:
                clause_status[cs, ce] = _status(section_status, clause, sent_text[segment_start:cs],
                                                default_status, c)
            status = clause_status[cs, ce]
            deadline = sentence_cues.first_deadline(segment_start, q.char_start)
            if status == "actual" and deadline and int(deadline.group(1)) > last_actual_year:
                status = "target"  # 到2025年底… in a report on 2021 (or with no reporting period)
            period = _cue_period(sentence_cues.last_year_before(q.char_start), c)
            if period is None:
                if section_status == "target" and status == "actual":
                    period = _period_for(status, meta, None) or section_period  # a past figure in a plan
                else:
                    period = _period_for(status, meta, section_period)
            if period and len(period) == 4 and section_period and section_period.startswith(period) \
                    and section_period != period and not _names_a_half(clause, halves_named):
                period = section_period
            theme = sentence_theme.theme(subject, clause)
            sibling = (reading_before[:2] if reading_before and not ITEM_BREAK.search(sent_text, reading_before[2], cs)
                       else None)
            lead_before = stock_lead.group() if stock_lead and stock_lead.end() <= cs else None
            kind_cue, cue_word, shared = _kind_cue(
                q.unit, sent_text[max(cs, q.char_start - KIND_CUE_REACH):q.char_start], lead_before,
                sent_text[q.char_end:min(ce, q.char_end + KIND_CUE_REACH)], sibling, c)
            kind_evidence = f"{cue_word} (shared with the figure before)" if shared else cue_word
            if kind_cue in ("stock", "flow"):
                reading_before = (kind_cue, cue_word, ce)
            code = assign_code(subject, q.unit, theme, _code_context(sent_text, q), kind_cue=kind_cue)
            if (code is None or catalogue()[code].umbrella) and heading_topic and heading_topic not in sent_text:
                # 四是落实临时救助政策。…已救助215人次，金额… : the heading names the programme. Only the
                # heading and the subject are read, the rest of the sentence belongs to other figures.
                named = heading_topic + (subject or "")
                code = assign_code(named, q.unit, theme, named, kind_cue=kind_cue) or code
            start = sentence.char_start + q.char_start
            end = sentence.char_start + q.char_end
            out.append(Mention(
                sentence_id=sentence.sentence_id,
                section_id=sentence.section_id,
                char_start=start,
                char_end=end,
                surface=text[start:end],
                value=q.value,
                unit=q.unit,
                qualifier=q.qualifier,
                subject=subject,
                indicator_code=code,
                status=status,
                period=period,
                theme=theme,
                measure_kind=_measure_kind(code, q.unit, kind_cue),
                kind_evidence=kind_evidence,
                is_previous_value=index_in_sentence in previous_values,
            ))
    return out


def mentions_in_text(text: str) -> list[Mention]:
    """The mentions of a bare passage, as one section-less document.

    The passage is normalised first (`pipeline.ingest.normalise_text`); offsets
    point into the normalised passage, which is the passage itself when it
    was already normalised. Status and period come from cue words only.
    """
    from extractors.themes import tag_sentences
    from pipeline.ingest import normalise_text
    from pipeline.segment import sentences as split_sentences

    norm = normalise_text(text)
    document = Document(source_file="", doc_id="", text=norm, header={})
    sentence_list = split_sentences(norm, [])
    themes = tag_sentences([s.text for s in sentence_list], [[] for _ in sentence_list])
    meta = DocumentMeta(title=None, publisher=None, region=None, region_code=None, province=None,
                        admin_level=None, doc_type=None, publish_date=None, periods=())
    return extract_mentions(document, [], sentence_list, themes, meta)
