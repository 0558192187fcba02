"""Seeding and targets: where argument values and goals come from."""

from __future__ import annotations

from pathlib import Path

from aiap.testgen.coverage_data import FileCoverage
from aiap.testgen.inputs import Seeder
from aiap.testgen.models import FunctionTarget, ModuleTargets
from aiap.testgen.render import receiver_source
from aiap.testgen.search import drivers
from aiap.testgen.targets import analyse, module_name
from tests.conftest import write_project

MODULE = '''\
"""Docstrings are not seeds."""
from dataclasses import dataclass
from typing import Optional

LIMIT = 250


@dataclass
class Box:
    width: int
    label: str = "box"


def fits(box: Box, space: int) -> bool:
    return box.width <= space


def greet(name: str, times: int = 2, *, loud: Optional[bool] = None) -> str:
    if name == "admin":
        return "hi boss"
    return name * times


def _helper(x):
    return x
'''


def targets_of(tmp_path: Path, covered: list[int] | None = None) -> ModuleTargets:
    project = write_project(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": MODULE})
    coverage = None
    if covered is not None:
        statements = [2, 3, 5, 8, 9, 10, 11, 14, 15, 18, 19, 20, 21, 24, 25]
        coverage = FileCoverage(statements=statements, executed=covered)
    return analyse(project, project / "pkg/mod.py", coverage)


def function(targets: ModuleTargets, name: str) -> FunctionTarget:
    return next(f for f in targets.functions if f.qualname == name)


def one_module(tmp_path: Path, name: str, source: str) -> ModuleTargets:
    """The targets of a project holding one module, ``name.py``, nothing covered."""
    project = write_project(tmp_path / "p", {f"{name}.py": source})
    return analyse(project, project / f"{name}.py", None)


def test_values_come_from_the_type_hint(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    pools = Seeder(targets).arg_pools(function(targets, "greet"))
    assert "''" in pools[0] and "'abc'" in pools[0]
    assert "0" in pools[1] and "-1" in pools[1]
    assert {"None", "True", "False"} <= set(pools[2])  # Optional[bool]


def test_defaults_come_first(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    pools = Seeder(targets).arg_pools(function(targets, "greet"))
    assert pools[1][0] == "2"
    assert pools[2][0] == "None"


def test_literals_of_the_function_and_module_are_seeds_but_docstrings_are_not(
    tmp_path: Path,
) -> None:
    targets = targets_of(tmp_path)
    pools = Seeder(targets).arg_pools(function(targets, "greet"))
    assert "'admin'" in pools[0]
    assert "250" in pools[1] and "251" in pools[1]  # LIMIT and one past it
    assert all("Docstrings" not in v for pool in pools for v in pool)


NAMES_AND_MESSAGES = """\
import logging
import warnings

__all__ = ["scale", "unit_name"]
__version__ = "2.1.0"


def scale(unit: str, factor: int) -> str:
    if unit == "cm":
        return unit * factor
    if factor < 0:
        warnings.warn("negative factor given")
        logging.getLogger(__name__).info("scaling down")
        raise ValueError("factor must not be negative")
    return getattr(unit, "upper")()


def unit_name(code: str) -> str:
    return code
"""


def test_names_versions_and_messages_are_not_seeds_but_compared_strings_are(
    tmp_path: Path,
) -> None:
    project = write_project(
        tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": NAMES_AND_MESSAGES}
    )
    targets = analyse(project, project / "pkg/mod.py", None)
    pool = Seeder(targets).arg_pools(function(targets, "scale"))[0]
    assert "'cm'" in pool and "'upper'" in pool
    for value in ("scale", "unit_name", "2.1.0", "negative factor given", "scaling down"):
        assert repr(value) not in pool, value
    assert "'factor must not be negative'" not in pool


def test_classes_of_the_module_are_built_from_their_fields(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    pools = Seeder(targets).arg_pools(function(targets, "fits"))
    assert pools[0][0] == "Box(0)"


def test_carved_values_join_the_pools(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    seeder = Seeder(targets, carved={"greet": [["'carved'", "7", "None"]]})
    assert "'carved'" in seeder.arg_pools(function(targets, "greet"))[0]
    calls = seeder.carved_calls(function(targets, "greet"))
    assert calls[0].args == ["'carved'", "7", "loud=None"]


def test_the_plainest_call_leaves_defaults_out_and_names_keyword_only(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    candidate = Seeder(targets).first(function(targets, "greet"))
    assert candidate.args == ["''"]


def test_the_same_seed_draws_the_same_calls(tmp_path: Path) -> None:
    targets = targets_of(tmp_path)
    greet = function(targets, "greet")
    one, two = Seeder(targets, seed=5), Seeder(targets, seed=5)
    assert [one.random(greet) for _ in range(20)] == [two.random(greet) for _ in range(20)]


def test_goals_in_private_helpers_bring_in_the_public_functions(tmp_path: Path) -> None:
    # Everything covered but _helper's body.
    covered = [2, 3, 5, 8, 9, 10, 11, 14, 15, 18, 19, 20, 21, 24]
    targets = targets_of(tmp_path, covered)
    assert targets.missing_lines == [25]
    assert {f.qualname for f in drivers(targets)} >= {"fits", "greet"}


def test_only_functions_holding_goals_are_searched(tmp_path: Path) -> None:
    covered = [2, 3, 5, 8, 9, 10, 11, 14, 15, 18, 19, 21, 24, 25]
    targets = targets_of(tmp_path, covered)
    assert [f.qualname for f in drivers(targets)] == ["greet"]


def test_module_names_follow_packages_and_src_layouts(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "r",
        {"src/app/__init__.py": "", "src/app/core.py": "", "flat.py": "", "app2/x.py": ""},
    )
    assert module_name(root, root / "src/app/core.py") == ("app.core", "src")
    assert module_name(root, root / "flat.py") == ("flat", "")
    assert module_name(root, root / "app2/x.py") == ("x", "app2")


def test_strings_matching_the_modules_regular_expressions_are_seeds(tmp_path: Path) -> None:
    source = (
        "import re\n"
        "DATE = re.compile(r'(?P<y>\\d{4})-(?P<m>[01]\\d)-(?P<d>[0-3]\\d)$')\n\n\n"
        "def parse(text):\n"
        "    match = DATE.match(text)\n"
        "    if not match:\n"
        "        raise ValueError(text)\n"
        "    return int(match['y'])\n"
    )
    targets = one_module(tmp_path, "dates", source)
    pool = Seeder(targets).arg_pools(function(targets, "parse"))[0]
    dates = [v for v in pool if v.count("-") == 2 and len(v) == len("'2024-01-02'")]
    assert dates, pool


def test_regex_samples_match_their_pattern() -> None:
    import re

    from aiap.testgen.patterns import samples

    pattern = r"^[+-]?P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+S)?)?$|^x(a|b)\1$"
    found = samples(pattern, count=8)
    assert len(found) >= 4
    assert all(re.match(pattern, s) for s in found)


def test_special_methods_are_called_the_way_code_calls_them() -> None:
    from aiap.testgen.models import Candidate
    from aiap.testgen.render import call_source

    def call(name: str, *args: str) -> str:
        candidate = Candidate(function=f"Version.{name}", init_args=["1"], args=list(args))
        return call_source(candidate, receiver="obj")

    assert call("__lt__", "Version(2)") == "obj < Version(2)"
    assert call("__getitem__", "0") == "obj[0]"
    assert call("__contains__", "'a'") == "'a' in obj"
    assert call("__len__") == "len(obj)"
    assert call("bump", "'minor'") == "obj.bump('minor')"


def test_a_doctests_call_is_a_first_candidate_with_the_rest_left_to_defaults(
    tmp_path: Path,
) -> None:
    source = (
        "def parse_span(text, strict=False):\n"
        '    """A span.\n\n'
        "    >>> parse_span('3d')\n"
        "    259200\n"
        "    >>> parse_span(unknown_name)\n"
        '    """\n'
        "    return text\n"
    )
    targets = one_module(tmp_path, "spans", source)
    calls = Seeder(targets).carved_calls(function(targets, "parse_span"))
    assert [c.args for c in calls] == [["'3d'"]]


def test_an_unhinted_flag_gets_booleans_not_the_modules_strings(tmp_path: Path) -> None:
    source = "def render(text, strict=False):\n    return 'on' if strict else text\n"
    targets = one_module(tmp_path, "flags", source)
    pools = Seeder(targets).arg_pools(function(targets, "render"))
    assert pools[1] == ["False", "True"]


def test_a_class_is_also_built_by_its_class_methods_and_functions_that_return_one(
    tmp_path: Path,
) -> None:
    source = (
        "class Version:\n"
        "    def __init__(self, major: int) -> None:\n"
        "        self.major = major\n\n"
        "    @classmethod\n"
        "    def parse(cls, text: str) -> 'Version':\n"
        "        return cls(int(text))\n\n\n"
        "def release(number: int) -> Version:\n"
        "    return Version(number)\n\n\n"
        "def newer(a: Version, b: Version) -> bool:\n"
        "    return a.major > b.major\n"
    )
    targets = one_module(tmp_path, "versions", source)
    pool = Seeder(targets).arg_pools(function(targets, "newer"))[0]
    assert "Version(0)" in pool
    assert any(v.startswith("Version.parse('") for v in pool), pool
    assert any(v.startswith("release(") for v in pool), pool


def test_a_function_that_raises_type_error_itself_is_also_given_values_of_other_types(
    tmp_path: Path,
) -> None:
    source = (
        "def checked(number: int) -> int:\n"
        "    if not isinstance(number, int):\n"
        "        raise TypeError('an integer is required')\n"
        "    return number\n\n\n"
        "def trusting(number: int) -> int:\n"
        "    return number + 1\n"
    )
    targets = one_module(tmp_path, "nums", source)
    seeder = Seeder(targets)
    assert {"None", "'a'"} <= set(seeder.arg_pools(function(targets, "checked"))[0])
    assert not {"None", "'a'"} & set(seeder.arg_pools(function(targets, "trusting"))[0])


def test_standard_library_classes_the_module_imports_are_built_as_a_person_would(
    tmp_path: Path,
) -> None:
    source = (
        "from datetime import date as Day, timedelta\n"
        "from decimal import Decimal\n\n\n"
        "def shift(day: Day, by: timedelta, rate: Decimal, anything):\n"
        "    return day + by\n"
    )
    targets = one_module(tmp_path, "days", source)
    day, by, rate, anything = Seeder(targets).arg_pools(function(targets, "shift"))
    assert day[0] == "Day(2024, 1, 31)"
    assert by[0] == "timedelta(days=1)"
    assert rate[0] == "Decimal('1.5')"
    assert "Day(2024, 1, 31)" in anything  # an unhinted parameter may take one too
    assert targets.imported["Day"] == ("datetime", "date")  # the test imports it from there


def test_type_aliases_of_the_module_and_of_the_modules_it_imports_are_followed(
    tmp_path: Path,
) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "ver/__init__.py": "",
            "ver/_types.py": "from typing import Union\n\nString = Union[str, bytes]\n",
            "ver/core.py": (
                "from typing import Dict, SupportsInt\n\n"
                "from ._types import String\n\n"
                "Table = Dict[str, int]\n\n\n"
                "def make(major: SupportsInt, label: String, table: Table) -> str:\n"
                "    return str(major)\n"
            ),
        },
    )
    targets = analyse(project, project / "ver/core.py", None)
    major, label, table = Seeder(targets).arg_pools(function(targets, "make"))
    assert major[:3] == ["0", "1", "-1"]
    assert "'abc'" in label and "b'abc'" in label and "None" not in label
    assert table[0] == "{}" and all(v.startswith("{") for v in table), table


def test_a_class_taking_star_args_is_built_with_one_or_none(tmp_path: Path) -> None:
    source = (
        "class Bag:\n"
        "    def __init__(self, *items):\n"
        "        self.items = list(items)\n\n"
        "    def size(self) -> int:\n"
        "        return len(self.items)\n"
    )
    targets = one_module(tmp_path, "bags", source)
    seeder = Seeder(targets)
    (pool,) = seeder.init_pools(function(targets, "Bag.size"))
    assert pool[0] == "" and "[1, 2, 3]" in pool
    first = seeder.first(function(targets, "Bag.size"))
    assert receiver_source(first) == "Bag()"


def test_a_parameter_an_isinstance_check_tests_gets_values_of_those_types(
    tmp_path: Path,
) -> None:
    source = (
        "from datetime import timedelta\n\n\n"
        "class Span:\n"
        "    def __init__(self, days=0):\n"
        "        self.days = days\n\n"
        "    def __add__(self, other):\n"
        "        if isinstance(other, (Span, timedelta)):\n"
        "            return other\n"
        "        if isinstance(other, int):\n"
        "            return self.days + other\n"
        "        return NotImplemented\n"
    )
    targets = one_module(tmp_path, "spans", source)
    (other,) = targets.functions[1].params
    assert other.checked_as == ["Span", "timedelta", "int"]
    (pool,) = Seeder(targets).arg_pools(function(targets, "Span.__add__"))
    assert pool[:2] == ["Span()", "Span(1)"]
    assert "timedelta(days=1)" in pool and "-7" in pool


def test_an_unhinted_parameter_takes_its_literal_defaults_type(tmp_path: Path) -> None:
    source = "def pad(text, width=0, fill=' ', strict=False, extra=None):\n    return text\n"
    targets = one_module(tmp_path, "pads", source)
    _, width, fill, strict, extra = Seeder(targets).arg_pools(function(targets, "pad"))
    assert width[0] == "0" and all(v.lstrip("-").isdigit() for v in width), width
    assert fill[0] == "' '" and all(v[0] == "'" for v in fill), fill
    assert strict == ["False", "True"]
    assert "[1, 2, 3]" in extra and "'a'" in extra  # None says nothing of the type


def test_an_unhinted_parameter_named_for_a_collection_gets_lists_of_items(
    tmp_path: Path,
) -> None:
    targets = one_module(tmp_path, "bags", "def total(iterable=None):\n    return 0\n")
    (pool,) = Seeder(targets).arg_pools(function(targets, "total"))
    assert {"[3, 1, 2, 2]", "['b', 'a', 'c']"} <= set(pool)


def test_an_object_a_method_ran_on_is_built_again_for_the_other_methods(
    tmp_path: Path,
) -> None:
    source = (
        "class Bag:\n"
        "    def __init__(self, items=None):\n"
        "        self.items = list(items or [])\n\n"
        "    def add(self, item: int) -> None:\n"
        "        self.items.append(item)\n\n"
        "    def size(self) -> int:\n"
        "        return len(self.items)\n"
    )
    targets = one_module(tmp_path, "bags", source)
    seeder = Seeder(targets, seed=1)
    add, size = function(targets, "Bag.add"), function(targets, "Bag.size")
    filled = seeder.first(add).model_copy(update={"init_args": ["[7, 8]"], "setup": ["add(9)"]})
    seeder.note_built(filled, add)
    draws = [seeder.random(size) for _ in range(40)]
    reused = [d for d in draws if d.init_args == ["[7, 8]"] and d.setup[:1] == ["add(9)"]]
    assert 5 < len(reused) < 35  # often, not always: fresh objects are drawn too


def test_a_standard_class_the_docstrings_name_is_built_though_not_imported(
    tmp_path: Path,
) -> None:
    source = (
        "def next_month(day):\n"
        '    """The same day of the next month of a date or datetime."""\n'
        "    return day.replace(month=day.month % 12 + 1)\n"
    )
    targets = one_module(tmp_path, "months", source)
    (pool,) = Seeder(targets).arg_pools(function(targets, "next_month"))
    assert "date(2024, 1, 31)" in pool and "datetime(2024, 1, 31, 12, 30, 15)" in pool
    assert targets.imported["date"] == ("datetime", "date")  # the test imports it
    assert "time" not in targets.library  # an English word first


def test_short_strings_of_an_imported_project_module_are_seeds_for_a_parser(
    tmp_path: Path,
) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "q/__init__.py": "",
            "q/lexer.py": "TOKENS = {'.': 'dot', '[': 'lbracket', '||': 'or'}\n",
            "q/parser.py": (
                "from q import lexer\n\n\n"
                "def parse(expression):\n"
                "    return [lexer.TOKENS.get(c) for c in expression]\n"
            ),
        },
    )
    targets = analyse(project, project / "q/parser.py", None)
    assert {"'.'", "'['", "'||'"} <= set(function(targets, "parse").literals)
    assert "'lbracket'" not in function(targets, "parse").literals  # longer: a name, no token


def test_a_function_raising_its_own_error_when_isinstance_fails_gets_off_type_values(
    tmp_path: Path,
) -> None:
    source = (
        "class NotIntegerError(ValueError):\n    pass\n\n\n"
        "def to_roman(n: int) -> str:\n"
        "    if not isinstance(n, int):\n"
        "        raise NotIntegerError('decimals cannot be converted')\n"
        "    return 'I' * n\n"
    )
    targets = one_module(tmp_path, "numerals", source)
    (pool,) = Seeder(targets).arg_pools(function(targets, "to_roman"))
    assert "1.5" in pool and pool[0] == "0"
