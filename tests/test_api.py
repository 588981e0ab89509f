"""The Python API: the README's example runs as written, and a file is read like `extract` reads it."""
from __future__ import annotations

import re
import shutil

import pytest

import pipeline
from pipeline.errors import InputNotFound, NoReports, OutputNotWritable

from conftest import RAW, ROOT

REPORT_HTML = """<html><head><meta charset="gbk"><title>某县民政局2021年工作总结</title></head><body>
<p>某县民政局2021年工作总结</p>
<p>2021年，全县民政系统在县委县政府的坚强领导下，认真履行基本民生保障、基层社会治理、基本社会服务等职责，各项工作取得新成效。</p>
<p>一、养老服务</p><p>全年新增养老床位320张，建成居家养老服务中心12家。</p>
<p>二、社会救助</p><p>全年发放城乡低保金1260万元，保障困难群众4300人。</p></body></html>"""


def readme_api_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_api_example(), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "5 ok, 0 failed, 1 skipped" in printed and "eldercare_beds" in printed
    assert (tmp_path / "data" / "processed" / "panel.parquet").is_file()
    assert (tmp_path / "data" / "processed" / "review" / "index.html").is_file()


def test_a_file_gets_the_periods_of_its_report(tmp_path):
    path = tmp_path / "summary.html"
    path.write_bytes(REPORT_HTML.encode("gbk"))
    from_file = pipeline.indicators(path)
    assert list(from_file.surface) == ["320张", "12家", "1260万元", "4300人"]
    assert set(from_file.period) == {"2021"} and set(from_file.status) == {"actual"}
    alone = pipeline.indicators("全年新增养老床位320张，建成居家养老服务中心12家。")
    assert list(alone.surface) == ["320张", "12家"] and alone.period.isna().all()
    assert list(alone.columns) == list(from_file.columns)


def test_a_docx_is_read_not_taken_for_text(tmp_path):
    import docx

    document = docx.Document()
    for line in re.sub(r"<[^>]+>", "\n", REPORT_HTML).split("\n"):
        if line.strip():
            document.add_paragraph(line.strip())
    document.save(tmp_path / "summary.docx")
    assert list(pipeline.indicators(str(tmp_path / "summary.docx")).period) == ["2021"] * 4


def test_predictable_problems_raise_typed_errors(tmp_path):
    with pytest.raises(InputNotFound):
        pipeline.extract(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoReports):
        pipeline.extract(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(OutputNotWritable):
        pipeline.extract(RAW, tmp_path / "missing" / "out")
    with pytest.raises(InputNotFound):
        pipeline.indicators(tmp_path / "gone.txt")


def test_python_dash_m_pipeline_is_the_command(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", "indicators", "全年新增养老床位3182张。"],
                            capture_output=True, text=True, cwd=tmp_path, check=True)
    assert "3182张" in result.stdout and "eldercare_beds" in result.stdout
    assert "Usage: policymine" in subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True,
                                                 text=True, check=True).stdout
