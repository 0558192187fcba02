"""A large module is reviewed in runs of whole top-level statements: each run is the module's
own statements, numbered as in the module, whatever looks like a statement inside a string or
brackets."""

from __future__ import annotations

import pytest

from aiap.review.chunks import statement_runs
from aiap.review.security import check_source

TRICKY = '''import subprocess
from subprocess import run as sh

DOC = """
def not_a_function():
    eval(x)
"""

ITEMS = [
name_one,
name_two,
]


@decorated
def first(cmd):
    sh(cmd, shell=True)


if cmd:
    go()
else:
    stop()

try:
    go()
except:
    pass

x = 1 + \\
two


class Later:
    def save(self, q):
        return eval(q)
'''


def test_runs_are_whole_statements_that_put_the_module_back_together() -> None:
    runs = list(statement_runs(TRICKY, run_lines=2))
    assert len(runs) > 3
    assert "".join(line for run in runs for line in run.lines) == TRICKY
    assert [run.first for run in runs] == [1] + [r.last + 1 for r in runs[:-1]]


def test_findings_in_runs_are_those_of_the_whole_module_at_the_same_lines() -> None:
    whole = check_source("m.py", TRICKY)
    assert {f.rule for f in whole} >= {"aiap/subprocess-shell", "aiap/eval-exec"}
    assert check_source("m.py", TRICKY, run_lines=2) == whole


def test_a_syntax_error_far_down_is_numbered_in_the_module() -> None:
    source = "".join(f"v{i} = {i}\n" for i in range(50)) + "def broken(:\n    pass\n"
    with pytest.raises(SyntaxError) as error:
        list(statement_runs(source, run_lines=4))
    assert error.value.lineno == 51


def test_only_statements_holding_a_changed_line_are_checked() -> None:
    source = "def a(c):\n    eval(c)\n\n\ndef b(c):\n    eval(c)\n" * 50
    lines = [f.line for f in check_source("m.py", source, lines={6, 200}, run_lines=6)]
    assert {6, 200} <= set(lines)
    assert len(lines) < 10  # the statements around them, not the module's 100
    assert len(check_source("m.py", source, run_lines=6)) == 100


def test_a_changed_line_inside_a_long_string_is_found_as_part_of_the_string() -> None:
    code_like = "def g(x):\n    eval(x)\n" * 30
    source = (
        "def a(c):\n    return c\n\n\n" * 40
        + f'DOC = """\n{code_like}"""\n\n\n'
        + "def b(c):\n    return c\n\n\n" * 40
    )
    inside = source.splitlines().index("    eval(x)") + 1 + 20  # well inside the string
    assert check_source("m.py", source, lines={inside}, run_lines=6) == []
    assert check_source("m.py", source, run_lines=6) == []
