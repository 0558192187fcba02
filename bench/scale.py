"""Repair on a project with several packages and 500+ tests: time to fix, runs of the whole suite.

Generates the project in a temporary directory (5 packages x 4 modules, 25 tests per module),
plants one bug, runs ``pytest --aiap-fix`` as a user would, and prints the seconds, the
candidates tried and how often the whole suite ran during validation (target: once, for the
chosen patch; the localization run with coverage comes before it).

    python bench/scale.py [--packages 5] [--modules 4] [--tests-per-module 25]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULE = '''"""Pricing rules for catalogue {pkg}.{mod}."""


def unit_price(base: float, quantity: int) -> float:
    """Price per unit with a volume discount from 10 units."""
    if quantity >= 10:
        return round(base * 0.9, 2)
    return base


def line_total(base: float, quantity: int) -> float:
    return round(unit_price(base, quantity) * quantity, 2)


def shipping(weight: float) -> float:
    """Flat fee up to 2 kg, then 1.5 per extra kg."""
    if weight <= 2:
        return 5.0
    return round(5.0 + (weight - 2) * 1.5, 2)
'''

TESTS_HEAD = "from {pkg}.{mod} import line_total, shipping, unit_price\n\n"
TEST = [
    "def test_unit_{i}():\n    assert unit_price({b}, 3) == {b}\n",
    "def test_bulk_{i}():\n    assert unit_price(10.0, {q}) == 9.0\n",
    "def test_total_{i}():\n    assert line_total(2.0, {s}) == {t}\n",
    "def test_ship_light_{i}():\n    assert shipping(1.{i}) == 5.0\n",
    "def test_ship_heavy_{i}():\n    assert shipping(4.0) == 8.0\n",
]


def make_project(root: Path, packages: int, modules: int, per_module: int) -> int:
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["."]\ntestpaths = ["tests"]\n'
    )
    (root / "tests").mkdir()
    count = 0
    for p in range(packages):
        pkg = f"catalogue_{p}"
        (root / pkg).mkdir()
        (root / pkg / "__init__.py").write_text("")
        (root / "tests" / f"test_{pkg}").mkdir()
        (root / "tests" / f"test_{pkg}" / "__init__.py").write_text("")
        for m in range(modules):
            mod = f"rules_{m}"
            (root / pkg / f"{mod}.py").write_text(MODULE.format(pkg=pkg, mod=mod))
            body = [TESTS_HEAD.format(pkg=pkg, mod=mod)]
            for i in range(per_module):
                template = TEST[i % len(TEST)]
                small = 1 + i % 9
                body.append(
                    template.format(
                        i=i, b=float(small), q=10 + (i // 5) % 3, s=small, t=float(2 * small)
                    )
                )
                count += 1
            (root / "tests" / f"test_{pkg}" / f"test_{mod}.py").write_text("\n\n".join(body))
    # The bug: the volume discount starts one unit late in one module.
    buggy = root / "catalogue_2" / "rules_1.py"
    buggy.write_text(buggy.read_text().replace("quantity >= 10", "quantity > 10"))
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=5)
    parser.add_argument("--modules", type=int, default=4)
    parser.add_argument("--tests-per-module", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="aiap-scale-") as tmp:
        root = Path(tmp)
        tests = make_project(root, args.packages, args.modules, args.tests_per_module)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--aiap-fix"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        state = json.loads((root / ".aiap" / "last-run.json").read_text())
    fixed = bool(state["patches"])
    print(f"{tests} tests in {args.packages} packages; bug in catalogue_2/rules_1.py")
    print(f"fixed: {'yes' if fixed else 'no'}")
    if fixed:
        print(f"patch: {state['patches'][0]['description']}")
    print(f"seconds (whole pytest --aiap-fix run): {seconds:.1f}")
    print(f"aiap search seconds: {state['seconds']:.1f}")
    print(f"candidates tried: {state['candidates_tried']}")
    print(f"whole-suite runs during validation: {state['whole_suite_runs']}")
    if not fixed:
        print(result.stdout[-3000:])
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
