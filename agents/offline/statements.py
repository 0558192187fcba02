"""The operator families that edit statements: what a function returns, a guard at its top, a
statement inserted, a statement deleted. Each function takes a node and its context and yields
the changes of one family (agents/offline/operators.py says which)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator

import libcst as cst

from aiap.offline.context import Change, Context
from aiap.offline.expressions import negated
from aiap.offline.rewrite import code, renamed
from aiap.offline.scope import receivers

MAX_ADAPTED = 12  # renamed copies of one donor statement
# Donors per function: its own statements first, then the module's nearest ones. A big module
# has thousands; planning them all cost seconds before the first candidate, and a statement
# from far away is the likely missing one least often.
MAX_DONORS = 80
_BUILTINS = set(dir(builtins))


# -- return_value -------------------------------------------------------------------------------
def _boolish(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Comparison, cst.BooleanOperation)) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)
    )


def replace_return(node: cst.Return, ctx: Context) -> Iterator[Change]:
    value = node.value
    if value is None:
        return
    if not (isinstance(value, cst.Name) and value.value == "None"):
        yield Change(node, node.with_changes(value=cst.Name("None")), "return None")
    if _boolish(value) or isinstance(value, cst.Call):
        new = node.with_changes(value=negated(value))
        yield Change(node, new, code(new))


# -- guard --------------------------------------------------------------------------------------
def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def guard_inputs(node: cst.FunctionDef, ctx: Context) -> Iterator[Change]:
    """`if not items: return None` and kin, at the top of the function."""
    block = node.body
    if not isinstance(block, cst.IndentedBlock) or not block.body:
        return
    body = list(block.body)
    start = 1 if _is_docstring(body[0]) and len(body) > 1 else 0
    if not ctx.wants(body[start]):
        return
    params = [
        p.name.value
        for p in [*node.params.posonly_params, *node.params.params]
        if p.name.value not in ("self", "cls")
    ]
    # What an empty input usually gives: nothing, zero, an empty list; or what it returns.
    results: list[cst.BaseExpression] = [cst.Name("None"), cst.Integer("0"), cst.List([])]
    for value in ctx.names.returns.get(id(node), []):
        if code(value) not in {code(r) for r in results}:
            results.append(value)
    for param in params:
        for test in (
            cst.UnaryOperation(operator=cst.Not(), expression=cst.Name(param)),
            cst.Comparison(
                left=cst.Name(param),
                comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))],
            ),
        ):
            for result in results:
                guard = cst.If(
                    test=test,
                    body=cst.IndentedBlock(
                        body=[cst.SimpleStatementLine(body=[cst.Return(value=result)])]
                    ),
                )
                new = block.with_changes(body=[*body[:start], guard, *body[start:]])
                text = f"if {code(test)}: return {code(result)}"
                yield Change(block, new, text, at=body[start])


# -- statement_insertion ------------------------------------------------------------------------
def _adapted(
    stmt: cst.SimpleStatementLine, names: list[str], used: set[str]
) -> list[cst.SimpleStatementLine]:
    """Copies of a statement with one of its names swapped for another bound name:
    `seen.add(start)` elsewhere suggests `seen.add(nxt)` here. Arguments are renamed before
    receivers, and names bound late in the function (loop variables) are tried first."""
    methods_of = receivers(stmt)
    variants: list[cst.SimpleStatementLine] = []
    for old in sorted(used & set(names), key=lambda n: (n in methods_of, n)):
        for new in reversed(names):
            if new not in used and len(variants) < MAX_ADAPTED:
                variants.append(renamed(stmt, old, new))
    return variants


def _donors(function: cst.FunctionDef, ctx: Context) -> list[tuple[str, cst.SimpleStatementLine]]:
    """Statements worth inserting in `function`, with their code: its own, copies of them with
    a name of the function swapped in, and the module's whose names are bound here (or all but
    one, renamed). The same for every block of the function until a definition is met."""
    key = (id(function), len(ctx.defined))  # `defined` only grows
    known = ctx.donors.get(key)
    if known is not None:
        return known
    names_of = ctx.names.names_of
    own = ctx.names.statements.get(id(function), [])
    own_ids = {id(s) for s in own}
    scope = ctx.scope.names
    bound = set(scope) | set(ctx.names.module.names) | ctx.defined | _BUILTINS
    local = [n for n in scope if n not in ctx.defined]
    here = ctx.line(function)
    others = sorted(
        (s for s in ctx.names.all_statements if id(s) not in own_ids),
        key=lambda s: abs(ctx.line(s) - here) if s in ctx.positions else 1 << 30,
    )
    donors: dict[str, cst.SimpleStatementLine] = {}

    def add(stmts: Iterable[cst.SimpleStatementLine], until: int = MAX_DONORS) -> None:
        for s in stmts:
            if len(donors) >= until:
                return
            donors.setdefault(code(s).strip(), s)

    add(own)
    add(v for s in own for v in _adapted(s, local, names_of(s)))
    # The module's statements, nearest first: those with one name not bound here, renamed
    # (half the room left at most), then those whose names are all bound here.
    renamed_until = len(donors) + (MAX_DONORS - len(donors)) // 2
    for s in others:
        if len(donors) >= renamed_until:
            break
        unbound = names_of(s) - bound
        if len(unbound) == 1:
            (old,) = unbound
            add((renamed(s, old, new) for new in local[::-1][:MAX_ADAPTED]), renamed_until)
    add(s for s in others if names_of(s) <= bound)
    ctx.donors[key] = found = [
        (text, s.with_changes(leading_lines=[])) for text, s in donors.items()
    ]
    return found


def insert_statement(node: cst.IndentedBlock, ctx: Context) -> Iterator[Change]:
    """A donor statement after a wanted statement of the block, or before it."""
    function = ctx.function
    if function is None or not any(ctx.wants(stmt) for stmt in node.body):
        return
    donors = _donors(function, ctx)
    body = list(node.body)
    # Only a simple statement can read like a donor: compound ones are never compared.
    texts = [code(s).strip() if isinstance(s, cst.SimpleStatementLine) else None for s in body]
    for i, stmt in enumerate(body):
        if not ctx.wants(stmt):
            continue
        neighbours = {texts[j] for j in (i - 1, i, i + 1) if 0 <= j < len(body)}
        for text, copy in donors:
            if text in neighbours:
                continue
            # Put beside the statement: its own leading lines (comments) stay with it.
            for new in (cst.FlattenSentinel([stmt, copy]), cst.FlattenSentinel([copy, stmt])):
                yield Change(stmt, new, f"insert `{text}`")


# -- statement_deletion, duplicate_deletion -----------------------------------------------------
def _deletable(stmt: cst.SimpleStatementLine) -> bool:
    kept = (cst.Assert, cst.Import, cst.ImportFrom, cst.Pass)
    return not any(isinstance(s, kept) for s in stmt.body)


def _repeats(stmt: cst.SimpleStatementLine, ctx: Context) -> bool:
    """The statement is the one before it again, in a block."""
    block = ctx.parent
    if not isinstance(block, cst.IndentedBlock):
        return False
    index = next(i for i, s in enumerate(block.body) if s is stmt)
    before = block.body[index - 1] if index > 0 else None
    return (
        isinstance(before, cst.SimpleStatementLine) and code(before).strip() == code(stmt).strip()
    )


def delete_statement(node: cst.SimpleStatementLine, ctx: Context) -> Iterator[Change]:
    if _deletable(node) and not _repeats(node, ctx):
        yield Change(node, cst.RemovalSentinel.REMOVE, "delete the line")


def delete_duplicate(node: cst.SimpleStatementLine, ctx: Context) -> Iterator[Change]:
    if _deletable(node) and _repeats(node, ctx):
        yield Change(node, cst.RemovalSentinel.REMOVE, "delete the line")
