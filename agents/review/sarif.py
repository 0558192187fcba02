"""A review as SARIF 2.1.0, the format code-scanning UIs (GitHub, GitLab, IDEs) read."""

from __future__ import annotations

from typing import Any

from aiap.review.findings import Finding, ReviewReport, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning ranks security results by this number (0-10).
_SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.0",
    "low": "2.0",
    "info": "0.0",
}


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_line > finding.line:
        region["endLine"] = finding.end_line
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path},
                    "region": region,
                }
            }
        ],
        "properties": {"severity": finding.severity},
    }


def to_sarif(report: ReviewReport, descriptions: dict[str, str], version: str) -> dict[str, Any]:
    """The SARIF log of ``report``; ``descriptions`` gives each rule id a short text."""
    rule_ids = sorted({f.rule for f in report.findings})
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        worst.setdefault(finding.rule, finding.severity)  # findings are sorted worst first
    rules = [
        {
            "id": rule,
            "name": rule.split("/", 1)[-1],
            "shortDescription": {"text": descriptions.get(rule, rule)},
            "defaultConfiguration": {"level": _LEVEL[worst[rule]]},
            "properties": {"security-severity": _SECURITY_SEVERITY[worst[rule]]},
        }
        for rule in rule_ids
    ]
    index = {rule: i for i, rule in enumerate(rule_ids)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiap",
                        "version": version,
                        "rules": rules,
                    }
                },
                "results": [_result(f, index[f.rule]) for f in report.findings],
            }
        ],
    }
