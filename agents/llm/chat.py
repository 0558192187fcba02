"""One conversation budget with a model: secrets masked, answers cached, usage counted, audited.

Every model call goes through a ``ModelChat``: the repair engine's, the LLM test generator's
and the LLM review's. It owns the provider (and its retries), the SQLite answer cache, the
secret masker, the token/cost/time budget and the audit log, so every caller gets the same
guarantees.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from aiap.aiapdir import AiapDir
from aiap.audit import AuditRecord
from aiap.config import AiapConfig
from aiap.llm.cache import AnswerCache, cache_key
from aiap.llm.provider import Answer, Message, Provider
from aiap.llm.secrets import Masker
from aiap.models import LLMUsage

ANSWER_TOKENS = 4096  # the longest answer asked for: edits or a test file, not essays


class ModelChat:
    def __init__(self, config: AiapConfig, project_root: Path, deadline: float) -> None:
        assert config.model is not None
        self.config = config
        self.model = config.model
        self.store = AiapDir(project_root)
        self.provider = Provider(
            config.model,
            config.api_base,
            timeout=config.llm_timeout,
            stream=config.llm_stream,
        )
        self.cache = AnswerCache(self.store.cache_file) if config.cache else None
        self.masker = Masker.for_project([project_root], os.environ)
        self.deadline = deadline
        self.usage = LLMUsage()
        self.notes: list[str] = []  # trouble the user should read (an unwritable audit log)

    def trouble(self) -> list[str]:
        """What the user should read about this conversation: an unwritable audit log, a cache
        that had to be turned off."""
        cache_error = self.cache.error if self.cache is not None else None
        return [*self.notes, *([cache_error] if cache_error else [])]

    def budget_spent(self) -> str:
        """Why no further request may be sent, or "" while the budget lasts."""
        usage = self.usage
        tokens = usage.prompt_tokens + usage.completion_tokens
        if tokens >= self.config.llm_max_tokens:
            return f"token budget used up ({tokens} of {self.config.llm_max_tokens})"
        if usage.cost_usd >= self.config.llm_max_cost:
            return f"cost budget used up (${usage.cost_usd:.4f} of ${self.config.llm_max_cost})"
        if time.monotonic() >= self.deadline:
            return "time budget used up"
        return ""

    def ask(self, messages: list[Message], temperature: float = 0.0) -> Answer:
        """The answer to ``messages``, from the cache or from the model. Every message is
        masked here, so no caller can send a secret by forgetting to."""
        messages = [{**m, "content": self.masker.mask(m["content"])} for m in messages]
        settings = {"max_tokens": ANSWER_TOKENS, "temperature": temperature}
        key = cache_key(self.model, messages, settings)
        answer = self.cache.get(key) if self.cache is not None else None
        if answer is None:
            answer = self.provider.complete(
                messages, max_tokens=ANSWER_TOKENS, deadline=self.deadline, temperature=temperature
            )
            if self.cache is not None:
                self.cache.put(key, self.model, answer)
        self._count(answer)
        return answer

    def _count(self, answer: Answer) -> None:
        usage = self.usage
        usage.calls += 1
        if answer.cached:
            usage.cached += 1
            return  # nothing was sent, nothing spent
        usage.prompt_tokens += answer.prompt_tokens
        usage.completion_tokens += answer.completion_tokens
        if answer.cost_usd is None:
            usage.cost_known = False
        else:
            usage.cost_usd += answer.cost_usd

    def audit(self, record: AuditRecord) -> None:
        try:
            self.store.append_audit(record.model_dump_json())
        except OSError as e:
            note = f"llm: could not write {self.store.audit_file.name} ({e})"
            if note not in self.notes:
                self.notes.append(note)


def answered(record: AuditRecord, answer: Answer) -> AuditRecord:
    """``record`` with what the answer cost (nothing when it came from the cache)."""
    return record.model_copy(
        update={
            "cached": answer.cached,
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "cost_usd": answer.cost_usd,
            "attempts": 0 if answer.cached else answer.attempts,
        }
    )
