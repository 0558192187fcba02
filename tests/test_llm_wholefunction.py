"""The second edit format: a whole function in a code fence replaces the one of that name."""

from __future__ import annotations

import pytest

from aiap.llm.searchreplace import AnswerError
from aiap.llm.wholefunction import function_edits

GEOMETRY = (
    "import math\n\n\n"
    "def area(w, h):\n"
    "    return w + h\n\n\n"
    "class Circle:\n"
    "    def __init__(self, r):\n"
    "        self.r = r\n\n"
    "    @property\n"
    "    def area(self):\n"
    "        return math.pi * self.r\n"
)


def test_a_function_in_a_fence_replaces_the_function_of_that_name() -> None:
    answer = "The fix:\n```python\ndef area(w, h):\n    return w * h\n```\nDone."
    ((path, (old, new)),) = function_edits(answer, {"g.py": GEOMETRY}, ["g.py"]).items()
    assert path == "g.py" and old == GEOMETRY
    assert new == GEOMETRY.replace("    return w + h\n", "    return w * h\n")


def test_a_method_shown_in_its_class_is_reindented_into_place_with_its_decorator() -> None:
    answer = (
        "```python\nclass Circle:\n    @property\n    def area(self):\n"
        "        return math.pi * self.r ** 2\n```\n"
    )
    (new,) = [n for _, n in function_edits(answer, {"g.py": GEOMETRY}, []).values()]
    fixed = "\n\n    @property\n    def area(self):\n        return math.pi * self.r ** 2\n"
    assert new.endswith("        self.r = r" + fixed)
    assert "def area(w, h):\n    return w + h\n" in new  # the function of the same name stays


def test_line_numbers_copied_into_the_fence_are_taken_off() -> None:
    answer = "```\n4 | def area(w, h):\n5 |     return w * h\n```"
    (new,) = [n for _, n in function_edits(answer, {"g.py": GEOMETRY}, []).values()]
    assert "def area(w, h):\n    return w * h\n" in new


def test_a_method_shown_alone_replaces_the_method_not_the_function_of_its_name() -> None:
    answer = "```python\n    def area(self):\n        return 0.0\n```"
    (new,) = [n for _, n in function_edits(answer, {"g.py": GEOMETRY}, []).values()]
    # Its decorator, left out of the answer, stays.
    kept = "        self.r = r\n\n    @property\n    def area(self):\n        return 0.0\n"
    assert new.endswith(kept)
    assert "def area(w, h):\n    return w + h\n" in new


def test_a_method_two_classes_define_is_refused_without_its_class() -> None:
    square = GEOMETRY + "\n\nclass Square:\n    def area(self):\n        return 1\n"
    answer = "```python\ndef area(self):\n    return 0\n```"
    with pytest.raises(AnswerError, match="area is defined in 2 places"):
        function_edits(answer, {"g.py": square}, [])


def test_functions_that_are_not_in_the_files_are_refused_by_name() -> None:
    with pytest.raises(AnswerError, match=r"\(perimeter\) are none of the functions shown"):
        function_edits("```python\ndef perimeter(w, h):\n    return 0\n```", {"g.py": GEOMETRY}, [])
    with pytest.raises(AnswerError, match="neither a SEARCH/REPLACE block nor a whole function"):
        function_edits("Change the plus to a times.", {"g.py": GEOMETRY}, [])


def test_a_file_named_twice_in_the_order_is_one_place() -> None:
    answer = "```python\ndef area(w, h):\n    return w * h\n```"
    assert list(function_edits(answer, {"g.py": GEOMETRY}, ["g.py", "g.py"])) == ["g.py"]


def test_a_function_nested_in_another_is_replaced_where_it_stands() -> None:
    source = (
        "def order(deps):\n    done = set()\n\n"
        "    def visit(step):\n        if step in done:\n            return\n\n"
        "    visit(1)\n    return done\n"
    )
    answer = (
        "```python\ndef visit(step):\n    if step in done:\n        return\n    done.add(step)\n```"
    )
    (new,) = [n for _, n in function_edits(answer, {"b.py": source}, []).values()]
    assert "            return\n        done.add(step)\n\n    visit(1)\n" in new
