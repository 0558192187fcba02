"""``.aiap/audit.jsonl``: one line per LLM call and per patch shown or applied.

What left the machine (which files, how many tokens, at what cost) and what came back into the
user's tree can be read after the fact, line by line.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

from aiap.models import CodePatch

Event = Literal["llm_call", "patch"]


class AuditRecord(BaseModel):
    time: str = Field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    event: Event
    engine: str
    model: str = ""
    files_sent: list[str] = Field(default_factory=list)
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    attempts: int = 0  # requests sent for this call, retries included (0: from the cache)
    patch_sha256: str = ""
    applied: bool = False
    outcome: str = ""  # what became of the answer or the patch


def patch_hash(patch: CodePatch) -> str:
    return patch.key()


def patch_record(patch: CodePatch, applied: bool, outcome: str) -> AuditRecord:
    """The line of a patch shown (applied False) or written to the tree (applied True)."""
    return AuditRecord(
        event="patch",
        engine=patch.engine,
        patch_sha256=patch_hash(patch),
        applied=applied,
        outcome=outcome,
    )
