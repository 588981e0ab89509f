"""Matplotlib set up for Chinese labels, and the labels themselves.

Matplotlib's own fonts have no Chinese glyphs and draw boxes (tofu) instead.
The project depends on `noto-cjk-sans-otc`, a PyPI package that ships Google's
Noto Sans CJK collection under the SIL Open Font License 1.1, so the font
arrives with `pip install` on any machine, with no system package.
"""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.lexicons import load_yaml
from pipeline.tables import ROOT

# The collection holds one face per region (JP, KR, SC, TC, HK); SC draws the
# simplified forms the reports use.
CJK_FAMILY = "Noto Sans CJK SC"


def cjk_font_path() -> Path:
    import noto_cjk_sans_otc

    return Path(str(noto_cjk_sans_otc.FONT_PATH))


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; returns its family name."""
    from matplotlib import font_manager, rcParams

    if CJK_FAMILY not in {entry.name for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(cjk_font_path())
    rcParams["font.family"] = "sans-serif"
    # DejaVu Sans after it only for the odd symbol the CJK font lacks.
    rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    return CJK_FAMILY


def theme_names_zh() -> dict[str, str]:
    """Theme code → the Chinese name of its field (养老服务, 社会救助 …), from lexicons/themes.yaml."""
    return {theme["code"]: theme["field"] for theme in load_yaml("themes.yaml")["themes"]}


def figures_dir() -> Path:
    """`$POLICYMINE_FIGURES` when set, else notebooks/figures of this checkout; created if missing."""
    folder = Path(os.environ.get("POLICYMINE_FIGURES") or ROOT / "notebooks" / "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chinese_number(value: float) -> str:
    """A figure the way the reports write it: 2.32亿, 1.5万, 832."""
    for size, word in ((1e8, "亿"), (1e4, "万")):
        if abs(value) >= size:
            return f"{value / size:.4g}{word}"
    return f"{value:.4g}"


UNIT_ZH = {
    "CNY": "元", "CNY/month": "元/月", "CNY/person/month": "元/人/月", "CNY/person/year": "元/人/年",
    "percent": "%", "person": "人", "person_time": "人次", "household": "户", "household_time": "户次",
    "bed": "张", "m2": "平方米", "count": "个",
}


def period_zh(period: str) -> str:
    """`2020` → 2020年, `2020H1` → 2020年上半年."""
    halves = {"H1": "上半年", "H2": "下半年"}
    return f"{period[:4]}年{halves.get(period[4:], '')}"
