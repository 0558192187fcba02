"""The plugin costs nothing when off, and a green run with --aiap-fix loads no part of the core."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.plugin_project import run, user_pytester

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


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return user_pytester(pytester, monkeypatch)


def test_a_green_run_with_aiap_fix_loads_no_part_of_the_core(project: pytest.Pytester) -> None:
    project.makeconftest(REPORT_MODULES)
    project.makepyfile(test_ok="def test_ok():\n    assert True\n")
    result = run(project, "--aiap-fix", "-s")
    result.assert_outcomes(passed=1)
    assert "HEAVY: []" in result.outlines, result.stdout.str()


def test_an_offline_run_never_imports_litellm(project: pytest.Pytester) -> None:
    project.makeconftest(REPORT_LLM)
    project.makepyfile(
        vat="""
            def with_vat(amount, rate):
                return amount + amount + rate / 100
        """,
        test_vat="""
            from vat import with_vat

            def test_vat():
                assert with_vat(200, 10) == 220
        """,
    )
    for engine in ("offline", "auto"):  # auto without a model stays offline, silently
        result = run(project, "--aiap-fix", f"--aiap-engine={engine}", "-s")
        result.stdout.fnmatch_lines(["aiap: patch 1*", "LITELLM: False"])
        assert "llm" not in result.stdout.str().split("= aiap =")[-1]


def test_importtime_shows_no_litellm_when_the_plugin_loads() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest_aiap.plugin"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "pytest_aiap.plugin" in out.stderr  # the report is there ...
    assert "litellm" not in out.stderr  # ... and litellm is not in it
