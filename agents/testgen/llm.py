"""The LLM test generator: the function, its uncovered lines and a style example go to a model;
the answer is a test file, split into tests that then face the same filters as offline ones.

The model is reached through a ``complete(messages) -> str`` callable; ``ModelComplete`` is the
one built from the configured model, through the LLM engine's chat layer (secrets masked, answers
cached, budget and audit), imported only when a model is configured.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from aiap.testgen.models import FunctionTarget, GeneratedTest, ModuleTargets

if TYPE_CHECKING:
    from aiap.config import AiapConfig
    from aiap.models import LLMUsage

Complete = Callable[[list[dict[str, str]]], str]

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.S)


class LLMAnswerError(ValueError):
    """The model's answer is not a usable test file; the message says why."""


class ModelUnavailable(Exception):
    """The model cannot be asked (any more): a final provider error or a spent budget."""


class ModelComplete:
    """``complete(messages)`` through the configured model; one budget for the whole run."""

    def __init__(self, config: AiapConfig, root: Path, deadline: float) -> None:
        from aiap.llm.chat import ModelChat

        self.chat = ModelChat(config, root, deadline)
        self.stopped = ""  # why no more requests go out

    @property
    def usage(self) -> LLMUsage:
        return self.chat.usage

    def notes(self) -> list[str]:
        """What the user should read about the model's side of the run."""
        return [*self.chat.trouble(), *([self.stopped] if self.stopped else [])]

    def __call__(self, messages: list[dict[str, str]]) -> str:
        from aiap.audit import AuditRecord
        from aiap.llm.chat import answered
        from aiap.llm.provider import ProviderError
        from aiap.llm.searchreplace import AnswerError
        from aiap.llm.secrets import has_placeholder

        spent = self.chat.budget_spent()
        if spent and not self.stopped:
            self.stopped = f"llm: stopped: {spent}"
        if self.stopped:
            raise ModelUnavailable(self.stopped)
        record = AuditRecord(event="llm_call", engine="gen-tests", model=self.chat.model)
        try:
            answer = self.chat.ask(messages)
        except ProviderError as e:
            self.stopped = f"llm: {e}"
            self.chat.audit(record.model_copy(update={"outcome": f"error: {e}"}))
            raise ModelUnavailable(self.stopped) from None
        except AnswerError as e:
            self.chat.audit(record.model_copy(update={"outcome": f"refused: {e}"}))
            raise LLMAnswerError(str(e)) from None
        record = answered(record, answer)
        if has_placeholder(answer.text):
            reason = "the answer writes a masked secret placeholder into a test; refused"
            self.chat.audit(record.model_copy(update={"outcome": f"refused: {reason}"}))
            raise LLMAnswerError(reason)
        self.chat.audit(record.model_copy(update={"outcome": "tests proposed"}))
        return answer.text


def template() -> str:
    return resources.files("aiap.prompts").joinpath("gen_tests.md").read_text(encoding="utf-8")


def example_test(root: Path, limit: int = 1500) -> str:
    """The shortest test file of the project that has a test function: the style to follow."""
    files = [
        p
        for p in root.rglob("test_*.py")
        if ".venv" not in p.parts and "generated" not in p.parts and p.stat().st_size > 0
    ]
    for path in sorted(files, key=lambda p: p.stat().st_size):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "def test_" in text:
            return text[:limit]
    return "def test_example():\n    assert 1 + 1 == 2\n"


def messages_for(
    targets: ModuleTargets, function: FunctionTarget, source: str, example: str
) -> list[dict[str, str]]:
    lines = source.splitlines()
    body = "\n".join(lines[function.start_line - 1 : function.end_line])
    goals = sorted(
        {n for n in targets.missing_lines if function.start_line <= n <= function.end_line}
        | {
            a[0]
            for a in targets.missing_branches
            if function.start_line <= a[0] <= function.end_line
        }
    )
    top = function.qualname.split(".")[0]
    prompt = template().format(
        module=targets.module,
        import_line=f"from {targets.module} import {top}",
        lines=", ".join(map(str, goals)) or "none",
        function_source=body,
        example=example,
    )
    return [
        {"role": "system", "content": "You are a careful Python test engineer."},
        {"role": "user", "content": prompt},
    ]


def parse_answer(answer: str) -> tuple[list[str], list[GeneratedTest]]:
    """(import statements, test functions) of the model's answer; LLMAnswerError if unusable."""
    blocks = _FENCE.findall(answer)
    code = max(blocks, key=len) if blocks else answer
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        raise LLMAnswerError(f"the answer is not Python (line {e.lineno}: {e.msg})") from None
    imports: list[str] = []
    tests: list[GeneratedTest] = []
    for node in tree.body:
        segment = ast.get_source_segment(code, node) or ""
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(segment)
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            decorators = "".join(
                f"@{ast.get_source_segment(code, d)}\n" for d in node.decorator_list
            )
            tests.append(GeneratedTest(name=node.name, source=decorators + segment + "\n"))
    if not tests:
        raise LLMAnswerError("the answer holds no test function")
    return imports, tests


def llm_tests(
    targets: ModuleTargets,
    source: str,
    functions: list[FunctionTarget],
    complete: Complete,
    example: str,
) -> tuple[list[str], list[GeneratedTest], list[str]]:
    """Ask the model once per function: (imports, tests, problems with answers)."""
    imports: list[str] = []
    tests: list[GeneratedTest] = []
    problems: list[str] = []
    taken: set[str] = set()
    for function in functions:
        try:
            found_imports, found = parse_answer(
                complete(messages_for(targets, function, source, example))
            )
        except LLMAnswerError as e:
            problems.append(f"{targets.path}: {function.qualname}: {e}")
            continue
        except ModelUnavailable as e:
            problems.append(str(e))
            break
        imports.extend(i for i in found_imports if i not in imports)
        for test in found:
            name, n = test.name, 2
            while name in taken:
                name, n = f"{test.name}_{n}", n + 1
            taken.add(name)
            if name != test.name:
                renamed = re.sub(rf"\bdef {test.name}\(", f"def {name}(", test.source, count=1)
                test = GeneratedTest(name=name, source=renamed)
            tests.append(test)
    return imports, tests, problems


def file_source(header: str, imports: list[str], tests: list[GeneratedTest]) -> str:
    return header + "\n" + "\n".join(imports) + "\n\n\n" + "\n\n".join(t.source for t in tests)
