"""The offline search: calls built from seeds, mutated towards the target lines, kept when new.

In the spirit of Pynguin's DynaMOSA, aimed at the target lines and branches: every uncovered
line and branch of the module is a goal; a candidate that reaches one joins the archive; the
functions whose goals remain get turns, round robin, drawing fresh calls from the seed pools or
mutating the archived call that came closest (nearest covered line) to a goal. A function
rests after ``patience`` calls without progress; when every function rests and goals remain,
the search restarts them with a new random stream and wider mutations (more arguments changed
at once), from the archive's calls, until every goal is covered, the time budget or the
candidate limit is spent, or a whole restart finds no call it has not run already. With
``max_candidates`` set the result does not depend on the machine's speed. The archive is
minimised to a greedy set cover of the goals reached.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from aiap.testgen.inputs import Seeder
from aiap.testgen.models import Arc, Candidate, Execution, Found, FunctionTarget, ModuleTargets
from aiap.testgen.render import OPERATORS


class SearchResult(BaseModel):
    found: list[Found] = Field(default_factory=list)  # minimised, in discovery order
    candidates_run: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    unsafe: dict[str, str] = Field(default_factory=dict)  # function -> what it was refused
    lines_left: list[int] = Field(default_factory=list)
    arcs_left: list[Arc] = Field(default_factory=list)
    restarts: int = 0
    stop: str = ""  # why the search ended, for the report


# Why a search ends.
COVERED = "every goal covered"
BUDGET = "time budget spent"
LIMIT = "candidate limit reached"
EXHAUSTED = "no untried call left to draw"
NOTHING = "no function left that may be called"
# Calls of a function that hang or crash before it is retired, unless some call of it answered.
MAX_TROUBLES = 3


def _public(name: str) -> bool:
    return not name.startswith("_")


def drivers(targets: ModuleTargets) -> list[FunctionTarget]:
    """The public callables to search with, those holding goals first.

    Goals in private helpers and dunders are reached through the public functions, so each
    such goal brings in every public function of the module.
    """
    goal_lines = set(targets.missing_lines) | {a[0] for a in targets.missing_branches}
    public: list[FunctionTarget] = []
    for f in targets.functions:
        if f.name == "__init__" and f.class_name in targets.classes:
            public.append(
                FunctionTarget(
                    qualname=f.class_name,
                    name=f.class_name,
                    params=targets.classes[f.class_name],
                    start_line=f.start_line,
                    end_line=f.end_line,
                    literals=f.literals,
                )
            )
        elif (_public(f.name) or f.class_name and f.name in OPERATORS) and (
            f.class_name is None or f.class_name in targets.classes
        ):
            public.append(f)

    def holds(f: FunctionTarget) -> bool:
        return any(f.start_line <= n <= f.end_line for n in goal_lines)

    hidden = any(
        holds(f) for f in targets.functions if not _public(f.name) and f.name != "__init__"
    )
    holding = [f for f in public if holds(f)]
    others = [f for f in public if not holds(f)] if hidden else []
    return holding + others


# Exceptions that mean "not the type I expected": a test of one pins an accident unless the
# function raised it itself, and then one such test per function and exception is enough.
WRONG_TYPE = frozenset({"TypeError", "AttributeError"})


def _worth_a_test(
    candidate: Candidate, execution: Execution, wrong_type: set[tuple[str, str]]
) -> bool:
    qualname = candidate.function
    if execution.outcome == "raised" and execution.in_receiver:
        return False  # building the object failed: a test of the constructor or a step
    if execution.outcome == "raised" and execution.exception == "NameError":
        return False  # a default the test cannot name (``default=__not_given`` in a class)
    if execution.outcome != "raised" or execution.exception not in WRONG_TYPE:
        return True
    if not execution.checked:
        return False
    key = (qualname, execution.exception)
    if key in wrong_type:
        return False
    wrong_type.add(key)
    return True


def search(
    targets: ModuleTargets,
    run: Callable[[Candidate], Execution],
    seeder: Seeder,
    *,
    budget: float,
    patience: int = 120,
    max_candidates: int | None = None,
    status: Callable[[int, int], None] | None = None,
) -> SearchResult:
    """Search for calls reaching ``targets``' goals; ``status(calls, goals left)`` is told of
    the progress every few calls (a counter on a terminal)."""
    deadline = time.monotonic() + budget
    inside = _function_lines(targets)
    lines_left = {n for n in targets.missing_lines if n in inside}
    arcs_left = set(targets.missing_branches)
    goal_lines, goal_arcs = set(lines_left), set(arcs_left)
    result = SearchResult()
    archive: list[Found] = []
    parents: dict[str, list[tuple[Candidate, list[int]]]] = {}
    seen: set[str] = set()
    queue = {f.qualname: [seeder.first(f), *seeder.carved_calls(f)] for f in drivers(targets)}
    functions = {f.qualname: f for f in drivers(targets)}
    stale = dict.fromkeys(functions, 0)
    wrong_type: set[tuple[str, str]] = set()  # (function, exception) of a kept wrong-type call
    others: dict[str, list[Found]] = {}  # calls reaching no new goal, one per distinct result

    def next_candidate(f: FunctionTarget) -> Candidate:
        if queue[f.qualname]:
            return queue[f.qualname].pop(0)
        pool = parents.get(f.qualname, [])
        if pool and seeder.rng.random() < 0.6:
            # Nearest a goal first, the newest among equals: a walk goes on from its last step.
            goals = sorted(lines_left | {a[0] for a in arcs_left})
            order = sorted(range(len(pool)), key=lambda i: (_distance(pool[i][1], goals), -i))
            return seeder.mutate(f, pool[seeder.rng.choice(order[:3])][0])
        return seeder.random(f)

    def out_of_time() -> str:
        if time.monotonic() > deadline:
            return BUDGET
        if max_candidates is not None and result.candidates_run >= max_candidates:
            return LIMIT
        return ""

    ran_since_restart = 0
    troubles: dict[str, int] = {}  # calls that timed out or crashed the worker, per function
    answered: set[str] = set()  # functions some call returned from or raised in
    retired: set[str] = set()
    rounds = 0
    while lines_left or arcs_left:
        callable_ = [q for q in functions if q not in result.unsafe and q not in retired]
        if not callable_:
            result.stop = NOTHING
            break
        active = [q for q in callable_ if stale[q] < patience]
        if not active:
            if not ran_since_restart:
                result.stop = EXHAUSTED
                break
            # Every function rests with goals left: start again, wider, while time remains.
            result.restarts += 1
            seeder.restart(result.restarts)
            stale.update(dict.fromkeys(callable_, 0))
            ran_since_restart = 0
            continue
        rounds += 1
        for qualname in _turns(active, functions, lines_left, arcs_left, rounds):
            result.stop = out_of_time()
            if result.stop:
                break
            function = functions[qualname]
            candidate = next_candidate(function)
            for _ in range(20):  # a few tries for a call not run yet
                if candidate.key() not in seen:
                    break
                candidate = next_candidate(function)
            if candidate.key() in seen:
                stale[qualname] += 1
                continue
            seen.add(candidate.key())
            execution = run(candidate)
            ran_since_restart += 1
            result.candidates_run += 1
            if status is not None and result.candidates_run % 10 == 0:
                status(result.candidates_run, len(lines_left) + len(arcs_left))
            result.outcomes[execution.outcome] = result.outcomes.get(execution.outcome, 0) + 1
            if execution.outcome == "refused":
                # It tried the network, processes or files outside: no test may call it.
                result.unsafe[qualname] = execution.message
                stale[qualname] = patience
                continue
            if execution.outcome not in ("returned", "raised"):
                stale[qualname] += 1
                troubles[qualname] = troubles.get(qualname, 0) + 1
                if troubles[qualname] >= MAX_TROUBLES and qualname not in answered:
                    retired.add(qualname)  # it hangs or kills its worker, whatever it gets
                continue
            answered.add(qualname)
            if not execution.in_receiver:
                seeder.note_built(candidate, function)
            new_lines = lines_left & set(execution.lines)
            new_arcs = arcs_left & set(execution.arcs)
            if execution.lines:
                parents.setdefault(qualname, []).append((candidate, execution.lines))
                del parents[qualname][:-30]
            if not _worth_a_test(candidate, execution, wrong_type):
                stale[qualname] += 1
                continue
            if not new_lines and not new_arcs:
                _remember(others.setdefault(qualname, []), candidate, execution, goal_lines)
                stale[qualname] += 1
                continue
            stale[qualname] = 0
            lines_left -= new_lines
            arcs_left -= new_arcs
            archive.append(
                Found(
                    candidate=candidate,
                    execution=execution,
                    new_lines=sorted(goal_lines & set(execution.lines)),
                    new_arcs=sorted(goal_arcs & set(execution.arcs)),
                )
            )
        else:
            continue
        break  # the budget or the candidate limit ran out inside the round
    else:
        result.stop = COVERED
    chosen = with_other_results(minimise(archive), others)
    result.found = [f for f in chosen if f.candidate.function not in result.unsafe]
    result.lines_left = sorted(lines_left)
    result.arcs_left = sorted(arcs_left)
    return result


# A function with no goal in its own lines gets a turn every this many rounds: its calls
# still reach the private helpers' goals, but most turns go where goals are.
SIDE_TURN = 3


def _turns(
    active: list[str],
    functions: dict[str, FunctionTarget],
    lines_left: set[int],
    arcs_left: set[Arc],
    rounds: int,
) -> list[str]:
    """The functions that get a call this round."""
    if rounds % SIDE_TURN == 0:
        return active
    goals = sorted(lines_left | {a[0] for a in arcs_left})

    def holds(f: FunctionTarget) -> bool:
        i = bisect.bisect_left(goals, f.start_line)
        return i < len(goals) and goals[i] <= f.end_line

    holding = [q for q in active if holds(functions[q])]
    return holding or active


# Calls kept per function beyond the set cover, each with a result no kept call of it has.
EXTRA_RESULTS = 2


def _result(found: Found) -> tuple[object, ...]:
    """What a test of the call asserts: its value and observations, or its exception."""
    execution = found.execution
    if execution.outcome == "raised":
        return ("raised", execution.exception)
    return ("returned", execution.value, tuple(execution.observations))


def _remember(
    pool: list[Found], candidate: Candidate, execution: Execution, goal_lines: set[int]
) -> None:
    """Keep a call that reached goals already reached, when its result is new for the pool."""
    reached = sorted(goal_lines & set(execution.lines))
    if not reached or len(pool) >= 8:
        return
    found = Found(
        candidate=candidate,
        execution=execution,
        new_lines=reached,
        new_arcs=[],
        another_result=True,
    )
    if _result(found) not in {_result(f) for f in pool}:
        pool.append(found)


def with_other_results(chosen: list[Found], others: dict[str, list[Found]]) -> list[Found]:
    """The set cover, and per function up to ``EXTRA_RESULTS`` calls whose results differ from
    every chosen call's: another value or exception pins behaviour the cover's calls do not
    (a boundary, an error path), so a changed line makes a test fail."""
    extra: list[Found] = []
    for function, pool in others.items():
        seen = {_result(f) for f in chosen if f.candidate.function == function}
        for found in sorted(pool, key=lambda f: f.candidate.size()):
            if len([f for f in extra if f.candidate.function == function]) >= EXTRA_RESULTS:
                break
            if _result(found) not in seen:
                seen.add(_result(found))
                extra.append(found)
    return chosen + extra


def _function_lines(targets: ModuleTargets) -> set[int]:
    lines: set[int] = set()
    for f in targets.functions:
        lines.update(range(f.start_line + 1, f.end_line + 1))
    return lines


def _distance(covered: list[int], goals: list[int]) -> int:
    """How far a call's lines are from the nearest goal line (``goals`` sorted): the mutation
    parent's fitness. A bisection per line: the search ranks parents on every draw."""
    best = 1 << 30
    if not goals:
        return best
    for line in covered:
        i = bisect.bisect_left(goals, line)
        if i < len(goals):
            best = min(best, goals[i] - line)
        if i:
            best = min(best, line - goals[i - 1])
        if not best:
            break
    return best


def _goals(found: Found) -> set[tuple[int, int]]:
    """Lines as (n, 0), arcs as themselves: one set of goals (no arc ends at line 0)."""
    return {(n, 0) for n in found.new_lines} | set(found.new_arcs)


def minimise(archive: list[Found]) -> list[Found]:
    """A greedy set cover of the goals the archive reaches: most new goals, then shortest."""
    left = {g for f in archive for g in _goals(f)}
    chosen: list[Found] = []
    while left:
        best = max(archive, key=lambda f: (len(_goals(f) & left), -f.candidate.size()))
        if not _goals(best) & left:
            break
        chosen.append(best)
        left -= _goals(best)
    order = {id(f): i for i, f in enumerate(archive)}
    return sorted(chosen, key=lambda f: order[id(f)])
