"""A version file generated at install time and ignored by git is in the workspace copy.

The normal layout of many PyPI projects: hatch-vcs or setuptools-scm writes ``_version.py``
into the package when the project is installed, ``.gitignore`` lists it, and the package imports
it. Each test makes a real git repository, installs it with a real ``pip install -e .`` (no build
isolation: the build backends come from this interpreter, through a .pth), checks that the
install wrote the file and that git ignores it, then plants a one-line bug and runs
``pytest --aiap-fix`` with the project's interpreter: without the file in the copy, collection
fails there and no candidate could pass.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, write_project
from tests.editable_project import (
    BUGGY_DOUBLE,
    assert_fixed_and_untouched,
    install_editable,
    venv_with_our_packages,
)

INIT = "from ._version import version as __version__\n"
TESTS = (
    "import shop\nfrom shop.calc import double\n\n"
    "def test_the_version_is_set():\n    assert shop.__version__\n\n"
    "def test_double():\n    assert double(2) == 4\n"
)
GITIGNORE_COMMON = "__pycache__/\n*.egg-info/\n.pytest_cache/\n.aiap/\n"

HATCH_PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "shop"
dynamic = ["version"]

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.hooks.vcs]
version-file = "src/shop/_version.py"
"""

SCM_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "shop"
dynamic = ["version"]

[tool.setuptools_scm]
version_file = "src/shop/_version.py"
"""


def _install_and_fix(tmp_path: Path, files: dict[str, str], version_file: str) -> None:
    project = write_project(tmp_path / "proj", files)
    git(project, "init", "-q")
    git(project, "config", "user.email", "dev@example.com")
    git(project, "config", "user.name", "dev")
    git(project, "add", ".")
    git(project, "commit", "-qm", "init")
    python = venv_with_our_packages(tmp_path / "venv")
    install_editable(python, project)
    assert (project / version_file).is_file(), "the install wrote no version file"
    git(project, "check-ignore", "-q", version_file)  # raises if git does not ignore it
    assert_fixed_and_untouched(python, project)


def test_a_hatch_vcs_project_with_a_git_ignored_version_file_is_repaired(tmp_path: Path) -> None:
    _install_and_fix(
        tmp_path,
        {
            "pyproject.toml": HATCH_PYPROJECT,
            ".gitignore": GITIGNORE_COMMON + "src/shop/_version.py\n",
            "src/shop/__init__.py": INIT,
            "src/shop/calc.py": BUGGY_DOUBLE,
            "tests/test_calc.py": TESTS,
        },
        "src/shop/_version.py",
    )


def test_a_setuptools_scm_project_with_a_git_ignored_version_file_is_repaired(
    tmp_path: Path,
) -> None:
    _install_and_fix(
        tmp_path,
        {
            "pyproject.toml": SCM_PYPROJECT,
            ".gitignore": GITIGNORE_COMMON + "_version.py\n",
            "src/shop/__init__.py": INIT,
            "src/shop/calc.py": BUGGY_DOUBLE,
            "tests/test_calc.py": TESTS,
        },
        "src/shop/_version.py",
    )
