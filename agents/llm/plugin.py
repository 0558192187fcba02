"""The LLM engine as a pluggy plugin: asks a model for SEARCH/REPLACE edits, in rounds.

Round 1 sends the context (failing tests, output, suspicious functions, definitions); when the
answer cannot be applied, or its patch fails validation, the next round sends the concrete
reason back. It stops at the first patch the orchestrator accepts, or on a budget of rounds,
tokens, cost and seconds. Everything sent passes through the secret masker first (in
``ModelChat.ask``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from string import Template

import libcst as cst

from aiap.audit import AuditRecord
from aiap.config import AiapConfig
from aiap.edits import edits_between, unified_diff
from aiap.hookspecs import RepairRequest, hookimpl
from aiap.llm.chat import ModelChat, answered
from aiap.llm.context import build_context, failure_report
from aiap.llm.provider import Message, ProviderError
from aiap.llm.searchreplace import AnswerError, Block, NoMatch, apply_blocks, parse_blocks
from aiap.llm.secrets import has_placeholder
from aiap.llm.wholefunction import answer_functions, function_edits
from aiap.models import CodePatch, RunState, Verdict, sha256_bytes
from aiap.testfiles import is_test_file

FEEDBACK_CHARS = 3000  # of a failing run's output, sent back in the next round
# After a patch that failed its tests: the first answer is the model's likeliest, and at
# temperature 0 a small model repeats it whatever the feedback says.
RETRY_TEMPERATURE = 0.7


def prompt(name: str) -> Template:
    return Template(resources.files("aiap.prompts").joinpath(name).read_text(encoding="utf-8"))


class LLMEngine:
    name = "llm"

    def __init__(self, config: AiapConfig, project_root: Path) -> None:
        assert config.model is not None
        self.config = config
        self.model = config.model
        self.chat = ModelChat(config, project_root, time.monotonic() + config.budget)
        self.masker = self.chat.masker
        self.messages: list[str] = []
        self.stopped = False  # a final provider error or a spent budget: no more requests
        self._rejection: str | None = None
        self._root = ""  # the workspace of the request being answered
        self._shown: dict[str, list[tuple[int, int]]] = {}  # its suspicious functions' lines
        self._proposed: dict[str, str] = {}  # path -> text after the latest patch made
        self._last_texts: dict[str, str] = {}  # ... after the latest patch sent to be tested

    # -- hooks ---------------------------------------------------------------------------------

    @hookimpl
    def aiap_propose_patches(self, request: RepairRequest) -> Iterator[CodePatch]:
        return self._rounds(request)

    @hookimpl
    def aiap_patch_rejected(self, patch: CodePatch, verdict: Verdict) -> None:
        if patch.engine != self.name:
            return
        tail = failure_report(verdict.output_tail, self._root, FEEDBACK_CHARS)
        reason = f"the patch was applied and tested: {verdict.reason}"
        self._rejection = f"{reason}\n\nTest output (end):\n```\n{tail}\n```" if tail else reason

    @hookimpl
    def aiap_search_finished(self, state: RunState) -> None:
        self.messages.extend(self.chat.trouble())
        state.messages.extend(self.messages)
        if self.chat.usage.calls or self.messages:
            state.llm_usage = self.chat.usage

    # -- the rounds ----------------------------------------------------------------------------

    def _rounds(self, request: RepairRequest) -> Iterator[CodePatch]:
        if self.stopped:
            return
        self._root = request.root
        self._proposed, self._last_texts = {}, {}
        context = build_context(request, self.config.llm_context_tokens)
        self._shown = context.shown
        user = prompt("repair_user.md").substitute(
            tests=context.tests, functions=context.functions, definitions=context.definitions
        )
        base: list[Message] = [
            {"role": "system", "content": prompt("repair_system.md").template},
            # One worked exchange before the real request: small models answer in the format
            # after an example, and copy an example written into the instructions.
            {"role": "user", "content": prompt("repair_example_user.md").template},
            {"role": "assistant", "content": prompt("repair_example_answer.md").template},
            {"role": "user", "content": user},
        ]
        tried: set[str] = set()
        reason = previous = ""
        temperature = 0.0
        messages = base
        for round_no in range(1, self.config.llm_rounds + 1):
            spent = self.chat.budget_spent()
            if spent:
                self.stopped = True
                self.messages.append(f"llm: stopped: {spent}")
                return
            answer, reason, patch = self._round(
                messages, request, context.files, round_no, temperature
            )
            if self.stopped:
                return
            if patch is not None:
                if patch.diff in tried:
                    reason = "the patch is the same as one that already failed; try another fix"
                    temperature = RETRY_TEMPERATURE  # the same request would get the same answer
                else:
                    tried.add(patch.diff)
                    self._last_texts = self._proposed
                    self._rejection = None
                    yield patch
                    if self._rejection is None:
                        return  # accepted: the orchestrator has what it needs
                    reason = self._rejection
                    temperature = RETRY_TEMPERATURE  # a wrong fix: another idea is wanted
            self.messages.append(f"llm: round {round_no}: {_short(reason)}")
            if reason == previous and context.names:
                # The same problem twice: a model at temperature 0 would answer the same again.
                retry = prompt("repair_whole.md").substitute(reason=reason, name=context.names[0])
            else:
                path = next(iter(context.shown), "path/to/file.py")
                retry = prompt("repair_retry.md").substitute(reason=reason, path=path)
            previous = reason
            messages = [
                *base,
                {"role": "assistant", "content": answer or "(no answer)"},
                {"role": "user", "content": retry},
            ]
        self.messages.append(
            f"llm: no usable patch after {self.config.llm_rounds} round(s); "
            f"last problem: {_short(reason)}"
        )

    def _round(
        self,
        messages: list[Message],
        request: RepairRequest,
        files: list[str],
        round_no: int,
        temperature: float,
    ) -> tuple[str, str, CodePatch | None]:
        """(answer text, why it is unusable, patch): one request and what came of it."""
        record = AuditRecord(event="llm_call", engine=self.name, model=self.model)
        record.files_sent = files
        try:
            answer = self.chat.ask(messages, temperature)
        except ProviderError as e:
            self.stopped = True
            self.messages.append(f"llm: {e}")
            self._audit(record.model_copy(update={"outcome": f"error: {e}"}))
            return "", str(e), None
        except AnswerError as e:
            self._audit(record.model_copy(update={"outcome": f"refused: {e}"}))
            return "", str(e), None
        record = answered(record, answer)
        try:
            patch = self._patch(answer.text, request, round_no)
        except AnswerError as e:
            self._audit(record.model_copy(update={"outcome": f"refused: {e}"}))
            return answer.text, str(e), None
        digest = sha256_bytes(patch.diff.encode())
        self._audit(record.model_copy(update={"outcome": "patch proposed", "patch_sha256": digest}))
        return answer.text, "", patch

    def _audit(self, record: AuditRecord) -> None:
        self.chat.audit(record)

    # -- answers into patches ------------------------------------------------------------------

    def _patch(self, text: str, request: RepairRequest, round_no: int) -> CodePatch:
        if not text.strip():
            raise AnswerError("the answer was empty")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise AnswerError("the answer was not valid UTF-8") from None
        changed = self._changed(text, request)
        if not changed:
            raise AnswerError("the blocks change nothing; the REPLACE lines equal the SEARCH lines")
        self._proposed = {path: new for path, (_, new) in changed.items()}
        edits = []
        diff = ""
        for path, (old, new) in sorted(changed.items()):
            try:
                cst.parse_module(new)
            except cst.ParserSyntaxError as e:
                raise AnswerError(
                    f"{path}: the edit leaves a syntax error (line {e.raw_line}: {e.message})"
                ) from None
            edits += edits_between(path, old, new)
            diff += unified_diff(path, old, new)
        paths = ", ".join(sorted(changed))
        return CodePatch(
            engine=self.name,
            operator="search_replace",
            description=f"{paths}: edit by {self.model} (round {round_no})",
            edits=edits,
            diff=diff,
            score=1.0,
        )

    def _changed(self, text: str, request: RepairRequest) -> dict[str, tuple[str, str]]:
        """path -> (old, new): the answer's SEARCH/REPLACE blocks applied, or, when it has none
        or they do not apply, the whole functions it rewrote (the second edit format)."""
        sources = request.sources
        only = next(iter(sources)) if len(sources) == 1 else ""

        def refuse(path: str) -> str | None:
            if is_test_file(path, request.test_files):
                return "a test file; change the code under test, never the tests"
            if path not in sources and (Path(request.root) / path).is_file():
                shown = ", ".join(sorted(sources)) or "none"
                return f"not among the files under repair ({shown})"
            return None

        try:
            blocks = [
                self._unmasked(block.model_copy(update={"path": _known(block.path, sources)}))
                for block in parse_blocks(text, default_path=only)
            ]
            try:
                return apply_blocks(blocks, sources.get, refuse, self._shown)
            except NoMatch as first:
                if not self._last_texts:
                    raise
                # Small models edit on top of their last patch, as if it had been kept: the
                # blocks applied to that text, the patch taken against the original.
                texts = self._last_texts
                try:
                    on_last = apply_blocks(blocks, lambda p: texts.get(p, sources.get(p)), refuse)
                except AnswerError:
                    raise first from None
                return {
                    p: (sources[p], new)
                    for p, (_, new) in on_last.items()
                    if p in sources and new != sources[p]
                }
        except AnswerError as e:
            if has_placeholder(text):
                raise  # a whole function would write the placeholder's text into the code
            order = [loc.path for loc in request.locations]
            try:
                editable = {
                    p: t for p, t in sources.items() if not is_test_file(p, request.test_files)
                }
                return function_edits(text, editable, order)
            except AnswerError as second:
                # The reason of the format the answer tried: functions, or else blocks.
                raise (second if answer_functions(text) else e) from None

    def _unmasked(self, block: Block) -> Block:
        """SEARCH text with the secrets put back, so it matches the file; a REPLACE that writes
        a placeholder into the code is refused (only unchanged lines may carry one)."""
        search_lines = set(block.search.splitlines())
        replace = []
        for line in block.replace.splitlines(keepends=True):
            if has_placeholder(line):
                if line.rstrip("\r\n") not in search_lines:
                    raise AnswerError(
                        f"{block.path}: the REPLACE text writes a masked secret placeholder "
                        "into the code; keep secrets out of the edit"
                    )
                line = self.masker.unmask(line)
            replace.append(line)
        return block.model_copy(
            update={"search": self.masker.unmask(block.search), "replace": "".join(replace)}
        )


def _known(path: str, sources: dict[str, str]) -> str:
    """A path as the model wrote it, or the one file under repair it is the tail of
    (``pricing.py`` for ``shop/pricing.py``)."""
    if path in sources:
        return path
    tails = [p for p in sources if p.endswith("/" + path.lstrip("./"))]
    return tails[0] if len(tails) == 1 else path


def _short(reason: str, limit: int = 300) -> str:
    first = reason.strip().splitlines()[0] if reason.strip() else "(no reason)"
    return first if len(first) <= limit else first[:limit] + "..."
