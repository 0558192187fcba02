"""What a module binds and uses, read in a first pass before any edit is planned: the names in
each function's scope and the module's, the attributes set on `self` or declared on a class,
the one-argument callees, and the statements and constants worth copying elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider


@dataclass
class Scope:
    names: list[str] = field(default_factory=list)  # in binding order

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)


def insertable(stmt: cst.BaseSmallStatement) -> bool:
    """Statements a developer forgets: a call for its effect, a counter bump, an assignment."""
    if isinstance(stmt, cst.Expr):
        return isinstance(stmt.value, cst.Call)
    if isinstance(stmt, cst.AugAssign):
        return True
    if isinstance(stmt, cst.Assign):
        return len(stmt.targets) == 1
    return False


class Names(cst.CSTVisitor):
    """The names each function binds (parameters, then assignments), and the module's, so a use
    may be replaced by a name bound further down too."""

    METADATA_DEPENDENCIES = (ExpressionContextProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.module = Scope()
        self.functions: dict[int, Scope] = {}  # by id of the FunctionDef
        self.statements: dict[int, list[cst.SimpleStatementLine]] = {}  # insertable, per function
        self.returns: dict[int, list[cst.BaseExpression]] = {}  # constants returned, per function
        self.all_statements: list[cst.SimpleStatementLine] = []  # insertable, anywhere
        self.one_arg_callees: list[str] = []
        self.self_attributes: list[str] = []  # `self.x = ...` anywhere, and class-level fields
        # Attributes read or set on a plain name anywhere (`os` -> sep, pathsep), in order met.
        self.attributes: dict[str, list[str]] = {}
        self._scopes: list[Scope] = []
        self._functions: list[int] = []
        self._names_of: dict[int, set[str]] = {}

    def names_of(self, stmt: cst.SimpleStatementLine) -> set[str]:
        """``names_in(stmt)`` for a statement of the module, worked out once."""
        names = self._names_of.get(id(stmt))
        if names is None:
            names = self._names_of[id(stmt)] = names_in(stmt)
        return names

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1 or not insertable(node.body[0]):
            return
        if self._functions:
            self.statements.setdefault(self._functions[-1], []).append(node)
        self.all_statements.append(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self._functions and isinstance(
            node.value, (cst.Integer, cst.SimpleString, cst.List, cst.Dict, cst.Name)
        ):
            value = node.value
            if not isinstance(value, cst.Name) or value.value in ("None", "True", "False"):
                self.returns.setdefault(self._functions[-1], []).append(value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        # Fields declared in the class body (dataclasses, attrs, typed classes) are attributes too.
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        if small.target.value not in self.self_attributes:
                            self.self_attributes.append(small.target.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and len(node.args) == 1 and not node.args[0].keyword:
            if node.func.value not in self.one_arg_callees:
                self.one_arg_callees.append(node.func.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = Scope()
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            scope.add(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value)
        self.functions[id(node)] = scope
        self._scopes.append(scope)
        self._functions.append(id(node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._functions.pop()

    def visit_Name(self, node: cst.Name) -> None:
        if self.get_metadata(ExpressionContextProvider, node, None) == ExpressionContext.STORE:
            (self._scopes[-1] if self._scopes else self.module).add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name):
            seen = self.attributes.setdefault(node.value.value, [])
            if node.attr.value not in seen:
                seen.append(node.attr.value)
        stored = self.get_metadata(ExpressionContextProvider, node, None) == ExpressionContext.STORE
        if stored and isinstance(node.value, cst.Name) and node.value.value == "self":
            if node.attr.value not in self.self_attributes:
                self.self_attributes.append(node.attr.value)


class _LoadNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def names_in(node: cst.CSTNode) -> set[str]:
    """The names a node reads or writes: not attribute names, not keyword argument names."""
    visitor = _LoadNames()
    node.visit(visitor)
    return visitor.names


class _Receivers(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name):
            self.names.add(node.value.value)


def receivers(node: cst.CSTNode) -> set[str]:
    """Names a method is called on (`seen` in `seen.add(x)`)."""
    visitor = _Receivers()
    node.visit(visitor)
    return visitor.names
