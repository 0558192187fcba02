"""A small project with a bug the offline engine cannot fix, and the answers a model may give."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from aiap.models import RunState
from tests.conftest import run_pytest_cli, write_project
from tests.openai_server import OpenAIServer

needs_litellm = pytest.mark.skipif(
    importlib.util.find_spec("litellm") is None,
    reason="the LLM engine's tests need litellm (pip install 'aiap[llm]')",
)

PEOPLE = '''\
"""People's names as shown on badges and in lists."""


def full_name(first, last):
    """First and last name, as printed on a badge."""
    first = first.strip()
    last = last.strip()
    return first + last


def list_name(first, last):
    """Last name first, as in a sorted list."""
    first = first.strip()
    last = last.strip()
    return f"{last}, {first}"
'''

TESTS = """\
from people import full_name, list_name


def test_full_name():
    assert full_name("Ada", "Lovelace") == "Ada Lovelace"


def test_full_name_strips_spaces():
    assert full_name(" Ada", "Lovelace ").startswith("Ada")


def test_list_name():
    assert list_name("Ada", "Lovelace") == "Lovelace, Ada"
"""


def block(search: str, replace: str, path: str = "people.py") -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


FIX = block("    return first + last\n", '    return f"{first} {last}"\n')
WRONG_FIX = block("    return first + last\n", '    return first + "-" + last\n')


def people_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    return write_project(root, {"people.py": PEOPLE, "test_people.py": TESTS, **(extra or {})})


def run_llm(
    project: Path,
    server: OpenAIServer,
    *args: str,
    model: str = "openai/fake",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return run_pytest_cli(
        project,
        "--aiap-engine=llm",
        f"--aiap-model={model}",
        f"--aiap-api-base={server.url}",
        *args,
        env=env,
    )


def repair_with_llm(
    project: Path,
    server: OpenAIServer,
    env: dict[str, str] | None = None,
    model: str = "openai/fake",
) -> RunState:
    """The core's whole repair run (real pytest runs in an isolated copy), in this process:
    litellm is imported once per test process, not once per case."""
    from aiap.config import load_config
    from aiap.repair.pipeline import RepairJob, repair

    config = load_config(
        project,
        environ=env or {},
        overrides={"engine": "llm", "model": model, "api_base": server.url},
    )
    job = RepairJob(
        root=project,
        invocation_dir=project,
        options=["-p", "no:cacheprovider"],
        positional=[],
        failing=["test_people.py::test_full_name"],
        config=config,
        sys_path=[str(project)],
    )
    return repair(job)
