"""What a repair run leaves in ``.aiap/``, through both doors: the patch, the run's story, the
coverage map and an audit line per patch shown or applied; a write that fails is one clear line,
and the user's files are as they were or fully patched with an undo record."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aiap.aiapdir import AiapDir
from aiap.models import sha256_bytes
from precommit_hooks.fix import main
from tests.conftest import git, run_pytest_cli, snapshot, write_project
from tests.precommit_project import BUGGY_PRICING, PRICING, enter, shop_project, stage

SOURCE = "def double(x):\n    return x + x + 1\n"
FIXED = "def double(x):\n    return x + x\n"
TESTS = "from mod import double\n\ndef test_double():\n    assert double(2) == 4\n"


def audit_lines(root: Path) -> list[dict[str, Any]]:
    text = (root / ".aiap" / "audit.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def undo_records(root: Path) -> list[Path]:
    return sorted((root / ".aiap" / "undo").glob("*.json"))


def could_not(output: str) -> list[str]:
    return [line for line in output.splitlines() if "could not" in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose one test fails on a one-token bug the offline engine repairs."""
    return write_project(tmp_path / "p", {"mod.py": SOURCE, "test_mod.py": TESTS})


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shop project, committed, with the hook run from its top as pre-commit runs it."""
    shop_project(git_repo)
    return enter(git_repo, monkeypatch)


@dataclass
class HookRun:
    repo: Path
    status: int
    out: str


@pytest.fixture(scope="module")
def hook_run(tmp_path_factory: pytest.TempPathFactory) -> HookRun:
    """One run of the hook on the staged BUGGY_PRICING (a repair that is applied), shared by
    the tests that only read what it left: its output and the repository's ``.aiap/``. The
    coverage map holds an entry of another source, written before the run."""
    repo = tmp_path_factory.mktemp("hook-run") / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "dev@example.com"],
                 ["config", "user.name", "dev"]):  # fmt: skip
        git(repo, *args)
    shop_project(repo)
    AiapDir(repo).write_coverage_map({"shop/labels.py": ["tests/test_labels.py"]})
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as monkeypatch, contextlib.redirect_stdout(out):
        enter(repo, monkeypatch)
        files = stage(repo, {"shop/pricing.py": BUGGY_PRICING})
        status = main(files)
    return HookRun(repo, status, out.getvalue())


def test_the_hooks_applied_patch_has_its_audit_line(hook_run: HookRun) -> None:
    repo = hook_run.repo
    assert hook_run.status == 1
    assert "shop/pricing.py: patched:" in hook_run.out, hook_run.out
    (saved,) = (repo / ".aiap" / "patches").glob("*-fix-1.patch")
    (line,) = audit_lines(repo)
    assert (line["event"], line["applied"], line["outcome"]) == ("patch", True, "applied")
    assert line["patch_sha256"] == sha256_bytes(saved.read_bytes())


def test_the_hooks_run_is_kept_as_the_last_run(hook_run: HookRun) -> None:
    assert hook_run.status == 1
    state = AiapDir(hook_run.repo).read_state()
    assert state is not None and state.status == "fixed"


def test_the_last_run_says_where_its_time_went(hook_run: HookRun) -> None:
    state = AiapDir(hook_run.repo).read_state()
    assert state is not None
    assert {"reproduce", "lanes", "calibrate", "search", "confirm"} <= set(state.phases)
    assert sum(state.phases.values()) <= state.seconds


def test_the_hooks_run_adds_to_the_coverage_map_without_forgetting_other_tests(
    hook_run: HookRun,
) -> None:
    assert hook_run.status == 1
    covered_by = AiapDir(hook_run.repo).read_coverage_map()
    assert covered_by is not None
    assert covered_by["shop/labels.py"] == ["tests/test_labels.py"]
    assert covered_by["shop/pricing.py"] == ["tests/test_pricing.py"]


def test_the_hook_refuses_to_apply_a_patch_it_cannot_audit(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".aiap" / "audit.jsonl").mkdir(parents=True)
    files = stage(repo, {"shop/pricing.py": BUGGY_PRICING})
    before = snapshot(repo)
    assert main(files) == 1
    out = capsys.readouterr().out
    assert could_not(out) == [
        "aiap-fix: could not write .aiap/audit.jsonl (Is a directory); shop/pricing.py: not applied"
    ], out
    assert snapshot(repo) == before
    assert undo_records(repo) == []


def test_the_hook_applies_and_reports_a_patch_it_cannot_save(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".aiap").mkdir()
    (repo / ".aiap" / "patches").write_text("in the way\n")
    files = stage(repo, {"shop/pricing.py": BUGGY_PRICING})
    assert main(files) == 1
    out = capsys.readouterr().out
    assert could_not(out) == ["aiap-fix: could not write .aiap/patches/ (Not a directory)"], out
    assert (repo / "shop" / "pricing.py").read_text() == PRICING
    assert len(undo_records(repo)) == 1
    assert [line["applied"] for line in audit_lines(repo)] == [True]


def test_the_plugins_shown_patch_has_its_audit_line(project: Path) -> None:
    result = run_pytest_cli(project, "--aiap-fix")
    assert "rerun with --aiap-apply" in result.stdout, result.stdout
    (saved,) = (project / ".aiap" / "patches").glob("*.patch")
    (line,) = audit_lines(project)
    assert (line["event"], line["applied"]) == ("patch", False)
    assert line["outcome"] == "shown, not applied"
    assert line["patch_sha256"] == sha256_bytes(saved.read_bytes())


def test_the_plugin_reports_an_audit_log_it_cannot_write_and_writes_nothing(
    project: Path,
) -> None:
    (project / ".aiap" / "audit.jsonl").mkdir(parents=True)
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert "+    return x + x" in result.stdout, result.stdout
    assert could_not(result.stdout) == ["aiap: could not write .aiap/audit.jsonl (Is a directory)"]
    assert snapshot(project) == before


def test_the_plugin_refuses_to_apply_a_patch_it_cannot_audit(project: Path) -> None:
    (project / ".aiap" / "audit.jsonl").mkdir(parents=True)
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-apply")
    assert could_not(result.stdout) == [
        "aiap: could not write .aiap/audit.jsonl (Is a directory); mod.py: not applied"
    ], result.stdout
    assert snapshot(project) == before
    assert undo_records(project) == []


def test_the_plugin_reports_a_patch_it_cannot_save_and_writes_nothing(project: Path) -> None:
    (project / ".aiap").mkdir()
    (project / ".aiap" / "patches").write_text("in the way\n")
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert could_not(result.stdout) == ["aiap: could not write .aiap/patches/ (Not a directory)"]
    assert snapshot(project) == before
    assert [line["outcome"] for line in audit_lines(project)] == ["shown, not applied"]


def test_the_plugin_applies_a_patch_it_cannot_save_with_its_undo_record(project: Path) -> None:
    (project / ".aiap").mkdir()
    (project / ".aiap" / "patches").write_text("in the way\n")
    result = run_pytest_cli(project, "--aiap-apply")
    assert "aiap: applied to mod.py" in result.stdout, result.stdout
    assert could_not(result.stdout) == ["aiap: could not write .aiap/patches/ (Not a directory)"]
    assert (project / "mod.py").read_text() == FIXED
    assert len(undo_records(project)) == 1
    assert [line["applied"] for line in audit_lines(project)] == [True]
