"""Security checks as libcst visitors: calls are recognised by their qualified names, so
``from subprocess import run as sh; sh(cmd, shell=True)`` is caught as well as the plain form.
Names are qualified from the module's imports, not with libcst's scope analysis: that costs
several times the whole check, and commit-time review has to be fast.

What counts as "input": anything that is not a string literal. A literal command or expression
is the author's own; a name, call or formatted string may carry what a user typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

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


def _is_literal_string(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _is_literal_string(node.left) and _is_literal_string(node.right)
    return False


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _literal_text(node: cst.BaseExpression) -> str:
    """The literal parts of a string expression, to recognise SQL in it."""
    if isinstance(node, cst.SimpleString):
        return _string_value(node) or ""
    if isinstance(node, cst.FormattedString):
        return "".join(
            p.value if isinstance(p, cst.FormattedStringText) else " x " for p in node.parts
        )
    if isinstance(node, cst.ConcatenatedString):
        return _literal_text(node.left) + _literal_text(node.right)
    if isinstance(node, cst.BinaryOperation):
        return _literal_text(node.left) + " x " + _literal_text(node.right)
    return ""


def _formatted_sql(node: cst.BaseExpression) -> bool:
    """A string built with f-string fields, ``%``, ``.format()`` or ``+``, that reads as SQL."""
    if isinstance(node, cst.FormattedString):
        built = any(isinstance(p, cst.FormattedStringExpression) for p in node.parts)
        return built and bool(_SQL.search(_literal_text(node)))
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Modulo) and _is_literal_string(node.left):
            return bool(_SQL.search(_literal_text(node.left)))
        if isinstance(node.operator, cst.Add):
            text = _literal_text(node)
            literal_only = _is_literal_string(node.left) and _is_literal_string(node.right)
            return not literal_only and bool(_SQL.search(text))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value == "format" and _is_literal_string(node.func.value):
            return bool(_SQL.search(_literal_text(node.func.value)))
    return False


def _kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _target_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _is_secret(name: str | None, value: cst.BaseExpression) -> bool:
    if name is None or not _SECRET_NAME.search(name):
        return False
    text = _string_value(value)
    # Short values and the name itself are placeholders or field names, not secrets.
    return text is not None and len(text) >= 6 and text.lower() not in (name.lower(), "changeme")


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class _Imports(cst.CSTVisitor):
    """Local name -> qualified name, from every import in the module; and the names the module
    defines itself (they shadow builtins)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self.defined: set[str] = set()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                self.names[head] = head

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or isinstance(node.names, cst.ImportStar) or node.module is None:
            return
        module = _dotted(node.module) or ""
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{module}.{name}"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.defined.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.defined.add(node.name.value)


class SecurityVisitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, is_test: bool, imports: _Imports) -> None:
        super().__init__()
        self.path = path
        self.is_test = is_test
        self.imports = imports
        self.findings: list[Finding] = []
        self._sql_reported: set[tuple[int, int]] = set()

    def _add(self, node: cst.CSTNode, rule: str, severity: Severity, message: str) -> None:
        where = self.get_metadata(PositionProvider, node)
        assert isinstance(where, CodeRange)
        self.findings.append(
            Finding(
                path=self.path,
                line=where.start.line,
                column=where.start.column + 1,
                end_line=where.end.line,
                rule=RULE_PREFIX + rule,
                severity=severity,
                message=message,
            )
        )

    def _names(self, node: cst.BaseExpression) -> set[str]:
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

    def visit_Call(self, node: cst.Call) -> None:
        names = self._names(node.func)
        first = node.args[0].value if node.args and node.args[0].keyword is None else None
        from_input = first is not None and not _is_literal_string(first)
        checks: Sequence[Callable[[cst.Call, set[str], bool], None]] = (
            self._eval_exec,
            self._shell,
            self._yaml,
            self._pickle,
        )
        for check in checks:
            check(node, names, from_input)
        self._sql(node)  # "...".format(...)
        for arg in node.args:
            if arg.keyword is not None and _is_secret(arg.keyword.value, arg.value):
                self._add(
                    arg,
                    "hardcoded-credential",
                    "high",
                    f"`{arg.keyword.value}=` is given a literal; read it from the environment "
                    "or a secret store",
                )

    def _eval_exec(self, node: cst.Call, names: set[str], from_input: bool) -> None:
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

    def _shell(self, node: cst.Call, names: set[str], from_input: bool) -> None:
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

    def _yaml(self, node: cst.Call, names: set[str], from_input: bool) -> None:
        if names & {"yaml.unsafe_load", "yaml.unsafe_load_all"}:
            self._add(node, "yaml-load", "high", "yaml.unsafe_load builds arbitrary objects")
            return
        if not names & {"yaml.load", "yaml.load_all"}:
            return
        loader = _kwarg(node, "Loader")
        value = loader.value if loader is not None else None
        if value is None and len(node.args) > 1 and node.args[1].keyword is None:
            value = node.args[1].value
        if value is None or _target_name(value) not in _SAFE_LOADERS:
            self._add(
                node,
                "yaml-load",
                "high",
                "yaml.load without Loader=yaml.SafeLoader can build arbitrary Python objects; "
                "use yaml.safe_load",
            )

    def _pickle(self, node: cst.Call, names: set[str], from_input: bool) -> None:
        hit = names & _PICKLE
        if hit and from_input:
            self._add(
                node,
                "pickle-loads",
                "high",
                f"{sorted(hit)[0]}() on data that may come from outside runs code while "
                "loading; use json or a schema-checked format",
            )

    def _sql(self, node: cst.BaseExpression) -> None:
        where = self.get_metadata(PositionProvider, node)
        key = (where.start.line, where.start.column)
        if key in self._sql_reported or not _formatted_sql(node):
            return
        self._sql_reported.add(key)
        self._add(
            node,
            "sql-format",
            "high",
            "SQL built by string formatting lets input change the query; "
            "use placeholders and pass the values as parameters",
        )

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._sql(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        before = len(self.findings)
        self._sql(node)
        return len(self.findings) == before  # the parts of a reported string: not again

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = _target_name(target.target)
            if _is_secret(name, node.value):
                self._credential(node, name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = _target_name(node.target)
        if node.value is not None and _is_secret(name, node.value):
            self._credential(node, name)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = _string_value(node.key)
        if _is_secret(key, node.value):
            self._credential(node, key)

    def _credential(self, node: cst.CSTNode, name: str | None) -> None:
        self._add(
            node,
            "hardcoded-credential",
            "high",
            f"`{name}` holds a literal credential; read it from the environment or a secret "
            "store (and rotate it: it is in the history now)",
        )

    def visit_Assert(self, node: cst.Assert) -> None:
        if not self.is_test:
            self._add(
                node,
                "assert-validation",
                "medium",
                "assert is removed under python -O; raise an exception to validate input",
            )

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        swallowed = bool(body) and all(
            isinstance(stmt, cst.SimpleStatementLine)
            and all(isinstance(s, cst.Pass) for s in stmt.body)
            for stmt in body
        )
        if not swallowed:
            return
        caught = _target_name(node.type) if node.type is not None else None
        if node.type is None:
            self._add(
                node,
                "bare-except-pass",
                "medium",
                "`except: pass` hides every error, KeyboardInterrupt included; "
                "catch the exceptions you expect and log them",
            )
        elif caught in ("Exception", "BaseException"):
            self._add(
                node,
                "bare-except-pass",
                "low",
                f"`except {caught}: pass` hides every error; catch what you expect and log it",
            )


def check_source(path: str, source: str, *, is_test: bool = False) -> list[Finding]:
    """Security findings in one file; raises libcst.ParserSyntaxError when it does not parse."""
    module = cst.parse_module(source)
    imports = _Imports()
    module.visit(imports)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitor = SecurityVisitor(path, is_test, imports)
    wrapper.visit(visitor)
    return visitor.findings
