"""Bad input gets a clear line in the aiap summary and leaves every file untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git, run_pytest_cli, snapshot, write_project

BUGGY = "def double(x):\n    return x + x + 1\n"
TEST = "from mod import double\n\ndef test_double():\n    assert double(2) == 4\n"


def test_a_syntax_error_in_imported_code_is_reported_as_a_collection_error(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p", {"mod.py": "def double(x:\n    return x\n", "test_mod.py": TEST}
    )
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: collection failed in test_mod.py" in result.stdout
    assert snapshot(project) == before


def test_a_syntax_error_in_lazily_imported_code_is_named(tmp_path: Path) -> None:
    tests = "def test_double():\n    from mod import double\n    assert double(2) == 4\n"
    project = write_project(
        tmp_path / "p", {"mod.py": "def double(x:\n    return x\n", "test_mod.py": tests}
    )
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: test_mod.py::test_double: SyntaxError" in result.stdout, result.stdout
    assert "mod.py" in result.stdout
    assert snapshot(project) == before


def test_a_source_that_is_not_utf8_is_left_alone(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "mod.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nLABEL = '\xe9t\xe9'\n\ndef double(x):\n    return x + x + 1\n"
    )
    (project / "test_mod.py").write_text(TEST)
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: mod.py: not UTF-8; aiap leaves it alone" in result.stdout, result.stdout
    assert snapshot(project) == before


def test_a_collection_error_is_reported_and_nothing_searched(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": "import missing_module\n"}
    )
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: collection failed in test_mod.py" in result.stdout
    assert "candidate" not in result.stdout
    assert snapshot(project) == before


def test_a_test_stopped_by_a_timeout_is_named(tmp_path: Path) -> None:
    tests = "import time\n\ndef test_wait():\n    time.sleep(600)\n"
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": tests})
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix", "--timeout=2", "--aiap-budget=20")
    assert "aiap: test_mod.py::test_wait: hung" in result.stdout, result.stdout
    assert snapshot(project) == before


def test_a_candidate_that_hangs_is_killed_and_the_search_goes_on(tmp_path: Path) -> None:
    source = (
        "def count_down(n):\n    steps = 0\n    while n > 0:\n        n -= 1\n"
        "        steps += 2\n    return steps\n"
    )
    tests = (
        "from mod import count_down\n\n"
        "def test_zero():\n    assert count_down(0) == 0\n\n"
        "def test_three():\n    assert count_down(3) == 3\n"
    )
    project = write_project(tmp_path / "p", {"mod.py": source, "test_mod.py": tests})
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-timeout=2")
    assert "timed out and were killed" in result.stdout, result.stdout
    assert "+        steps += 1" in result.stdout


def test_a_bug_that_makes_a_test_hang_is_fixed_without_waiting_out_each_hang(
    tmp_path: Path,
) -> None:
    # Each wrong candidate hangs too; its run is cut at a limit from the runs that did not
    # hang, not at pytest-timeout's 5 s, so the fix is reached well within the budget.
    source = (
        "def find(xs, target):\n    lo, hi = 0, len(xs) - 1\n    while lo <= hi:\n"
        "        mid = (lo + hi) // 2\n        if xs[mid] == target:\n            return mid\n"
        "        if xs[mid] < target:\n            lo = mid + 1\n        else:\n"
        "            hi = mid\n    return -1\n"
    )
    tests = (
        "from mod import find\n\n"
        "def test_found():\n    assert find([1, 3, 5, 7], 5) == 2\n\n"
        "def test_single():\n    assert find([5], 5) == 0\n\n"
        "def test_missing():\n    assert find([1, 3, 5, 7], 0) == -1\n"
    )
    project = write_project(tmp_path / "p", {"mod.py": source, "test_mod.py": tests})
    result = run_pytest_cli(project, "--aiap-fix", "--timeout=5", "--aiap-budget=25")
    assert "aiap: test_mod.py::test_missing: hung" in result.stdout, result.stdout
    assert "+            hi = mid - 1" in result.stdout, result.stdout


def test_a_directory_that_is_not_a_git_repository_is_repaired(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TEST})
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: not a git repository" in result.stdout
    assert "+    return x + x" in result.stdout


def test_a_read_only_file_is_not_written(git_repo: Path) -> None:
    write_project(git_repo, {"mod.py": BUGGY, "test_mod.py": TEST})
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "init")
    os.chmod(git_repo / "mod.py", 0o444)
    before = snapshot(git_repo)
    result = run_pytest_cli(git_repo, "--aiap-apply")
    assert "aiap: mod.py: read-only; not applied" in result.stdout, result.stdout
    assert snapshot(git_repo) == before


def test_a_broken_setting_is_named_and_nothing_runs(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        {"mod.py": BUGGY, "test_mod.py": TEST, "pyproject.toml": "[tool.aiap]\nengine = 'magic'\n"},
    )
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: pyproject.toml [tool.aiap]: engine" in result.stdout, result.stdout
    assert snapshot(project) == before


def test_the_llm_engine_without_a_model_says_what_to_set(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TEST})
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=llm")
    assert "aiap: the LLM engine needs a model: set --aiap-model" in result.stdout


def test_ctrl_c_during_the_search_changes_nothing(tmp_path: Path) -> None:
    slow_tests = (
        "import time\nfrom mod import double\n\n"
        "def test_double():\n    time.sleep(0.5)\n    assert double(2) == 4\n"
    )
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": slow_tests})
    before = snapshot(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIAP_", "PYTEST_"))}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--aiap-apply"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "aiap: searching" in line:
            time.sleep(1.0)
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=60)
    output = "".join(lines) + rest
    assert "aiap: interrupted; no file was changed" in output, output
    assert snapshot(project) == before
