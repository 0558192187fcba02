"""The operator families of the offline engine, by name."""

from __future__ import annotations

from typing import Literal, get_args

# In the order tried within a line: what real one-line bugs most often are, first.
Family = Literal[
    "comparison_operator",
    "binary_operator",
    "boolean_operator",
    "augmented_assignment",
    "constant",
    "expression_offset",
    "call_replacement",
    "condition_negation",
    "argument_swap",
    "argument_deletion",
    "return_value",
    "variable_replacement",
    "operand_insertion",
    "ordering",
    "call_wrap",
    "guard",
    "statement_insertion",
    "statement_deletion",
    "duplicate_deletion",
]
FAMILIES: tuple[Family, ...] = get_args(Family)
