"""Number grammar for Chinese report text: Arabic, Chinese and mixed numerals.

`parse_number` turns one numeral into its value in base units:

    4,560 → 4560        3.04万 → 30400       34172万 → 341720000
    1,100万 → 11000000  3万4000 → 34000      13万2 → 132000 (the digit after
    二百 → 200          一百零五 → 105        万 stands for thousands: 13.2万)
    两千三 → 2300       二〇三五 → 2035      百分之三十 → 30
    廿五 → 25           叁佰 → 300           三点五万 → 35000

Qualifiers (余, 多, 约 …) and units are not part of a numeral; they belong to
the quantity grammar in `extractors.quantities`. `scan_numerals` finds the
numerals of a text with their character offsets; `run_numerals` reads one run
of numeral characters, for callers that look at the run first (`parsed_run`, with
offsets relative to the run, saves them a copy of each numeral).

Arithmetic is done in `Decimal` so that 2412.58万 is exactly 24125800.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from extractors import TEXT_CACHE_ENTRIES

CN_DIGIT_VALUES = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "两": 2, "贰": 2, "貳": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
# 廿 = 二十, 卅 = 三十, 卌 = 四十: rewritten before parsing.
TENS_LIGATURES = {"廿": "二十", "卅": "三十", "卌": "四十"}

CN_DIGIT_CHARS = "".join(CN_DIGIT_VALUES)
CN_NUMERAL_CHARS = CN_DIGIT_CHARS + "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "".join(TENS_LIGATURES)
ZERO_CHARS = "零〇○"

# No numeral in a report is longer than this; a run that does not parse as a whole is cut
# into parsable pieces of at most this many characters, so the search is linear in the run.
MAX_NUMERAL_CHARS = 64

# Decimal's default precision. A plain integer this long or shorter is its own value; the
# grammar's arithmetic rounds longer ones, so they go its way.
MAX_EXACT_DIGITS = 28

FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "，": ","})

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ARABIC_RE = re.compile(rf"^(?:{_ARABIC})$")
_TOKEN_RE = re.compile(rf"{_ARABIC}|点|.", re.S)
# Plain digits, maybe with a decimal part and 万 or 亿.
_PLAIN_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)([万亿]?)")

# A numeral inside running text: Arabic digits and Chinese numeral characters,
# mixed (3.04万, 3万4000, 二百, 1.5亿). Commas are taken only as thousands
# separators (1,100万), never as the list comma of "3,5". A run starts with a digit or
# a numeral character (its 点 follows one); the lookahead says so to the regex engine,
# which then skips the other characters of a text without trying each alternative.
NUMERAL_RE = re.compile(
    rf"(?=[\d{CN_NUMERAL_CHARS}])(?:{_ARABIC}|[{CN_NUMERAL_CHARS}]|(?<=[{CN_DIGIT_CHARS}])点(?=[{CN_DIGIT_CHARS}]))+"
)


def _tokens(s: str) -> list[tuple[str, object]]:
    """Split a numeral into ("num", Decimal, is_single_digit), ("small", int), ("big", int), ("zero",), ("point",)."""
    out: list[tuple] = []
    for match in _TOKEN_RE.finditer(s):
        tok = match.group(0)
        if tok[0].isdigit():
            if not _ARABIC_RE.match(tok):
                raise ValueError(f"malformed Arabic numeral {tok!r}")
            out.append(("num", Decimal(tok.replace(",", "")), len(tok) == 1))
        elif tok in ZERO_CHARS:
            out.append(("zero",))
        elif tok in CN_DIGIT_VALUES:
            out.append(("num", Decimal(CN_DIGIT_VALUES[tok]), True))
        elif tok in SMALL_UNITS:
            out.append(("small", SMALL_UNITS[tok]))
        elif tok in BIG_UNITS:
            out.append(("big", BIG_UNITS[tok]))
        elif tok == "点":
            out.append(("point",))
        else:
            raise ValueError(f"not a numeral character: {tok!r}")
    return out


def _digit_sequence(tokens: list[tuple]) -> Decimal | None:
    """二〇二〇 → 2020: Chinese digits read one by one (no units anywhere)."""
    if len(tokens) < 2:
        return None
    digits = []
    for tok in tokens:
        if tok[0] == "zero":
            digits.append("0")
        elif tok[0] == "num" and tok[2] and tok[1] < 10:
            digits.append(str(int(tok[1])))
        else:
            return None
    return Decimal("".join(digits))


def _section(tokens: list[tuple]) -> tuple[Decimal, bool]:
    """Value of a part below 万 (一百零五, 3千, 二十, 4000).

    Returns the value and whether it is a bare single digit (for 13万2, 一亿五).
    """
    if not tokens:
        raise ValueError("empty numeral section")
    if len(tokens) == 1 and tokens[0][0] == "zero":
        return Decimal(0), True
    seq = _digit_sequence(tokens)
    if seq is not None:
        return seq, False
    total = Decimal(0)
    num: Decimal | None = None
    last_unit: int | None = None
    zero_seen = False
    single = False
    for tok in tokens:
        kind = tok[0]
        if kind == "num":
            if num is not None:
                raise ValueError("two numbers without a unit between them")
            num, single = tok[1], tok[2]
        elif kind == "zero":
            if num is not None:
                raise ValueError("zero after a number")
            zero_seen = True
        elif kind == "small":
            unit = tok[1]
            if last_unit is not None and unit >= last_unit:
                raise ValueError("units out of order")
            if num is None:
                if total or zero_seen:
                    raise ValueError("unit without a number")
                num = Decimal(1)  # 十五, 百分之百
            total += num * unit
            num, last_unit, zero_seen = None, unit, False
        else:
            raise ValueError(f"unexpected token {kind}")
    if num is not None:
        if last_unit is not None and last_unit > 10 and not zero_seen and single:
            total += num * last_unit // 10  # 两千三 = 2300, 一百五 = 150
        elif last_unit is not None and num >= 10 and not zero_seen:
            raise ValueError("number after a unit is too large")  # 一百25
        else:
            total += num
        return total, (last_unit is None and single and total < 10)
    if zero_seen:
        raise ValueError("trailing zero marker")
    return total, False


def _value(tokens: list[tuple]) -> Decimal:
    """Value of a numeral, splitting at its largest multiplier (亿, then 万)."""
    for big in (10**8, 10**4):
        idx = [i for i, tok in enumerate(tokens) if tok[0] == "big" and tok[1] == big]
        if not idx:
            continue
        i = idx[-1]
        left, right = tokens[:i], tokens[i + 1:]
        if any(t[0] == "big" and t[1] >= big for t in left):
            raise ValueError("repeated multiplier")  # 万万 (as in 万万没想到)
        head = _value(left) if left else Decimal(1)
        if head == 0:
            raise ValueError("zero before a multiplier")
        if any(t[0] == "big" and t[1] >= big for t in right):
            raise ValueError("multipliers out of order")
        total = head * big
        if right:
            lead_zero = right[0][0] == "zero"
            rest = right[1:] if lead_zero else right
            if not rest:
                raise ValueError("trailing zero marker")
            tail, single = _section_or_value(rest)
            if single and not lead_zero:
                tail = tail * big // 10  # 13万2 = 132000, 一亿五 = 150000000
            if tail >= big:
                raise ValueError("tail larger than its multiplier")
            total += tail
        return total
    return _section(tokens)[0]


def _section_or_value(tokens: list[tuple]) -> tuple[Decimal, bool]:
    if any(t[0] == "big" for t in tokens):
        return _value(tokens), False
    return _section(tokens)


def _split_point(tokens: list[tuple]) -> list[tuple]:
    """三点五万 → (3.5)万: fold a Chinese decimal point into one number token."""
    if not any(t[0] == "point" for t in tokens):
        return tokens
    i = next(k for k, t in enumerate(tokens) if t[0] == "point")
    int_part = tokens[:i]
    j = i + 1
    frac = []
    while j < len(tokens) and tokens[j][0] in ("num", "zero") and (tokens[j][0] == "zero" or tokens[j][2]):
        frac.append("0" if tokens[j][0] == "zero" else str(int(tokens[j][1])))
        j += 1
    if not int_part or not frac or any(t[0] == "point" for t in tokens[j:]):
        raise ValueError("malformed decimal point")
    if any(t[0] == "big" for t in int_part):
        raise ValueError("decimal point after a multiplier")
    whole = _section(int_part)[0]
    number = whole + Decimal("0." + "".join(frac))
    return [("num", number, False)] + tokens[j:]


def _plain_value(s: str) -> tuple[Decimal, bool] | None:
    """The value of a plain Arabic figure, maybe with 万 or 亿 (1830, 12.5, 3.04万), and whether
    it has one; None for any other numeral. The common case, and what the grammar makes of it
    (but 0万, which the grammar refuses: no zero before a multiplier)."""
    plain = _PLAIN_RE.fullmatch(s)
    if not plain or len(plain.group(1)) > MAX_EXACT_DIGITS:
        return None
    number, big = Decimal(plain.group(1)), plain.group(2)
    if not big:
        return number, False
    return (number * BIG_UNITS[big], True) if number else None


def parse_decimal(s: str) -> Decimal:
    """Like `parse_number`, exact."""
    if not isinstance(s, str):
        raise ValueError("not a string")
    s = s.strip().translate(FULL_WIDTH)
    for lig, repl in TENS_LIGATURES.items():
        s = s.replace(lig, repl)
    plain = _plain_value(s)
    if plain is not None:
        return plain[0]
    if s.startswith("百分之"):
        s = s[3:]
    if not s:
        raise ValueError("empty numeral")
    tokens = _split_point(_tokens(s))
    return _value(tokens)


def parse_number(s: str) -> float:
    """The value of one numeral, in base units; ValueError if `s` is not a numeral."""
    try:
        return float(parse_decimal(s))
    except (InvalidOperation, ArithmeticError) as exc:  # pragma: no cover - defensive
        raise ValueError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Numeral:
    start: int
    end: int
    text: str
    value: Decimal
    arabic: bool  # has at least one Arabic digit
    chinese_digits: bool  # has a Chinese digit (一 … 九, 两, 〇)
    magnitude: bool  # has 十/百/千/万/亿 (Chinese magnitude characters)
    big: bool  # has 万 or 亿
    partial: bool = False  # cut out of a longer run that does not parse as a whole (十四五)


def scan_numerals(text: str) -> list[Numeral]:
    """Every maximal numeral of `text` that parses, with offsets. Never raises."""
    return [numeral for run in NUMERAL_RE.finditer(text) for numeral in run_numerals(run)]


def run_numerals(run: re.Match[str]) -> list[Numeral]:
    """The numerals of one run of numeral characters (a match of NUMERAL_RE), with offsets into
    the text it was found in: usually the run itself, or the parts of it that parse (十四五)."""
    offset = run.start()
    return [Numeral(offset + n.start, offset + n.end, n.text, n.value, n.arabic, n.chinese_digits,
                    n.magnitude, n.big, n.partial)
            for n in parsed_run(run.group())]


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def parsed_run(run: str) -> tuple[Numeral, ...]:
    """The numerals of one run of numeral characters, offsets relative to the run.

    Reports repeat the same runs (years, 一, 十, round amounts), so the parsing is
    done once per distinct run."""
    plain = _plain_value(run)
    if plain is not None:  # most runs: the one numeral `_parsable_spans` would give them
        value, big = plain
        return (Numeral(0, len(run), run, value, True, False, big, big, False),)
    spans = _parsable_spans(run)
    partial = len(spans) != 1 or spans[0][0] != 0 or spans[0][1] != len(run)
    out = []
    for start, end, value in spans:
        piece = run[start:end]
        out.append(Numeral(
            start=start,
            end=end,
            text=piece,
            value=value,
            arabic=any(c.isdigit() for c in piece),
            chinese_digits=any(c in CN_DIGIT_VALUES for c in piece),
            magnitude=any(c in SMALL_UNITS or c in BIG_UNITS or c in TENS_LIGATURES for c in piece),
            big=any(c in BIG_UNITS for c in piece),
            partial=partial,
        ))
    return tuple(out)


def _parse_or_none(piece: str) -> Decimal | None:
    try:
        return parse_decimal(piece)
    except (ValueError, InvalidOperation, ArithmeticError):
        return None


def _parsable_spans(run: str) -> list[tuple[int, int, Decimal]]:
    """Cut a run of numeral characters into numerals that parse, with their values.

    Usually the whole run parses. When it does not (十四五, 1.0一), take the
    longest parsable prefix greedily and continue after it, so that one bad
    character does not hide a good numeral next to it.
    """
    whole = _parse_or_none(run)
    if whole is not None:
        return [(0, len(run), whole)]
    spans = []
    i = 0
    n = len(run)
    while i < n:
        found = None
        for j in range(min(n, i + MAX_NUMERAL_CHARS), i, -1):
            piece = run[i:j]
            if piece[-1] == "点" or piece[-1] == ",":
                continue
            value = _parse_or_none(piece)
            if value is not None:
                found = (i, j, value)
                break
        if found is None:
            i += 1
        else:
            spans.append(found)
            i = found[1]
    return spans


_CN_DIGITS_OUT = "零一二三四五六七八九"


def _cn_below_10000(n: int, leading: bool) -> str:
    """Render 0 < n < 10000; `leading` allows 十五 for 15 at the very start."""
    out = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        if unit == 10 and d == 1 and leading and not out:
            out.append("十")
        else:
            out.append(_CN_DIGITS_OUT[d] + name)
    return "".join(out)


def to_chinese(n: int) -> str:
    """Render a non-negative integer in standard Chinese numerals (一万零五, 三亿二千万)."""
    if n < 0:
        raise ValueError("negative")
    if n == 0:
        return "零"
    groups = []
    rest = n
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    names = ["", "万", "亿"]
    if len(groups) > len(names):
        raise ValueError("too large")
    out = []
    zero_pending = False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            if out:
                zero_pending = True
            continue
        if out and (zero_pending or g < 1000):
            out.append("零")
        zero_pending = False
        out.append(_cn_below_10000(g, leading=not out) + names[idx])
    return "".join(out)
