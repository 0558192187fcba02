"""The search for one group of failures: candidates from the engines, in their order, checked
on the lanes; which to check after the first plausible one; the ranking; the final confirm."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial

import pluggy

from aiap.edits import apply_edits, change_size, net_tokens, unified_diff
from aiap.engines import one_line, propose
from aiap.hookspecs import RepairRequest
from aiap.models import CodePatch, RunState, TouchedFile, Verdict, sha256_bytes
from aiap.repair.combine import merge, pairs
from aiap.repair.lanes import ValidatorPool, wait
from aiap.repair.reach import lost_lines
from aiap.repair.validate import Validator
from aiap.testfiles import is_test_file

Progress = Callable[[str], None]

# After the first plausible patch, candidates at the same spot still get a look (a smaller edit
# there is the likelier fix), among the next few hundred the engines offer.
MAX_SAME_LINE_AFTER_FIRST = 40
MAX_SCANNED_AFTER_FIRST = 400
# ... and the next few candidates anywhere that would rank above the best find (smaller, or as
# small at a more suspicious line): a likelier operator at a less suspicious line can beat the
# first find; one that would rank below it is passed by unchecked.
MAX_ELSEWHERE_AFTER_FIRST = 20
# ... for a quarter as long again as the first took, at least this many seconds: on a big
# suite each look costs seconds, and the first find is usually the one.
MIN_SECONDS_AFTER_FIRST = 3.0
SHARE_AFTER_FIRST = 0.25
# Two partial fixes that together fix every failing test, each one the other does not, look
# like the halves of a fix of two defects: their pair is checked at once, not after every
# single edit was tried. At most this many such pairs per search.
MAX_EARLY_PAIRS = 10


@dataclass
class Engines:
    """The engines to ask, in order, and when to stop asking."""

    pm: pluggy.PluginManager
    names: list[str]
    deadline: float
    until: dict[str, float] = field(default_factory=dict)  # per-engine limits inside the budget
    budget: float = 0.0  # seconds, of which deadline is the end

    @property
    def slack(self) -> float:
        """How far past the deadline a run already started may go: the promise is +10 %."""
        return 0.05 * self.budget


def complete(patch: CodePatch, originals: dict[str, bytes]) -> CodePatch | None:
    """Fill diff, touched files and size; None when the patch cannot apply."""
    diffs, files, size = [], [], 0
    for rel in sorted({e.path for e in patch.edits}):
        if rel not in originals:
            return None
        old = originals[rel].decode("utf-8")
        try:
            new = apply_edits(old, [e for e in patch.edits if e.path == rel])
        except ValueError:
            return None
        if new == old:
            continue
        diffs.append(unified_diff(rel, old, new))
        files.append(
            TouchedFile(
                path=rel,
                original_sha256=sha256_bytes(originals[rel]),
                patched_sha256=sha256_bytes(new.encode("utf-8")),
            )
        )
        size += change_size(old, new)
    size = patch.size or size  # the engine's measure wins (a verbatim repeat dropped: 1)
    if not files:
        return None
    return patch.model_copy(update={"diff": "".join(diffs), "files": files, "size": size})


class _Search:
    """One search: candidates offered in the engines' order, checked on every lane, verdicts
    read back in that order."""

    def __init__(
        self,
        pool: ValidatorPool,
        engines: Engines,
        state: RunState,
        progress: Progress,
        finish: float,
    ) -> None:
        self.pool, self.engines, self.state, self.progress = pool, engines, state, progress
        self.finish = finish  # seconds the end of the run needs: the whole suite, once
        self.seen: set[str] = set()
        self.inflight: deque[tuple[CodePatch, Future[Verdict]]] = deque()
        self.plausible: list[tuple[CodePatch, bool]] = []
        # Made some, not all, of the failing tests pass: which ones.
        self.partial: list[tuple[CodePatch, frozenset[str]]] = []
        self.tried: list[CodePatch] = []
        self.targets: frozenset[str] = frozenset()  # the failing tests searched for
        self.early: deque[CodePatch] = deque()  # pairs of complementary partial fixes, to check
        self.early_left = MAX_EARLY_PAIRS
        self.out_of_time = False
        self.same_line_left = MAX_SAME_LINE_AFTER_FIRST
        self.scanned_left = MAX_SCANNED_AFTER_FIRST
        self.elsewhere_left = MAX_ELSEWHERE_AFTER_FIRST
        self.best: RankKey | None = None
        self.first_line: tuple[str, int] | None = None
        self.started = time.monotonic()
        self.look_until = float("inf")  # set when the first plausible patch is found
        # The first plausible patch's whole-suite run, started at once: it runs as the look for
        # a better patch goes on, and is waited for only if that patch is chosen.
        self.confirming: tuple[CodePatch, Callable[[], Verdict]] | None = None

    def _admit(self, patch: CodePatch) -> bool | None:
        """True to check it, False to pass it by, None to stop asking this engine."""
        if self.first_line is None:
            return True
        self.scanned_left -= 1
        if self.scanned_left <= 0 or (self.same_line_left <= 0 and self.elsewhere_left <= 0):
            return None
        if time.monotonic() > self.look_until:
            return None
        if self.best is None or rank_key(patch) >= self.best:
            return False  # it would rank below what is found
        if (patch.edits[0].path, patch.edits[0].start_line) == self.first_line:
            if self.same_line_left > 0:
                self.same_line_left -= 1
                return True
        if self.elsewhere_left > 0:
            self.elsewhere_left -= 1
            return True
        return False

    def offer(self, patch: CodePatch) -> bool:
        """Check the patch on a free lane; False when the search must stop asking."""
        # The budget is for the whole run: a candidate starts only if its check and the final
        # run of the whole suite can still end in time.
        if time.monotonic() + self.pool.typical_check() + self.finish > self.engines.deadline:
            self.out_of_time = True
            return False
        if patch.key() in self.seen:
            seen_before = Verdict(plausible=False, reason="the same change was already tried")
            self.engines.pm.hook.aiap_patch_rejected(patch=patch, verdict=seen_before)
            return True
        admitted = self._admit(patch)
        if admitted is None:
            return False
        if admitted:
            self.seen.add(patch.key())
            self.state.candidates_tried += 1
            self.inflight.append((patch, self.pool.submit(patch)))
            while len(self.inflight) >= self.pool.size:
                self._settle()
        return True

    def drain(self) -> None:
        while self.inflight:
            self._settle()

    def _settle(self) -> None:
        patch, future = self.inflight.popleft()
        verdict = wait(future)
        self.tried.append(patch)
        self.state.candidates_timed_out += verdict.timed_out
        if verdict.error:
            self.state.skipped(verdict.error)
        elif verdict.plausible:
            self.progress(
                f"plausible: {patch.description} (candidate {len(self.tried)}, "
                f"{time.monotonic() - self.started:.1f} s into the search)"
            )
            self.plausible.append((patch, verdict.whole_suite))
            if self.first_line is None:
                self.first_line = (patch.edits[0].path, patch.edits[0].start_line)
                now = time.monotonic()
                self.look_until = now + max(
                    MIN_SECONDS_AFTER_FIRST, SHARE_AFTER_FIRST * (now - self.started)
                )
                if not verdict.whole_suite:
                    self.confirming = (patch, self.pool.start_confirm(patch))
            self.best = min(rank_key(p) for p, _ in self.plausible)
        else:
            if verdict.targets_fixed:
                fixed = frozenset(verdict.targets_fixed)
                if self.first_line is None:
                    self._pair_early(patch, fixed)
                self.partial.append((patch, fixed))
            self.engines.pm.hook.aiap_patch_rejected(patch=patch, verdict=verdict)

    def _pair_early(self, patch: CodePatch, fixed: frozenset[str]) -> None:
        for other, other_fixed in self.partial:
            if self.early_left <= 0:
                return
            if fixed | other_fixed != self.targets or fixed <= other_fixed or other_fixed <= fixed:
                continue
            pair = merge(other, patch)
            if pair is not None:
                self.early.append(pair)
                self.early_left -= 1

    def _offer_early(self, originals: dict[str, bytes]) -> bool:
        """Offer the pairs of complementary partial fixes found so far; False to stop."""
        while self.early:
            pair = complete(self.early.popleft(), originals)
            if pair is not None and not self.offer(pair):
                return False
        return True

    def run(self, request: RepairRequest, originals: dict[str, bytes]) -> None:
        """Offer the engines' candidates until a stop rule or the budget ends the search."""
        engines, state = self.engines, self.state
        self.targets = frozenset(f.nodeid for f in request.failures)
        for engine in engines.names:
            # An engine that learns from rejections hears each verdict before its next candidate.
            feedback = hasattr(engines.pm.get_plugin(engine), "aiap_patch_rejected")
            for raw in propose(
                engines.pm, engine, request, engines.until.get(engine), state.messages.append
            ):
                if any(is_test_file(e.path, request.test_files) for e in raw.edits):
                    continue  # never edit a test
                try:
                    patch = complete(raw, originals)
                except Exception as e:  # an engine's malformed edit costs that candidate only
                    state.skipped(one_line(e))
                    continue
                if patch is not None and not self.offer(patch):
                    break
                if not self._offer_early(originals):
                    break
                if feedback:
                    self.drain()
            self.drain()
            while self.early and self._offer_early(originals):
                self.drain()
            if self.plausible or self.out_of_time:
                break
        if not self.plausible and not self.out_of_time:
            # No single edit works and budget remains: two edits at different places.
            for pair in pairs(self.partial, self.tried):
                patch = complete(pair, originals)
                if patch is not None and not self.offer(patch):
                    break
            self.drain()


def find_patches(
    request: RepairRequest,
    originals: dict[str, bytes],
    pool: ValidatorPool,
    engines: Engines,
    state: RunState,
    progress: Progress,
    finish: float = 0.0,
) -> list[CodePatch]:
    """Plausible patches, best first; the first of them has passed the whole suite.

    ``finish``: the seconds the final whole-suite run takes, kept free at the end of the budget.
    """
    search = _Search(pool, engines, state, progress, finish)
    with state.timing("search"):
        search.run(request, originals)
    state.ended = "found" if search.plausible else "budget" if search.out_of_time else "exhausted"
    ranked = _ranked(search.plausible)
    if len(ranked) > 1:
        with state.timing("rank"):
            ranked = _reach_ranked(ranked, pool, engines.deadline - finish)
    with state.timing("confirm"):
        return _confirm_best(ranked, pool, state, search.confirming)


RankKey = tuple[int, int, float, float]


def rank_key(patch: CodePatch) -> RankKey:
    """Smallest first; at equal size a substitution (`+=` -> `-=`, the commonest slip) before an
    insertion (`1` -> `-1`), then the more suspicious line (evidence about this bug) before the
    likelier operator family (evidence about bugs in general)."""
    return (patch.size, net_tokens(patch.diff), -patch.score, -patch.prior)


def _ranked(plausible: list[tuple[CodePatch, bool]]) -> list[tuple[CodePatch, bool]]:
    return sorted(plausible, key=lambda pv: rank_key(pv[0]))


# Plausible patches looked at again for the code they leave unreached: the best few by size.
REACH_RANKED = 4


def _reach_ranked(
    ranked: list[tuple[CodePatch, bool]], pool: ValidatorPool, until: float
) -> list[tuple[CodePatch, bool]]:
    """The best few, those that leave no code unreached first, then those not measured (the
    coverage run failed), then those that do (order kept otherwise)."""
    top, rest = ranked[:REACH_RANKED], ranked[REACH_RANKED:]
    rounds = -(-len(top) // pool.size)  # each lane measures one patch at a time
    if time.monotonic() + rounds * pool.typical_check() > until:
        return ranked
    futures = [pool.on_lane(partial(_lost_lines, patch=patch)) for patch, _ in top]
    lost = [wait(future) for future in futures]
    order = sorted(range(len(top)), key=lambda i: (_reach_rank(lost[i]), i))
    return [top[i] for i in order] + rest


def _lost_lines(validator: Validator, patch: CodePatch) -> int | None:
    try:
        return lost_lines(validator, patch)
    except Exception:  # a measure that fails ranks the patch as not measured
        return None


def _reach_rank(lost: int | None) -> int:
    return 1 if lost is None else 2 if lost else 0


def _confirm_best(
    ranked: list[tuple[CodePatch, bool]],
    pool: ValidatorPool,
    state: RunState,
    started: tuple[CodePatch, Callable[[], Verdict]] | None = None,
) -> list[CodePatch]:
    """The whole suite once, for the best patch (the next one only if it breaks something);
    ``started``: a patch whose whole-suite run is under way, and the wait for its verdict."""
    for index, (patch, whole) in enumerate(ranked):
        if whole:
            verdict = Verdict(plausible=True)
        elif started is not None and started[0] is patch:
            verdict = started[1]()
        else:
            verdict = pool.confirm(patch)
        if verdict.plausible:
            rest = [p for i, (p, _) in enumerate(ranked) if i != index]
            return [patch, *rest]
        if verdict.reason.startswith("stopped"):
            state.ended = "budget"
            state.messages.append(
                f"{patch.description}: passed the failing and covering tests, but the budget "
                "ended before the whole suite confirmed it; raise --aiap-budget"
            )
            break
    return []
