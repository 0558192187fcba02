"""Writing a validated patch to the user's tree, atomically and undoably, and undoing it.

The user's files change only here. Every file is checked before any is written; an undo
record is written before the first file; each file is replaced atomically, and a failure
midway puts back the files already replaced. A kill between two files leaves the record,
and ``undo`` restores from a partly applied record as well as from a complete one.
"""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ValidationError

from aiap.aiapdir import TEMP_PREFIX, AiapDir, left_by_dead_writer, write_atomic
from aiap.edits import apply_edits
from aiap.models import CodePatch, TouchedFile, sha256_bytes

_STAMP = "%Y%m%dT%H%M%S%fZ"  # fixed width, so record names sort in time order


class ApplyError(Exception):
    """Why a patch was not applied or undone; the message is the line the user reads."""


class UndoFile(BaseModel):
    """One file as it was before aiap wrote it."""

    path: str  # relative to the project root, as in the patch
    original_b64: str
    original_sha256: str
    patched_sha256: str
    mode: int  # permission bits to restore


class UndoRecord(BaseModel):
    """Everything ``aiap undo`` needs to put back the files one applied patch changed."""

    created: str  # ISO 8601, UTC
    patch_description: str
    files: list[UndoFile]


@dataclass(frozen=True)
class _Planned:
    """One file of a patch, checked and ready to be written."""

    path: str
    target: Path
    original: bytes
    patched: bytes
    mode: int


def apply_patch(root: Path, patch: CodePatch, sources: dict[str, str] | None = None) -> Path:
    """Write ``patch`` to the files under ``root``; return the undo record's path.

    ``sources`` (path -> text the patch was validated against) is needed only for a patch
    that carries no ``files`` hashes: they are then derived from it.
    Raises ApplyError, having written nothing to the user's files.
    """
    remove_stale_temps(root)
    planned = [_plan(root, patch, touched) for touched in _touched_files(patch, sources)]
    record_path = _write_record(AiapDir(root), patch, planned)
    _replace_all(planned, record_path)
    return record_path


def undo(root: Path, force: bool = False) -> list[str]:
    """Restore the files of the newest applied patch, byte-identical; return their paths.

    Refuses, restoring nothing, when a file changed since aiap wrote it, unless ``force``.
    """
    store = AiapDir(root)
    remove_stale_temps(root)
    record_path = _newest_record(store.undo_dir)
    if record_path is None:
        raise ApplyError("nothing to undo")
    record = _read_record(record_path)
    restores = [
        item for item in (_plan_restore(root, f, force, record_path) for f in record.files) if item
    ]
    for item in restores:
        try:
            item.target.parent.mkdir(parents=True, exist_ok=True)  # under --force it may be gone
            write_atomic(item.target, item.original, item.mode)
        except OSError as e:
            raise ApplyError(
                f"{item.path}: could not be restored ({e.strerror or e}); "
                "the undo record is kept, run aiap undo again"
            ) from e
    try:
        done = store.undo_dir / "done"
        done.mkdir(exist_ok=True)
        os.replace(record_path, done / record_path.name)
    except OSError as e:
        # The files are restored; running undo again finds them original and retires the record.
        raise ApplyError(f"files restored, but the undo record could not be retired ({e})") from e
    return [item.path for item in restores]


def list_undo(root: Path) -> list[UndoRecord]:
    """The records ``aiap undo`` can still restore, newest first; unreadable ones left out."""
    records = []
    for path in sorted(AiapDir(root).undo_dir.glob("*.json"), reverse=True):
        try:
            records.append(_read_record(path))
        except ApplyError:
            continue
    return records


def _touched_files(patch: CodePatch, sources: dict[str, str] | None) -> list[TouchedFile]:
    """The patch's files with their validated hashes, derived from ``sources`` if missing."""
    if patch.files:
        return patch.files
    if sources is None:
        raise ApplyError(f"{patch.description}: no validated content recorded; not applied")
    files = []
    for path in sorted({e.path for e in patch.edits}):
        if path not in sources:
            raise ApplyError(f"{path}: no validated content recorded; not applied")
        old = sources[path]
        new = _edited(path, old, patch)
        files.append(
            TouchedFile(
                path=path,
                original_sha256=sha256_bytes(old.encode("utf-8")),
                patched_sha256=sha256_bytes(new.encode("utf-8")),
            )
        )
    return files


def _target(root: Path, path: str) -> Path:
    """The file ``path`` names under ``root``; through a symlink, the file it points to."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or Path(path).is_absolute():
        raise ApplyError(f"{path}: outside the project; not applied")
    # realpath so that os.replace writes the linked file rather than replacing the link.
    return Path(os.path.realpath(root / path))


def _plan(root: Path, patch: CodePatch, touched: TouchedFile) -> _Planned:
    """Check one file against what was validated, and compute its new bytes."""
    path = touched.path
    target = _target(root, path)
    stale = ApplyError(f"{path}: changed since the patch was validated; not applied")
    try:
        st = target.stat()
        original = target.read_bytes() if stat.S_ISREG(st.st_mode) else b""
    except FileNotFoundError:
        raise stale from None
    except OSError as e:
        raise ApplyError(f"{path}: cannot be read ({e.strerror or e}); not applied") from e
    if not stat.S_ISREG(st.st_mode) or sha256_bytes(original) != touched.original_sha256:
        raise stale
    # The mode bit, not os.access: root may write anything, but a read-only file means "hands off".
    if not st.st_mode & stat.S_IWUSR:
        raise ApplyError(f"{path}: read-only; not applied")
    # bytes.decode keeps line endings exactly; text-mode open would turn CRLF into LF.
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:
        raise ApplyError(f"{path}: not UTF-8; not applied") from None
    patched = _edited(path, text, patch).encode("utf-8")
    if sha256_bytes(patched) != touched.patched_sha256:
        raise ApplyError(f"{path}: patch does not reproduce the validated content; not applied")
    return _Planned(path, target, original, patched, stat.S_IMODE(st.st_mode))


def _edited(path: str, text: str, patch: CodePatch) -> str:
    try:
        return apply_edits(text, [e for e in patch.edits if e.path == path])
    except ValueError as e:
        raise ApplyError(f"{path}: patch does not apply ({e}); not applied") from e


def _write_record(store: AiapDir, patch: CodePatch, planned: list[_Planned]) -> Path:
    """Write the undo record, before any user file, so every write can be undone."""
    try:
        store.ensure()
        store.undo_dir.mkdir(exist_ok=True)
        created = _next_stamp(store.undo_dir)
        digest = sha256_bytes("".join(p.path + sha256_bytes(p.patched) for p in planned).encode())
        path = store.undo_dir / f"{created.strftime(_STAMP)}-{digest[:8]}.json"
        record = UndoRecord(
            created=created.isoformat(),
            patch_description=patch.description,
            files=[
                UndoFile(
                    path=p.path,
                    original_b64=base64.b64encode(p.original).decode("ascii"),
                    original_sha256=sha256_bytes(p.original),
                    patched_sha256=sha256_bytes(p.patched),
                    mode=p.mode,
                )
                for p in planned
            ],
        )
        write_atomic(path, record.model_dump_json(indent=2).encode("utf-8"))
    except OSError as e:
        raise ApplyError(f"could not write the undo record under .aiap/ ({e}); not applied") from e
    return path


def _next_stamp(undo_dir: Path) -> datetime:
    """Now, or just after the newest record if the clock is coarse or went back: undo is LIFO."""
    now = datetime.now(timezone.utc)
    newest = _newest_record(undo_dir)
    if newest is None:
        return now
    try:
        last = datetime.strptime(newest.name.split("-", 1)[0], _STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return now
    return max(now, last + timedelta(microseconds=1))


def _replace_all(planned: list[_Planned], record_path: Path) -> None:
    """Write every file; on failure or interrupt, put back those already written."""
    written: list[_Planned] = []
    current = planned[0].path if planned else ""
    try:
        for item in planned:
            current = item.path
            write_atomic(item.target, item.patched, item.mode)
            written.append(item)
    except BaseException as e:
        unrestored = _put_back(written)
        if unrestored:
            # Keep the record: it is the only copy of those originals.
            message = (
                f"{current}: could not be written ({e}); {', '.join(unrestored)} could not be "
                "put back: run aiap undo"
            )
        else:
            record_path.unlink(missing_ok=True)
            message = f"{current}: could not be written ({e}); nothing was changed"
        if isinstance(e, Exception):
            raise ApplyError(message) from e
        raise  # KeyboardInterrupt and friends keep their meaning, after the put-back


def _put_back(written: list[_Planned]) -> list[str]:
    """Restore the originals of ``written``; the paths that could not be restored."""
    failed = []
    for item in reversed(written):
        try:
            write_atomic(item.target, item.original, item.mode)
        except OSError:
            failed.append(item.path)
    return failed


# Pending undo records whose files' directories are looked at for a killed write's temp file.
STALE_RECORDS = 20


def remove_stale_temps(root: Path) -> list[str]:
    """Remove the temp files a killed apply or undo left beside the files it was writing (the
    files of the pending undo records); their paths."""
    records = sorted(AiapDir(root).undo_dir.glob("*.json"), key=lambda p: p.name)
    directories: set[Path] = set()
    for path in records[-STALE_RECORDS:]:
        try:
            files = _read_record(path).files
            directories.update(_target(root, file.path).parent for file in files)
        except ApplyError:
            continue
    removed = []
    for directory in sorted(directories):
        for temp in directory.glob(f"{TEMP_PREFIX}*.tmp"):
            if left_by_dead_writer(temp):
                try:
                    temp.unlink()
                except OSError:
                    continue
                removed.append(os.path.relpath(temp, root))
    return removed


def _newest_record(undo_dir: Path) -> Path | None:
    return max(undo_dir.glob("*.json"), key=lambda p: p.name, default=None)


def _read_record(path: Path) -> UndoRecord:
    try:
        return UndoRecord.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        name = f".aiap/undo/{path.name}"
        raise ApplyError(f"{name}: unreadable undo record; nothing restored") from e


def _plan_restore(root: Path, file: UndoFile, force: bool, record_path: Path) -> _Planned | None:
    """Check one file before restoring; None when it already has its original content."""
    target = _target(root, file.path)
    try:
        original = base64.b64decode(file.original_b64, validate=True)
    except ValueError:
        original = None
    if original is None or sha256_bytes(original) != file.original_sha256:
        raise ApplyError(f".aiap/undo/{record_path.name}: damaged undo record; nothing restored")
    try:
        current: bytes | None = target.read_bytes()
    except OSError:
        current = None
    if current is not None and sha256_bytes(current) == file.original_sha256:
        return None  # never written, e.g. the apply was killed before reaching this file
    if not force and (current is None or sha256_bytes(current) != file.patched_sha256):
        raise ApplyError(
            f"{file.path}: changed since aiap applied the patch; use --force to restore anyway"
        )
    return _Planned(file.path, target, original, b"", file.mode)
