"""``aiap-fix`` through real pre-commit in throw-away git repositories (``repo: local`` hooks
running this environment's console scripts; test_precommit_install.py installs them as users do).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.conftest import bare_venv, git, snapshot, write_project
from tests.precommit_project import (
    BIN,
    BUGGY_PRICING,
    PRICING,
    commit,
    head_message,
    hook_env,
    local_config,
    pre_commit,
    shop_project,
)

UNIT = "\n\ndef unit_price(total, quantity):\n    return total / quantity\n"
LINT = "import os\nfrom shop.pricing import price\ndef cart_total(items):\n    return sum(price(u,q) for u,q in items)\n"  # noqa: E501
LINT_FIXED = (
    "from shop.pricing import price\n\n\n"
    "def cart_total(items):\n    return sum(price(u, q) for u, q in items)\n"
)


def _installed(repo: Path, hook_args: dict[str, list[str]] | None = None) -> Path:
    shop_project(repo)
    (repo / ".pre-commit-config.yaml").write_text(local_config(hook_args))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-qm", "pre-commit config", "--no-verify")
    result = pre_commit(repo, "install")
    assert result.returncode == 0, result.stderr
    return repo


def test_a_staged_lint_error_is_fixed_and_the_commit_waits_for_restaging(git_repo: Path) -> None:
    repo = _installed(git_repo)
    (repo / "shop" / "cart.py").write_text(LINT)
    git(repo, "add", "shop/cart.py")
    first = commit(repo, "cart")
    assert first.returncode == 1, first.stdout
    assert re.search(
        r"aiap-fix: shop/cart.py: ruff: fixed \d issue\(s\), reformatted", first.stdout
    )
    assert (repo / "shop" / "cart.py").read_text() == LINT_FIXED
    git(repo, "add", "shop/cart.py")
    second = commit(repo, "cart")
    assert second.returncode == 0, second.stdout
    assert head_message(repo) == "cart"


def test_a_staged_bug_with_a_failing_test_is_patched_in_the_source(git_repo: Path) -> None:
    repo = _installed(git_repo)
    tests_before = (repo / "tests" / "test_pricing.py").read_bytes()
    (repo / "shop" / "pricing.py").write_text(BUGGY_PRICING + UNIT)
    git(repo, "add", "shop/pricing.py")
    first = commit(repo, "pricing")
    assert first.returncode == 1
    assert "aiap-fix: shop/pricing.py: patched:" in first.stdout, first.stdout
    assert "1 test(s) failed, 1 fixed" in first.stdout
    assert (repo / "shop" / "pricing.py").read_text() == PRICING + UNIT
    assert (repo / "tests" / "test_pricing.py").read_bytes() == tests_before
    git(repo, "add", "shop/pricing.py")
    assert commit(repo, "pricing").returncode == 0


def test_a_clean_commit_passes_untouched(git_repo: Path) -> None:
    repo = _installed(git_repo)
    (repo / "shop" / "pricing.py").write_text(PRICING + UNIT)
    git(repo, "add", "shop/pricing.py")
    before = snapshot(repo)
    result = commit(repo, "unit")
    assert result.returncode == 0, result.stdout
    assert snapshot(repo) == before
    assert head_message(repo) == "unit"


def test_a_failing_test_of_an_unstaged_source_is_reported_not_patched(git_repo: Path) -> None:
    """Only the commit's own source files are repaired; never a test, never another file."""
    repo = _installed(git_repo, {"aiap-fix": ["--budget", "5"]})
    stricter = (repo / "tests" / "test_pricing.py").read_text().replace("9.0", "8.0")
    (repo / "tests" / "test_pricing.py").write_text(stricter)
    git(repo, "add", "tests/test_pricing.py")
    before = snapshot(repo)
    result = commit(repo, "stricter test")
    assert result.returncode == 1
    assert "still failing: tests/test_pricing.py::test_bulk" in result.stdout, result.stdout
    assert snapshot(repo) == before


CART_TAIL = "".join(
    f"\n\ndef line_{n}(items):\n    return [item for item in items if item[0] > {n}]\n"
    for n in range(6)
)


@pytest.mark.parametrize("conflict", [False, True], ids=["apart", "same-lines"])
def test_unstaged_edits_are_kept_after_a_fix(git_repo: Path, conflict: bool) -> None:
    """pre-commit stashes unstaged edits while the hooks run; after aiap-fix rewrote the file,
    they are back: merged when apart, or the hook's fix rolled back when on the same lines."""
    repo = _installed(git_repo, {"aiap-fix": ["--no-tests"]})
    cart = repo / "shop" / "cart.py"
    staged = LINT + CART_TAIL
    cart.write_text(staged)
    git(repo, "add", "shop/cart.py")
    if conflict:
        unstaged = staged.replace("import os\n", "import os  # still needed?\n")
    else:
        unstaged = staged + "\n\n# TODO: currency\n"
    cart.write_text(unstaged)
    result = commit(repo, "cart")
    assert result.returncode == 1
    text = cart.read_text()
    if conflict:
        assert "Stashed changes conflicted with hook auto-fixes" in result.stdout
        assert text == unstaged
    else:
        assert text == LINT_FIXED + CART_TAIL + "\n\n# TODO: currency\n", result.stdout
    assert git(repo, "show", ":shop/cart.py") == staged  # the index as the user staged it


def _kill_project(root: Path) -> dict[str, str]:
    files = {
        "pyproject.toml": (root.parent / "pyproject.toml").read_text()
        if (root.parent / "pyproject.toml").exists()
        else "",
        "shop/pricing.py": BUGGY_PRICING,
        "shop/cart.py": LINT,
        "shop/labels.py": "import sys\ndef label(name):\n    return name.title( )\n",
    }
    return files


def test_a_killed_fix_leaves_each_file_untouched_or_fully_fixed(tmp_path: Path) -> None:
    def fresh(name: str) -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "dev@example.com")
        git(repo, "config", "user.name", "dev")
        shop_project(repo)
        write_project(repo, {k: v for k, v in _kill_project(repo).items() if k.startswith("shop")})
        git(repo, "add", ".")
        return repo

    staged = ["shop/pricing.py", "shop/cart.py", "shop/labels.py"]
    argv = [str(BIN / "aiap-fix"), *staged]
    reference = fresh("reference")
    original = snapshot(reference)
    start = time.monotonic()
    done = subprocess.run(argv, cwd=reference, env=hook_env(), capture_output=True, text=True)
    whole = time.monotonic() - start
    assert done.returncode == 1, done.stdout
    fixed = snapshot(reference)
    assert {p for p in fixed if fixed[p] != original[p]} == set(staged)
    for index, fraction in enumerate((0.2, 0.7)):
        repo = fresh(f"killed-{index}")
        proc = subprocess.Popen(
            argv, cwd=repo, env=hook_env(), stdout=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(whole * fraction)
        os.killpg(proc.pid, signal.SIGKILL)  # the hook and every test run it started
        proc.wait()
        after = snapshot(repo)
        # A kill between writing a temp file and renaming it over the target leaves the temp.
        leftovers = {p for p in after if Path(p).name.startswith(".aiap-")}
        assert set(after) - leftovers == set(original)
        for path, data in after.items():
            if path not in leftovers:
                assert data in (original[path], fixed[path]), (fraction, path)


_AIAP_ONLY = ("aiap", "__editable__", "pydantic", "junitparser", "libcst", "_virtualenv")


def _venv_with_pytest_only(where: Path) -> Path:
    """A project virtualenv that has pytest but not aiap (nor pydantic, libcst...)."""
    python, purelib = bare_venv(where)
    shared = where / "shared"
    shared.mkdir()
    # Everything this environment has (pytest and its plugins, with their metadata) but aiap
    # and what only aiap needs.
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.lower()
        if entry.suffix == ".pth" or name.startswith(_AIAP_ONLY):
            continue
        (shared / entry.name).symlink_to(entry)
    (purelib / "shared.pth").write_text(f"{shared}\n")
    check = subprocess.run([str(python), "-c", "import pydantic"], capture_output=True)
    assert check.returncode != 0  # aiap's dependencies are really absent
    return python


def test_tests_run_in_the_projects_venv_even_without_aiap_in_it(git_repo: Path) -> None:
    repo = _installed(git_repo)
    python = _venv_with_pytest_only(repo / ".venv")
    (repo / ".gitignore").write_text(".venv/\n")
    (repo / "shop" / "pricing.py").write_text(BUGGY_PRICING)
    git(repo, "add", "shop/pricing.py", ".gitignore")
    env = hook_env()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(BIN))
    env.pop("VIRTUAL_ENV")
    result = commit(repo, "pricing", env=env)
    assert f"with {python} (the project's .venv/)" in result.stdout, result.stdout
    assert "aiap-fix: shop/pricing.py: patched:" in result.stdout
    assert (repo / "shop" / "pricing.py").read_text() == PRICING


def test_imports_failing_in_the_project_interpreter_get_a_clear_message(git_repo: Path) -> None:
    repo = _installed(git_repo)
    (repo / "shop" / "rates.py").write_text(
        "import requests_that_are_not_installed\n\nAPI = requests_that_are_not_installed.api\n"
    )
    (repo / "tests" / "test_rates.py").write_text(
        "import shop.rates\n\n\ndef test_rates():\n    assert shop.rates\n"
    )
    git(repo, "add", ".")
    before = snapshot(repo)
    result = commit(repo, "rates")
    assert result.returncode == 1
    assert "the tests cannot run with" in result.stdout, result.stdout
    assert "No module named 'requests_that_are_not_installed'" in result.stdout
    assert "point [tool.aiap] python at the interpreter" in result.stdout
    assert "Traceback" not in result.stdout
    assert snapshot(repo) == before


def test_gen_tests_writes_a_test_for_a_staged_function_no_test_covers(git_repo: Path) -> None:
    repo = _installed(git_repo)
    (repo / "shop" / "labels.py").write_text(
        "def shelf_label(name: str, price: float) -> str:\n"
        "    if price <= 0:\n"
        "        return f'{name}: free'\n"
        "    return f'{name}: {price:.2f} EUR'\n"
    )
    git(repo, "add", "shop/labels.py")
    result = pre_commit(
        repo, "run", "aiap-gen-tests", "--verbose", "--hook-stage", "manual",
        "--files", "shop/labels.py",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout  # it wrote a file: stage it
    written = re.search(r"aiap-gen-tests: wrote (\S+);", result.stdout)
    assert written, result.stdout
    generated = repo / written.group(1)
    assert "shelf_label" in generated.read_text()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(generated)],
        cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
