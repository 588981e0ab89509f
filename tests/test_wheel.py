"""A wheel built from the checkout installs into a fresh virtualenv and runs from any folder.

The dependencies are not downloaded again: a .pth file makes this environment's
site-packages importable in the new one, after its own (so `pipeline` and the
lexicons come from the installed wheel, never from this checkout).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import RAW, ROOT


def checkout_files() -> list[str]:
    """The files a clean clone would have, plus new ones not ignored."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    return [name for name in listed if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the checkout's files")
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    for name in checkout_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(base / "dist"), str(source)], check=True, capture_output=True)
    wheel, = (base / "dist").glob("policymine-*.whl")
    env = base / "env"
    venv.create(env, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(env), "platbase": str(env)}))
    (purelib / "project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    return env


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working folder away from the checkout, with one sample report in it."""
    (tmp_path / "reports").mkdir()
    shutil.copy(sorted(RAW.glob("*.txt"))[0], tmp_path / "reports")
    return tmp_path


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_the_installed_package_is_the_wheel_with_its_lexicons(installed, elsewhere):
    where = run([str(installed / "bin" / "python"), "-c",
                 "import pipeline, lexicons, pipeline.lexicons as l; print(pipeline.__file__); "
                 "print(l.LEXICON_DIR); print(l.load_yaml('themes.yaml')['themes'][0]['code'])"], elsewhere)
    package, lexicon_dir, theme = where.stdout.split()
    assert package.startswith(str(installed)) and lexicon_dir.startswith(str(installed))
    assert (Path(lexicon_dir) / "regions.csv").is_file() and theme


def test_policymine_extract_from_another_folder(installed, elsewhere):
    result = run([str(installed / "bin" / "policymine"), "extract", "reports", "out"], elsewhere)
    assert "1 ok, 0 failed" in result.stdout
    assert (elsewhere / "out" / "panel.parquet").is_file() and (elsewhere / "out" / "indicators.parquet").is_file()


def test_python_dash_m_pipeline_extract(installed, elsewhere):
    result = run([str(installed / "bin" / "python"), "-m", "pipeline", "extract", "reports", "out", "-q"],
                 elsewhere)
    assert result.stdout == "" and (elsewhere / "out" / "documents.parquet").is_file()
