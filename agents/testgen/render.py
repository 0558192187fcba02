"""Source text of a candidate's call, shared by the worker (which evaluates it) and emit."""

from __future__ import annotations

from agents.testgen.models import Candidate


def receiver_source(candidate: Candidate) -> str | None:
    """``Cls(a)`` for a method called on an instance, None for functions and static methods."""
    owner, _, _ = candidate.function.rpartition(".")
    if not owner or candidate.static:
        return None
    return f"{owner}({', '.join(candidate.init_args)})"


def call_source(candidate: Candidate, receiver: str | None = None) -> str:
    """``Cls(a).method(b)`` or ``func(a, b)``: the expression a test writes and the worker runs.

    ``receiver`` replaces the construction by a name (``obj.method(b)``) for readable tests.
    """
    owner, _, name = candidate.function.rpartition(".")
    args = ", ".join(candidate.args)
    if not owner:
        return f"{name}({args})"
    if candidate.static:
        return f"{owner}.{name}({args})"
    return f"{receiver or receiver_source(candidate)}.{name}({args})"
