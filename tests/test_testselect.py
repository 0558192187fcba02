"""Which tests aiap-fix runs for the staged files."""

from __future__ import annotations

from pathlib import Path

from aiap.aiapdir import AiapDir
from aiap.testselect import module_names, select_tests
from tests.conftest import run_pytest_cli, write_project


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


def test_the_coverage_map_is_trusted_for_the_files_it_names(tmp_path: Path) -> None:
    root = _project(tmp_path)
    covered = {"shop/labels.py": ["tests/test_stock.py"]}
    selection = select_tests(root, ["shop/labels.py", "shop/pricing.py"], coverage_map=covered)
    assert selection.tests == {
        "tests/test_stock.py": "coverage map",  # labels.py, from the map
        "tests/test_cart.py": "import graph",  # pricing.py, not in the map
    }


def test_a_mapped_test_file_that_is_gone_leaves_the_choice_to_the_import_graph(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    covered = {"shop/pricing.py": ["tests/test_deleted.py"]}
    selection = select_tests(root, ["shop/pricing.py"], coverage_map=covered)
    assert selection.tests == {"tests/test_cart.py": "import graph"}


def test_a_repair_run_leaves_a_map_that_finds_tests_imports_do_not_show(git_repo: Path) -> None:
    # The test reaches the module by a computed name: no import names it, no file name matches.
    root = write_project(
        git_repo,
        {
            "shop/__init__.py": "",
            "shop/rates.py": "def rate(n):\n    return n * 2\n",
            "tests/test_dynamic.py": (
                "import importlib\n\n\n"
                "def test_rate():\n"
                "    mod = importlib.import_module('shop.' + 'rates')\n"
                "    assert mod.rate(2) == 4\n\n\n"
                "def test_broken():\n"
                "    assert 1 == 2\n"
            ),
        },
    )
    without_map = select_tests(root, ["shop/rates.py"])
    assert without_map.tests == {}
    run_pytest_cli(root, "--aiap-fix", "--aiap-budget=20")
    coverage_map = AiapDir(root).read_coverage_map()
    assert coverage_map is not None
    assert coverage_map["shop/rates.py"] == ["tests/test_dynamic.py"]
    selection = select_tests(root, ["shop/rates.py"], coverage_map=coverage_map)
    assert selection.tests == {"tests/test_dynamic.py": "coverage map"}


def test_a_corrupt_coverage_map_reads_as_none(tmp_path: Path) -> None:
    store = AiapDir(tmp_path)
    store.ensure()
    store.coverage_map_file.write_text('{"shop/a.py": "tests/test_a.py"}')
    assert store.read_coverage_map() is None
