"""The workspace copy is what the tests import, even with the project installed editable.

A real `pip install -e` into a throw-away virtualenv (src layout: a .pth path entry; flat
layout: setuptools' import finder), then `pytest --aiap-fix` with that interpreter: if imports
still resolved to the user's tree, no candidate could pass and aiap would say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_project
from tests.editable_project import (
    BUGGY_DOUBLE,
    assert_fixed_and_untouched,
    install_editable,
    venv_with_our_packages,
)

TESTS = "from shop.calc import double\n\ndef test_double():\n    assert double(2) == 4\n"
PYPROJECT = (
    "[build-system]\nrequires = ['setuptools>=64']\nbuild-backend = 'setuptools.build_meta'\n"
    "[project]\nname = 'shop'\nversion = '0'\n"
)


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
            f"{package_dir}/calc.py": BUGGY_DOUBLE,
            "tests/test_calc.py": TESTS,
        },
    )
    python = venv_with_our_packages(tmp_path / "venv")
    install_editable(python, project)
    assert_fixed_and_untouched(python, project)
