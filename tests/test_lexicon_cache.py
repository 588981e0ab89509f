"""What is slow to derive from the lexicons is kept on disk between runs, and redone when an input changes."""
from __future__ import annotations

import os
import re

from pipeline import lexicons


def counting(result: list[str]):
    calls = []

    def build() -> list[str]:
        calls.append(1)
        return result

    return build, calls


def test_a_result_is_derived_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv(lexicons.CACHE_VARIABLE, str(tmp_path))
    build, calls = counting(["养老", "救助"])
    assert lexicons.derived("pairs", ("养老救助",), build) == ["养老", "救助"]
    assert lexicons.derived("pairs", ("养老救助",), build) == ["养老", "救助"]
    assert len(calls) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("pairs-")] != []


def test_a_changed_input_is_derived_again_and_replaces_the_old_result(tmp_path, monkeypatch):
    monkeypatch.setenv(lexicons.CACHE_VARIABLE, str(tmp_path))
    text = "低保\n特困\n"
    first = lexicons.derived("words", (text,), lambda: re.findall(r"\S+", text))
    changed = text + "临时救助\n"
    second = lexicons.derived("words", (changed,), lambda: re.findall(r"\S+", changed))
    assert first == ["低保", "特困"] and second == ["低保", "特困", "临时救助"]
    assert len(list(tmp_path.glob("words-*.json"))) == 1  # only the newest is kept


def test_a_damaged_file_is_derived_again(tmp_path, monkeypatch):
    monkeypatch.setenv(lexicons.CACHE_VARIABLE, str(tmp_path))
    build, calls = counting(["婚姻登记"])
    lexicons.derived("terms", ("x",), build)
    (stored,) = tmp_path.glob("terms-*.json")
    stored.write_text('["婚姻', encoding="utf-8")  # cut short, as by a full disk
    assert lexicons.derived("terms", ("x",), build) == ["婚姻登记"]
    assert len(calls) == 2


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(lexicons.CACHE_VARIABLE, str(blocked / "cache"))
    build, calls = counting(["殡葬"])
    assert lexicons.derived("terms", ("y",), build) == ["殡葬"]
    assert lexicons.derived("terms", ("y",), build) == ["殡葬"]
    assert len(calls) == 2 and not os.path.isdir(blocked / "cache")
