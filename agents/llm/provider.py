"""Calls to a model through litellm: imported lazily, retried on passing faults, errors named.

``import litellm`` takes seconds and fetches a price map from the network unless
``LITELLM_LOCAL_MODEL_COST_MAP`` is set, so it happens here, on the first real call, with the
variable set. Retries (with exponential backoff) are ours, not litellm's or the OpenAI
client's, so their number is known: 408/429/5xx and timeouts are retried; a refused key, an
unknown model or a context that is too long end the engine with a message saying what to do.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from aiap.llm.searchreplace import AnswerError

Message = dict[str, str]

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
MAX_BACKOFF = 20.0


class ProviderError(Exception):
    """A call that failed for good; the message says what to do about it."""


class Answer(BaseModel):
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # None: litellm has no price for this model
    cached: bool = False
    attempts: int = 1  # requests it took (retries after passing faults)


def litellm_installed() -> bool:
    return importlib.util.find_spec("litellm") is not None


def load_litellm() -> ModuleType:
    """Import litellm with the local price map and without its console chatter."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as e:
        raise ProviderError("the LLM engine needs litellm: pip install 'aiap[llm]'") from e
    litellm.suppress_debug_info = True
    litellm.drop_params = True  # a parameter a provider lacks is dropped, not an error
    return litellm


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(error: BaseException) -> float | None:
    """The wait a 429/503 asks for in its Retry-After header (seconds form), if any."""
    headers = getattr(error, "litellm_response_headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # the HTTP-date form: fall back to our own backoff
        return None


def _first_line(error: BaseException, limit: int = 200) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    for prefix in ("litellm.", "OpenAIException - "):
        text = text.replace(prefix, "")
    # litellm repeats the class name ("RateLimitError: RateLimitError: ..."): once is enough.
    head, _, rest = text.partition(": ")
    while rest.startswith(head + ": "):
        rest = rest[len(head) + 2 :]
    return (f"{head}: {rest}" if rest else head)[:limit]


class Provider:
    def __init__(
        self,
        model: str,
        api_base: str | None = None,
        *,
        timeout: float = 60.0,
        stream: bool = True,
        retries: int = 3,
        backoff: float = 0.5,
        max_answer_chars: int = 60_000,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self.timeout = timeout
        self.stream = stream
        self.retries = retries
        self.backoff = backoff
        self.max_answer_chars = max_answer_chars

    def _kwargs(
        self, messages: Sequence[Message], max_tokens: int, timeout: float, temperature: float
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "timeout": timeout,
            "num_retries": 0,
            "max_retries": 0,  # the OpenAI client's own retries: ours are counted
            "stream": self.stream,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
            # A local OpenAI-compatible server needs no key, but the client insists on one.
            if self.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                kwargs["api_key"] = "no-key"
        if self.stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        deadline: float,
        temperature: float = 0.0,
    ) -> Answer:
        """One answer; retried on passing faults until ``deadline`` (time.monotonic)."""
        litellm = load_litellm()
        attempt = 0
        while True:
            attempt += 1
            left = deadline - time.monotonic()
            if left <= 1:
                raise ProviderError(f"{self.model}: no time left in the budget for a request")
            try:
                timeout = min(self.timeout, left)
                answer = self._call(litellm, messages, max_tokens, timeout, temperature)
                return answer.model_copy(update={"attempts": attempt})
            except AnswerError:
                raise
            except Exception as e:  # litellm maps every provider's errors onto its own classes
                if "codec can't decode" in str(e):
                    raise AnswerError("the answer was not valid UTF-8") from None
                final = self._final_message(litellm, e)
                if final is not None:
                    raise ProviderError(final) from None
                if attempt > self.retries:
                    raise ProviderError(
                        f"{self.model}: still failing after {attempt} attempts: {self._why(e)}"
                    ) from None
                pause = min(MAX_BACKOFF, _retry_after(e) or self.backoff * 2 ** (attempt - 1))
                if time.monotonic() + pause >= deadline:
                    raise ProviderError(
                        f"{self.model}: {self._why(e)}; no time left in the budget to retry"
                    ) from None
                time.sleep(pause)

    def _why(self, error: Exception) -> str:
        if "Connection error" in str(error):
            return f"cannot connect to {self.api_base or 'the provider'}"
        return _first_line(error)

    def _final_message(self, litellm: ModuleType, error: Exception) -> str | None:
        """What to tell the user about an error that retrying cannot fix; None: retry."""
        status = _status(error)
        text = str(error)
        if isinstance(error, litellm.ContextWindowExceededError) or "context length" in text:
            return (
                f"{self.model}: the request is longer than the model's context window; "
                "lower llm_context_tokens in [tool.aiap] (or use a model with a larger window)"
            )
        if isinstance(error, litellm.AuthenticationError) or status == 401:
            return (
                f"{self.model}: the provider refused the credentials (401); set the provider's "
                "key variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...)"
            )
        if isinstance(error, litellm.PermissionDeniedError) or status == 403:
            return f"{self.model}: access denied (403): the key may not use this model"
        if isinstance(error, litellm.NotFoundError) or status == 404:
            return (
                f"{self.model}: unknown model at the provider (404): {_first_line(error)}; "
                "check --aiap-model / AIAP_MODEL"
            )
        if isinstance(error, litellm.BadRequestError) and "provider" in text.lower():
            return (
                f"{self.model}: unknown model name; name it the litellm way: gpt-4.1-mini, "
                "anthropic/<model>, gemini/<model>, ollama/<model>, or openai/<name> with "
                "--aiap-api-base for an OpenAI-compatible server"
            )
        if isinstance(error, (litellm.Timeout, litellm.APIConnectionError)):
            return None
        if status is None or status in RETRY_STATUS:
            return None
        return f"{self.model}: the provider answered {status}: {_first_line(error)}"

    def _call(
        self,
        litellm: ModuleType,
        messages: Sequence[Message],
        max_tokens: int,
        timeout: float,
        temperature: float,
    ) -> Answer:
        response = litellm.completion(**self._kwargs(messages, max_tokens, timeout, temperature))
        usage: Any = None
        if self.stream:
            parts: list[str] = []
            size = 0
            for chunk in response:
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
                    size += len(parts[-1])
                    if size > self.max_answer_chars:
                        _close(response)
                        raise AnswerError(
                            f"the answer grew past {self.max_answer_chars} characters and was "
                            "cut off; answer with short SEARCH/REPLACE blocks only"
                        )
                if getattr(chunk, "usage", None):
                    usage = chunk.usage
            text = "".join(parts)
        else:
            text = response.choices[0].message.content or ""
            usage = getattr(response, "usage", None)
            if len(text) > self.max_answer_chars:
                raise AnswerError(
                    f"the answer is {len(text)} characters long, more than "
                    f"{self.max_answer_chars}; answer with short SEARCH/REPLACE blocks only"
                )
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        if usage is None:  # a server that reports no usage: estimate, to keep the budget honest
            prompt = sum(len(m["content"]) for m in messages) // 4
            completion = len(text) // 4
        return Answer(
            text=text,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=self._cost(litellm, prompt, completion),
        )

    def _cost(self, litellm: ModuleType, prompt: int, completion: int) -> float | None:
        try:
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.model, prompt_tokens=prompt, completion_tokens=completion
            )
        except Exception:  # no price known for this model (a local server, a new name)
            return None
        return float(prompt_cost) + float(completion_cost)


def _close(response: Any) -> None:
    close = getattr(response, "close", None) or getattr(
        getattr(response, "completion_stream", None), "close", None
    )
    if callable(close):
        try:
            close()
        except Exception:
            pass
