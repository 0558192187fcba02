"""What the model is shown: the failing tests, their output, the suspicious functions (each
headed by its path and line range) and the definitions those use, in that order of
importance, within a token budget.

Tokens are estimated from characters (4 per token, the usual figure for code and English):
exact counts would need the model's tokenizer, and the budget only has to keep the request
well inside the context window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from aiap.hookspecs import RepairRequest
from aiap.testfiles import is_test_file

CHARS_PER_TOKEN = 4
MAX_FAILURES = 3
MAX_MESSAGE_CHARS = 2000
MAX_FUNCTIONS = 4
MAX_DEFINITIONS = 8
# Lines of pytest's header that say where and with what it ran, not what failed.
_PYTEST_HEADER = ("platform ", "rootdir:", "plugins:", "cachedir:", "configfile:", "testpaths:")
_DURATION = re.compile(r"\bin \d+(\.\d+)?s\b")


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class Span:
    """A top-level or nested definition of a module: its name, lines and node."""

    name: str
    start: int
    end: int
    node: cst.CSTNode


@dataclass
class ModuleInfo:
    lines: list[str]
    functions: list[Span] = field(default_factory=list)  # every def, methods included
    top_level: dict[str, Span] = field(default_factory=dict)  # module-level defs and names
    imports: dict[str, str] = field(default_factory=dict)  # name -> dotted module


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, info: ModuleInfo) -> None:
        self.info = info
        self.depth = 0

    def _span(self, name: str, node: cst.CSTNode) -> Span:
        pos = self.get_metadata(PositionProvider, node)
        return Span(name, pos.start.line, pos.end.line, node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        span = self._span(node.name.value, node)
        self.info.functions.append(span)
        if self.depth == 0:
            self.info.top_level[span.name] = span
        self.depth += 1
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self.depth == 0:
            self.info.top_level[node.name.value] = self._span(node.name.value, node)
        self.depth += 1
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        if self.depth > 0:
            return False
        for statement in node.body:
            if isinstance(statement, (cst.Assign, cst.AnnAssign)):
                targets = (
                    [t.target for t in statement.targets]
                    if isinstance(statement, cst.Assign)
                    else [statement.target]
                )
                for target in targets:
                    if isinstance(target, cst.Name):
                        self.info.top_level[target.value] = self._span(target.value, node)
            elif isinstance(statement, cst.ImportFrom) and statement.module is not None:
                if statement.relative or isinstance(statement.names, cst.ImportStar):
                    continue
                module = cst.Module([]).code_for_node(statement.module)
                for alias in statement.names:
                    if isinstance(alias.name, cst.Name):
                        local = alias.asname.name if alias.asname else alias.name
                        if isinstance(local, cst.Name):
                            self.info.imports[local.value] = module
        return False


def _names_in(node: cst.CSTNode) -> list[str]:
    names: dict[str, None] = {}

    class Names(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            names[n.value] = None

    node.visit(Names())
    return list(names)


class ContextBuilder:
    """Reads the workspace's sources once per file and renders the context sections."""

    def __init__(self, request: RepairRequest) -> None:
        self.request = request
        self.root = Path(request.root)
        self._modules: dict[str, ModuleInfo | None] = {}
        self.files: list[str] = []  # every project file something was taken from

    def text(self, path: str) -> str | None:
        if path in self.request.sources:
            return self.request.sources[path]
        try:
            return (self.root / path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def module(self, path: str) -> ModuleInfo | None:
        if path not in self._modules:
            text = self.text(path)
            info = None
            if text is not None:
                try:
                    wrapper = MetadataWrapper(cst.parse_module(text))
                except cst.ParserSyntaxError:
                    wrapper = None
                if wrapper is not None:
                    info = ModuleInfo(lines=text.splitlines())
                    wrapper.visit(_Collector(info))
            self._modules[path] = info
        return self._modules[path]

    def _used(self, path: str) -> None:
        if path not in self.files:
            self.files.append(path)

    def failing_tests(self) -> list[str]:
        """One section per failing test: its source and its failure, trimmed."""
        sections = []
        for failure in self.request.failures[:MAX_FAILURES]:
            file, _, rest = failure.nodeid.partition("::")
            name = rest.split("::")[-1].split("[")[0]
            source = self._function_source(file, name)
            message = self._clean(failure.message)
            if len(message) > MAX_MESSAGE_CHARS:
                message = message[:MAX_MESSAGE_CHARS] + "\n[... trimmed]"
            frames = "\n".join(f"  {f.path}:{f.line} in {f.function}" for f in failure.frames)
            parts = [f"### {failure.nodeid}"]
            if source:
                parts.append(f"```python\n{source}```")
            kind = (
                f"{failure.kind}: " if failure.kind and not message.startswith(failure.kind) else ""
            )
            parts.append(f"Failure:\n```\n{kind}{message}\n```")
            if frames:
                parts.append(f"Traceback (most recent call last):\n{frames}")
            sections.append("\n".join(parts))
        return sections

    def _clean(self, text: str) -> str:
        return stable_text(text, str(self.root))

    def _function_source(self, path: str, name: str) -> str:
        info = self.module(path)
        if info is None:
            return ""
        for span in info.functions:
            if span.name == name:
                self._used(path)
                return _render(info.lines, span.start, span.end)
        return ""

    def suspicious_functions(self) -> list[tuple[str, Span | None, str]]:
        """(path, function, section) of the most suspicious functions, best first."""
        seen: set[tuple[str, int]] = set()
        out: list[tuple[str, Span | None, str]] = []
        for location in self.request.locations:
            path = location.path
            if is_test_file(path, self.request.test_files):
                continue
            info = self.module(path)
            if info is None:
                continue
            span = _innermost(info.functions, location.start_line)
            start, end = (
                (span.start, span.end)
                if span is not None
                else (max(1, location.start_line - 3), location.end_line + 3)
            )
            if (path, start) in seen:
                continue
            seen.add((path, start))
            self._used(path)
            out.append((path, span, _section(path, info.lines, start, end)))
            if len(out) == MAX_FUNCTIONS:
                break
        return out

    def definitions(self, functions: Iterable[tuple[str, Span | None, str]]) -> list[str]:
        """Module-level definitions the suspicious functions use, from the project's files."""
        shown: set[tuple[str, str]] = {(p, s.name) for p, s, _ in functions if s is not None}
        out = []
        for path, span, _ in functions:
            info = self.module(path)
            if span is None or info is None:
                continue
            for name in _names_in(span.node):
                found = self._definition(path, info, name)
                if found is None or (found[0], name) in shown:
                    continue
                shown.add((found[0], name))
                def_path, def_info, def_span = found
                self._used(def_path)
                out.append(_section(def_path, def_info.lines, def_span.start, def_span.end))
                if len(out) == MAX_DEFINITIONS:
                    return out
        return out

    def _definition(
        self, path: str, info: ModuleInfo, name: str
    ) -> tuple[str, ModuleInfo, Span] | None:
        if name in info.top_level:
            return path, info, info.top_level[name]
        module = info.imports.get(name)
        if module is None:
            return None
        for candidate in _module_paths(module):
            other = self.module(candidate)
            if other is not None and name in other.top_level:
                return candidate, other, other.top_level[name]
        return None


def stable_text(text: str, root: str) -> str:
    """Workspace paths and durations out: they change from run to run, and so would the
    cache key."""
    root = root.rstrip("/")
    text = text.replace(root + "/", "").replace(root, ".")
    kept = [line for line in text.splitlines() if not line.startswith(_PYTEST_HEADER)]
    return _DURATION.sub("in N s", "\n".join(kept).strip())


_SECTION = re.compile(r"^=+ (FAILURES|ERRORS) =+$")
_AFTER = re.compile(r"^[=-]+ (warnings summary|short test summary info|generated xml file)")


def failure_report(output: str, root: str, limit: int) -> str:
    """The FAILURES section of a pytest run's output, without its header, warnings and file
    names of aiap's own runs; at most ``limit`` characters, from its start."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), 0)
    end = next((i for i in range(start, len(lines)) if _AFTER.match(lines[i])), len(lines))
    text = stable_text("\n".join(lines[start:end]), root)
    return text if len(text) <= limit else text[:limit] + "\n[... trimmed]"


def _module_paths(dotted: str) -> list[str]:
    base = dotted.replace(".", "/")
    return [f"{base}.py", f"src/{base}.py", f"{base}/__init__.py", f"src/{base}/__init__.py"]


def _innermost(functions: list[Span], line: int) -> Span | None:
    containing = [s for s in functions if s.start <= line <= s.end]
    return min(containing, key=lambda s: s.end - s.start) if containing else None


def _section(path: str, lines: list[str], start: int, end: int) -> str:
    """A file's lines as the model sees them: where they are above, the code as it is (line
    numbers on every line were copied back into answers by small models)."""
    code = _render(lines, start, end)
    return f"{path}, lines {start}-{end}:\n```python\n{code}```"


def _render(lines: list[str], start: int, end: int) -> str:
    return "".join(line + "\n" for line in lines[start - 1 : end])


@dataclass
class Context:
    """The rendered sections and the files they were taken from."""

    tests: str
    functions: str
    definitions: str
    files: list[str]
    trimmed: bool
    # The suspicious functions' line ranges per file, most suspicious first.
    shown: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # the suspicious functions' names


def build_context(request: RepairRequest, budget_tokens: int) -> Context:
    """The sections, most important first, each dropped or cut when the budget runs out."""
    builder = ContextBuilder(request)
    left = budget_tokens
    trimmed = False

    def take(pieces: list[str], separator: str = "\n\n") -> str:
        nonlocal left, trimmed
        kept: list[str] = []
        for piece in pieces:
            cost = estimate_tokens(piece) + 1
            if cost > left:
                trimmed = True
                if not kept and left > 50:  # the first piece of a section: cut, not dropped
                    kept.append(piece[: left * CHARS_PER_TOKEN] + "\n[... trimmed]")
                    left = 0
                break
            kept.append(piece)
            left -= cost
        return separator.join(kept)

    tests = take(builder.failing_tests())
    functions = builder.suspicious_functions()
    function_text = take([section for _, _, section in functions])
    definitions = take(builder.definitions(functions))
    shown: dict[str, list[tuple[int, int]]] = {}
    for path, span, _ in functions:
        if span is not None:
            shown.setdefault(path, []).append((span.start, span.end))
    return Context(
        tests=tests,
        functions=function_text,
        definitions=definitions or "(none)",
        files=list(builder.files),
        trimmed=trimmed,
        shown=shown,
        names=[span.name for _, span, _ in functions if span is not None],
    )
