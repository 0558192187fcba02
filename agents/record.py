"""What a repair run leaves in ``.aiap/``, for both doors (the pytest plugin, the pre-commit hook):
its patches, its story, its coverage map, and an audit line for every patch shown or applied.

Nothing here prints. A write that fails becomes a problem line the door shows, so a full disk or
a hostile ``.aiap/`` is reported, never swallowed. The user's files are written only by
``apply``: atomically, with an undo record, and not at all when the audit line cannot be.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar

from aiap.aiapdir import DIRNAME, AiapDir
from aiap.apply import ApplyError, apply_patch, remove_stale_temps
from aiap.audit import patch_record
from aiap.models import CodePatch, RunState

CoverageMap = dict[str, list[str]]
T = TypeVar("T")


class RunRecord:
    """The ``.aiap/`` writes of one repair run under ``root``, and the problems they met."""

    def __init__(self, root: Path, tag: str = "") -> None:
        self.root = root
        self.store = AiapDir(root)
        self.tag = tag  # in the names of the saved patches, to tell the doors' apart
        self.saved: dict[str, str] = {}  # patch key -> its file, relative to root
        self._failed: dict[str, list[str]] = {}  # why -> what could not be written

    @property
    def problems(self) -> list[str]:
        """One line per cause: "could not write <what> (<why>)"."""
        return [f"could not write {', '.join(what)} ({why})" for why, what in self._failed.items()]

    def save(self, state: RunState) -> None:
        """Save the run's patches (for ``git apply``), its story and its coverage map; remove
        the temp files a killed apply left."""
        remove_stale_temps(self.root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for index, patch in enumerate(state.patches, 1):
            stem = "-".join(part for part in (stamp, self.tag, str(index)) if part)
            path = self._write(f"{DIRNAME}/patches/", partial(self.store.write_patch, patch, stem))
            if path is not None:
                self.saved[patch.key()] = path.relative_to(self.root).as_posix()
        self._write(self._name(self.store.state_file), partial(self.store.write_state, state))
        if state.covered_by:
            old_map = self.store.read_coverage_map()
            self._write(
                self._name(self.store.coverage_map_file),
                partial(self.store.write_coverage_map, _merged_map(old_map, state.covered_by)),
            )

    def shown(self, patch: CodePatch) -> None:
        """Audit a patch the user was shown and that was left for them to apply."""
        self._audit(patch, "shown, not applied")

    def not_applied(self, patch: CodePatch, why: str) -> None:
        """Audit a patch the door chose not to apply, with why."""
        self._audit(patch, f"not applied: {why}")

    def apply(self, patch: CodePatch) -> str | None:
        """Write ``patch`` to the user's files and audit it; why not, when it was not applied."""
        try:
            # Opened before the first user file is touched: no patch lands without its line.
            log = self.store.open_audit()
        except OSError as e:
            files = ", ".join(sorted(f.path for f in patch.files))
            audit = self._name(self.store.audit_file)
            return f"could not write {audit} ({_why(e)}); {files}: not applied"
        with log:
            try:
                apply_patch(self.root, patch)
            except ApplyError as e:
                self._append(log, _line(patch, False, f"not applied: {e}"))
                return str(e)
            self._append(log, _line(patch, True, "applied"))
        return None

    def _audit(self, patch: CodePatch, outcome: str) -> None:
        line = _line(patch, False, outcome)
        self._write(self._name(self.store.audit_file), partial(self.store.append_audit, line))

    def _append(self, log: BinaryIO, line: str) -> None:
        data = line.encode("utf-8") + b"\n"
        self._write(self._name(self.store.audit_file), partial(log.write, data))

    def _write(self, what: str, write: Callable[[], T]) -> T | None:
        """``write()``, or None with the failure kept as a problem about ``what``."""
        try:
            return write()
        except OSError as e:
            # Every write creates .aiap/ first: when that is what failed, say so once.
            if self.store.path.exists() and not self.store.path.is_dir():
                what = f"{DIRNAME}/"
            names = self._failed.setdefault(_why(e), [])
            if what not in names:
                names.append(what)
            return None

    def _name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _merged_map(old: CoverageMap | None, new: CoverageMap) -> CoverageMap:
    """``new`` over ``old``: what ``old`` says of test files that did not run in the new run stays,
    so a run of a few test files (the hook's) does not forget the others."""
    ran = {test for tests in new.values() for test in tests}
    merged = {source: set(tests) - ran for source, tests in (old or {}).items()}
    for source, tests in new.items():
        merged.setdefault(source, set()).update(tests)
    return {source: sorted(tests) for source, tests in sorted(merged.items()) if tests}


def _line(patch: CodePatch, applied: bool, outcome: str) -> str:
    return patch_record(patch, applied, outcome).model_dump_json()


def _why(e: OSError) -> str:
    return e.strerror or str(e)
