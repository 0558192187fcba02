"""``aiap-review`` on staged changes in throw-away git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aiap.review.findings import ReviewReport
from precommit_hooks.review import main
from tests.conftest import git, write_project
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


class _OpenAiServer:
    """A chat-completions endpoint on 127.0.0.1 answering one fixed text; records requests."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.requests: list[dict[str, object]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(json.loads(body))
                reply = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "reviewer",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": server.answer},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_OpenAiServer]:
    pytest.importorskip("litellm")  # the `llm` extra
    server = _OpenAiServer("")
    monkeypatch.setenv("AIAP_MODEL", "openai/reviewer")
    monkeypatch.setenv("AIAP_API_BASE", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    yield server
    server.httpd.shutdown()


def test_a_configured_model_reviews_the_changed_lines(
    repo: Path, llm_server: _OpenAiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer = json.dumps(
        {"findings": [{"path": "pay.py", "line": 5, "severity": "high",
                       "message": "refund adds instead of subtracting"}]}
    )  # fmt: skip
    source = (
        "API_TOKEN = 'tok-abcdef123456'\n\n\n"
        "def refund(balance, amount):\n    return balance + amount\n"
    )
    files = stage(repo, {"pay.py": source})
    assert main(files) == 1
    assert "pay.py:5: high llm/review refund adds instead of subtracting" in capsys.readouterr().out
    (request,) = llm_server.requests
    prompt = json.dumps(request["messages"])
    assert "return balance + amount" in prompt
    assert "tok-abcdef123456" not in prompt  # secrets are masked before leaving the machine


def test_a_malformed_model_answer_is_reported_and_ignored(
    repo: Path, llm_server: _OpenAiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.answer = "Looks good to me! {not json"
    files = stage(repo, {"pay.py": "def refund(balance, amount):\n    return balance - amount\n"})
    assert main(files) == 0
    assert "LLM review: the model's answer was" in capsys.readouterr().err
