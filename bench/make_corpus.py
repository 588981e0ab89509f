"""Build a realistic benchmark corpus from the sample reports.

Each generated report recombines the top-level parts of different sample
reports under a new title, place and year, with every number varied, so that no
two documents are alike and no cache can flatter the pipeline. Some are written
in GB18030 and some in traditional characters, as real corpora are.

    python bench/make_corpus.py OUT_DIR --documents 10000 [--seed 7]
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
PART_MARKER = re.compile(r"^[一二三四五六七八九十]+、", re.M)
DIGITS = re.compile(r"\d+")
KINDS = ["{year}年工作总结和{next}年工作要点", "{year}年工作总结", "{next}年工作要点", "{year}年上半年工作总结和下半年工作思路"]


def sample_parts() -> tuple[list[str], list[str]]:
    """Top-level parts of the sample reports, and the place names they mention."""
    parts = []
    for path in sorted((ROOT / "data" / "raw").glob("*.txt")):
        text = opencc.OpenCC("t2s").convert(path.read_text(encoding="utf-8"))
        starts = [m.start() for m in PART_MARKER.finditer(text)] + [len(text)]
        parts += [text[a:b].strip() for a, b in zip(starts, starts[1:]) if b - a > 200]
    return parts, ["杭州", "广州", "咸宁", "江干"]


def places() -> list[tuple[str, str]]:
    """(full name, short name) of current prefectures and counties from the region lexicon."""
    with open(ROOT / "lexicons" / "regions.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))
                if r["level"] in ("prefecture", "county") and r["current"] == "true"]
    return [(r["name"], r.get("short_name") or r["name"][:-1]) for r in rows]


def vary_number(match: re.Match, rng: random.Random) -> str:
    digits = match.group(0)
    if len(digits) == 4 and digits.startswith("20"):  # years stay years
        return digits
    low = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
    return str(rng.randint(low, 10 ** len(digits) - 1))


def make_document(rng: random.Random, parts: list[str], sample_places: list[str],
                  all_places: list[tuple[str, str]]) -> str:
    name, short = rng.choice(all_places)
    year = rng.randint(2012, 2024)
    title = name + "民政局" + rng.choice(KINDS).format(year=year, next=year + 1)
    body = []
    for number, part in enumerate(rng.sample(parts, rng.randint(3, 6))):
        part = PART_MARKER.sub("一二三四五六七八九十"[number] + "、", part, count=1)
        for place in sample_places:
            part = part.replace(place, short)
        body.append(DIGITS.sub(lambda m: vary_number(m, rng), part))
    header = f"发布机构:{name}民政局\n发布日期:{year + 1}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
    return header + title + "\n" + "\n".join(body) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    parts, sample_places = sample_parts()
    all_places = places()
    to_traditional = opencc.OpenCC("s2t")
    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    args.out_dir.mkdir(parents=True)
    total_chars = 0
    for index in range(args.documents):
        text = make_document(rng, parts, sample_places, all_places)
        total_chars += len(text)
        roll = rng.random()
        folder = args.out_dir / f"{index // 1000:03d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"report_{index:06d}.txt"
        if roll < 0.05:
            path.write_text(to_traditional.convert(text), encoding="utf-8")
        elif roll < 0.15:
            path.write_bytes(text.encode("gb18030"))
        else:
            path.write_text(text, encoding="utf-8")
    print(f"{args.documents} documents, {total_chars:,} characters → {args.out_dir}")


if __name__ == "__main__":
    main()
