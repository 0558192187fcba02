"""The workspace copy is what the tests import, even with the project installed editable.

A real `pip install -e` into a throw-away virtualenv (src layout: a .pth path entry; flat
layout: setuptools' import finder), then `pytest --aiap-fix` with that interpreter: if imports
still resolved to the user's tree, no candidate could pass and aiap would say so.
"""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import bare_venv, snapshot, write_project

SOURCE = "def double(x):\n    return x + x + 1\n"
TESTS = "from shop.calc import double\n\ndef test_double():\n    assert double(2) == 4\n"
PYPROJECT = (
    "[build-system]\nrequires = ['setuptools>=64']\nbuild-backend = 'setuptools.build_meta'\n"
    "[project]\nname = 'shop'\nversion = '0'\n"
)


def _venv_with_our_packages(where: Path) -> Path:
    """A virtualenv that sees this interpreter's packages (aiap, pytest, pip) through a .pth."""
    python, purelib = bare_venv(where)
    # addsitedir, not a bare path: the parent's own .pth files (aiap's editable install) count too
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    return python


@pytest.mark.parametrize(
    "layout, package_dir",
    [("src", "src/shop"), ("flat", "shop")],
)
def test_candidates_are_imported_from_the_copy_under_an_editable_install(
    tmp_path: Path, layout: str, package_dir: str
) -> None:
    project = write_project(
        tmp_path / "proj",
        {
            "pyproject.toml": PYPROJECT,
            f"{package_dir}/__init__.py": "",
            f"{package_dir}/calc.py": SOURCE,
            "tests/test_calc.py": TESTS,
        },
    )
    python = _venv_with_our_packages(tmp_path / "venv")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "-e", "."],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    before = snapshot(project)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--aiap-fix", "tests"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "+    return x + x" in result.stdout, result.stdout + result.stderr
    assert snapshot(project) == before
