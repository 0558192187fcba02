"""``aiap-review`` on staged changes in throw-away git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiap.llm.provider import litellm_installed
from aiap.review.findings import ReviewReport
from precommit_hooks.review import main
from tests.conftest import git, write_project
from tests.openai_server import OpenAIServer, Reply
from tests.precommit_project import PYPROJECT, enter, stage

SHELL_ON_INPUT = (
    "import subprocess\n\n\n"
    "def archive(name):\n"
    "    subprocess.run(f'tar czf {name}.tgz {name}', shell=True)\n"
)
LEGACY = "def check(x):\n    assert x > 0\n    return eval(x)\n"


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one committed legacy file (findings on lines nobody touches now)."""
    write_project(git_repo, {"pyproject.toml": PYPROJECT, "legacy.py": LEGACY})
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "legacy")
    return enter(git_repo, monkeypatch)


def test_shell_true_on_input_blocks_with_the_finding(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {"tasks.py": SHELL_ON_INPUT})
    assert main(files) == 1
    out = capsys.readouterr()
    assert "tasks.py:5: high aiap/subprocess-shell shell=True with a command built" in out.out
    assert "1 finding(s) at or above high: commit blocked" in out.err


def test_only_the_staged_lines_are_reviewed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = stage(repo, {"legacy.py": LEGACY + "\n\ndef double(x):\n    return 2 * x\n"})
    assert main(files) == 0
    assert capsys.readouterr().out == ""  # eval and assert on lines 2-3 predate this change


def test_a_changed_line_inside_a_multiline_call_counts(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(\n        cmd,\n    )\n"
    stage(repo, {"runner.py": before})
    git(repo, "commit", "-qm", "runner")
    files = stage(
        repo, {"runner.py": before.replace("        cmd,\n", "        cmd,\n        shell=True,\n")}
    )  # noqa: E501
    assert main(files) == 1
    assert "runner.py:5: high aiap/subprocess-shell" in capsys.readouterr().out


def test_fail_on_sets_the_blocking_severity(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = stage(repo, {"bank.py": "def withdraw(amount):\n    assert amount > 0\n"})
    assert main(files) == 0
    assert "bank.py:2: medium aiap/assert-validation" in capsys.readouterr().out
    assert main(["--fail-on", "medium", *files]) == 1
    assert main(["--fail-on", "never", "--format", "json", *files]) == 0


def test_json_output_is_the_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = stage(repo, {"tasks.py": SHELL_ON_INPUT})
    main(["--format", "json", *files])
    report = ReviewReport.model_validate_json(capsys.readouterr().out)
    assert [(f.path, f.line, f.rule, f.severity) for f in report.findings] == [
        ("tasks.py", 5, "aiap/subprocess-shell", "high")
    ]


def test_sarif_output_is_sarif_2_1_0(repo: Path, tmp_path: Path) -> None:
    files = stage(repo, {"tasks.py": SHELL_ON_INPUT, "bank.py": "def w(a):\n    assert a\n"})
    out = tmp_path / "review.sarif"
    assert main(["--format", "sarif", "--output", str(out), *files]) == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["aiap/assert-validation", "aiap/subprocess-shell"]
    results = {r["ruleId"]: r for r in run["results"]}
    shell = results["aiap/subprocess-shell"]
    assert shell["level"] == "error" and results["aiap/assert-validation"]["level"] == "warning"
    assert rules[shell["ruleIndex"]] == "aiap/subprocess-shell"
    location = shell["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tasks.py"
    assert location["region"]["startLine"] == 5


def test_a_syntax_error_blocks_with_rufs_message(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {"broken.py": "def f(:\n    pass\n"})
    assert main(files) == 1
    out = capsys.readouterr()
    assert "broken.py:1: high ruff/syntax-error" in out.out
    assert "broken.py: cannot be parsed" in out.err


def test_a_file_that_is_not_utf8_is_skipped_with_a_message(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "latin.py").write_bytes("NAME = 'café'\n".encode("latin-1"))
    git(repo, "add", "latin.py")
    assert main(["latin.py"]) == 0
    assert "latin.py: not UTF-8; not reviewed" in capsys.readouterr().err


def test_ruff_findings_on_changed_lines_are_reported(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {"report.py": "import os\n\n\ndef total(xs):\n    return sum(xs)\n"})
    assert main(files) == 0
    assert "report.py:1: medium ruff/F401" in capsys.readouterr().out


def test_litellm_is_not_imported_without_a_model(repo: Path) -> None:
    files = stage(repo, {"tasks.py": SHELL_ON_INPUT})
    code = (
        "import sys\nfrom precommit_hooks import fix, review\n"
        f"review.main({files!r})\n"
        f"fix.main(['--no-tests', *{files!r}])\n"
        "assert 'litellm' not in sys.modules, 'litellm imported'\n"
        "assert 'aiap.review.llm' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def llm_server(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """The loopback OpenAI server, configured as the review's model."""
    if not litellm_installed():
        pytest.skip("the LLM review needs litellm (pip install 'aiap[llm]')")
    monkeypatch.setenv("AIAP_MODEL", "openai/reviewer")
    monkeypatch.setenv("AIAP_API_BASE", openai_server.url)
    return openai_server


REFUND_BUG = json.dumps(
    {"findings": [{"path": "pay.py", "line": 2, "severity": "high",
                   "message": "refund adds instead of subtracting"}]}
)  # fmt: skip
REFUND = "def refund(balance, amount):\n    return balance + amount\n"


def test_a_configured_model_reviews_the_changed_lines(
    repo: Path, llm_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer(REFUND_BUG)
    files = stage(repo, {"pay.py": REFUND})
    assert main(files) == 1
    assert "pay.py:2: high llm/review refund adds instead of subtracting" in capsys.readouterr().out
    (request,) = llm_server.requests
    assert "    2 + " + "    return balance + amount" in request.text


def test_a_malformed_model_answer_is_reported_and_ignored(
    repo: Path, llm_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer("Looks good to me! {not json}")
    files = stage(repo, {"pay.py": REFUND})
    assert main(files) == 0
    assert "LLM review: the model's answer was not the JSON asked for" in capsys.readouterr().err


def test_a_second_identical_review_is_answered_from_the_cache(
    repo: Path, llm_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer(REFUND_BUG)
    files = stage(repo, {"pay.py": REFUND})
    assert main(files) == 1
    assert main(files) == 1
    assert len(llm_server.requests) == 1
    assert capsys.readouterr().out.count("high llm/review refund adds") == 2


def test_every_review_call_is_audited(repo: Path, llm_server: OpenAIServer) -> None:
    llm_server.answer(REFUND_BUG)
    files = stage(repo, {"pay.py": REFUND})
    main(files)
    main(files)
    audit = [json.loads(line) for line in (repo / ".aiap/audit.jsonl").read_text().splitlines()]
    assert [(a["event"], a["engine"], a["cached"]) for a in audit] == [
        ("llm_call", "review", False),
        ("llm_call", "review", True),
    ]
    first = audit[0]
    assert first["model"] == "openai/reviewer" and first["files_sent"] == ["pay.py"]
    assert first["prompt_tokens"] == 100 and first["outcome"] == "1 finding(s)"


def test_a_failing_provider_is_reported_and_the_review_goes_on(
    repo: Path, llm_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer(Reply(status=401, error={"message": "bad key", "type": "auth"}))
    files = stage(repo, {"tasks.py": SHELL_ON_INPUT})
    assert main(files) == 1  # the security finding still blocks
    out = capsys.readouterr()
    assert "tasks.py:5: high aiap/subprocess-shell" in out.out
    assert "aiap-review: LLM review failed (openai/reviewer: the provider refused" in out.err
    audit = (repo / ".aiap/audit.jsonl").read_text()
    assert '"outcome":"error: openai/reviewer: the provider refused' in audit
