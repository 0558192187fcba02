"""SEARCH/REPLACE blocks: tolerant parsing, strict matching, refusals with reasons."""

from __future__ import annotations

import pytest

from aiap.llm.searchreplace import (
    AnswerError,
    Block,
    apply_blocks,
    parse_blocks,
    project_path,
    replace_once,
)

SOURCE = (
    "def area(w, h):\n"
    "    return w + h\n"
    "\n"
    "\n"
    "class Box:\n"
    "    def volume(self):\n"
    "        total = self.w * self.h\n"
    "        return total\n"
)


def test_a_block_in_code_fences_with_a_backticked_path_is_parsed() -> None:
    answer = (
        "Here is the fix:\n\n`geometry.py`\n```python\n<<<<<<< SEARCH\n    return w + h   \n"
        "=======\n    return w * h\n>>>>>>> REPLACE\n```\n"
    )
    assert parse_blocks(answer) == [
        Block(path="geometry.py", search="    return w + h   \n", replace="    return w * h\n")
    ]


def test_several_blocks_and_a_path_given_once_apply_to_the_same_file() -> None:
    answer = (
        "geometry.py\n<<<<<<< SEARCH\n    return w + h\n=======\n    return w * h\n"
        ">>>>>>> REPLACE\n\n<<<<<<< SEARCH\n        return total\n=======\n"
        "        return total * self.d\n>>>>>>> REPLACE\n"
    )
    blocks = parse_blocks(answer)
    assert [b.path for b in blocks] == ["geometry.py", "geometry.py"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("The bug is in area().", "no SEARCH/REPLACE block"),
        ("<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n", "no file path"),
        ("a.py\n<<<<<<< SEARCH\nx\n", "cut off before ======="),
        ("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n", "cut off before >>>>>>> REPLACE"),
    ],
)
def test_an_answer_without_a_complete_block_is_refused_with_the_reason(
    answer: str, reason: str
) -> None:
    with pytest.raises(AnswerError, match=reason):
        parse_blocks(answer)


def test_trailing_whitespace_does_not_prevent_a_match() -> None:
    block = Block(path="g.py", search="    return w + h    \n", replace="    return w * h\n")
    assert "    return w * h\n" in replace_once(SOURCE, block)


def test_indentation_is_ignored_as_a_fallback_and_the_new_lines_are_reindented() -> None:
    block = Block(
        path="g.py",
        search="total = self.w * self.h\nreturn total\n",
        replace="total = self.w * self.h\nif total < 0:\n    total = 0\nreturn total\n",
    )
    new = replace_once(SOURCE, block)
    assert "        if total < 0:\n            total = 0\n        return total\n" in new


def test_search_text_found_nowhere_is_refused_naming_its_first_line() -> None:
    block = Block(path="g.py", search="    return w - h\n", replace="x\n")
    with pytest.raises(AnswerError, match="matches no lines.*return w - h"):
        replace_once(SOURCE, block)


def test_search_text_found_twice_is_refused_naming_the_lines() -> None:
    block = Block(path="g.py", search="\n\n", replace="\n")
    text = "a = 1\nb = 2\na = 1\n"
    with pytest.raises(AnswerError, match="matches 2 places \\(lines 1, 3\\)"):
        replace_once(text, Block(path="g.py", search="a = 1\n", replace="a = 2\n"))
    with pytest.raises(AnswerError, match="empty"):
        replace_once(SOURCE, block)


def test_crlf_line_endings_are_kept() -> None:
    text = "a = 1\r\nb = 2\r\n"
    assert replace_once(text, Block(path="g.py", search="b = 2\n", replace="b = 3\n")) == (
        "a = 1\r\nb = 3\r\n"
    )


@pytest.mark.parametrize("path", ["/etc/passwd", "../other/x.py", "a/../../x.py", "C:/x.py"])
def test_paths_outside_the_project_are_not_project_paths(path: str) -> None:
    assert project_path(path) is None


def test_apply_blocks_refuses_what_refuse_names_and_unknown_files() -> None:
    sources = {"g.py": SOURCE}
    block = Block(path="tests/test_g.py", search="x\n", replace="y\n")
    with pytest.raises(AnswerError, match="tests/test_g.py: a test file"):
        apply_blocks([block], sources.get, lambda p: "a test file" if "test" in p else None)
    for path, reason in (("h.py", "no such file"), ("../g.py", "outside the project")):
        with pytest.raises(AnswerError, match=reason):
            edit = Block(path=path, search="x\n", replace="y\n")
            apply_blocks([edit], sources.get, lambda p: None)


def test_apply_blocks_applies_in_order_against_the_edited_text() -> None:
    blocks = [
        Block(path="./g.py", search="    return w + h\n", replace="    return w * h\n"),
        Block(path="g.py", search="    return w * h\n", replace="    return abs(w * h)\n"),
    ]
    ((path, (old, new)),) = apply_blocks(blocks, {"g.py": SOURCE}.get, lambda p: None).items()
    assert path == "g.py" and old == SOURCE
    assert "    return abs(w * h)\n" in new


@pytest.mark.parametrize(
    "path_line",
    [
        "file shop/geometry.py",
        "shop/geometry.py:",
        "# shop/geometry.py",
        "In `shop/geometry.py`, change:",
        "**File: shop/geometry.py**",
        "```python shop/geometry.py",
    ],
)
def test_the_path_line_may_be_written_as_models_write_it(path_line: str) -> None:
    answer = f"{path_line}\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
    (block,) = parse_blocks(answer)
    assert block.path == "shop/geometry.py"


def test_a_block_without_a_path_edits_the_one_file_under_repair() -> None:
    answer = "```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    (block,) = parse_blocks(answer, default_path="shop/geometry.py")
    assert block.path == "shop/geometry.py"


def test_line_numbers_copied_in_front_of_every_line_are_taken_off() -> None:
    answer = (
        "g.py\n<<<<<<< SEARCH\n 1 | def area(w, h):\n 2 |     return w + h\n=======\n"
        " 1 | def area(w, h):\n 2 |     return w * h\n>>>>>>> REPLACE\n"
    )
    (block,) = parse_blocks(answer)
    assert block.search == "def area(w, h):\n    return w + h\n"
    assert "    return w * h\n" in replace_once(SOURCE, block)


def test_a_pipe_in_the_code_itself_is_not_taken_for_a_line_number() -> None:
    answer = "g.py\n<<<<<<< SEARCH\nflags = 1 | 2\n=======\nflags = 1 | 4\n>>>>>>> REPLACE\n"
    (block,) = parse_blocks(answer)
    assert block.search == "flags = 1 | 2\n"


def test_a_search_matching_twice_is_settled_by_the_function_the_model_was_shown() -> None:
    text = "def a():\n    x = 1\n    return x\n\n\ndef b():\n    x = 1\n    return -x\n"
    block = Block(path="g.py", search="    x = 1\n", replace="    x = 2\n")
    with pytest.raises(AnswerError, match="matches 2 places"):
        replace_once(text, block)
    new = replace_once(text, block, shown=[(6, 8), (1, 3)])  # b() the most suspicious
    assert new == text.replace("def b():\n    x = 1", "def b():\n    x = 2")


def test_a_sentence_above_a_block_is_no_path_and_the_one_file_is_meant() -> None:
    answer = "The sum is wrong.\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
    (block,) = parse_blocks(answer, default_path="g.py")
    assert block.path == "g.py"
    with pytest.raises(AnswerError, match="no file path"):
        parse_blocks(answer)
