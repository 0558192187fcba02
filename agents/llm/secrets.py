"""Mask secrets before anything leaves the machine, and spot placeholders written back.

Three sources of secrets: the values of the project's ``.env*`` files, the values of environment
variables whose names contain KEY, TOKEN, SECRET or PASSWORD, and strings shaped like
credentials. Each distinct value gets one placeholder, so the model can still tell two of them
apart, and the masking can be undone for the text the model quotes back (SEARCH lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"\[\[AIAP_SECRET_\d+\]\]")
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD", re.IGNORECASE)
MIN_SECRET_LENGTH = 8  # shorter values ("1", "true", "us") are settings; masking them garbles code

# Credential shapes: provider keys, cloud key ids, chat tokens, key blocks, URL passwords.
SHAPES = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL),
]
URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]+:)(?P<pw>[^\s@/]+)(?=@)")


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
    return [value for name, value in environ.items() if SECRET_NAME.search(name)]


class Masker:
    """Replaces known secret values and credential shapes by ``[[AIAP_SECRET_n]]``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        known = {v for v in values if len(v.strip()) >= MIN_SECRET_LENGTH}
        self.values = sorted(known, key=len, reverse=True)
        self.placeholders: dict[str, str] = {}  # secret -> placeholder

    @classmethod
    def for_project(cls, roots: Iterable[Path], environ: Mapping[str, str]) -> Masker:
        values = environment_values(environ)
        for root in roots:
            values += dotenv_values(root)
        return cls(values)

    def _placeholder(self, secret: str) -> str:
        if secret not in self.placeholders:
            self.placeholders[secret] = f"[[AIAP_SECRET_{len(self.placeholders) + 1}]]"
        return self.placeholders[secret]

    def mask(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, self._placeholder(value))
        for shape in SHAPES:
            text = shape.sub(lambda m: self._placeholder(m.group(0)), text)
        return URL_PASSWORD.sub(lambda m: m.group("head") + self._placeholder(m.group("pw")), text)

    def unmask(self, text: str) -> str:
        """The original text of something masked: for SEARCH lines the model quotes back."""
        for secret, placeholder in self.placeholders.items():
            text = text.replace(placeholder, secret)
        return text


def has_placeholder(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None
