"""aiap's modules cannot be shadowed by a project's packages, nor by openai-agents' ``agents``.

The repository keeps the folder names ``agents/`` and ``prompts/``; installed, they are the
import packages ``aiap`` and ``aiap.prompts``. LLM projects often have packages of their own
named ``agents`` or ``prompts``, and openai-agents installs a top-level ``agents``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import git, run_pytest_cli, write_project
from tests.precommit_project import commit, local_config, pre_commit

PRICING = """\
BULK_THRESHOLD = 10


def price(unit_price, quantity):
    total = unit_price * quantity
    if quantity >= BULK_THRESHOLD:
        total -= total / 10
    return round(total, 2)
"""
BUGGY_PRICING = PRICING.replace("quantity >= BULK_THRESHOLD", "quantity > BULK_THRESHOLD")

# A project of the kind that uses aiap: an LLM app with its own `agents` and `prompts`
# packages, which its tests import from the project root.
PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "agents/__init__.py": '"""The project\'s own agents."""\n\nOWNER = "the project"\n',
    "agents/pricing.py": BUGGY_PRICING,
    "prompts/__init__.py": 'SYSTEM = "You price orders."\n',
    "tests/test_pricing.py": (
        "import agents\n"
        "from agents.pricing import price\n"
        "from prompts import SYSTEM\n\n\n"
        "def test_the_projects_own_packages_are_imported():\n"
        '    assert agents.OWNER == "the project" and SYSTEM.startswith("You")\n\n\n'
        "def test_small_orders_pay_full_price():\n"
        "    assert price(2.0, 3) == 6.0\n\n\n"
        "def test_bulk_discount_starts_at_the_threshold():\n"
        "    assert price(1.0, 10) == 9.0\n"
    ),
}


def _committed_project(repo: Path) -> Path:
    write_project(repo, PROJECT)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "shop agents", "--no-verify")
    return repo


def test_a_project_with_its_own_agents_and_prompts_packages_is_repaired_by_the_plugin(
    git_repo: Path,
) -> None:
    repo = _committed_project(git_repo)
    result = run_pytest_cli(repo, "--aiap-fix", "--aiap-apply")
    assert "aiap: applied to" in result.stdout, result.stdout + result.stderr
    assert (repo / "agents" / "pricing.py").read_text() == PRICING
    assert run_pytest_cli(repo).returncode == 0


def test_a_project_with_its_own_agents_and_prompts_packages_is_repaired_by_the_hook(
    git_repo: Path,
) -> None:
    repo = _committed_project(git_repo)
    write_project(repo, {"agents/pricing.py": PRICING})
    (repo / ".pre-commit-config.yaml").write_text(local_config())
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "fixed, with hooks", "--no-verify")
    assert pre_commit(repo, "install").returncode == 0
    (repo / "agents" / "pricing.py").write_text(BUGGY_PRICING)
    git(repo, "add", "agents/pricing.py")
    result = commit(repo, "pricing")
    assert "aiap-fix: agents/pricing.py: patched:" in result.stdout, result.stdout
    assert (repo / "agents" / "pricing.py").read_text() == PRICING


def test_openai_agents_keeps_its_agents_package_beside_aiap(tmp_path: Path) -> None:
    """openai-agents is installed in this environment (aiap's dev extra)."""
    code = (
        "import agents, aiap, pytest_aiap.plugin, aiap.repair.probe\n"
        "from agents import Agent\n"
        "print(Agent.__module__, agents.__file__, aiap.__file__, sep='\\n')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "agents.agent"
    assert Path(out[1]).parent.parent.name == "site-packages"
    assert out[2] != out[1]


def test_aiap_repairs_in_the_environment_that_has_openai_agents(git_repo: Path) -> None:
    shop = {
        "shop/__init__.py": "",
        "shop/pricing.py": BUGGY_PRICING,
        "tests/test_pricing.py": PROJECT["tests/test_pricing.py"]
        .replace("import agents\n", "from agents import Agent\n")
        .replace("from agents.pricing", "from shop.pricing")
        .replace("from prompts import SYSTEM\n", "")
        .replace(
            'agents.OWNER == "the project" and SYSTEM.startswith("You")',
            'Agent.__module__ == "agents.agent"',
        ),
    }
    write_project(git_repo, {"pyproject.toml": PROJECT["pyproject.toml"], **shop})
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "shop", "--no-verify")
    result = run_pytest_cli(git_repo, "--aiap-fix", "--aiap-apply")
    assert "aiap: applied to" in result.stdout, result.stdout + result.stderr
    assert (git_repo / "shop" / "pricing.py").read_text() == PRICING
