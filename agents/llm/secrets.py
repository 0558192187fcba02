"""Mask secrets before anything leaves the machine, and spot placeholders written back.

Four sources of secrets: the values of the project's ``.env*`` files; the values of environment
variables named like secrets; string literals assigned to names like secrets (``api_key = "..."``,
``password: "..."``, ``"token": "..."``); and strings shaped like credentials (provider keys,
cloud key ids, chat tokens, private-key blocks, passwords in URLs). Each distinct value gets one
placeholder, so the model can still tell two of them apart, and the masking can be undone for
the text the model quotes back (SEARCH lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"\[\[AIAP_SECRET_\d+\]\]")
# One rule for the names of variables, keys and settings that hold secrets.
SECRET_NAME = re.compile(r"key|token|secret|passw(?:or)?d|passphrase|pwd|credential", re.I)
SHELL_VARIABLES = frozenset({"PWD", "OLDPWD"})  # directories, named like a password by chance
MIN_SECRET_LENGTH = 8  # shorter values ("1", "true", "us") are settings; masking them garbles code

# A string literal assigned to a secret-looking name: ``name = "v"``, ``name: str = "v"``,
# ``"name": "v"``, ``env["NAME"] = "v"``, ``f(name="v")``; comparisons (``==``) are not.
ASSIGNMENT = re.compile(
    rf"""(?P<head>
        \b\w*?(?:{SECRET_NAME.pattern})\w*   # the name
        ["']?\]?                             # the end of a quoted key
        (?:\s*:\s*[\w.\[\],\ |]+?)?          # an annotation
        \s*[:=]\s*
        [rbuf]{{0,2}}(?P<quote>["']))
    (?P<value>[^"'\n]+)(?P=quote)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Credential shapes: provider keys, cloud key ids, chat tokens, key blocks (a block cut off
# before its END line is masked to the end of the text).
SHAPES = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*\Z)",
        re.DOTALL,
    ),
]
URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]+:)(?P<pw>[^\s@/]+)(?=@)")
PLAIN_WORD = re.compile(r"[A-Za-z_]+")


def dotenv_values(root: Path) -> list[str]:
    """Values of ``KEY=value`` lines in ``.env*`` files at the project root."""
    values = []
    for path in sorted(root.glob(".env*")):
        if not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            value = line.split("=", 1)[1].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values.append(value)
    return values


def environment_values(environ: Mapping[str, str]) -> list[str]:
    return [
        value
        for name, value in environ.items()
        if SECRET_NAME.search(name) and name not in SHELL_VARIABLES
    ]


def _worth_learning(value: str) -> bool:
    """A value to mask wherever it appears, not only where it is assigned: long enough, and not
    a plain word ("password", "changeme"), whose every use in the code would be masked too."""
    return len(value.strip()) >= MIN_SECRET_LENGTH and not PLAIN_WORD.fullmatch(value)


class Masker:
    """Replaces secrets by ``[[AIAP_SECRET_n]]``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []  # known secrets, longest first
        self._know(v for v in values if len(v.strip()) >= MIN_SECRET_LENGTH)
        self.placeholders: dict[str, str] = {}  # secret -> placeholder, in order of masking

    @classmethod
    def for_project(cls, roots: Iterable[Path], environ: Mapping[str, str]) -> Masker:
        values = environment_values(environ)
        for root in roots:
            values += dotenv_values(root)
        return cls(values)

    def _know(self, values: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self.values = sorted(set(self.values) | set(values), key=len, reverse=True)

    def _placeholder(self, secret: str) -> str:
        if PLACEHOLDER.fullmatch(secret):
            return secret  # masked already, by an earlier rule
        if secret not in self.placeholders:
            self.placeholders[secret] = f"[[AIAP_SECRET_{len(self.placeholders) + 1}]]"
        return self.placeholders[secret]

    def mask(self, text: str) -> str:
        # An assigned secret is masked wherever it appears (in a failure message that prints
        # it, say), in this text and in every later one.
        self._know(
            m.group("value") for m in ASSIGNMENT.finditer(text) if _worth_learning(m["value"])
        )
        for value in self.values:
            if value in text:
                text = text.replace(value, self._placeholder(value))
        text = ASSIGNMENT.sub(
            lambda m: m.group("head") + self._placeholder(m["value"]) + m["quote"], text
        )
        for shape in SHAPES:
            text = shape.sub(lambda m: self._placeholder(m.group(0)), text)
        return URL_PASSWORD.sub(lambda m: m.group("head") + self._placeholder(m.group("pw")), text)

    def unmask(self, text: str) -> str:
        """The original text of something masked: for SEARCH lines the model quotes back."""
        # Newest first: a later secret may hold the placeholder of an earlier one.
        for secret, placeholder in reversed(self.placeholders.items()):
            text = text.replace(placeholder, secret)
        return text


def has_placeholder(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None
