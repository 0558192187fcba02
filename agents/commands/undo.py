"""``aiap undo``: put back the files of the last applied patch, or list what can be undone."""

from __future__ import annotations

import sys
from pathlib import Path

from aiap.aiapdir import AiapDir
from aiap.apply import ApplyError, list_undo
from aiap.apply import undo as undo_files


def undo(root: Path | None, *, force: bool = False) -> int:
    """Restore the newest applied patch's files; 1 with the reason on stderr when refused."""
    project = project_root(root)
    try:
        restored = undo_files(project, force=force)
    except (ApplyError, OSError) as e:
        print(f"aiap: {e}", file=sys.stderr)
        return 1
    for path in restored:
        print(f"aiap: restored {path}")
    if not restored:
        print("aiap: the files already had their original content")
    return 0


def list_records(root: Path | None) -> int:
    """Print the undo records, newest first: when, what, which files."""
    records = list_undo(project_root(root))
    if not records:
        print("aiap: nothing to undo")
    for record in records:
        files = ", ".join(f.path for f in record.files)
        print(f"{record.created}  {record.patch_description}  ({files})")
    return 0


def project_root(root: Path | None) -> Path:
    """``--root`` as given, else the nearest directory holding ``.aiap/``, else the cwd."""
    if root is not None:
        return root
    found = AiapDir.find(Path.cwd())
    return found.root if found is not None else Path.cwd()
