"""Figures of the panel that stay readable from 10 reports to 10,000, with Chinese labels.

Every figure has a bounded size: a chart shows at most a fixed number of places
(the most reported ones, the title says how many of how many), one label per
row or panel, so labels never pile up however large the corpus. Places are
named with their province, 河东区（山东省）, since a county name alone is
ambiguous.

Matplotlib's own fonts have no Chinese glyphs and draw boxes (tofu) instead.
The `[notebooks]` extra installs `noto-cjk-sans-otc`, a PyPI package that ships
Google's Noto Sans CJK collection under the SIL Open Font License 1.1, so the
font arrives with `pip install` on any machine, with no system package.
"""
from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.lexicons import load_yaml

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# The largest figure drawn, in inches; at 150 dpi 1800 × 2100 px.
MAX_WIDTH, MAX_HEIGHT = 12.0, 14.0
# Height of one labelled row (a bar, a matrix row) in inches: room for a 9-point label.
ROW_INCHES = 0.28

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
    """`$POLICYMINE_FIGURES` when set, else `figures/` in the working folder (a notebook's own
    folder when it runs: notebooks/figures); created if missing."""
    folder = Path(os.environ.get("POLICYMINE_FIGURES") or "figures")
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


# ---------------------------------------------------------------- figures


def place_labels(panel: pd.DataFrame) -> pd.Series:
    """A label per row: the place with its province (河东区（山东省）), the province alone for a
    province; the region code is added where two places would still read the same."""
    region = panel["region"].fillna(panel["region_code"]).astype(str)
    province = panel["province"].fillna("")
    label = region.where((province == "") | (province == region), region + "（" + province + "）")
    codes_per_label = panel.groupby(label)["region_code"].transform("nunique")
    return label.where(codes_per_label <= 1, label + " " + panel["region_code"].astype(str))


def _bounded(width: float, height: float) -> tuple[float, float]:
    return min(width, MAX_WIDTH), min(height, MAX_HEIGHT)


def _indicator_title(panel: pd.DataFrame, code: str) -> tuple[str, str]:
    rows = panel[panel["indicator_code"] == code]
    name = rows["indicator_name_zh"].dropna()
    unit = rows["unit"].iloc[0] if len(rows) else ""
    return (name.iloc[0] if len(name) else code), UNIT_ZH.get(unit, unit)


def top_places(panel: pd.DataFrame, indicator_code: str, period: str | None = None, n: int = 15,
               status: str = "actual") -> Figure:
    """The `n` places with the highest value of one indicator in `period` (default: the period
    the most places report it for, the latest of those), a bar each, its figure beside it."""
    import matplotlib.pyplot as plt

    rows = panel[(panel["indicator_code"] == indicator_code) & (panel["status"] == status)]
    if rows.empty:
        raise ValueError(f"no {status} figure for {indicator_code} in the panel")
    if period is None:
        places = rows.groupby("period")["region_code"].nunique()
        period = places[places == places.max()].index.max()
    rows = rows[rows["period"] == period].assign(place=lambda d: place_labels(d))
    shown = rows.sort_values("value", ascending=False, kind="stable").head(n).iloc[::-1]
    name, unit = _indicator_title(panel, indicator_code)
    fig, ax = plt.subplots(figsize=_bounded(8.0, 1.4 + ROW_INCHES * len(shown)))
    colours = ["#d95f02" if conflict else "#1b9e77" for conflict in shown["conflict"]]
    bars = ax.barh(range(len(shown)), shown["value"], color=colours, height=0.7)
    ax.set_yticks(range(len(shown)), shown["place"], fontsize=9)
    for bar, value in zip(bars, shown["value"]):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + chinese_number(value),
                va="center", fontsize=8)
    ax.xaxis.set_major_formatter(lambda x, _: chinese_number(x))
    ax.margins(x=0.15)
    of = f"前{len(shown)}个地区（共{rows['place'].nunique()}个）" if len(rows) > len(shown) else f"{len(shown)}个地区"
    ax.set_title(f"{textwrap.fill(name, 30)}\n{period_zh(period)}，{of}，单位：{unit}（橙色：来源不一致）",
                 fontsize=10)
    fig.tight_layout()
    return fig


def indicator_series(panel: pd.DataFrame, indicator_code: str, n: int = 12, columns: int = 4,
                     status: str = "actual") -> Figure:
    """One indicator over time, a small chart per place (the `n` places reporting it in the most
    periods), so no two places' labels share an axis."""
    import matplotlib.pyplot as plt

    rows = panel[(panel["indicator_code"] == indicator_code) & (panel["status"] == status)]
    if rows.empty:
        raise ValueError(f"no {status} figure for {indicator_code} in the panel")
    rows = rows.assign(place=place_labels(rows), year=rows["period"].str[:4].astype(int))
    rows = rows[~rows["period"].str.endswith("H1")]  # a half-year figure is not comparable with a year's
    periods = rows.groupby("place")["year"].nunique()
    places = periods.sort_values(ascending=False, kind="stable").head(n).index
    columns = max(1, min(columns, len(places)))
    grid_rows = max(1, math.ceil(len(places) / columns))
    fig, axes = plt.subplots(grid_rows, columns, figsize=_bounded(3.0 * columns, 0.6 + 2.2 * grid_rows),
                             squeeze=False, sharex=True)
    years = sorted(rows["year"].unique())
    for ax, place in zip(axes.flat, places):
        data = rows[rows["place"] == place].sort_values("year")
        ax.plot(data["year"], data["value"], marker="o", color="#1b9e77")
        ax.set_title(textwrap.shorten(place, 22, placeholder="…"), fontsize=9)
        ax.yaxis.set_major_formatter(lambda y, _: chinese_number(y))
        ax.tick_params(labelsize=7)
        ax.set_xticks(years if len(years) <= 6 else years[:: math.ceil(len(years) / 6)])
    for ax in axes.flat[len(places):]:
        ax.axis("off")
    name, unit = _indicator_title(panel, indicator_code)
    of = f"报告年份最多的{len(places)}个地区（共{len(periods)}个）" if len(periods) > len(places) else f"{len(places)}个地区"
    fig.suptitle(f"{textwrap.fill(name, 40)}：{of}，单位：{unit}", fontsize=10)
    fig.tight_layout()
    return fig


def coverage_matrix(panel: pd.DataFrame, n: int = 40) -> Figure:
    """Place × year: how many indicators the panel holds for each, for the `n` places with the
    most; shows at a glance which comparisons the data can carry."""
    import matplotlib.pyplot as plt

    rows = panel.assign(place=place_labels(panel), year=panel["period"].str[:4])
    counts = rows.groupby(["place", "year"])["indicator_code"].nunique().unstack(fill_value=0)
    chosen = counts.sum(axis=1).sort_values(ascending=False, kind="stable").head(n).index
    matrix = counts.loc[chosen]
    width, height = _bounded(2.8 + 0.55 * matrix.shape[1], 1.6 + ROW_INCHES * matrix.shape[0])
    fig, ax = plt.subplots(figsize=(max(width, 5.0), height))
    image = ax.imshow(matrix.values, cmap="Greens", aspect="auto", vmin=0)
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, fontsize=8, rotation=90 if matrix.shape[1] > 12 else 0)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=8)
    if matrix.size <= 400:
        for (i, j), value in zip(((i, j) for i in range(matrix.shape[0]) for j in range(matrix.shape[1])),
                                 matrix.values.flat):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 * matrix.values.max() else "black")
    fig.colorbar(image, ax=ax, label="指标数", shrink=0.6)
    of = f"指标最多的{len(chosen)}个地区（共{len(counts)}个）" if len(counts) > len(chosen) else f"{len(chosen)}个地区"
    ax.set_title(f"面板覆盖：各地各年的指标数，{of}", fontsize=10)
    fig.tight_layout()
    return fig


def theme_heatmap(shares: pd.DataFrame, n: int = 30) -> Figure:
    """Theme shares of the `n` places with the most report text (each in its latest period),
    themes in columns, most prominent first."""
    import matplotlib.pyplot as plt

    latest = shares[shares["period"] == shares.groupby("region_code")["period"].transform("max")]
    latest = latest.assign(place=place_labels(latest), theme_zh=latest["theme"].map(theme_names_zh()))
    size = latest.groupby("place")["n_chars"].max()
    chosen = size.sort_values(ascending=False, kind="stable").head(n).index
    grid = latest[latest["place"].isin(chosen)].pivot_table(index="place", columns="theme_zh", values="share",
                                                            fill_value=0.0)
    grid = grid.loc[[p for p in chosen if p in grid.index], grid.mean().sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=_bounded(2.8 + 0.5 * grid.shape[1], 1.8 + ROW_INCHES * grid.shape[0]))
    image = ax.imshow(grid.values, cmap="YlGnBu", vmin=0, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    if grid.shape[0] <= 15:
        for (i, j), share in zip(((i, j) for i in range(grid.shape[0]) for j in range(grid.shape[1])),
                                 grid.values.flat):
            if share >= 0.005:
                ax.text(j, i, f"{share:.0%}", ha="center", va="center", fontsize=6,
                        color="white" if share > 0.6 * grid.values.max() else "black")
    fig.colorbar(image, ax=ax, label="句子字符占比", shrink=0.6, format="{x:.0%}")
    of = f"报告篇幅最大的{len(grid)}个地区（共{len(size)}个）" if len(size) > len(grid) else f"{len(grid)}个地区"
    ax.set_title(f"民政工作报告的主题占比（各地最近时期），{of}", fontsize=10)
    fig.tight_layout()
    return fig


def most_reported_indicator(panel: pd.DataFrame, status: str = "actual") -> str:
    """The indicator code that the most places report (ties: the first code in order)."""
    rows = panel[panel["status"] == status]
    places = rows.groupby("indicator_code")["region_code"].nunique()
    return places.sort_values(ascending=False, kind="stable").index[0]
