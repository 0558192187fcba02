"""Review the staged change: ruff findings and security checks on the changed lines, and an LLM
review of the diff when a model is configured."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiap.config import AiapConfig
from aiap.review import security
from aiap.review.difflines import ChangedLines, staged_lines, touches
from aiap.review.findings import Finding, ReviewReport
from aiap.review.ruffcheck import SYNTAX_RULE, ruff_findings
from aiap.testfiles import is_test_file


def rule_descriptions() -> dict[str, str]:
    return {security.RULE_PREFIX + rule: text for rule, text in security.RULES.items()}


def _read_sources(root: Path, files: Sequence[str], report: ReviewReport) -> dict[str, str]:
    sources = {}
    for rel in files:
        try:
            sources[rel] = (root / rel).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            report.messages.append(f"{rel}: not UTF-8; not reviewed")
        except OSError as e:
            report.messages.append(f"{rel}: cannot be read ({e.strerror or e}); not reviewed")
    return sources


def review(
    root: Path,
    files: Sequence[str],
    config: AiapConfig,
    *,
    whole_files: bool = False,
) -> ReviewReport:
    """Findings on the staged lines of ``files`` (relative to ``root``), worst first.

    ``whole_files`` reviews every line, as does a tree outside git (there is no diff).
    """
    report = ReviewReport()
    python_files = [f for f in files if f.endswith(".py") and (root / f).is_file()]
    lines: ChangedLines | None = None
    if not whole_files:
        lines = staged_lines(root, python_files)
        if lines is None:
            report.messages.append("not a git repository: every line reviewed")
    sources = _read_sources(root, python_files, report)
    if lines is not None:
        sources = {rel: text for rel, text in sources.items() if lines.get(rel)}
    report.files = len(sources)
    found: list[Finding] = []
    for rel, text in sources.items():
        try:
            changed = None if lines is None else lines.get(rel, set())
            found.extend(security.check_source(rel, text, is_test=is_test_file(rel), lines=changed))
        except SyntaxError as e:
            report.messages.append(
                f"{rel}: cannot be parsed (line {e.lineno}: {e.msg}); security checks skipped"
            )
    ruff, problems = ruff_findings(root, sorted(sources))
    found.extend(ruff)
    report.messages.extend(problems)
    if config.model and sources:
        found.extend(_llm_review(root, sources, lines, config, report))
    seen = set()
    for finding in found:
        key = (finding.path, finding.line, finding.rule)
        if key in seen:
            continue
        if lines is not None and finding.rule != SYNTAX_RULE:
            if not touches(finding.span(), lines.get(finding.path, set())):
                continue
        seen.add(key)
        report.findings.append(finding)
    report.sort()
    return report


def _llm_review(
    root: Path,
    sources: dict[str, str],
    lines: ChangedLines | None,
    config: AiapConfig,
    report: ReviewReport,
) -> list[Finding]:
    # Imported here: the model's side (and litellm) only when a model is configured.
    from aiap.engines import ModelSettings, llm_unavailable
    from aiap.review.llm import llm_findings

    settings = ModelSettings(
        needs="the LLM review", model="[tool.aiap] model or AIAP_MODEL", api_base="AIAP_API_BASE"
    )
    unavailable = llm_unavailable(config, settings)
    if unavailable is not None:
        report.messages.append(f"{unavailable}; skipped")
        return []
    findings, problems = llm_findings(sources, lines, config, root)
    report.messages.extend(problems)
    return findings
