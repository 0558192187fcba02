"""Security checks as ``ast`` visitors: calls are recognised by their qualified names, so
``from subprocess import run as sh; sh(cmd, shell=True)`` is caught as well as the plain form.
Names are qualified from the module's imports, not with a scope analysis: commit-time review has
to be fast.

``ast``, not libcst: nothing is rewritten here, and libcst's visitors took minutes and gigabytes
on a 5 MB module. A large module is parsed in runs of whole top-level statements
(``aiap.review.chunks``), so memory is bounded by the largest run, and statements no changed
line touches are parsed but not visited.

What counts as "input": anything that is not a string literal. A literal command or expression
is the author's own; a name, call or formatted string may carry what a user typed.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from aiap.review.chunks import RUN_LINES, statement_runs
from aiap.review.findings import Finding, Severity

RULE_PREFIX = "aiap/"

RULES: dict[str, str] = {
    "eval-exec": "eval/exec on a value that is not a literal: code injection",
    "subprocess-shell": "a shell command built from input: command injection",
    "yaml-load": "yaml.load without a safe loader: arbitrary objects from the document",
    "pickle-loads": "unpickling data that is not a literal: arbitrary code on load",
    "sql-format": "SQL built by string formatting: SQL injection; pass parameters instead",
    "hardcoded-credential": "a credential written in the source",
    "assert-validation": "assert used for validation: removed under python -O",
    "bare-except-pass": "an exception swallowed without a trace",
}

_SHELL_CALLS = {
    f"subprocess.{name}"
    for name in ("run", "call", "check_call", "check_output", "Popen", "getoutput")
}
_OS_SHELL = {"os.system", "os.popen"}
_PICKLE = {
    f"{module}.{name}"
    for module in ("pickle", "_pickle", "cPickle", "dill", "marshal", "shelve")
    for name in ("loads", "load")
}
_SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader"}
# A statement from its first word: prose that mentions "select ... from" is not SQL.
_SQL = re.compile(
    r"^\s*(select\b[\s\S]+\bfrom|insert\s+into|update\b[\s\S]+\bset|delete\s+from"
    r"|drop\s+table|create\s+table|alter\s+table|with\b[\s\S]+\bselect)\b",
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(
    r"(^|_)(pass(word|wd|phrase)?|pwd|secret|secret_?key|token|api_?key|access_?key"
    r"|private_?key|client_?secret|credentials?)$",
    re.IGNORECASE,
)


def _is_literal_string(node: ast.expr | None) -> bool:
    # Adjacent literals ("a" "b") are one constant in the tree already.
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _string_value(node: ast.expr | None) -> str | None:
    return node.value if _is_literal_string(node) else None  # type: ignore[union-attr]


def _literal_text(node: ast.expr) -> str:
    """The literal parts of a string expression, to recognise SQL in it."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            p.value if isinstance(p, ast.Constant) and isinstance(p.value, str) else " x "
            for p in node.values
        )
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) + " x " + _literal_text(node.right)
    return ""


def _formatted_sql(node: ast.expr) -> bool:
    """A string built with f-string fields, ``%``, ``.format()`` or ``+``, that reads as SQL."""
    if isinstance(node, ast.JoinedStr):
        built = any(isinstance(p, ast.FormattedValue) for p in node.values)
        return built and bool(_SQL.search(_literal_text(node)))
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and _is_literal_string(node.left):
            return bool(_SQL.search(_literal_text(node.left)))
        if isinstance(node.op, ast.Add):
            literal_only = _is_literal_string(node.left) and _is_literal_string(node.right)
            return not literal_only and bool(_SQL.search(_literal_text(node)))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format" and _is_literal_string(node.func.value):
            return bool(_SQL.search(_literal_text(node.func.value)))
    return False


def _kwarg(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _target_name(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_secret(name: str | None, value: ast.expr | None) -> bool:
    if name is None or not _SECRET_NAME.search(name):
        return False
    text = _string_value(value)
    # Short values and the name itself are placeholders or field names, not secrets.
    return text is not None and len(text) >= 6 and text.lower() not in (name.lower(), "changeme")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


class Imports:
    """Local name -> qualified name, from every import in the module; and the names the module
    defines itself (they shadow builtins)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.defined: set[str] = set()

    def add(self, node: ast.stmt) -> None:
        """One import statement (anything else is ignored)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self.names[head] = head
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module is not None:
            for alias in node.names:
                if alias.name != "*":
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"


class SecurityVisitor:
    """The checks, one method per node type; ``check`` walks a tree with them."""

    def __init__(
        self, path: str, is_test: bool, imports: Imports, lines: Sequence[str], offset: int = 0
    ) -> None:
        self.path = path
        self.is_test = is_test
        self.imports = imports
        self.findings: list[Finding] = []
        self._lines = lines  # the run's own lines, for columns in characters
        self._offset = offset  # the run's first line in the module, less one
        self._sql_reported: set[tuple[int, int]] = set()

    def check(self, tree: ast.AST) -> None:
        """Every node of ``tree`` to its method (by type: ``ast.NodeVisitor``'s dispatch and
        its deprecated-node shims cost more than the checks); a method returning False keeps
        the walk out of the node's parts."""
        handlers: dict[type, Callable[[Any], bool | None]] = {
            ast.Call: self.visit_Call,
            ast.JoinedStr: self.visit_JoinedStr,
            ast.BinOp: self.visit_BinOp,
            ast.Assign: self.visit_Assign,
            ast.AnnAssign: self.visit_AnnAssign,
            ast.Dict: self.visit_Dict,
            ast.Assert: self.visit_Assert,
            ast.ExceptHandler: self.visit_ExceptHandler,
        }
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            handler = handlers.get(type(node))
            if handler is not None and handler(node) is False:
                continue
            for name in node._fields:  # ast.iter_child_nodes, without a generator per node
                value = getattr(node, name, None)
                if isinstance(value, list):
                    stack.extend(v for v in value if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                    stack.append(value)

    def _column(self, line: int, byte_offset: int) -> int:
        """ast counts UTF-8 bytes; a finding's column counts characters, from 1."""
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1

    def _add(self, node: ast.expr | ast.stmt | ast.keyword | ast.excepthandler, rule: str,
             severity: Severity, message: str) -> None:  # fmt: skip
        self.findings.append(
            Finding(
                path=self.path,
                line=node.lineno + self._offset,
                column=self._column(node.lineno, node.col_offset),
                end_line=(node.end_lineno or node.lineno) + self._offset,
                rule=RULE_PREFIX + rule,
                severity=severity,
                message=message,
            )
        )

    def _names(self, node: ast.expr) -> set[str]:
        """The qualified name of a called expression (empty when it is not a plain name)."""
        dotted = _dotted(node)
        if dotted is None:
            return set()
        head, _, rest = dotted.partition(".")
        if head in self.imports.names:
            full = self.imports.names[head]
            return {f"{full}.{rest}" if rest else full}
        if not rest and head not in self.imports.defined:
            return {f"builtins.{head}"}
        return {dotted}

    def visit_Call(self, node: ast.Call) -> None:
        names = self._names(node.func)
        first = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        from_input = first is not None and not _is_literal_string(first)
        checks: Sequence[Callable[[ast.Call, set[str], bool], None]] = (
            self._eval_exec,
            self._shell,
            self._yaml,
            self._pickle,
        )
        for check in checks:
            check(node, names, from_input)
        self._sql(node)  # "...".format(...)
        for keyword in node.keywords:
            if keyword.arg is not None and _is_secret(keyword.arg, keyword.value):
                self._add(
                    keyword,
                    "hardcoded-credential",
                    "high",
                    f"`{keyword.arg}=` is given a literal; read it from the environment "
                    "or a secret store",
                )

    def _eval_exec(self, node: ast.Call, names: set[str], from_input: bool) -> None:
        hit = names & {"builtins.eval", "builtins.exec"}
        if hit and from_input:
            name = sorted(hit)[0].split(".")[1]
            self._add(
                node,
                "eval-exec",
                "high",
                f"{name}() on a value that is not a literal runs whatever code it holds; "
                "parse the input instead (ast.literal_eval, json)",
            )

    def _shell(self, node: ast.Call, names: set[str], from_input: bool) -> None:
        if names & _SHELL_CALLS:
            shell = _kwarg(node, "shell")
            if shell is not None and _is_true(shell.value):
                self._add(
                    node,
                    "subprocess-shell",
                    "high" if from_input else "medium",
                    "shell=True with a command built from input runs whatever the input says; "
                    "pass a list of arguments without shell=True"
                    if from_input
                    else "shell=True: prefer a list of arguments without a shell",
                )
        elif names & _OS_SHELL and from_input:
            self._add(
                node,
                "subprocess-shell",
                "high",
                f"{sorted(names & _OS_SHELL)[0]}() runs its argument in a shell; use "
                "subprocess.run with a list of arguments",
            )

    def _yaml(self, node: ast.Call, names: set[str], from_input: bool) -> None:
        if names & {"yaml.unsafe_load", "yaml.unsafe_load_all"}:
            self._add(node, "yaml-load", "high", "yaml.unsafe_load builds arbitrary objects")
            return
        if not names & {"yaml.load", "yaml.load_all"}:
            return
        loader = _kwarg(node, "Loader")
        value = loader.value if loader is not None else None
        if value is None and len(node.args) > 1:
            value = node.args[1]
        if value is None or _target_name(value) not in _SAFE_LOADERS:
            self._add(
                node,
                "yaml-load",
                "high",
                "yaml.load without Loader=yaml.SafeLoader can build arbitrary Python objects; "
                "use yaml.safe_load",
            )

    def _pickle(self, node: ast.Call, names: set[str], from_input: bool) -> None:
        hit = names & _PICKLE
        if hit and from_input:
            self._add(
                node,
                "pickle-loads",
                "high",
                f"{sorted(hit)[0]}() on data that may come from outside runs code while "
                "loading; use json or a schema-checked format",
            )

    def _sql(self, node: ast.expr) -> bool:
        """Report ``node`` if it builds SQL; whether it did (now or before)."""
        key = (node.lineno, node.col_offset)
        if key in self._sql_reported:
            return True
        if not _formatted_sql(node):
            return False
        self._sql_reported.add(key)
        self._add(
            node,
            "sql-format",
            "high",
            "SQL built by string formatting lets input change the query; "
            "use placeholders and pass the values as parameters",
        )
        return True

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._sql(node)

    def visit_BinOp(self, node: ast.BinOp) -> bool:
        return not self._sql(node)  # the parts of a reported string: not again

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            name = _target_name(target)
            if _is_secret(name, node.value):
                self._credential(node, name)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        name = _target_name(node.target)
        if node.value is not None and _is_secret(name, node.value):
            self._credential(node, name)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            name = _string_value(key)
            if key is not None and _is_secret(name, value):
                self._credential(key, name)

    def _credential(self, node: ast.expr | ast.stmt, name: str | None) -> None:
        self._add(
            node,
            "hardcoded-credential",
            "high",
            f"`{name}` holds a literal credential; read it from the environment or a secret "
            "store (and rotate it: it is in the history now)",
        )

    def visit_Assert(self, node: ast.Assert) -> None:
        if not self.is_test:
            self._add(
                node,
                "assert-validation",
                "medium",
                "assert is removed under python -O; raise an exception to validate input",
            )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        swallowed = all(isinstance(stmt, ast.Pass) for stmt in node.body)
        caught = _target_name(node.type)
        if swallowed and node.type is None:
            self._add(
                node,
                "bare-except-pass",
                "medium",
                "`except: pass` hides every error, KeyboardInterrupt included; "
                "catch the exceptions you expect and log them",
            )
        elif swallowed and caught in ("Exception", "BaseException"):
            self._add(
                node,
                "bare-except-pass",
                "low",
                f"`except {caught}: pass` hides every error; catch what you expect and log it",
            )


# An import statement at any depth, with what continues it (parentheses, backslashes); and the
# names the module defines. Found by text, not by a second parse of a large module: a line
# inside a string that reads as an import is harmless here (it only names a call).
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*\([^)]*\)|(?:from[ \t]+[\w.]+[ \t]+)?import"
    r"[ \t]+(?:[^\n\\]|\\\n)*)",
    re.MULTILINE,
)
_DEFINED = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)


def _imports(source: str) -> Imports:
    imports = Imports()
    for found in _IMPORT.finditer(source):
        try:
            tree = ast.parse(found.group().strip())
        except SyntaxError:
            continue
        for statement in tree.body:
            imports.add(statement)
    imports.defined.update(_DEFINED.findall(source))
    return imports


def check_source(
    path: str,
    source: str,
    *,
    is_test: bool = False,
    lines: Collection[int] | None = None,
    run_lines: int = RUN_LINES,
) -> list[Finding]:
    """Security findings in one file, only in the top-level statements that hold one of
    ``lines`` when given; raises SyntaxError when it does not parse."""
    source = source.removeprefix("\ufeff")
    imports = _imports(source)  # all of them first: a name may be imported below its use
    changed = sorted(lines) if lines is not None else None
    findings: list[Finding] = []
    for run in statement_runs(source, run_lines, changed):
        if changed is not None:
            at = bisect.bisect_left(changed, run.first)
            if at == len(changed) or changed[at] > run.last:
                continue  # no changed line in it: parsed for the next run's sake only
        visitor = SecurityVisitor(path, is_test, imports, run.lines, run.first - 1)
        visitor.check(run.tree)
        findings.extend(visitor.findings)
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))
