"""The hooks installed from this repository by pre-commit, as on a user's machine: pre-commit
clones the repository, pip-installs it into an isolated environment (from the package registry)
and runs the console scripts named in .pre-commit-hooks.yaml.

The environment is built once per test session: PRE_COMMIT_HOME is shared by the tests (and
the xdist workers), and pre-commit's own store lock serialises the one install.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiap.workspace import project_files
from tests.conftest import git, snapshot
from tests.precommit_project import PRICING, commit, head_message, hook_env, pre_commit
from tests.precommit_project import shop_project as _shop_project
from tests.test_hook_fix import BUGGY_PRICING, LINT, LINT_FIXED, UNIT
from tests.test_hook_review import SHELL_ON_INPUT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def aiap_repo(shared_dir: Path) -> tuple[Path, str]:
    """This repository's files as they are now (committed or not), committed in a clone-able
    repository: (path, commit) for `repo:` and `rev:`."""
    from filelock import FileLock

    shadow = shared_dir / "aiap-shadow"
    with FileLock(str(shared_dir / "aiap-shadow.lock")):
        if not (shadow / ".git").is_dir():
            tmp = shared_dir / "aiap-shadow.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            for rel in project_files(ROOT)[0]:
                source = ROOT / rel
                if source.is_file():
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, tmp / rel)
            git(tmp, "init", "-q")
            git(tmp, "add", ".")
            git(tmp, "-c", "user.email=ci@example.com", "-c", "user.name=ci",
                "commit", "-qm", "aiap under test", "--no-verify")  # fmt: skip
            tmp.rename(shadow)
    return shadow, git(shadow, "rev-parse", "HEAD").strip()


@pytest.fixture
def env(shared_dir: Path) -> dict[str, str]:
    return hook_env(PRE_COMMIT_HOME=str(shared_dir / "pre-commit-home"))


@pytest.fixture
def installed(git_repo: Path, aiap_repo: tuple[Path, str], env: dict[str, str]) -> Path:
    """A project whose .pre-commit-config.yaml uses this repository's hooks, installed."""
    repo_path, rev = aiap_repo
    _shop_project(git_repo)
    (git_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {rev}\n  hooks:\n"
        "  - id: aiap-fix\n  - id: aiap-review\n"
    )
    git(git_repo, "add", ".pre-commit-config.yaml")
    git(git_repo, "commit", "-qm", "hooks", "--no-verify")
    result = pre_commit(git_repo, "install", "--install-hooks", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return git_repo


def test_try_repo_installs_and_runs_the_hooks(
    git_repo: Path, aiap_repo: tuple[Path, str], env: dict[str, str]
) -> None:
    repo = _shop_project(git_repo)
    (repo / "shop" / "cart.py").write_text(LINT)
    (repo / "shop" / "tasks.py").write_text(SHELL_ON_INPUT)
    git(repo, "add", ".")
    # Every hook of the commit stage, in the one environment try-repo builds for them.
    tried = pre_commit(repo, "try-repo", str(aiap_repo[0]), env=env)
    assert tried.returncode == 1, tried.stdout + tried.stderr
    fix, review = tried.stdout.split("- hook id: aiap-review", 1)
    assert "files were modified by this hook" in fix
    assert (repo / "shop" / "cart.py").read_text() == LINT_FIXED
    assert "shop/tasks.py:5: high aiap/subprocess-shell" in review


def test_installed_fix_corrects_a_staged_lint_error(installed: Path, env: dict[str, str]) -> None:
    (installed / "shop" / "cart.py").write_text(LINT)
    git(installed, "add", "shop/cart.py")
    assert commit(installed, "cart", env=env).returncode == 1
    assert (installed / "shop" / "cart.py").read_text() == LINT_FIXED


def test_installed_fix_patches_a_staged_bug(installed: Path, env: dict[str, str]) -> None:
    (installed / "shop" / "pricing.py").write_text(BUGGY_PRICING + UNIT)
    git(installed, "add", "shop/pricing.py")
    result = commit(installed, "pricing", env=env)
    assert result.returncode == 1
    assert "aiap-fix: shop/pricing.py: patched:" in result.stdout, result.stdout
    assert (installed / "shop" / "pricing.py").read_text() == PRICING + UNIT


def test_installed_review_blocks_shell_true_on_input(installed: Path, env: dict[str, str]) -> None:
    (installed / "shop" / "tasks.py").write_text(SHELL_ON_INPUT)
    git(installed, "add", "shop/tasks.py")
    result = commit(installed, "tasks", env=env)
    assert result.returncode == 1
    assert "shop/tasks.py:5: high aiap/subprocess-shell" in result.stdout, result.stdout
    assert head_message(installed) == "hooks"  # not committed


def test_installed_hooks_let_a_clean_commit_through(installed: Path, env: dict[str, str]) -> None:
    (installed / "shop" / "pricing.py").write_text(PRICING + UNIT)
    git(installed, "add", "shop/pricing.py")
    before = snapshot(installed)
    result = commit(installed, "unit price", env=env)
    assert result.returncode == 0, result.stdout
    assert head_message(installed) == "unit price"
    assert snapshot(installed) == before
