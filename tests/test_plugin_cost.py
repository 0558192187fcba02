"""The plugin costs nothing when off, and a green run with --aiap-fix loads no part of the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import run_pytest_cli, write_project

HEAVY = ("aiap", "libcst", "junitparser", "coverage", "git", "litellm", "openai")

REPORT_MODULES = (
    "import sys\n\n"
    "def pytest_unconfigure(config):\n"
    f"    heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
    "    print('HEAVY:', heavy)\n"
)

# Printed after the terminal summary, where the repair (and any LLM call) has happened.
REPORT_LLM = (
    "import sys\n\n"
    "def pytest_unconfigure(config):\n"
    "    print('LITELLM:', 'litellm' in sys.modules)\n"
)


def test_importing_the_plugin_imports_no_part_of_the_core() -> None:
    code = (
        "import sys, pytest_aiap.plugin\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_green_run_with_aiap_fix_loads_no_part_of_the_core(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "conftest.py": REPORT_MODULES,
            "test_ok.py": "def test_ok():\n    assert True\n",
        },
    )
    result = run_pytest_cli(project, "--aiap-fix", "-s")
    assert result.returncode == 0
    assert "HEAVY: []" in result.stdout, result.stdout


def test_an_offline_run_never_imports_litellm(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "conftest.py": REPORT_LLM,
            "vat.py": "def with_vat(amount, rate):\n    return amount + amount + rate / 100\n",
            "test_vat.py": "from vat import with_vat\n\n"
            "def test_vat():\n    assert with_vat(200, 10) == 220\n",
        },
    )
    for engine in ("offline", "auto"):  # auto without a model stays offline, silently
        result = run_pytest_cli(project, "--aiap-fix", f"--aiap-engine={engine}", "-s")
        assert "aiap: patch 1" in result.stdout, result.stdout
        assert "llm" not in result.stdout.split("= aiap =")[-1]
        assert "LITELLM: False" in result.stdout, result.stdout


def test_importtime_shows_no_litellm_when_the_plugin_loads() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest_aiap.plugin"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "pytest_aiap.plugin" in out.stderr  # the report is there ...
    assert "litellm" not in out.stderr  # ... and litellm is not in it
