"""Chinese labels render with the font the project installs, not as boxes."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from pipeline.plotting import (CJK_FAMILY, UNIT_ZH, chinese_number, cjk_font_path, period_zh,  # noqa: E402
                               theme_names_zh, use_cjk_font)


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
