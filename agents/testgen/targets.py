"""The targets: the lines and branches of each source file the suite does not reach.

Functions and classes are found with libcst (positions from its metadata); with ``--diff-base``
only lines changed since that git revision (GitPython) count as targets.
"""

from __future__ import annotations

import ast
import functools
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from aiap.testgen import library_values
from aiap.testgen.coverage_data import FileCoverage
from aiap.testgen.models import Arc, FunctionTarget, ModuleTargets, Param
from aiap.testgen.patterns import samples

# Tokens with a digit in docstrings ("'P1Y2M'", "12.50", "09:30"): example inputs, often.
_EXAMPLE = re.compile(r"[A-Za-z0-9:.+\-/]*\d[A-Za-z0-9:.+\-/]*")
_REGEX_CALLS = {"compile", "match", "fullmatch", "search", "findall", "finditer", "split"}
_MESSAGE_CALLS = {
    *("warn", "warning", "debug", "info", "error", "exception", "critical", "log", "print")
}
_PROPERTIES = {"property", "cached_property", "functools.cached_property"}
_TEST_FILE = re.compile(r"(^test_.*|.*_test|^conftest)\.py$")


class TargetError(Exception):
    """A path that cannot be a target; the message says which and why."""


def is_test_file(path: Path) -> bool:
    return bool(_TEST_FILE.match(path.name)) or "tests" in path.parts[:-1]


def source_files(root: Path, paths: Sequence[Path]) -> list[Path]:
    """The Python source files among ``paths`` (directories walked), tests left out."""
    found: list[Path] = []
    for path in paths:
        path = path if path.is_absolute() else root / path
        if path.is_dir():
            candidates: Iterable[Path] = sorted(path.rglob("*.py"))
        else:
            candidates = [path]
        for file in candidates:
            rel = file.resolve().relative_to(root.resolve())
            skip = {".venv", "venv", ".git", ".tox", "build", "dist", "__pycache__"}
            if file.suffix != ".py" or skip & set(rel.parts) or is_test_file(rel):
                continue
            if any(p.endswith(".egg-info") for p in rel.parts) or not file.is_file():
                continue
            if file.resolve() not in found:
                found.append(file.resolve())
    return found


def module_name(root: Path, file: Path) -> tuple[str, str]:
    """(dotted module name, import root relative to ``root``) for a source file."""
    parts = [file.stem] if file.stem != "__init__" else []
    directory = file.parent
    while (directory / "__init__.py").is_file() and directory != root.parent:
        parts.insert(0, directory.name)
        directory = directory.parent
    rel = directory.resolve().relative_to(root.resolve()).as_posix()
    return ".".join(parts), "" if rel == "." else rel


def changed_lines(root: Path, base: str, files: Sequence[Path]) -> dict[Path, set[int]]:
    """Lines of ``files`` added or changed since ``base``; untracked files count whole."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
        repo.commit(base)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as e:
        raise TargetError(f"--diff-base needs a git repository: {root} is not in one") from e
    except (git.BadName, ValueError) as e:
        raise TargetError(f"--diff-base {base}: no such revision") from e
    top = Path(repo.working_tree_dir or root).resolve()
    untracked = {(top / p).resolve() for p in repo.untracked_files}
    result: dict[Path, set[int]] = {}
    for file in files:
        if file in untracked:
            result[file] = set(range(1, len(file.read_bytes().splitlines()) + 1))
            continue
        diff = repo.git.diff(base, "--unified=0", "--no-color", "--", str(file))
        lines: set[int] = set()
        for match in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", diff, re.M):
            start, count = int(match.group(1)), int(match.group(2) or "1")
            lines.update(range(start, start + count))
        result[file] = lines
    return result


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.functions: list[FunctionTarget] = []
        self.classes: dict[str, list[Param]] = {}
        self.module_literals: list[str] = []
        # Local name -> (module as written, relative level, name in that module).
        self.imports: dict[str, tuple[str, int, str]] = {}
        self.aliases: dict[str, str] = {}  # type aliases at module level
        self._class: list[str] = []
        self._depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._class or self._depth:
            return False  # nested classes are reached through their owners
        self._class.append(node.name.value)
        if not node.name.value.startswith("_"):
            self.classes[node.name.value] = _dataclass_fields(self.module, node)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if self._class and self._class[-1] == original_node.name.value:
            self._class.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._depth:
            return False
        self._depth += 1
        owner = self._class[-1] if self._class else None
        name = node.name.value
        decorators = {self.module.code_for_node(d.decorator) for d in node.decorators}
        is_static = "staticmethod" in decorators
        params = _params(self.module, node.params)
        if owner is not None and not is_static and params:
            params = params[1:]  # self or cls
        called = _called_names(node.body)
        checked = _isinstance_checks(self.module, node.body)
        for param in params:
            param.called = param.name in called
            param.checked_as = checked.get(param.name, [])
        access: Literal["call", "get", "set"] = "call"
        if owner is not None and decorators & _PROPERTIES:
            access = "get"
        elif owner is not None and f"{name}.setter" in decorators and len(params) == 1:
            access = "set"
        pos = self.get_metadata(PositionProvider, node)
        target = FunctionTarget(
            qualname=(f"{owner}.{name}" if owner else name) + ("=" if access == "set" else ""),
            access=access,
            class_name=owner,
            name=name,
            params=params,
            start_line=pos.start.line,
            end_line=pos.end.line,
            is_static=is_static or "classmethod" in decorators,
            is_async=node.asynchronous is not None,
            returns=self.module.code_for_node(node.returns.annotation) if node.returns else "",
            literals=_literals(self.module, node.body),
            checks_types=_raises_type_error(node.body),
        )
        if owner is not None and name == "__init__" and owner in self.classes:
            self.classes[owner] = params
        self.functions.append(target)
        return False

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        # Module and class level: constants, patterns; not __all__, __version__ and the like,
        # whose strings are names and versions, no input any function expects.
        if not self._depth and not _assigns_dunder(node):
            self.module_literals.extend(_literals(self.module, node))
        if not self._depth and not self._class:
            for statement in node.body:
                if isinstance(statement, cst.ImportFrom):
                    self._import_from(statement)
                alias = _type_alias(self.module, statement)
                if alias is not None:
                    self.aliases[alias[0]] = alias[1]
        return False

    def _import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        source = self.module.code_for_node(node.module) if node.module else ""
        for alias in node.names:
            name = self.module.code_for_node(alias.name)
            local = alias.evaluated_alias or name
            self.imports[local] = (source, len(node.relative), name)


_TYPE_FORMS = re.compile(
    r"^(typing\.)?(Union|Optional|List|Dict|Tuple|Set|FrozenSet|Sequence|Mapping|Iterable|"
    r"Callable|Literal|list|dict|tuple|set|frozenset)\[|^[A-Za-z_.]+( \| [A-Za-z_.\[\]]+)+$"
)


def _type_alias(module: cst.Module, statement: cst.BaseSmallStatement) -> tuple[str, str] | None:
    """``String = Union[str, bytes]`` (or ``X: TypeAlias = ...``) -> ("String", its text)."""
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0].target, statement.value
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        if "TypeAlias" not in module.code_for_node(statement.annotation.annotation):
            return None
        target, value = statement.target, statement.value
    else:
        return None
    if not isinstance(target, cst.Name):
        return None
    text = module.code_for_node(value)
    return (target.value, text) if _TYPE_FORMS.match(text) else None


def _assigns_dunder(node: cst.SimpleStatementLine) -> bool:
    for statement in node.body:
        if isinstance(statement, cst.Assign):
            targets = [t.target for t in statement.targets]
        elif isinstance(statement, (cst.AnnAssign, cst.AugAssign)):
            targets = [statement.target]
        else:
            continue
        if any(isinstance(t, cst.Name) and t.value.startswith("__") for t in targets):
            return True
    return False


def _dataclass_fields(module: cst.Module, node: cst.ClassDef) -> list[Param]:
    """A dataclass's fields as constructor parameters; [] for other classes (until __init__)."""
    names = {module.code_for_node(d.decorator).split("(")[0] for d in node.decorators}
    if not names & {"dataclass", "dataclasses.dataclass", "attr.s", "define", "attrs.define"}:
        return []
    fields = []
    for line in node.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for stmt in line.body:
            if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
                annotation = module.code_for_node(stmt.annotation.annotation)
                if annotation.startswith(("ClassVar", "typing.ClassVar")):
                    continue
                default = module.code_for_node(stmt.value) if stmt.value else None
                if default is not None and "field(" in default:
                    default = None
                fields.append(Param(name=stmt.target.value, annotation=annotation, default=default))
    return fields


def _params(module: cst.Module, params: cst.Parameters) -> list[Param]:
    result = []
    for kind, group in (
        ("positional", [*params.posonly_params, *params.params]),
        ("keyword", list(params.kwonly_params)),
    ):
        for p in group:
            result.append(
                Param(
                    name=p.name.value,
                    annotation=module.code_for_node(p.annotation.annotation)
                    if p.annotation
                    else "",
                    default=module.code_for_node(p.default) if p.default else None,
                    kind=kind,  # type: ignore[arg-type]
                )
            )
    if isinstance(params.star_arg, cst.Param):  # last, after the keyword-only ones
        result.append(Param(name=params.star_arg.name.value, kind="var_positional"))
    return result


def _raises_type_error(node: cst.CSTNode) -> bool:
    """Whether a body checks its input's type itself: it raises TypeError, or raises whatever
    it raises under ``if not isinstance(...)`` (``NotIntegerError``)."""
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_Raise(self, n: cst.Raise) -> None:
            nonlocal found
            exc = n.exc.func if isinstance(n.exc, cst.Call) else n.exc
            found = found or (isinstance(exc, cst.Name) and exc.value == "TypeError")

        def visit_If(self, n: cst.If) -> None:
            nonlocal found
            test = n.test
            negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
            call = test.expression if isinstance(test, cst.UnaryOperation) else None
            checks = (
                negated
                and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "isinstance"
            )
            raises = any(
                isinstance(s, cst.SimpleStatementLine)
                and any(isinstance(x, cst.Raise) for x in s.body)
                for s in n.body.body
            )
            found = found or bool(checks and raises)

    node.visit(Visitor())
    return found


def _called_names(node: cst.CSTNode) -> set[str]:
    """Plain names a body calls: ``key(item)`` makes the parameter ``key`` a callable."""
    names: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            if isinstance(n.func, cst.Name):
                names.add(n.func.value)

    node.visit(Visitor())
    return names


def _isinstance_checks(module: cst.Module, node: cst.CSTNode) -> dict[str, list[str]]:
    """Per plain name, the types ``isinstance(name, T)`` and ``isinstance(name, (T, U))`` in a
    body test it for: ``__add__(self, other)`` taking a Duration or a timedelta says so there."""
    found: dict[str, list[str]] = {}

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            if not (isinstance(n.func, cst.Name) and n.func.value == "isinstance"):
                return
            if len(n.args) != 2 or not isinstance(n.args[0].value, cst.Name):
                return
            kinds = n.args[1].value
            elements = kinds.elements if isinstance(kinds, cst.Tuple) else [kinds]
            names = found.setdefault(n.args[0].value.value, [])
            for element in elements:
                value = element.value if isinstance(element, cst.Element) else element
                if isinstance(value, cst.Name | cst.Attribute):
                    text = module.code_for_node(value)
                    if text not in names:
                        names.append(text)

    node.visit(Visitor())
    return found


def _literals(module: cst.Module, node: cst.CSTNode) -> list[str]:
    """Numbers and strings in a body, for seeding; ints also one off either way."""
    found: list[str] = []
    matches: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> bool:
            name = n.func.attr.value if isinstance(n.func, cst.Attribute) else ""
            name = n.func.value if isinstance(n.func, cst.Name) else name
            if name in _MESSAGE_CALLS:
                return False  # log and warning messages are no input either
            if name in _REGEX_CALLS and n.args:
                value = n.args[0].value
                if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
                    text = value.evaluated_value
                    if isinstance(text, str):
                        matches.extend(repr(t) for t in samples(text))
            return True

        def visit_Raise(self, n: cst.Raise) -> bool:
            return False  # an error message is no input

        def visit_Expr(self, n: cst.Expr) -> bool:
            if isinstance(n.value, cst.SimpleString):  # a docstring: its examples are seeds
                text = n.value.evaluated_value
                if isinstance(text, str):
                    found.extend(repr(t) for t in _EXAMPLE.findall(text)[:8])
            return not isinstance(n.value, (cst.SimpleString, cst.ConcatenatedString))

        def visit_Integer(self, n: cst.Integer) -> None:
            value = n.evaluated_value
            found.extend(repr(v) for v in (value, value + 1, value - 1, -value))

        def visit_Float(self, n: cst.Float) -> None:
            found.append(repr(n.evaluated_value))

        def visit_SimpleString(self, n: cst.SimpleString) -> None:
            value = n.evaluated_value
            if len(value) <= 40:
                found.append(repr(value))

    node.visit(Visitor())
    return list(dict.fromkeys(matches + found))[:60]


def analyse(
    root: Path,
    file: Path,
    coverage: FileCoverage | None,
    changed: set[int] | None = None,
) -> ModuleTargets:
    """The targets of one source file, given what the suite covers (None: nothing)."""
    rel = file.relative_to(root.resolve()).as_posix()
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise TargetError(f"{rel}: not UTF-8 ({e.reason} at byte {e.start})") from e
    try:
        compile(text, rel, "exec", ast.PyCF_ONLY_AST)  # Python's own message and line
        tree = cst.parse_module(text)
    except SyntaxError as e:
        raise TargetError(f"{rel}:{e.lineno}: syntax error ({e.msg}), skipped") from e
    except cst.ParserSyntaxError as e:
        raise TargetError(f"{rel}:{e.raw_line}: syntax error, skipped") from e
    collector = _Collector(tree)
    MetadataWrapper(tree, unsafe_skip_copy=True).visit(collector)
    module, import_root = module_name(root.resolve(), file)
    if coverage is None:
        coverage = _nothing_covered(file)
    missing = coverage.missing()
    missing_arcs: list[Arc] = list(coverage.missing_branches)
    if changed is not None:
        missing = [n for n in missing if n in changed]
        missing_arcs = [a for a in missing_arcs if a[0] in changed]
    # The module's own names as strings (in __all__, getattr, messages) are no input either.
    names = {repr(f.name) for f in collector.functions} | {repr(c) for c in collector.classes}
    tokens = _imported_tokens(root.resolve(), import_root, module, file, collector.imports)
    for function in collector.functions:
        literals = dict.fromkeys(function.literals + collector.module_literals)
        own = [v for v in literals if v not in names][:80]
        function.literals = own + [t for t in tokens if t not in literals][:_MAX_TOKENS]
    imported = _imported_classes(root.resolve(), import_root, module, file, collector.imports)
    classes = {
        **{local: params for local, (_, _, params) in imported.items()},
        **collector.classes,
    }
    aliases = dict(collector.aliases)
    for local, (source, level, name) in collector.imports.items():
        package = module if file.name == "__init__.py" else module.rpartition(".")[0]
        where = _module_file(root.resolve(), import_root, _resolve(package, source, level))
        other = _collect(where) if where is not None and where.resolve() != file.resolve() else None
        if other is not None and name in other.aliases:
            aliases[local] = other.aliases[name]
    library = {
        local: values
        for local, (source, level, name) in collector.imports.items()
        if not level and (values := library_values.values(source, name, local))
    }
    from_library = {
        local: (collector.imports[local][0], collector.imports[local][2]) for local in library
    }
    # "Durations can be added to date and datetime objects": classes the docstrings name
    # that the module takes without importing them; the tests import them themselves.
    words = _docstring_words(text)
    for (source, name), _ in library_values.VALUES.items():
        known = name in library or name in collector.imports or name in collector.classes
        if name in library_values.NAMED_IN_DOCS and name in words and not known:
            library[name] = library_values.values(source, name, name)
            from_library[name] = (source, name)
    examples = _doctest_calls(text)
    for function in collector.functions:
        if function.class_name is None:
            function.examples = examples.get(function.name, [])[:20]
    return ModuleTargets(
        path=rel,
        module=module,
        import_root=import_root,
        statements=coverage.statements,
        covered_lines=coverage.executed,
        missing_lines=missing,
        branches=sorted(set(coverage.executed_branches) | set(coverage.missing_branches)),
        covered_branches=coverage.executed_branches,
        missing_branches=missing_arcs,
        functions=collector.functions,
        classes=classes,
        imported={
            **{local: (where, name) for local, (where, name, _) in imported.items()},
            **from_library,
        },
        library=library,
        aliases=aliases,
    )


def _docstring_words(text: str) -> set[str]:
    """The words of the module's, its classes' and its functions' docstrings."""
    words: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            words.update(re.findall(r"[A-Za-z_]+", ast.get_docstring(node) or ""))
    return words


_PROMPT = re.compile(r"^\s*>>> (.+)$", re.M)


def _doctest_calls(text: str) -> dict[str, list[list[str]]]:
    """Literal arguments of the calls doctests make: ``>>> parse('P1D')`` -> parse: [['P1D']]."""
    calls: dict[str, list[list[str]]] = {}
    for match in _PROMPT.finditer(text):
        try:
            tree = ast.parse(match.group(1).strip(), mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                continue
            args = [ast.unparse(a) for a in node.args]
            try:
                for arg in args:
                    ast.literal_eval(arg)
            except (ValueError, SyntaxError):
                continue  # names of the session: not reproducible alone
            calls.setdefault(node.func.id, []).append(args)
    return calls


def _collect(file: Path) -> _Collector | None:
    # The classes and the aliases of one imported module are both looked up in it: parse once.
    return _collect_cached(file.resolve(), file.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _collect_cached(file: Path, mtime_ns: int) -> _Collector | None:
    try:
        tree = cst.parse_module(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, cst.ParserSyntaxError):
        return None
    collector = _Collector(tree)
    MetadataWrapper(tree, unsafe_skip_copy=True).visit(collector)
    return collector


def _resolve(package: str, source: str, level: int) -> str:
    """The dotted name ``from <level dots><source> import`` means inside ``package``."""
    if not level:
        return source
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join([*base, source] if source else base)


def _module_file(root: Path, import_root: str, dotted: str) -> Path | None:
    base = root / import_root if import_root else root
    stem = base.joinpath(*dotted.split(".")) if dotted else base
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file() and candidate.resolve().is_relative_to(root):
            return candidate
    return None


def _imported_classes(
    root: Path,
    import_root: str,
    module: str,
    file: Path,
    imports: dict[str, tuple[str, int, str]],
    depth: int = 0,
) -> dict[str, tuple[str, str, list[Param]]]:
    """The project's own classes a module imports from its other modules: local name ->
    (module defining it, its name there, its constructor's parameters). Followed through
    re-exports (a package's ``__init__``) a few levels deep."""
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, tuple[str, str, list[Param]]] = {}
    for local, (source, level, name) in imports.items():
        dotted = _resolve(package, source, level)
        where = _module_file(root, import_root, dotted)
        if where is None or where.resolve() == file.resolve():
            continue
        collector = _collect(where)
        if collector is None:
            continue
        if name in collector.classes:
            found[local] = (dotted, name, collector.classes[name])
        elif name in collector.imports and depth < 3:
            again = _imported_classes(
                root, import_root, dotted, where, {name: collector.imports[name]}, depth + 1
            )
            if name in again:
                found[local] = again[name]
    return found


# Short strings of the project's modules a module imports: the tokens a parser's lexer, in
# another module, splits its input on ('.', '[', '||'); joined, they make input it parses.
_MAX_TOKENS = 30
_TOKEN_LENGTH = 3


def _imported_tokens(
    root: Path, import_root: str, module: str, file: Path, imports: dict[str, tuple[str, int, str]]
) -> list[str]:
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    tokens: dict[str, None] = {}
    for source, level, name in imports.values():
        dotted = _resolve(package, source, level)
        where = _module_file(root, import_root, f"{dotted}.{name}" if dotted else name)
        where = where or _module_file(root, import_root, dotted)
        if where is None or where.resolve() == file.resolve():
            continue
        collector = _collect(where)
        if collector is None:
            continue
        literals = collector.module_literals + [v for f in collector.functions for v in f.literals]
        for text in literals:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str) and 0 < len(value) <= _TOKEN_LENGTH:
                tokens[text] = None
    return list(tokens)


def _nothing_covered(file: Path) -> FileCoverage:
    """A file the suite never imported: coverage.py's own analysis of it, all missing."""
    import json

    import coverage as coveragepy

    from aiap import tempdirs

    with tempdirs.temporary("cov") as tmp:
        cov = coveragepy.Coverage(
            data_file=str(Path(tmp) / ".coverage"), branch=True, config_file=False
        )
        cov.get_data()  # an empty branch-mode data set
        out = Path(tmp) / "c.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no data collected": none was meant to be
            cov.json_report(morfs=[str(file)], outfile=str(out), ignore_errors=True)
        entry = next(iter(json.loads(out.read_text())["files"].values()))
    return FileCoverage(
        statements=sorted(entry["missing_lines"]),
        executed=[],
        missing_branches=[tuple(a) for a in entry.get("missing_branches", [])],
    )
