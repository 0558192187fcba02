"""A corpus of bad answers and provider faults: each ends with a clear message and not one byte
of the project changed, or with a correct retry that fixes the bug.

Every case runs the core's whole repair (reproduction and validation in real pytest
subprocesses, litellm for real) against the OpenAI-compatible server answering from the case's
script (its last reply repeats); a fixed case's patch is then applied as `--aiap-apply` does.
The door's own path (`pytest --aiap-apply --aiap-engine=llm`) is in test_llm_repair.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from aiap.apply import apply_patch
from tests.conftest import run_pytest_cli, snapshot
from tests.llm_project import (
    FIX,
    WRONG_FIX,
    block,
    needs_litellm,
    people_project,
    repair_with_llm,
)
from tests.openai_server import Logged, OpenAIServer, Reply

pytestmark = needs_litellm


def _error(status: int, message: str, code: str = "") -> Reply:
    return Reply(status=status, error={"message": message, "type": "error", "code": code})


class Case(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Reply | str]
    message: str  # what the summary must say
    fixed: bool = False  # a retry that ends with the bug fixed
    requests: int | None = None  # how many requests reached the server
    env: dict[str, str] = {}


FIXED_LINE = '    return f"{first} {last}"\n'
FOUND_TWICE = "    first = first.strip()\n    last = last.strip()\n"

CASES: dict[str, Case] = {
    "no block": Case(
        script=["The bug is in full_name: it forgets the space."],
        message="llm: round 1: the answer has no SEARCH/REPLACE block",
    ),
    "wrong path": Case(
        script=[block("    return first + last\n", "    return 0\n", path="names.py")],
        message="llm: round 1: names.py: no such file in the project",
    ),
    "path outside the project": Case(
        script=[block("x\n", "y\n", path="../outside/people.py")],
        message="llm: round 1: ../outside/people.py: outside the project",
    ),
    "absolute path": Case(
        script=[block("x\n", "y\n", path="/etc/hosts")],
        message="llm: round 1: /etc/hosts: outside the project",
    ),
    "search not found": Case(
        script=[block("    return first - last\n", "    return 0\n")],
        message="llm: round 1: people.py: the SEARCH text matches no lines of the file",
    ),
    # Lines 6-7 and 13-14 both match: the ones inside full_name, the function shown, are meant.
    "ambiguous match, settled by the function shown": Case(
        script=[block(FOUND_TWICE, FOUND_TWICE.replace("strip", "lstrip"))],
        message="llm: round 1: the patch was applied and tested: 1 failing test(s) still fail",
    ),
    "edit to a test file": Case(
        script=[
            block(
                '    assert full_name("Ada", "Lovelace") == "Ada Lovelace"\n',
                '    assert full_name("Ada", "Lovelace") == "AdaLovelace"\n',
                path="test_people.py",
            )
        ],
        message="llm: round 1: test_people.py: a test file; change the code under test",
    ),
    "placeholder written back": Case(
        script=[block("    return first + last\n", '    return "[[AIAP_SECRET_1]]"\n')],
        message="llm: round 1: people.py: the REPLACE text writes a masked secret placeholder",
    ),
    "syntax error": Case(
        script=[block("    return first + last\n", "    return first +\n")],
        message="llm: round 1: people.py: the edit leaves a syntax error",
    ),
    "no change": Case(
        script=[block("    return first + last\n", "    return first + last\n")],
        message="llm: round 1: the blocks change nothing",
    ),
    "cut off": Case(
        script=["people.py\n<<<<<<< SEARCH\n    return first + last\n=======\n    return"],
        message="llm: round 1: people.py: a block is cut off before >>>>>>> REPLACE",
    ),
    "enormous answer, streamed": Case(
        script=["x = 1\n" * 20_000],
        message="llm: round 1: the answer grew past 60000 characters and was cut off",
    ),
    "enormous answer, plain": Case(
        script=["x = 1\n" * 20_000],
        message="llm: round 1: the answer is 120000 characters long",
        env={"AIAP_LLM_STREAM": "false"},
    ),
    "invalid UTF-8": Case(
        script=[Reply(raw=b"people.py \xff\xfe broken")],
        message="llm: round 1: the answer was not valid UTF-8",
    ),
    "empty answer": Case(script=[""], message="llm: round 1: the answer was empty"),
    "null content": Case(
        script=[Reply(content=None)], message="llm: round 1: the answer was empty"
    ),
    "every round bad": Case(
        script=["No idea."],
        message="llm: no usable patch after 3 round(s); last problem: the answer has no",
    ),
    "line numbers copied into the block": Case(
        script=[
            "people.py\n<<<<<<< SEARCH\n 8 |     return first + last\n=======\n"
            ' 8 |     return f"{first} {last}"\n>>>>>>> REPLACE\n'
        ],
        message="",
        fixed=True,
    ),
    "path line in words": Case(
        script=[FIX.replace("people.py\n", "file people.py\n```python\n") + "```\n"],
        message="",
        fixed=True,
    ),
    "the whole function instead of a block": Case(
        script=[
            "Here is the corrected function:\n\n```python\ndef full_name(first, last):\n"
            "    first = first.strip()\n    last = last.strip()\n"
            '    return f"{first} {last}"\n```\n'
        ],
        message="",
        fixed=True,
    ),
    "a block against its own rejected patch": Case(
        # Round 2 quotes the line as round 1's patch left it, as if that had been kept.
        script=[WRONG_FIX, block('    return first + "-" + last\n', FIXED_LINE)],
        message="",
        fixed=True,
        requests=2,
    ),
    "a whole function of another name": Case(
        script=["```python\ndef fullname(first, last):\n    return first\n```\n"],
        message="llm: round 1: the answer's functions (fullname) are none of the functions shown",
    ),
    "429 then success": Case(
        script=[_error(429, "Rate limit reached"), FIX], message="", fixed=True, requests=2
    ),
    "429 with Retry-After then success": Case(
        script=[Reply(status=429, headers={"Retry-After": "1"}), FIX],
        message="",
        fixed=True,
        requests=2,
    ),
    "500 then success": Case(
        script=[_error(500, "upstream crashed"), FIX], message="", fixed=True, requests=2
    ),
    "503 then success": Case(
        script=[_error(503, "overloaded"), FIX], message="", fixed=True, requests=2
    ),
    "timeout then success": Case(
        script=[Reply(content="late", delay=3), FIX],
        message="",
        fixed=True,
        requests=2,
        env={"AIAP_LLM_TIMEOUT": "1"},
    ),
    "429 for good": Case(
        script=[_error(429, "Rate limit reached")],
        message="llm: openai/fake: still failing after 4 attempts: RateLimitError",
        requests=4,
    ),
    "401": Case(
        script=[_error(401, "Incorrect API key provided", "invalid_api_key")],
        message="llm: openai/fake: the provider refused the credentials (401)",
        requests=1,
    ),
    "403": Case(
        script=[_error(403, "You are not allowed to sample from this model")],
        message="llm: openai/fake: access denied (403)",
        requests=1,
    ),
    "unknown model": Case(
        script=[_error(404, "The model `fake` does not exist", "model_not_found")],
        message="llm: openai/fake: unknown model at the provider (404)",
        requests=1,
    ),
    "context too long": Case(
        script=[
            _error(
                400,
                "This model's maximum context length is 8192 tokens. However, your messages "
                "resulted in 9000 tokens.",
                "context_length_exceeded",
            )
        ],
        message="llm: openai/fake: the request is longer than the model's context window",
        requests=1,
    ),
    "token budget": Case(
        script=["No idea."],
        message="llm: stopped: token budget used up (120 of 100)",
        requests=1,
        env={"AIAP_LLM_MAX_TOKENS": "100"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_answer(name: str, tmp_path: Path, openai_server: OpenAIServer) -> None:
    case = CASES[name]
    project = people_project(tmp_path / "p")
    before = snapshot(project)
    openai_server.answer(*case.script)
    state = repair_with_llm(project, openai_server, env=case.env)
    said = "\n".join(state.messages)
    assert case.message in said, said
    assert "Traceback" not in said
    if case.requests is not None:
        assert len(openai_server.requests) == case.requests
    assert snapshot(project) == before  # the core never writes the user's tree
    if case.fixed:
        (patch,) = state.patches
        apply_patch(project, patch)
        assert run_pytest_cli(project).returncode == 0
    else:
        assert state.patches == []


def test_the_corpus_has_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15


def test_a_search_quoting_a_masked_line_still_applies_and_keeps_the_secret(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    key = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
    source = (
        "def full_name(first, last):\n"
        f'    printer_key = "{key}"  # the badge printer\'s key\n'
        "    return first + last\n"
    )
    tests = (
        "from people import full_name\n\n\n"
        "def test_full_name():\n    assert full_name('Ada', 'Lovelace') == 'Ada Lovelace'\n"
    )
    project = people_project(tmp_path / "p", {"people.py": source, "test_people.py": tests})

    def quote_the_masked_line(request: Logged) -> str:
        (placeholder,) = set(re.findall(r"\[\[AIAP_SECRET_\d+\]\]", request.text))
        line = f'    printer_key = "{placeholder}"  # the badge printer\'s key\n'
        return block(line + "    return first + last\n", line + '    return f"{first} {last}"\n')

    openai_server.answer(Reply(respond=quote_the_masked_line))
    state = repair_with_llm(project, openai_server)
    assert key not in openai_server.requests[0].text
    (patch,) = state.patches
    apply_patch(project, patch)
    assert f'printer_key = "{key}"' in (project / "people.py").read_text()
    assert run_pytest_cli(project).returncode == 0
