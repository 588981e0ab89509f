"""Generate `regions.csv`: China's administrative divisions (GB/T 2260 six-digit codes).

Provenance
----------
Two maintained registry packages supply the data; neither is a runtime
dependency of policymine. Install them, without their dependencies (only their
data files are read, nothing is imported), into a scratch environment and run
this script with that environment's Python:

    python -m venv /tmp/regionsenv
    /tmp/regionsenv/bin/pip install --no-deps jionlp cpca
    /tmp/regionsenv/bin/python lexicons/build_regions.py

* PyPI `jionlp` (Apache-2.0), `jionlp/dictionary/china_location.zip`: the
  current divisions as a tab-indented tree (province / prefecture / county /
  town / village), each province, prefecture and county line holding
  "name, six-digit code, short names" (several short names joined by "/").
  It is post-2021: 杭州市 has 钱塘区 330114 and 临平区 330113.
* PyPI `cpca` (MIT), `cpca/resources/adcodes.csv`: an older list (c. 2019–2020)
  with twelve-digit codes, which still has divisions since abolished or renamed
  (江干区 330104, 莱芜市 371200, 任县 130526). Its
  `cpca/resources/56_nations.csv` lists the ethnic-group names that are dropped
  when a short name is derived for such a historical division.

Rules
-----
* Only province, prefecture and county levels are kept (towns and villages are
  not issuing administrations of a civil-affairs report).
* Placeholders are not regions: 市辖区, 县 (Chongqing's old county group),
  省直辖县级行政区划 / 省直辖行政区划, 市直辖行政区划, and the repeat of a
  municipality or SAR under itself with the same code.
* Municipalities (北京/上海/天津/重庆) are `province`; their districts and
  counties are `county` with an empty prefecture. Province-administered
  county-level cities (仙桃市 429004) are `county` with an empty prefecture.
* GB/T 2260 codes Hong Kong, Macao and Taiwan only at province level, and the
  statistical codes of development zones (fifth digit 7, e.g. 长春经济技术开发区
  220171) are not GB/T 2260 divisions: both are left out.
* A historical row is a (code, name) pair of the older list that the current
  list lacks: an abolished code, or a code whose division was renamed
  (任县 → 任泽区 keeps 130526). Such rows have `current` = false; their parents
  are named as the older list names them.

Output columns: code, name, short_name ("/"-joined when several), level
(province / prefecture / county), province, province_code, prefecture,
prefecture_code, current (true/false). Rows are sorted by code, current rows
first, then by name, so that the file is the same on every run.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "regions.csv"
COLUMNS = ["code", "name", "short_name", "level", "province", "province_code",
           "prefecture", "prefecture_code", "current"]

PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划",
                     "省直辖行政区划", "市直辖行政区划"}
PROVINCE_ONLY = {"71", "81", "82"}  # Taiwan, Hong Kong, Macao
MUNICIPALITIES = {"11", "12", "31", "50"}

# Generic endings dropped to form a short name, longest first. A name that would
# be left with fewer than two characters keeps its full form (赣县, 沛县).
GENERIC_ENDINGS = ["特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区",
                   "矿区", "新区", "省", "市", "区", "县", "旗", "盟"]


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short_name: str


def package_file(distribution: str, relative: str) -> Path:
    """A data file of an installed distribution, found without importing it."""
    for entry in metadata.files(distribution) or []:
        if entry.as_posix() == relative:
            return Path(entry.locate())
    raise FileNotFoundError(f"{relative} is not in the installed {distribution}")


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00") and code[:2] not in MUNICIPALITIES:
        return "prefecture"
    return "county"


def is_kept(code: str, name: str) -> bool:
    if name in PLACEHOLDER_NAMES:
        return False
    if code[:2] in PROVINCE_ONLY and level_of(code) != "province":
        return False
    return code[4] != "7"  # development-zone statistical codes


def current_divisions() -> dict[str, Division]:
    """Province, prefecture and county lines of jionlp's location tree, by code."""
    archive = package_file("jionlp", "jionlp/dictionary/china_location.zip")
    with zipfile.ZipFile(archive) as bundle:
        text = bundle.read("china_location.txt").decode("utf-8")
    divisions: dict[str, Division] = {}
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if depth > 2 or len(fields) != 3:
            continue
        name, code, short_name = fields
        # The first line with a code wins: a municipality repeats itself (same
        # code) as its own prefecture, a SAR's districts repeat its code.
        if is_kept(code, name) and code not in divisions:
            divisions[code] = Division(code, name, short_name)
    return divisions


def ethnic_names() -> list[str]:
    path = package_file("cpca", "cpca/resources/56_nations.csv")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Names use the group's name with and without 族 (宽城满族自治县, 伊通满族自治县).
    forms = {form for name in names for form in (name, name.removesuffix("族"))}
    return sorted(forms, key=len, reverse=True)


def derive_short_name(name: str, ethnic: list[str], taken: set[str]) -> str:
    """jionlp's convention for a name it does not list: drop the generic ending
    and, before an autonomy or district ending, the ethnic-group names; keep the
    full name when the short one is another division's name (邯郸县 ≠ 邯郸)."""
    for ending in GENERIC_ENDINGS:
        if name.endswith(ending):
            stem = name[: -len(ending)]
            if ending.startswith("自治") or ending == "区":
                stripped = True
                while stripped:
                    stripped = False
                    for group in ethnic:
                        if len(stem) > len(group) + 1 and stem.endswith(group):
                            stem = stem[: -len(group)]
                            stripped = True
                            break
            return stem if len(stem) >= 2 and stem not in taken else name
    return name


def older_divisions() -> dict[str, list[str]]:
    """cpca's list as six-digit code → names (a code can have had one name only
    there, but the mapping keeps the shape of the current one)."""
    path = package_file("cpca", "cpca/resources/adcodes.csv")
    names: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names.setdefault(row["adcode"][:6], []).append(row["name"])
    return names


def parent_codes(code: str) -> tuple[str, str | None]:
    province_code = code[:2] + "0000"
    level = level_of(code)
    if level != "county" or code[:2] in MUNICIPALITIES:
        return province_code, None
    return province_code, code[:4] + "00"


def rows() -> list[dict[str, str]]:
    current = current_divisions()
    older = older_divisions()
    ethnic = ethnic_names()
    taken = {alias for d in current.values() for alias in (d.name, *d.short_name.split("/"))}
    historical = [Division(code, name, derive_short_name(name, ethnic, taken))
                  for code, names in older.items() for name in names
                  if is_kept(code, name) and (code not in current or current[code].name != name)]

    def named(code: str | None, *, prefer_older: bool) -> str:
        if code is None:
            return ""
        older_name = next((n for n in older.get(code, []) if is_kept(code, n)), "")
        current_name = current[code].name if code in current else ""
        return (older_name or current_name) if prefer_older else (current_name or older_name)

    out = []
    for division, is_current in [(d, True) for d in current.values()] + [(d, False) for d in historical]:
        province_code, prefecture_code = parent_codes(division.code)
        prefecture = named(prefecture_code, prefer_older=not is_current)
        if not prefecture:
            prefecture_code = None  # a placeholder parent: 省直辖, 市辖区
        out.append({
            "code": division.code,
            "name": division.name,
            "short_name": division.short_name,
            "level": level_of(division.code),
            "province": named(province_code, prefer_older=not is_current),
            "province_code": province_code,
            "prefecture": prefecture,
            "prefecture_code": prefecture_code or "",
            "current": "true" if is_current else "false",
        })
    out.sort(key=lambda r: (r["code"], r["current"] != "true", r["name"]))
    return out


def main() -> None:
    versions = {name: metadata.version(name) for name in ("jionlp", "cpca")}
    table = rows()
    buffer = io.StringIO()
    buffer.write(
        "# China's administrative divisions, GB/T 2260 codes, province/prefecture/county levels.\n"
        f"# Generated by lexicons/build_regions.py from PyPI jionlp {versions['jionlp']} "
        "(dictionary/china_location.zip, current divisions)\n"
        f"# and cpca {versions['cpca']} (resources/adcodes.csv, c. 2019-2020, for historical codes: current=false).\n"
        "# Do not edit by hand: rerun the script (its docstring says how).\n"
    )
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    OUTPUT.write_text(buffer.getvalue(), encoding="utf-8")
    historical = sum(row["current"] == "false" for row in table)
    print(f"wrote {len(table)} regions ({historical} historical) to {OUTPUT}")


if __name__ == "__main__":
    main()
