"""What the benches call an exact fix: the same Python, formatting and comments aside."""

from __future__ import annotations

import ast


def same_ast(a: str, b: str) -> bool:
    """Whether two sources parse to the same tree (False when either does not parse)."""
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return False
