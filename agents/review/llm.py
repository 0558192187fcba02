"""An LLM review of the staged lines, when a model is configured.

Only the changed lines and a few lines around them leave the machine, through the model chat
layer that every model call shares (secrets masked, answers cached, budget, retries, audit).
The model answers JSON; an answer that is not the JSON asked for is reported and ignored,
never trusted in part.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from aiap.audit import AuditRecord
from aiap.config import AiapConfig
from aiap.llm.chat import ModelChat, answered
from aiap.llm.provider import ProviderError
from aiap.llm.searchreplace import AnswerError
from aiap.review.difflines import ChangedLines, touches
from aiap.review.findings import Finding, Severity

RULE = "llm/review"
ENGINE = "review"  # as the audit log names the caller
CONTEXT_LINES = 3
MAX_PROMPT_CHARS = 40_000


class _LlmFinding(BaseModel):
    path: str
    line: int
    severity: Severity = "medium"
    message: str


class _LlmAnswer(BaseModel):
    findings: list[_LlmFinding]


def excerpt(sources: dict[str, str], lines: ChangedLines | None) -> tuple[str, list[str]]:
    """The changed lines with their context, numbered, file by file; and the files in it."""
    text = ""
    files = []
    for rel, source in sources.items():
        if len(text) >= MAX_PROMPT_CHARS:
            break
        file_lines = source.splitlines()
        changed = set(range(1, len(file_lines) + 1)) if lines is None else lines.get(rel, set())
        shown = sorted(
            n
            for n in range(1, len(file_lines) + 1)
            if touches(range(n, n + 1), changed, CONTEXT_LINES)
        )
        if not shown:
            continue
        body = []
        previous = 0
        for n in shown:
            if previous and n != previous + 1:
                body.append("...")
            mark = "+" if n in changed else " "
            body.append(f"{n:>5} {mark} {file_lines[n - 1]}")
            previous = n
        text += ("\n\n" if text else "") + f"--- {rel}\n" + "\n".join(body)
        files.append(rel)
    return text[:MAX_PROMPT_CHARS], files


def parse_answer(content: str) -> list[_LlmFinding]:
    """The findings in a model's answer; ValueError when it is not the JSON asked for."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the answer")
    try:
        return _LlmAnswer.model_validate(json.loads(content[start : end + 1])).findings
    except (json.JSONDecodeError, ValidationError) as e:
        raise ValueError(f"not the JSON asked for ({str(e).splitlines()[0]})") from None


def llm_findings(
    sources: dict[str, str], lines: ChangedLines | None, config: AiapConfig, root: Path
) -> tuple[list[Finding], list[str]]:
    """Findings of the configured model on the changed lines, and messages when it failed.

    ``root`` is the project's: its ``.aiap/`` holds the cache and the audit log, its ``.env``
    files name secrets. The request gets the configured budget of seconds."""
    text, files = excerpt(sources, lines)
    if not text:
        return [], []
    chat = ModelChat(config, root, time.monotonic() + config.budget)
    system = resources.files("aiap.prompts").joinpath("review.md").read_text(encoding="utf-8")
    record = AuditRecord(event="llm_call", engine=ENGINE, model=chat.model, files_sent=files)
    try:
        answer = chat.ask(
            [{"role": "system", "content": system}, {"role": "user", "content": text}]
        )
    except ProviderError as e:
        chat.audit(record.model_copy(update={"outcome": f"error: {e}"}))
        return [], [f"LLM review failed ({e}); skipped", *chat.trouble()]
    except AnswerError as e:
        chat.audit(record.model_copy(update={"outcome": f"refused: {e}"}))
        return [], [f"LLM review: the model's answer was refused ({e}); ignored", *chat.trouble()]
    record = answered(record, answer)
    try:
        items = parse_answer(answer.text)
    except ValueError as e:
        chat.audit(record.model_copy(update={"outcome": f"refused: {e}"}))
        return [], [f"LLM review: the model's answer was {e}; ignored", *chat.trouble()]
    findings = []
    for item in items:
        if item.path not in sources:
            continue  # a file the model was not shown
        findings.append(
            Finding(
                path=item.path, line=item.line, rule=RULE, severity=item.severity,
                message=item.message.strip()[:1000],
            )
        )  # fmt: skip
    chat.audit(record.model_copy(update={"outcome": f"{len(findings)} finding(s)"}))
    return findings, chat.trouble()
