"""The ``.aiap/`` state directory: patches, undo records and the last run, through one small API.

Like pytest's ``.pytest_cache``, the directory carries its own ``.gitignore`` and README so it
never ends up in the user's commits, and everything in it is created on first write.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from aiap import tempdirs
from aiap.models import CodePatch, RunState

DIRNAME = ".aiap"
TEMP_PREFIX = ".aiap-"  # write_atomic's temp files: TEMP_PREFIX, the writer's pid, -XXXXXXXX.tmp

GITIGNORE = "# Created by aiap automatically.\n*\n"

README = """\
# aiap state directory

This directory holds what aiap keeps from run to run:

- `patches/`: validated patches, one `git apply`-able file each;
- `undo/`: what `aiap undo` needs to restore the files a patch was applied to
  (`undo/done/`: records already undone);
- `last-run.json`: the story of the last repair run;
- `llm-cache.sqlite3`: answers of the LLM engine, so the same question is not paid twice;
- `audit.jsonl`: one line per LLM call and per patch shown or applied;
- `coverage-map.json`: which test files ran each source file, from the repair runs (each
  run updates what it saw of the tests it ran); the `aiap-fix` pre-commit hook picks the
  tests to run from it.

**Do not** commit this to version control (its `.gitignore` keeps git away).
Deleting it loses nothing but the undo records.
"""


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` by ``data`` so that readers see the old or the new bytes, never half.

    Temp file in the same directory (``os.replace`` is atomic only within one file system),
    fsynced before the rename so a crash cannot leave a renamed but empty file.
    """
    # The writer's pid in the name: a temp file a killed writer left is known for one.
    prefix = f"{TEMP_PREFIX}{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file under the process's umask (mkstemp's is 0600)."""
    return 0o666 & ~_umask()


def _umask() -> int:
    # Linux shows it; setting it to read it back races with threads creating files.
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text().splitlines()
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def left_by_dead_writer(temp: Path) -> bool:
    """Whether ``temp`` is a temp file of ``write_atomic`` whose writer is gone (killed between
    writing it and the rename)."""
    name = temp.name
    if not (name.startswith(TEMP_PREFIX) and name.endswith(".tmp")):
        return False
    pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return pid.isdigit() and tempdirs.process_gone(int(pid))


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; best effort, as directories cannot be opened everywhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AiapDir:
    """``<root>/.aiap/``: read and written only through these methods."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / DIRNAME

    @classmethod
    def find(cls, start: Path) -> AiapDir | None:
        """The nearest ``.aiap/`` at ``start`` or above it, as git finds ``.git/``."""
        start = start.resolve()
        for directory in (start, *start.parents):
            if (directory / DIRNAME).is_dir():
                return cls(directory)
        return None

    @property
    def patches_dir(self) -> Path:
        return self.path / "patches"

    @property
    def undo_dir(self) -> Path:
        return self.path / "undo"

    @property
    def state_file(self) -> Path:
        return self.path / "last-run.json"

    @property
    def cache_file(self) -> Path:
        return self.path / "llm-cache.sqlite3"

    @property
    def audit_file(self) -> Path:
        return self.path / "audit.jsonl"

    @property
    def coverage_map_file(self) -> Path:
        return self.path / "coverage-map.json"

    def write_coverage_map(self, covered_by: dict[str, list[str]]) -> Path:
        """Save which test files ran each source file (paths relative to the root)."""
        self.ensure()
        data = json.dumps(covered_by, indent=1, sort_keys=True).encode("utf-8")
        write_atomic(self.coverage_map_file, data)
        return self.coverage_map_file

    def read_coverage_map(self) -> dict[str, list[str]] | None:
        """The saved map, or None when there is none or it is not the shape written above."""
        try:
            data = json.loads(self.coverage_map_file.read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not all(
            isinstance(tests, list) and all(isinstance(t, str) for t in tests)
            for tests in data.values()
        ):
            return None
        return data

    def open_audit(self) -> BinaryIO:
        """``audit.jsonl`` opened for appending, unbuffered: each line is one write, so lines of
        concurrent writers never interleave. Opening it first tells a caller that must audit what
        it does whether it can, before it acts."""
        self.ensure()
        return self.audit_file.open("ab", buffering=0)

    def append_audit(self, line: str) -> None:
        """Add one JSON line to ``audit.jsonl``."""
        with self.open_audit() as f:
            f.write(line.encode("utf-8") + b"\n")

    def ensure(self) -> None:
        """Create ``.aiap/`` with its .gitignore and README; OSError is the caller's to report."""
        self.path.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", GITIGNORE), ("README.md", README)):
            file = self.path / name
            if not file.exists():
                file.write_bytes(text.encode("utf-8"))

    def write_patch(self, patch: CodePatch, stem: str) -> Path:
        """Save the patch's diff as ``patches/<stem>.patch`` for ``git apply``."""
        self.ensure()
        # A file in the way is reported by the write below, as "Not a directory".
        with contextlib.suppress(FileExistsError):
            self.patches_dir.mkdir()
        path = self.patches_dir / f"{stem}.patch"
        # Bytes, not text mode: CRLF lines of the diff must reach git untranslated.
        write_atomic(path, patch.diff.encode("utf-8"))
        return path

    def write_state(self, state: RunState) -> Path:
        """Save the run as ``last-run.json``, atomically so a reader never sees half of it."""
        self.ensure()
        write_atomic(self.state_file, state.model_dump_json(indent=2).encode("utf-8"))
        return self.state_file

    def read_state(self) -> RunState | None:
        """The last run, or None when there is none or it cannot be read (e.g. an older format)."""
        try:
            return RunState.model_validate_json(self.state_file.read_bytes())
        except (OSError, ValidationError):
            return None
