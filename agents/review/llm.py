"""An LLM review of the staged lines, through litellm, when a model is configured.

Only the changed lines and a few lines around them leave the machine, with string values of
secret-looking names masked. The model answers JSON; an answer that is not the JSON asked for
is reported and ignored, never trusted in part.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from aiap.config import AiapConfig
from aiap.review.difflines import ChangedLines, touches
from aiap.review.findings import Finding, Severity

RULE = "llm/review"
CONTEXT_LINES = 3
MAX_PROMPT_CHARS = 40_000
TIMEOUT = 120.0

PROMPT = """\
You review a code change before it is committed. Below are the changed lines (marked `+`) of \
each file with a few lines of context, each prefixed by its line number. Report real defects \
only: bugs, security problems, data loss. No style remarks. Answer with JSON only, no prose:
{"findings": [{"path": "...", "line": 12, "severity": "low|medium|high|critical", \
"message": "..."}]}
An empty list when there is nothing to report.
"""

_SECRET_VALUE = re.compile(
    r"""(?ix)
    ((?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|access_?key|private_?key)\w*
     ["']?\s*[:=]\s*)            # name = / name: / "name":
    ([rbuf]*["'])([^"']+)(["'])   # a string literal
    """
)


def mask_secrets(text: str) -> str:
    """String values assigned to secret-looking names, replaced by ``***``."""
    return _SECRET_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}***{m.group(4)}", text)


class _LlmFinding(BaseModel):
    path: str
    line: int
    severity: Severity = "medium"
    message: str


class _LlmAnswer(BaseModel):
    findings: list[_LlmFinding]


def excerpt(sources: dict[str, str], lines: ChangedLines | None) -> str:
    """The changed lines with their context, numbered, file by file."""
    parts = []
    for rel, text in sources.items():
        file_lines = text.splitlines()
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
        parts.append(f"--- {rel}\n" + mask_secrets("\n".join(body)))
    return "\n\n".join(parts)[:MAX_PROMPT_CHARS]


def parse_answer(content: str) -> list[_LlmFinding]:
    """The findings in a model's answer; ValueError when it is not the JSON asked for."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the answer")
    try:
        return _LlmAnswer.model_validate(json.loads(content[start : end + 1])).findings
    except (json.JSONDecodeError, ValidationError) as e:
        raise ValueError(f"not the JSON asked for ({str(e).splitlines()[0]})") from None


def _complete(config: AiapConfig, prompt: str) -> str:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-map download
    litellm = importlib.import_module("litellm")  # an optional extra: typed as Any on purpose
    response: Any = litellm.completion(
        model=config.model,
        api_base=config.api_base,
        messages=[{"role": "system", "content": PROMPT}, {"role": "user", "content": prompt}],
        temperature=0,
        timeout=TIMEOUT,
    )
    return str(response.choices[0].message.content or "")


def llm_findings(
    sources: dict[str, str], lines: ChangedLines | None, config: AiapConfig
) -> tuple[list[Finding], list[str]]:
    """Findings of the configured model on the changed lines, and a message when it failed."""
    prompt = excerpt(sources, lines)
    if not prompt:
        return [], []
    try:
        content = _complete(config, prompt)
    except ImportError:
        return [], [
            f"model {config.model} configured but litellm is not installed "
            "(pip install 'aiap[llm]'); LLM review skipped"
        ]
    except Exception as e:  # litellm raises many kinds: network, auth, rate limits
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return [], [f"LLM review failed ({first[:300]}); skipped"]
    try:
        answer = parse_answer(content)
    except ValueError as e:
        return [], [f"LLM review: the model's answer was {e}; ignored"]
    findings = []
    for item in answer:
        if item.path not in sources:
            continue  # a file the model was not shown
        findings.append(
            Finding(
                path=item.path, line=item.line, rule=RULE, severity=item.severity,
                message=item.message.strip()[:1000],
            )
        )  # fmt: skip
    return findings, []
