"""Every model call goes through one gateway: no kind of secret reaches the model, from any caller.

Each kind of secret the masker knows is planted where a caller takes code from: the staged
change of a review, the function under repair, the module given to test generation. The loopback
server's log must hold none of the secrets, and must hold the lines they were on, masked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest

from precommit_hooks.review import main as review_main
from tests.conftest import git, write_project
from tests.llm_project import FIX, PEOPLE, needs_litellm, people_project, run_llm
from tests.openai_server import OpenAIServer
from tests.precommit_project import PYPROJECT, enter, stage
from tests.test_gen_tests_cli import aiap, shop
from tests.test_testgen_llm import GOOD_ANSWER

pytestmark = needs_litellm

DOTENV_SECRET = "whsec-9f8e7d6c5b4a"
ENV_NAME, ENV_SECRET = "SHOP_ADMIN_TOKEN", "adm1n-t0ken-from-env"
MASK = "[[AIAP_SECRET_"


class Planted(NamedTuple):
    kind: str
    line: str  # a line of Python holding the secret, in a function body
    secret: str
    masked: str  # how the line starts once masked: proof that it went, without the secret


# Each line is caught by one rule only: a name like a secret, or a shape, or a known value.
PLANTED = [
    Planted("assignment", 'api_key = "q7Zt9mW2vX4pL8nR"', "q7Zt9mW2vX4pL8nR", 'api_key = "' + MASK),
    Planted("annotation", 'password: "c0rrect-h0rse"', "c0rrect-h0rse", 'password: "' + MASK),
    Planted(
        "quoted key", 'headers = {"token": "b5e1c9a7d3f2"}', "b5e1c9a7d3f2", '{"token": "' + MASK
    ),
    Planted(
        "sk- key",
        'client = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"',
        "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e",
        'client = "' + MASK,
    ),
    Planted("AKIA key", 'aws = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE", 'aws = "' + MASK),
    Planted(
        "ghp_ token",
        'gh = "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"',
        "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2",
        'gh = "' + MASK,
    ),
    Planted(
        "Slack token",
        'slack = "xoxb-2048-4096-Qw3rTy"',
        "xoxb-2048-4096-Qw3rTy",
        'slack = "' + MASK,
    ),
    Planted(
        "private key block",
        'pem = """-----BEGIN RSA PRIVATE KEY-----\n'
        "MIIEowIBAAKCAQEAx1y2z3w4\n"
        '-----END RSA PRIVATE KEY-----"""',
        "MIIEowIBAAKCAQEAx1y2z3w4",
        'pem = """' + MASK,
    ),
    Planted(
        "URL password",
        'db = "postgres://shop:db-pa55word@db.internal/shop"',
        "db-pa55word",
        'db = "postgres://shop:' + MASK,
    ),
    Planted(".env value", f'hook = "{DOTENV_SECRET}"', DOTENV_SECRET, 'hook = "' + MASK),
    Planted(
        "secret environment variable", f'admin = "{ENV_SECRET}"', ENV_SECRET, 'admin = "' + MASK
    ),
]


def planted_lines() -> str:
    """The planted lines as the start of a function body."""
    return "".join(f"    {p.line}\n" for p in PLANTED)


def assert_no_secret_arrived(server: OpenAIServer) -> None:
    assert server.requests, "nothing was sent: the test proves nothing"
    sent = "\n".join(r.text + json.dumps(r.body) for r in server.requests)
    assert [p.kind for p in PLANTED if p.secret in sent] == []  # what leaked
    assert [p.kind for p in PLANTED if p.masked not in sent] == []  # what was not sent at all


@pytest.fixture
def secrets_around(monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret environment variable, in this process and the ones it starts."""
    monkeypatch.setenv(ENV_NAME, ENV_SECRET)


def test_no_secret_of_a_reviewed_change_reaches_the_model(
    git_repo: Path,
    openai_server: OpenAIServer,
    secrets_around: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_project(git_repo, {"pyproject.toml": PYPROJECT, ".env": f"WEBHOOK={DOTENV_SECRET}\n"})
    git(git_repo, "add", "pyproject.toml")
    git(git_repo, "commit", "-qm", "start")
    repo = enter(git_repo, monkeypatch)
    monkeypatch.setenv("AIAP_MODEL", "openai/reviewer")
    monkeypatch.setenv("AIAP_API_BASE", openai_server.url)
    openai_server.answer('{"findings": []}')
    files = stage(repo, {"settings.py": "def connect():\n" + planted_lines()})
    review_main(files)
    assert_no_secret_arrived(openai_server)


def test_no_secret_of_a_function_under_repair_reaches_the_model(
    tmp_path: Path, openai_server: OpenAIServer, secrets_around: None
) -> None:
    badge = '    """First and last name, as printed on a badge."""\n'
    people = PEOPLE.replace(badge, badge + planted_lines())
    project = people_project(
        tmp_path / "p", {"people.py": people, ".env": f"WEBHOOK={DOTENV_SECRET}\n"}
    )
    openai_server.answer(FIX)
    result = run_llm(project, openai_server, "--aiap-fix", env={ENV_NAME: ENV_SECRET})
    assert "aiap: patch 1" in result.stdout, result.stdout  # the masked context was enough
    assert_no_secret_arrived(openai_server)


def test_no_secret_of_a_module_given_to_test_generation_reaches_the_model(
    tmp_path: Path, openai_server: OpenAIServer, secrets_around: None
) -> None:
    project = shop(tmp_path / "p")
    write_project(
        project,
        {
            "shop/settings.py": "def connect():\n" + planted_lines() + "    return db\n",
            ".env": f"WEBHOOK={DOTENV_SECRET}\n",
        },
    )
    openai_server.answer(GOOD_ANSWER)
    result = aiap(
        project, "shop/settings.py", "--engine", "llm", "--check",
        "--model", "openai/fake", "--api-base", openai_server.url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_no_secret_arrived(openai_server)
