"""The edits the offline engine could not plan or render: one bad edit (a libcst node built
wrong, an operator tripping over code it did not foresee) is skipped, never the module or the
search; how many were skipped, and why, is told at the end of the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_REASON = 200  # characters of one reason


def reason(error: BaseException) -> str:
    """``Type: first line of the message``, short."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


@dataclass
class Skips:
    """Skipped edits: how many, the first reason, and every reason with its count."""

    count: int = 0
    first: str | None = None
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, where: str, error: BaseException | str) -> None:
        """One edit (or one operator's remaining edits of a node) skipped; ``where`` is the
        operator family or the stage that failed."""
        why = f"{where}: {error if isinstance(error, str) else reason(error)}"
        self.count += 1
        if self.first is None:
            self.first = why
        self.reasons[why] += 1

    def merge(self, other: Skips) -> None:
        self.count += other.count
        if self.first is None:
            self.first = other.first
        self.reasons.update(other.reasons)

    def message(self) -> str | None:
        """The line for the run's messages, or None when nothing was skipped."""
        if not self.count:
            return None
        return f"offline engine: {self.count} candidate edit(s) skipped (first: {self.first})"
