"""Plain data passed between the stages of the core, serialisable to JSON."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, Field


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TIMEOUT = re.compile(r"\bTimeout\b")


def stopped_by_timeout(message: str) -> bool:
    """A failure message of a timeout plugin (pytest-timeout's "Failed: Timeout >5.0s")."""
    return _TIMEOUT.search(message) is not None


class Frame(BaseModel):
    """One traceback entry: where a failure passed through."""

    path: str  # relative to the project root when inside it, else absolute
    line: int
    function: str = ""


class Failure(BaseModel):
    """A test that failed, as the test run reported it."""

    nodeid: str
    message: str = ""
    kind: str = ""  # the exception's type name
    frames: list[Frame] = Field(default_factory=list)


class Location(BaseModel):
    """A suspicious span of a source file, with its suspiciousness."""

    path: str  # relative to the project root
    start_line: int
    end_line: int
    score: float


class Edit(BaseModel):
    """Replace lines start_line..end_line (1-based, inclusive) of path by new_text.

    An insertion is end_line == start_line - 1 (nothing replaced).
    """

    path: str
    start_line: int
    end_line: int
    new_text: str


class TouchedFile(BaseModel):
    """A file a patch changes, with the hash of the content it was made and validated against."""

    path: str
    original_sha256: str
    patched_sha256: str


class CodePatch(BaseModel):
    """A candidate change to the project's source, from one engine."""

    engine: str
    operator: str
    description: str
    edits: list[Edit]
    diff: str = ""  # unified diff, git-applyable (a/ b/ prefixes), relative to the project root
    files: list[TouchedFile] = Field(default_factory=list)
    score: float = 0.0  # localization score of the edited location
    # The engine's belief that an edit of this kind is the fix (0..1): ranks plausible patches
    # of equal size and line score. The offline engine learns it per operator family.
    prior: float = 0.5
    size: int = 0  # tokens changed, smaller preferred; 0: the core measures the diff

    def key(self) -> str:
        """Identity of the resulting code, to drop duplicate candidates."""
        return sha256_bytes(self.diff.encode())


class Verdict(BaseModel):
    """What validating one candidate found."""

    plausible: bool
    reason: str = ""
    timed_out: bool = False
    whole_suite: bool = False  # the verdict already covers every test
    targets_fixed: list[str] = []  # failing tests that pass with the candidate, not all of them
    output_tail: str = ""  # the end of the failing run's output: feedback for the LLM engine
    error: str = ""  # the check itself failed (an exception, one line): the candidate is skipped


Outcome = Literal["passed", "failed", "error", "skipped"]


class TestResult(BaseModel):
    """One test's outcome in one run."""

    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: Outcome
    duration: float = 0.0
    message: str = ""

    def hung(self) -> bool:
        """Stopped by a timeout plugin, not by a wrong answer."""
        return self.outcome != "passed" and stopped_by_timeout(self.message)


class RunResult(BaseModel):
    """What one pytest run in the workspace produced."""

    results: list[TestResult] = Field(default_factory=list)
    exit_code: int | None = None
    timed_out: bool = False
    duration: float = 0.0
    output_tail: str = ""

    def by_nodeid(self) -> dict[str, TestResult]:
        return {r.nodeid: r for r in self.results}

    def passed(self) -> set[str]:
        return {r.nodeid for r in self.results if r.outcome in ("passed", "skipped")}

    def failed(self) -> set[str]:
        return {r.nodeid for r in self.results if r.outcome in ("failed", "error")}


Status = Literal["fixed", "no-patch", "not-reproduced", "error", "interrupted", "nothing-to-do"]


class LLMUsage(BaseModel):
    """What the LLM engine spent in one run."""

    calls: int = 0  # requests answered, by the provider or from the cache
    cached: int = 0  # of which from the cache: nothing sent
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True  # False when litellm has no price for the model

    def describe(self) -> str:
        """What was spent, in one line of a summary."""
        cached = f" ({self.cached} from the cache)" if self.cached else ""
        tokens = self.prompt_tokens + self.completion_tokens
        cost = (
            f"${self.cost_usd:.4f}" if self.cost_known else "cost unknown (no price for the model)"
        )
        return (
            f"llm: {self.calls} call(s){cached}, {tokens} tokens "
            f"({self.prompt_tokens} in, {self.completion_tokens} out), {cost}"
        )


class RunState(BaseModel):
    """The whole story of one repair run: written under .aiap/ and read back by the doors."""

    status: Status = "nothing-to-do"
    failures: list[Failure] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    patches: list[CodePatch] = Field(default_factory=list)  # plausible, best first
    candidates_tried: int = 0
    candidates_timed_out: int = 0
    # Candidates an engine or a check failed on (an exception, not a verdict): skipped, the
    # search went on; the first reason is kept for the summary.
    candidates_skipped: int = 0
    first_skip_reason: str = ""
    # Why the search stopped: it found a patch, tried every candidate, ran out of budget, or
    # was interrupted; "" when it never started.
    ended: Literal["", "found", "exhausted", "budget", "interrupted"] = ""
    whole_suite_runs: int = 0
    seconds: float = 0.0
    # Seconds per stage (reproduce, lanes, calibrate, search, rank, confirm), summed over the
    # searches of the run: where its time went.
    phases: dict[str, float] = Field(default_factory=dict)
    messages: list[str] = Field(default_factory=list)  # what the user must read
    llm_usage: LLMUsage | None = None  # set when the LLM engine ran
    # Source file -> test files that ran it, from the reproduction run's per-test coverage;
    # kept as .aiap/coverage-map.json for the pre-commit hook's test selection, not in the story.
    covered_by: dict[str, list[str]] = Field(default_factory=dict, exclude=True)

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to ``phases[phase]``."""
        start = time.monotonic()
        try:
            yield
        finally:
            spent = self.phases.get(phase, 0.0) + time.monotonic() - start
            self.phases[phase] = round(spent, 2)

    def skipped(self, reason: str) -> None:
        """One candidate could not be made or checked: count it, keep the first reason."""
        self.candidates_skipped += 1
        self.first_skip_reason = self.first_skip_reason or reason
