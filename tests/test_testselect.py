"""Which tests aiap-fix runs for the staged files."""

from __future__ import annotations

from pathlib import Path

from agents.testselect import module_names, select_tests
from tests.conftest import write_project


def _project(root: Path) -> Path:
    return write_project(
        root,
        {
            "shop/__init__.py": "",
            "shop/pricing.py": "RATE = 1\n",
            "shop/cart.py": "from .pricing import RATE\n",
            "shop/stock.py": "LEVEL = 0\n",
            "shop/labels.py": "X = 1\n",
            "shop/fixtures.py": "Y = 2\n",
            "tests/test_cart.py": "from shop.cart import RATE\n",
            "tests/test_stock.py": "import shop.stock\n",
            "tests/test_labels.py": "def test_x():\n    pass\n",  # imports nothing
            "tests/conftest.py": "import shop.fixtures\n",
        },
    )


def test_a_test_importing_a_module_that_imports_the_change_is_chosen(tmp_path: Path) -> None:
    root = _project(tmp_path)
    selection = select_tests(root, ["shop/pricing.py"])
    assert selection.tests == {"tests/test_cart.py": "import graph"}


def test_a_module_no_test_imports_is_matched_by_name(tmp_path: Path) -> None:
    root = _project(tmp_path)
    selection = select_tests(root, ["shop/labels.py"])
    assert selection.tests == {"tests/test_labels.py": "module name"}


def test_a_staged_test_file_is_run_itself(tmp_path: Path) -> None:
    root = _project(tmp_path)
    selection = select_tests(root, ["tests/test_stock.py"])
    assert selection.tests == {"tests/test_stock.py": "changed test file"}


def test_a_file_no_test_reaches_is_listed_as_unreached(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"tool.py": "X = 1\n", "tests/test_other.py": "import os\n"})
    selection = select_tests(root, ["tool.py"])
    assert selection.tests == {}
    assert selection.unreached == ["tool.py"]


def test_a_src_layout_module_has_its_importable_name() -> None:
    assert module_names("src/shop/pricing.py") == ["src.shop.pricing", "shop.pricing"]
    assert module_names("shop/__init__.py") == ["shop"]


def test_a_module_a_conftest_imports_selects_the_tests_below_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    selection = select_tests(root, ["shop/fixtures.py"])
    assert set(selection.tests) == {
        "tests/test_cart.py", "tests/test_labels.py", "tests/test_stock.py"
    }  # fmt: skip
