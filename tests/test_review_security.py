"""The security checks of aiap-review, one behaviour each: what is flagged, and what is not."""

from __future__ import annotations

import pytest

from aiap.review.security import check_source


def _rules(source: str, *, is_test: bool = False) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in check_source("m.py", source, is_test=is_test)]


@pytest.mark.parametrize(
    "source, rule",
    [
        ("def f(expr):\n    return eval(expr)\n", "aiap/eval-exec"),
        ("def f(code):\n    exec(code)\n", "aiap/eval-exec"),
        ("import subprocess\ndef f(cmd):\n    subprocess.run(cmd, shell=True)\n",
         "aiap/subprocess-shell"),
        ("from subprocess import Popen as P\ndef f(c):\n    P(f'ls {c}', shell=True)\n",
         "aiap/subprocess-shell"),
        ("import os\ndef f(name):\n    os.system('rm ' + name)\n", "aiap/subprocess-shell"),
        ("import yaml\ndef f(text):\n    return yaml.load(text)\n", "aiap/yaml-load"),
        ("import yaml\ndef f(t):\n    return yaml.load(t, Loader=yaml.Loader)\n",
         "aiap/yaml-load"),
        ("import pickle\ndef f(blob):\n    return pickle.loads(blob)\n", "aiap/pickle-loads"),
        ("def f(db, name):\n    db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
         "aiap/sql-format"),
        ("def f(db, n):\n    db.execute('DELETE FROM users WHERE id = %s' % n)\n",
         "aiap/sql-format"),
        ("def f(n):\n    q = 'SELECT id FROM t WHERE n = {}'.format(n)\n    return q\n",
         "aiap/sql-format"),
        ("def f(n):\n    return 'UPDATE t SET n = ' + n + ' WHERE 1'\n", "aiap/sql-format"),
        ("DB_PASSWORD = 'hunter2-and-more'\n", "aiap/hardcoded-credential"),
        ("client = make(api_key='sk-0123456789abcdef')\n", "aiap/hardcoded-credential"),
        ("settings = {'secret_key': 'abcdefghijkl'}\n", "aiap/hardcoded-credential"),
    ],
)  # fmt: skip
def test_input_reaching_a_dangerous_sink_is_high(source: str, rule: str) -> None:
    assert (rule, "high") in _rules(source)


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    return eval('1 + 1')\n",
        "import subprocess\ndef f(cmd):\n    subprocess.run(cmd)\n",
        "import subprocess\ndef f(a):\n    subprocess.run(['ls', a], shell=False)\n",
        "import yaml\ndef f(text):\n    return yaml.load(text, Loader=yaml.SafeLoader)\n",
        "import yaml\ndef f(text):\n    return yaml.safe_load(text)\n",
        "import json\ndef f(blob):\n    return json.loads(blob)\n",
        "def f(db, name):\n    db.execute('SELECT * FROM users WHERE name = ?', (name,))\n",
        "def f(name):\n    return f'Hello {name}, select one from the menu'\n",
        "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']\n",
        "PASSWORD_FIELD = 'password'\ntoken = ''\n",
        "def eval(x):\n    return x\n\ndef g(y):\n    return eval(y)\n",
    ],
)
def test_safe_forms_are_not_flagged(source: str) -> None:
    assert [r for r in _rules(source) if r[1] == "high"] == []


def test_a_literal_command_with_a_shell_is_only_medium() -> None:
    source = "import subprocess\nsubprocess.run('ls -l | wc -l', shell=True)\n"
    assert _rules(source) == [("aiap/subprocess-shell", "medium")]


def test_assert_is_flagged_in_code_but_not_in_tests() -> None:
    source = "def withdraw(amount):\n    assert amount > 0\n"
    assert _rules(source) == [("aiap/assert-validation", "medium")]
    assert _rules(source, is_test=True) == []


def test_a_bare_except_that_passes_is_medium_and_a_logged_one_is_not_flagged() -> None:
    swallowed = "try:\n    go()\nexcept:\n    pass\n"
    logged = "try:\n    go()\nexcept:\n    log.exception('go')\n    raise\n"
    broad = "try:\n    go()\nexcept Exception:\n    pass\n"
    assert _rules(swallowed) == [("aiap/bare-except-pass", "medium")]
    assert _rules(logged) == []
    assert _rules(broad) == [("aiap/bare-except-pass", "low")]


def test_a_finding_spans_the_whole_call() -> None:
    source = "import subprocess\ndef f(cmd):\n    subprocess.run(\n        cmd,\n        shell=True,\n    )\n"  # noqa: E501
    (finding,) = check_source("m.py", source)
    assert (finding.line, finding.end_line, finding.column) == (3, 6, 5)


def test_a_string_built_of_many_parts_is_reported_once() -> None:
    source = "def f(a, b):\n    return 'SELECT x FROM t WHERE a = ' + a + ' AND b = ' + b\n"
    assert _rules(source) == [("aiap/sql-format", "high")]


def test_a_syntax_error_is_raised_for_the_caller_to_report() -> None:
    with pytest.raises(SyntaxError):
        check_source("m.py", "def f(:\n")
