"""Throw-away projects committed through real pre-commit, for the hook tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ONE_LANE, git, user_environ, write_project

BIN = Path(sys.executable).parent
HOOKS = ("aiap-fix", "aiap-review", "aiap-gen-tests")

PYPROJECT = """\
[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F", "I"]
"""

PRICING = """\
BULK_THRESHOLD = 10
BULK_DISCOUNT = 0.1


def price(unit_price, quantity):
    \"\"\"Price of `quantity` items, with the bulk discount from BULK_THRESHOLD items on.\"\"\"
    total = unit_price * quantity
    if quantity >= BULK_THRESHOLD:
        total -= total * BULK_DISCOUNT
    return round(total, 2)
"""

# The bug the hook tests stage: no discount at exactly the threshold (test_pricing catches it).
BUGGY_PRICING = PRICING.replace("quantity >= BULK_THRESHOLD", "quantity > BULK_THRESHOLD")

TEST_PRICING = """\
from shop.pricing import price


def test_small_orders_pay_full_price():
    assert price(2.0, 3) == 6.0


def test_bulk_discount_starts_at_the_threshold():
    assert price(1.0, 10) == 9.0
"""


def shop_project(repo: Path) -> Path:
    """A small committed project whose tests pass: shop/pricing.py and its tests."""
    write_project(
        repo,
        {
            "pyproject.toml": PYPROJECT,
            "shop/__init__.py": "",
            "shop/pricing.py": PRICING,
            "tests/test_pricing.py": TEST_PRICING,
        },
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "shop", "--no-verify")
    return repo


def local_config(hook_args: dict[str, list[str]] | None = None) -> str:
    """A .pre-commit-config.yaml running the hooks installed in this interpreter's environment
    (``repo: local``): the same console scripts the published hooks run, without an install."""
    lines = ["repos:", "- repo: local", "  hooks:"]
    for hook in HOOKS:
        lines += [
            f"  - id: {hook}",
            f"    name: {hook}",
            f"    entry: {BIN / hook}",
            "    language: system",
            "    types: [python]",
            "    require_serial: true",
        ]
        if hook == "aiap-gen-tests":
            lines.append("    stages: [manual, pre-push]")
        if hook_args and hook in hook_args:
            lines.append(f"    args: {hook_args[hook]!r}")
    return "\n".join(lines) + "\n"


def hook_env(**extra: str) -> dict[str, str]:
    """The environment of a developer whose virtualenv (this one) is active."""
    env = user_environ()
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(BIN.parent)
    env.update(extra)
    return env


def pre_commit(repo: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    return subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or hook_env(),
    )


def commit(repo: Path, message: str, env: dict[str, str] | None = None):
    """``git commit`` with pre-commit installed as the git hook, as a user commits; the
    hooks' output (git sends it to stderr) in ``stdout``."""
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        env=env or hook_env(),
    )


def head_message(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%s").strip()


def stage(repo: Path, files: dict[str, str]) -> list[str]:
    """Write ``files`` (path -> text) and ``git add`` them; their paths, as pre-commit passes."""
    write_project(repo, files)
    git(repo, "add", *files)
    return list(files)


def enter(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in-process hooks from ``repo`` (pre-commit's cwd), with no AIAP_* setting inherited."""
    monkeypatch.chdir(repo)
    for name in [n for n in os.environ if n.startswith("AIAP_") and n not in ONE_LANE]:
        monkeypatch.delenv(name)
    return repo
