"""Source text of a candidate's call, shared by the worker (which evaluates it) and emit."""

from __future__ import annotations

from aiap.testgen.models import Candidate

# Special methods, called the way code calls them: ``obj < other``, not ``obj.__lt__(other)``.
OPERATORS = {
    "__eq__": "{obj} == {0}", "__ne__": "{obj} != {0}", "__lt__": "{obj} < {0}",
    "__le__": "{obj} <= {0}", "__gt__": "{obj} > {0}", "__ge__": "{obj} >= {0}",
    "__add__": "{obj} + {0}", "__sub__": "{obj} - {0}", "__mul__": "{obj} * {0}",
    "__truediv__": "{obj} / {0}", "__floordiv__": "{obj} // {0}", "__mod__": "{obj} % {0}",
    "__and__": "{obj} & {0}", "__or__": "{obj} | {0}", "__contains__": "{0} in {obj}",
    "__getitem__": "{obj}[{0}]", "__len__": "len({obj})", "__bool__": "bool({obj})",
    "__str__": "str({obj})", "__repr__": "repr({obj})", "__iter__": "list({obj})",
    "__hash__": "hash({obj})", "__call__": "{obj}({args})", "__neg__": "-{obj}",
    "__abs__": "abs({obj})", "__int__": "int({obj})", "__float__": "float({obj})",
}  # fmt: skip
# Their results differ from process to process: called, never asserted on.
UNSTABLE = {"__hash__"}


def receiver_source(candidate: Candidate) -> str | None:
    """``Cls(a)`` for a method called on an instance, None for functions and static methods."""
    owner, _, _ = candidate.function.rpartition(".")
    if not owner or candidate.static:
        return None
    return f"{owner}({', '.join(a for a in candidate.init_args if a)})"


def setup_source(candidate: Candidate, receiver: str = "obj") -> list[str]:
    """The calls that bring the object into the state the call needs: ``obj.push(3)``."""
    return [f"{receiver}.{step}" for step in candidate.setup]


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
    obj = receiver or receiver_source(candidate)
    if candidate.access == "get":
        return f"{obj}.{name}"
    if candidate.access == "set":
        value = candidate.args[0] if candidate.args else "None"
        return f"setattr({obj}, {name.rstrip('=')!r}, {value})"
    if name in OPERATORS:
        if "{0}" in OPERATORS[name] and not candidate.args:
            return f"{obj}.{name}()"  # a signature the operator cannot express
        return OPERATORS[name].format(*candidate.args[:1], obj=obj, args=args)
    return f"{obj}.{name}({args})"
