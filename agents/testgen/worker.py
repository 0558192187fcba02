"""The search worker: a child process that imports one module and runs candidate calls.

``python -m aiap.testgen.worker REQ_FD RESP_FD MODULE`` reads one JSON request per line from
REQ_FD and answers each on RESP_FD with an ``Execution``: the lines and arcs of the module that
the call ran (coverage.py, branch mode), and its return value's repr when the repr is stable.
Standard input and output belong to the code under test, never to the protocol.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib
import inspect
import io
import json
import linecache
import os
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

from aiap.testgen import guard
from aiap.testgen.models import Candidate, Execution
from aiap.testgen.render import UNSTABLE, call_source, receiver_source, setup_source

_MAX_REPR = 300


def stable_repr(value: object, namespace: dict[str, Any]) -> str | None:
    """``repr(value)`` when evaluating it gives an equal value of the same type, else None."""
    if inspect.isgenerator(value) or inspect.iscoroutine(value):
        return None
    try:
        text = repr(value)
        if len(text) > _MAX_REPR or " at 0x" in text:
            return None
        again = eval(text, dict(namespace))  # noqa: S307 - our own repr, in the sandbox
        same: bool = type(again) is type(value) and bool(again == value)
    except Exception:
        return None
    return text if same else None


def importable_exception(exc: BaseException, module: ModuleType) -> str:
    """The nearest class of ``exc``'s MRO that a test can name: a builtin or the module's own."""
    for cls in type(exc).__mro__:
        name: str = cls.__name__
        if getattr(builtins, name, None) is cls or getattr(module, name, None) is cls:
            return name
    return "Exception"


def raised_by_a_check(exc: BaseException, path: str) -> bool:
    """Whether the module's own ``raise`` or ``assert`` raised ``exc``, not an operation on a
    value it did not expect (``'a' + 1``, ``None.x``): the innermost frame in the module."""
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == path:
            line = linecache.getline(path, tb.tb_lineno)
        tb = tb.tb_next
    return line.lstrip().startswith(("raise", "assert"))


def run_candidate(
    candidate: Candidate, module: ModuleType, namespace: dict[str, Any], cov: Any, path: str
) -> Execution:
    receiver = receiver_source(candidate)
    scope = dict(namespace)
    in_receiver = receiver is not None
    consumed = False  # a generator's body runs only when iterated: the test must iterate too
    cov.start()
    try:
        try:
            if receiver is not None:
                scope["obj"] = eval(receiver, scope)  # noqa: S307 - built by inputs.py
                for step in setup_source(candidate):
                    eval(step, scope)  # noqa: S307
                in_receiver = False
            value = eval(call_source(candidate, "obj"), scope)  # noqa: S307
            if inspect.iscoroutine(value):
                value = asyncio.run(value)
            elif isinstance(value, Iterator) and not isinstance(value, io.IOBase):
                consumed = True  # generators, map and filter objects: lazy until iterated
                value = list(value)
        finally:
            cov.stop()
    except (SystemExit, KeyboardInterrupt, GeneratorExit) as e:
        return Execution(outcome="crashed", message=f"{type(e).__name__}: {e}")
    except Exception as e:
        lines, arcs = _measured(cov, path)
        if isinstance(e, PermissionError) and str(e).startswith(guard.PREFIX):
            return Execution(outcome="refused", lines=lines, arcs=arcs, message=str(e))
        return Execution(
            outcome="raised",
            lines=lines,
            arcs=arcs,
            exception=importable_exception(e, module),
            in_receiver=in_receiver,
            checked=raised_by_a_check(e, path),
            consumed=consumed,
            message=f"{type(e).__name__}: {e}"[:300],
        )
    lines, arcs = _measured(cov, path)
    stable = stable_repr(value, namespace)
    seen = {"result": value, "obj": scope.get("obj")}
    observed = []
    if stable is None or candidate.function.rpartition(".")[2] in UNSTABLE:
        observed = observe("result", value, namespace, seen)
    if receiver is not None and value is not seen["obj"] and candidate.access != "get":
        # A method: its object's state after the call too (its type is known already).
        observed += observe("obj", seen["obj"], namespace, seen)[1:]
    return Execution(
        outcome="returned",
        lines=lines,
        arcs=arcs,
        value=stable,
        consumed=consumed,
        observations=observed,
    )


_MAX_OBSERVED = 4


def observe(
    name: str, value: object, namespace: dict[str, Any], seen: dict[str, object]
) -> list[tuple[str, str]]:
    """Assertable facts about ``value``: its type's name, its length, its public attributes
    whose reprs are stable (a test asserts on each; the filter's three runs drop the unstable)."""
    facts = [(f"type({name}).__name__", repr(type(value).__name__))]
    expressions = [f"len({name})"] if hasattr(value, "__len__") else []
    try:
        attributes = sorted(a for a in vars(value) if not a.startswith("_"))
    except TypeError:
        attributes = []
    # Public properties too: many classes keep their state private behind them.
    attributes += sorted(
        a
        for a, member in vars(type(value)).items()
        if isinstance(member, property) and not a.startswith("_") and a not in attributes
    )
    expressions += [f"{name}.{a}" for a in attributes if a.isidentifier()]
    for expression in expressions:
        if len(facts) >= _MAX_OBSERVED:
            break
        try:
            got = eval(expression, dict(namespace), dict(seen))  # noqa: S307 - our own text
        except Exception:
            continue
        text = stable_repr(got, namespace)
        if text is not None and not inspect.isroutine(got):
            facts.append((expression, text))
    return facts


def _measured(cov: Any, path: str) -> tuple[list[int], list[tuple[int, int]]]:
    data = cov.get_data()
    lines = sorted(data.lines(path) or [])
    arcs = sorted(data.arcs(path) or [])
    cov.erase()
    return lines, arcs


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    req_fd, resp_fd, module_name = int(args[0]), int(args[1]), args[2]
    import coverage

    requests = os.fdopen(req_fd, "r", encoding="utf-8")
    responses = os.fdopen(resp_fd, "w", encoding="utf-8")
    # The guard is on already: importing aiap.testgen.guard installs it in a sandbox child.
    module = importlib.import_module(module_name)
    path = os.path.realpath(module.__file__ or "")
    namespace = {**vars(module), "__builtins__": builtins}
    for spec in args[3:]:  # local=module:name, the project's classes imported from elsewhere
        local, _, where = spec.partition("=")
        if local not in namespace:  # imported under TYPE_CHECKING only, say
            source, _, name = where.partition(":")
            try:
                namespace[local] = getattr(importlib.import_module(source), name)
            except Exception:  # noqa: S112 - a class that will not import is not a seed
                continue
    cov = coverage.Coverage(branch=True, data_file=None, include=[path], config_file=False)
    responses.write(json.dumps({"ready": path}) + "\n")
    responses.flush()
    for line in requests:
        candidate = Candidate.model_validate_json(line)
        refused = len(guard.REFUSED)
        execution = run_candidate(candidate, module, namespace, cov, path)
        if len(guard.REFUSED) > refused and execution.outcome != "refused":
            # The call caught the refusal: it still tried, and a test of it would try again.
            update = {"outcome": "refused", "message": guard.REFUSED[refused]}
            execution = execution.model_copy(update=update)
        responses.write(execution.model_dump_json() + "\n")
        responses.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
