"""ruff's findings on a few files, from ``ruff check --output-format=json``, with the project's
own ruff settings."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiap.lintfix import RUFF_TIMEOUT, ruff_bin
from aiap.review.findings import Finding, Severity

RULE_PREFIX = "ruff/"
SYNTAX_RULE = RULE_PREFIX + "syntax-error"


def _severity(code: str) -> Severity:
    """ruff has no severities: pyflakes' errors (undefined names, ...) are likely bugs; bandit's
    (S) rules are security; the rest is style."""
    if code.startswith(("F", "E9", "PLE", "S")):
        return "medium"
    return "low"


def ruff_findings(root: Path, files: Sequence[str]) -> tuple[list[Finding], list[str]]:
    """Findings in ``files`` (relative to ``root``), and a message when ruff failed."""
    if not files:
        return [], []
    proc = subprocess.run(
        [ruff_bin(), "check", "--output-format=json", "--no-fix", "--exit-zero", "--no-cache",
         "--force-exclude", "--", *files],
        cwd=root, capture_output=True, timeout=RUFF_TIMEOUT,
    )  # fmt: skip
    try:
        items: list[dict[str, Any]] = json.loads(proc.stdout or b"[]")
    except json.JSONDecodeError:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return [], [f"ruff check failed: {err[0] if err else 'no output'}"]
    findings = []
    relative: dict[str, str] = {}  # a large file has thousands of findings: resolved once
    for item in items:
        code = item.get("code")
        if code == "invalid-syntax":  # newer ruff names it; older ones give no code
            code = None
        location = item.get("location") or {}
        end = item.get("end_location") or {}
        name = str(item.get("filename", ""))
        if name not in relative:
            try:
                relative[name] = Path(name).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                relative[name] = Path(name).as_posix()
        rel = relative[name]
        findings.append(
            Finding(
                path=rel,
                line=int(location.get("row", 1)),
                column=int(location.get("column", 1)),
                end_line=int(end.get("row", 0)),
                rule=RULE_PREFIX + code if code else SYNTAX_RULE,
                severity=_severity(code) if code else "high",
                message=str(item.get("message", "")),
            )
        )
    return findings, []
