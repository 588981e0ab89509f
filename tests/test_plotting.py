"""Chinese labels render with the font the project installs; figures keep their size and labels apart at any scale."""
from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from pipeline.plotting import (CJK_FAMILY, MAX_HEIGHT, MAX_WIDTH, UNIT_ZH, chinese_number, cjk_font_path,  # noqa: E402
                               coverage_matrix, indicator_series, period_zh, place_labels, theme_heatmap,
                               theme_names_zh, top_places, use_cjk_font)


def test_chinese_text_is_drawn_with_the_cjk_font(tmp_path):
    with matplotlib.rc_context(), warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" where it draws a box
        warnings.filterwarnings("error", message="Glyph .* missing from font")
        assert use_cjk_font() == CJK_FAMILY
        fig, ax = plt.subplots()
        title = ax.set_title("杭州市 孤儿基本生活养育标准 2571元/月 −5%")
        fig.savefig(tmp_path / "labels.png")
        plt.close(fig)
        assert font_manager.findfont(title.get_fontproperties()) == str(cjk_font_path())


def test_labels():
    assert chinese_number(232_000_000) == "2.32亿"
    assert chinese_number(15_000) == "1.5万"
    assert chinese_number(832) == "832"
    assert (period_zh("2020"), period_zh("2020H1"), period_zh("2020H2")) == ("2020年", "2020年上半年", "2020年下半年")
    assert theme_names_zh()["elderly_care"] == "养老服务" and len(theme_names_zh()) == 18
    assert UNIT_ZH["CNY/person/month"] == "元/人/月"


# ---------------------------------------------------------------- figures that scale


def made_up_panel(places: int, years=range(2015, 2023)) -> pd.DataFrame:
    """A panel of `places` county-level places (a few sharing a name across provinces)."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(places):
        province = ["山东省", "天津市", "河北省", "四川省"][i % 4]
        region = "河东区" if i < 3 else f"测试{i}县"
        for year in years:
            if rng.random() < 0.6:
                rows.append({"region_code": f"{370000 + i}", "region": region, "province": province,
                             "admin_level": "county", "period": str(year), "indicator_code": "eldercare_beds",
                             "indicator_name_zh": "养老床位数", "status": "actual", "unit": "bed",
                             "value": float(rng.integers(10, 5000)), "conflict": bool(rng.random() < 0.1)})
    return pd.DataFrame(rows)


def test_place_labels_carry_the_province():
    panel = pd.DataFrame({"region_code": ["371302", "120102", "330100", "330000"],
                          "region": ["河东区", "河东区", "杭州市", "浙江省"],
                          "province": ["山东省", "天津市", "浙江省", "浙江省"]})
    assert list(place_labels(panel)) == ["河东区（山东省）", "河东区（天津市）", "杭州市（浙江省）", "浙江省"]
    same = pd.DataFrame({"region_code": ["1", "2"], "region": ["新区", "新区"], "province": ["某省", "某省"]})
    assert list(place_labels(same)) == ["新区（某省） 1", "新区（某省） 2"]


def tick_labels_overlap(fig, axis: str) -> bool:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [t for t in (ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()) if t.get_text()]
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.y0 if axis == "y" else b.x0)
        if any(a.overlaps(b) for a, b in zip(boxes, boxes[1:])):
            return True
    return False


@pytest.mark.parametrize("places", [3, 2500])
def test_figures_keep_their_size_and_labels_apart_from_few_places_to_thousands(places):
    use_cjk_font()
    panel = made_up_panel(places)
    shares = panel.assign(theme=np.where(panel.value % 2 == 0, "elderly_care", "social_assistance"),
                          share=panel.value / 5000, n_chars=panel.value.astype(int))
    figures = [top_places(panel, "eldercare_beds", n=15), indicator_series(panel, "eldercare_beds", n=12),
               coverage_matrix(panel, n=40), theme_heatmap(shares, n=30)]
    for fig in figures:
        width, height = fig.get_size_inches()
        assert width <= MAX_WIDTH and height <= MAX_HEIGHT
        assert not tick_labels_overlap(fig, "y")
        plt.close(fig)
    bars = figures[0].axes[0]
    assert len(bars.get_yticklabels()) == min(15, places)
    if places > 15:
        period = bars.get_title().split("\n")[1][:4]
        assert f"前15个地区（共{panel[panel.period == period].region_code.nunique()}个）" in bars.get_title()
