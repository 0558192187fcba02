"""Findings of a review, as plain values: what the hook prints, JSON and SARIF are made of."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")


def rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)


class Finding(BaseModel):
    """One problem at one place."""

    path: str  # relative to the project root
    line: int
    column: int = 1
    end_line: int = 0  # 0: same as line
    rule: str  # "ruff/F401", "aiap/subprocess-shell", "llm/review"
    severity: Severity
    message: str

    def span(self) -> range:
        return range(self.line, max(self.line, self.end_line) + 1)

    def where(self) -> str:
        return f"{self.path}:{self.line}"


class ReviewReport(BaseModel):
    """Findings on the changed lines, worst first, and notes on what could not be reviewed."""

    findings: list[Finding] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    files: int = 0  # files reviewed

    def at_or_above(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if rank(f.severity) >= rank(severity)]

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (-rank(f.severity), f.path, f.line, f.rule))
