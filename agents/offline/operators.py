"""The table of the offline engine's operators: for each kind of node, the functions that plan
edits of it, each of one family.

Within a line, edits are tried family by family (agents/offline/families.py); within a family,
in the order the walk meets them, and for one node, in the order its function yields them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import libcst as cst

from aiap.offline import expressions as e
from aiap.offline import statements as s
from aiap.offline.context import Change, Context
from aiap.offline.families import Family

N = TypeVar("N", bound=cst.CSTNode)


@dataclass(frozen=True)
class Operator(Generic[N]):
    node: type[N]
    family: Family
    changes: Callable[[N, Context], Iterator[Change]]


_OPERATORS = (  # unannotated, so that mypy checks each function against its node type
    Operator(cst.Comparison, "comparison_operator", e.swap_comparison),
    Operator(cst.Comparison, "argument_swap", e.swap_compared),
    Operator(cst.Comparison, "expression_offset", e.offset_compared),
    Operator(cst.Comparison, "operand_insertion", e.widen_compared),
    Operator(cst.BinaryOperation, "binary_operator", e.swap_arithmetic),
    Operator(cst.BinaryOperation, "argument_swap", e.swap_operands),
    Operator(cst.BinaryOperation, "expression_offset", e.offset_operands),
    Operator(cst.BooleanOperation, "boolean_operator", e.swap_boolean),
    Operator(cst.AugAssign, "augmented_assignment", e.swap_augmented),
    Operator(cst.Integer, "constant", e.vary_integer),
    Operator(cst.UnaryOperation, "constant", e.vary_negative),
    Operator(cst.UnaryOperation, "condition_negation", e.drop_not),
    Operator(cst.Name, "constant", e.flip_bool),
    Operator(cst.Name, "variable_replacement", e.replace_variable),
    Operator(cst.Attribute, "variable_replacement", e.replace_attribute),
    Operator(cst.Call, "call_replacement", e.replace_callee),
    Operator(cst.Call, "argument_swap", e.swap_arguments),
    Operator(cst.Call, "argument_deletion", e.drop_argument),
    Operator(cst.Call, "expression_offset", e.offset_arguments),
    Operator(cst.Call, "ordering", e.reverse_order),
    Operator(cst.Subscript, "expression_offset", e.offset_index),
    Operator(cst.If, "condition_negation", e.negate_test),
    Operator(cst.While, "condition_negation", e.negate_test),
    Operator(cst.IfExp, "condition_negation", e.negate_test),
    Operator(cst.CompIf, "condition_negation", e.negate_test),
    Operator(cst.Assign, "call_wrap", e.wrap_value),
    Operator(cst.Assign, "operand_insertion", e.widen_value),
    Operator(cst.Assign, "expression_offset", e.offset_value),
    Operator(cst.Assign, "constant", e.seed_extreme),
    Operator(cst.Return, "call_wrap", e.wrap_value),
    Operator(cst.Return, "return_value", s.replace_return),
    Operator(cst.Return, "expression_offset", e.offset_value),
    Operator(cst.Return, "operand_insertion", e.widen_value),
    Operator(cst.FunctionDef, "guard", s.guard_inputs),
    Operator(cst.IndentedBlock, "statement_insertion", s.insert_statement),
    Operator(cst.SimpleStatementLine, "statement_deletion", s.delete_statement),
    Operator(cst.SimpleStatementLine, "duplicate_deletion", s.delete_duplicate),
)


def _by_node(
    operators: tuple[Operator[Any], ...],
) -> dict[type[cst.CSTNode], tuple[Operator[Any], ...]]:
    table: dict[type[cst.CSTNode], tuple[Operator[Any], ...]] = {}
    for operator in operators:
        table[operator.node] = (*table.get(operator.node, ()), operator)
    return table


# The walk looks a node's operators up by its exact type, as libcst's visit_* methods do.
OPERATORS: Mapping[type[cst.CSTNode], tuple[Operator[Any], ...]] = _by_node(_OPERATORS)
