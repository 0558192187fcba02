from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer

# The suite runs two tests at a time on two cores (pytest -n 2): a repair under test gets one
# validation lane, as a second would only wait for a core. Tests of the lanes ask for more.
ONE_LANE = {"AIAP_WORKERS": "1"}
os.environ.update(ONE_LANE)  # for the runs the tests start without these helpers (git hooks)


def user_environ() -> dict[str, str]:
    """This process's environment as a user's: no AIAP_* or PYTEST_* setting of ours, but the
    one lane the suite gives each repair."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIAP_", "PYTEST_"))}
    return {**env, **ONE_LANE}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def alive_after(pid: int, within: float) -> bool:
    """Whether pid is still a live process (not a zombie) after up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository in a temporary directory."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "dev")
    return repo


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write a small project (path -> text) and return its root."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the tree but aiap's own state, caches and git internals, as bytes."""
    skip = {".aiap", ".git", "__pycache__", ".pytest_cache"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not skip & set(p.relative_to(root).parts)
    }


def run_pytest_cli(
    cwd: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest as a user runs it, in a subprocess, with the installed aiap plugin."""
    import sys

    full_env = {**user_environ(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def bare_venv(where: Path) -> tuple[Path, Path]:
    """A virtualenv without pip (fast to make): its python and its site-packages directory."""
    import sys

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return python, Path(purelib)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted answers."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
