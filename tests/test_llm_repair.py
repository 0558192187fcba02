"""The LLM engine end to end: real pytest, real litellm, a real OpenAI-compatible server."""

from __future__ import annotations

import json
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_pytest_cli, snapshot, write_project
from tests.llm_project import (
    FIX,
    WRONG_FIX,
    block,
    needs_litellm,
    people_project,
    repair_with_llm,
    run_llm,
)
from tests.openai_server import Logged, OpenAIServer
from tests.test_plugin_cost import REPORT_LLM

pytestmark = needs_litellm


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
def test_a_bug_the_offline_engine_cannot_fix_is_fixed_by_the_model(
    tmp_path: Path, openai_server: OpenAIServer, stream: bool
) -> None:
    project = people_project(tmp_path / "p")
    openai_server.answer(FIX)
    env = {"AIAP_LLM_STREAM": str(stream).lower()}
    result = run_llm(project, openai_server, "--aiap-apply", env=env)
    assert "aiap: applied to people.py" in result.stdout, result.stdout
    assert '+    return f"{first} {last}"' in result.stdout
    assert run_pytest_cli(project).returncode == 0
    (request,) = openai_server.requests
    assert request.body["model"] == "fake"
    assert request.body.get("stream", False) is stream
    # The context: the failing test's source, its failure, the suspicious function.
    sent = request.text
    assert 'assert full_name("Ada", "Lovelace") == "Ada Lovelace"' in sent
    assert "AdaLovelace" in sent
    assert "people.py, lines 4-8:" in sent and "    return first + last" in sent
    assert "aiap: llm: 1 call(s), 120 tokens (100 in, 20 out)" in result.stdout


def test_the_offline_engine_alone_cannot_fix_that_bug(tmp_path: Path) -> None:
    project = people_project(tmp_path / "p")
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=offline", "--aiap-budget=30")
    assert "aiap: no patch: every candidate the engines offered was tried" in result.stdout, (
        result.stdout
    )


def test_auto_asks_the_model_only_after_the_offline_engine_found_nothing(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    project = people_project(tmp_path / "p")
    openai_server.answer(FIX)
    result = run_pytest_cli(
        project,
        "--aiap-fix",
        "--aiap-model=openai/fake",
        f"--aiap-api-base={openai_server.url}",
    )
    assert "aiap: patch 1: people.py: edit by openai/fake (round 1) (llm" in result.stdout
    tried = int(result.stdout.split(" candidate(s) tried")[0].rsplit("aiap: ", 1)[1])
    assert tried > 1  # offline candidates first, then the model's
    assert len(openai_server.requests) == 1


def test_auto_never_calls_the_model_when_the_offline_engine_fixes_it(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "vat.py": "def with_vat(amount, rate):\n    return amount + amount + rate / 100\n",
            "test_vat.py": "from vat import with_vat\n\n"
            "def test_vat():\n    assert with_vat(200, 10) == 220\n",
        },
    )
    openai_server.answer(FIX)
    result = run_pytest_cli(
        project, "--aiap-fix", "--aiap-model=openai/fake", f"--aiap-api-base={openai_server.url}"
    )
    assert "(offline, " in result.stdout, result.stdout
    assert openai_server.requests == []


@dataclass
class TwoRounds:
    project: Path
    stdout: str
    requests: list[Logged]


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> TwoRounds:
    """One `--aiap-apply` run whose model answers a wrong patch, then the fix: shared by the
    tests that read its output, the requests the server got, and the audit log it left. Made
    once per session even when xdist sends those tests to two workers: the first makes it
    under a lock in the session's shared temporary directory, the other reads it back."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base
    where = shared / "llm-two-rounds"
    saved = where / "run.json"
    with FileLock(str(shared / "llm-two-rounds.lock")):
        if not saved.exists():
            project = people_project(where / "p")
            server = OpenAIServer().start()
            try:
                server.answer(WRONG_FIX, FIX)
                stdout = run_llm(project, server, "--aiap-apply").stdout
            finally:
                server.stop()
            requests = [{"path": r.path, "body": r.body, "headers": r.headers}
                        for r in server.requests]  # fmt: skip
            saved.write_text(json.dumps({"stdout": stdout, "requests": requests}))
    run = json.loads(saved.read_text())
    return TwoRounds(where / "p", run["stdout"], [Logged(**r) for r in run["requests"]])


def test_a_rejected_patch_sends_the_failing_output_back_and_the_next_round_fixes_it(
    two_rounds: TwoRounds,
) -> None:
    assert "aiap: llm: round 1: the patch was applied and tested: 1 failing test(s) still fail" in (
        two_rounds.stdout
    ), two_rounds.stdout
    assert "edit by openai/fake (round 2)" in two_rounds.stdout
    first, second = two_rounds.requests
    messages = second.body["messages"]
    # The instructions, a worked exchange, the request, the wrong answer, the feedback.
    assert [m["role"] for m in messages] == ["system", *["user", "assistant"] * 2, "user"]
    assert "factor = percent / 100" in messages[2]["content"]  # the example's answer
    assert messages[4]["content"] == WRONG_FIX
    assert "Ada-Lovelace" in messages[5]["content"]  # the patched run's failure
    assert tempfile.gettempdir() not in messages[5]["content"]  # stable across runs


def test_after_a_wrong_patch_the_next_request_asks_for_another_idea_not_the_same_answer(
    two_rounds: TwoRounds,
) -> None:
    first, second = two_rounds.requests
    assert first.body["temperature"] == 0
    assert second.body["temperature"] > 0  # at 0 a small model repeats its first answer


def test_the_same_problem_twice_asks_for_the_whole_function(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    project = people_project(tmp_path / "p")
    openai_server.answer("No idea.", "Still no idea.", FIX)
    state = repair_with_llm(project, openai_server)
    first_retry = openai_server.requests[1].body["messages"][-1]["content"]
    second_retry = openai_server.requests[2].body["messages"][-1]["content"]
    assert "<<<<<<< SEARCH" in first_retry
    assert "the whole corrected function `full_name`" in second_retry
    assert state.patches, state.messages


def test_an_answer_that_does_not_apply_gets_the_reason_back_and_a_retry(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    project = people_project(tmp_path / "p")
    openai_server.answer(block("    return first - last\n", "    return 0\n"), FIX)
    state = repair_with_llm(project, openai_server)  # the core's run, in this process
    assert "edit by openai/fake (round 2)" in state.patches[0].description, state.messages
    assert "matches no lines" in openai_server.requests[1].body["messages"][-1]["content"]


def test_a_second_run_answers_from_the_cache_without_a_request(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    project = people_project(tmp_path / "p", {"conftest.py": REPORT_LLM})
    openai_server.answer(FIX)
    first = run_llm(project, openai_server, "--aiap-fix", "-s")
    assert "aiap: patch 1" in first.stdout, first.stdout
    assert "LITELLM: True" in first.stdout
    second = run_llm(project, openai_server, "--aiap-fix", "-s")
    assert '+    return f"{first} {last}"' in second.stdout, second.stdout
    assert "aiap: llm: 1 call(s) (1 from the cache), 0 tokens" in second.stdout
    assert len(openai_server.requests) == 1
    assert "LITELLM: False" in second.stdout  # a cached answer needs no litellm at all
    third = run_llm(project, openai_server, "--aiap-fix", "--aiap-no-cache")
    assert "aiap: patch 1" in third.stdout
    assert len(openai_server.requests) == 2


def test_secrets_never_reach_the_server(tmp_path: Path, openai_server: OpenAIServer) -> None:
    dotenv_value = "whsec-9f8e7d6c5b4a"
    env_value = "adm1n-t0ken-from-env"
    literal = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
    settings = (
        f'WEBHOOK_SECRET = "{dotenv_value}"\n'
        f'ADMIN = "{env_value}"\n'
        f'STRIPE_KEY = "{literal}"\n'
        'DATABASE_URL = "postgres://shop:db-pa55word@db.internal/shop"\n'
    )
    people = (
        "from settings import ADMIN, DATABASE_URL, STRIPE_KEY, WEBHOOK_SECRET\n\n\n"
        "def headers():\n"
        '    return {"key": STRIPE_KEY, "hook": WEBHOOK_SECRET, "admin": ADMIN, '
        '"db": DATABASE_URL}\n\n\n'
        "def full_name(first, last):\n    return first + last\n"
    )
    tests = (
        "from people import full_name, headers\n\n\n"
        "def test_full_name():\n"
        "    assert full_name('Ada', 'Lovelace') == 'Ada Lovelace', headers()\n"
    )
    project = people_project(
        tmp_path / "p",
        {
            "people.py": people,
            "settings.py": settings,
            "test_people.py": tests,
            ".env": f"WEBHOOK_SECRET={dotenv_value}\n",
        },
    )
    openai_server.answer(FIX)
    result = run_llm(project, openai_server, "--aiap-fix", env={"SHOP_ADMIN_TOKEN": env_value})
    assert "aiap: patch 1" in result.stdout, result.stdout
    (request,) = openai_server.requests
    sent = json.dumps(request.body)
    assert "STRIPE_KEY" in sent and "headers()" in sent  # the code around them was sent
    for secret in (dotenv_value, env_value, literal, "db-pa55word"):
        assert secret not in sent
    assert "[[AIAP_SECRET_" in sent


def test_every_call_and_every_applied_patch_is_audited(two_rounds: TwoRounds) -> None:
    lines = (two_rounds.project / ".aiap" / "audit.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["event"], r["applied"]) for r in records] == [
        ("llm_call", False),
        ("llm_call", False),
        ("patch", True),
    ]
    call, fix_call, applied = records
    assert call["model"] == "openai/fake" and call["engine"] == "llm"
    assert set(call["files_sent"]) == {"people.py", "test_people.py"}
    assert call["prompt_tokens"] == 100 and call["attempts"] == 1 and call["time"]
    assert fix_call["patch_sha256"] == applied["patch_sha256"] != call["patch_sha256"]


def test_the_cost_budget_stops_the_rounds(tmp_path: Path, openai_server: OpenAIServer) -> None:
    project = people_project(tmp_path / "p")
    openai_server.answer(WRONG_FIX, FIX)
    state = repair_with_llm(  # the core's run, in this process
        project, openai_server, env={"AIAP_LLM_MAX_COST": "0.00001"}, model="openai/gpt-4o-mini"
    )
    assert any(m.startswith("llm: stopped: cost budget used up ($0.0000") for m in state.messages)
    assert len(openai_server.requests) == 1
    assert state.llm_usage is not None
    assert state.llm_usage.describe() == "llm: 1 call(s), 120 tokens (100 in, 20 out), $0.0000"


def test_a_server_that_cannot_be_reached_is_named_after_the_retries(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    project = people_project(tmp_path / "p")
    before = snapshot(project)
    result = run_pytest_cli(
        project,
        "--aiap-apply",
        "--aiap-engine=llm",
        "--aiap-model=openai/fake",
        f"--aiap-api-base=http://127.0.0.1:{port}",
    )
    assert (
        f"aiap: llm: openai/fake: still failing after 4 attempts: cannot connect to "
        f"http://127.0.0.1:{port}"
    ) in result.stdout, result.stdout
    assert snapshot(project) == before
