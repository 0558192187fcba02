"""A generated test file laid out as the project lays out its own: ruff's import sorting and
formatting under the project's ruff settings (line length, quotes, known first-party)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aiap.lintfix import run_ruff


def layout(root: Path, rel: str, text: str) -> tuple[str, str]:
    """``text`` sorted and formatted as file ``rel`` of the project at ``root``; on a ruff failure
    the text as it was, and why (the file is still worth writing)."""
    try:
        for args in (["check", "--select", "I", "--fix-only", "--exit-zero"], ["format"]):
            out, err = run_ruff(root, args, rel, text)
            if out is None:
                return text, f"left unformatted: ruff {args[0]}: {err}"
            text = out
    except (OSError, subprocess.SubprocessError) as e:
        return text, f"left unformatted: ruff did not run ({e})"
    return text, ""
