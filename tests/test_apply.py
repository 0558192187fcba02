"""Applying a validated patch to the user's tree, and undoing it: the invariants of both."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aiap.apply import ApplyError, UndoRecord, apply_patch, list_undo, remove_stale_temps, undo
from aiap.edits import edits_between, unified_diff
from aiap.models import CodePatch, RunState, TouchedFile, sha256_bytes
from aiap.record import RunRecord
from tests.conftest import snapshot


def patch_for(root: Path, new_texts: dict[str, str], description: str = "fix") -> CodePatch:
    """A validated patch turning the current files under root into new_texts, as repair makes."""
    edits, diffs, files = [], [], []
    for path, new in new_texts.items():
        original = (root / path).read_bytes()
        old = original.decode("utf-8")
        edits += edits_between(path, old, new)
        diffs.append(unified_diff(path, old, new))
        files.append(
            TouchedFile(
                path=path,
                original_sha256=sha256_bytes(original),
                patched_sha256=sha256_bytes(new.encode("utf-8")),
            )
        )
    return CodePatch(
        engine="test", operator="test", description=description, edits=edits,
        diff="".join(diffs), files=files,
    )  # fmt: skip


def write(root: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def undo_records(root: Path) -> list[Path]:
    return sorted((root / ".aiap" / "undo").glob("*.json"))


BUGGY = b"def double(x):\n    return x + x + 1\n"
FIXED = "def double(x):\n    return x + x\n"


def test_apply_writes_the_validated_content(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/mod.py": BUGGY})
    apply_patch(tmp_path, patch_for(tmp_path, {"pkg/mod.py": FIXED}))
    assert (tmp_path / "pkg/mod.py").read_bytes() == FIXED.encode()


def test_apply_returns_the_undo_record_it_wrote(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    record_path = apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": FIXED}, "drop the + 1"))
    assert undo_records(tmp_path) == [record_path]
    record = UndoRecord.model_validate_json(record_path.read_bytes())
    assert record.patch_description == "drop the + 1"
    assert [f.path for f in record.files] == ["mod.py"]


def test_refuses_a_file_changed_since_validation_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    patch = patch_for(tmp_path, {"mod.py": FIXED})
    write(tmp_path, {"mod.py": BUGGY + b"# edited by the user meanwhile\n"})
    before = snapshot(tmp_path)
    with pytest.raises(
        ApplyError, match=r"^mod.py: changed since the patch was validated; not applied$"
    ):
        apply_patch(tmp_path, patch)
    assert snapshot(tmp_path) == before
    assert undo_records(tmp_path) == []


def test_refuses_a_deleted_file(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    patch = patch_for(tmp_path, {"mod.py": FIXED})
    (tmp_path / "mod.py").unlink()
    with pytest.raises(ApplyError, match="mod.py: changed since the patch was validated"):
        apply_patch(tmp_path, patch)
    assert not (tmp_path / "mod.py").exists()


def test_refuses_a_read_only_file_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    patch = patch_for(tmp_path, {"mod.py": FIXED})
    (tmp_path / "mod.py").chmod(0o444)
    with pytest.raises(ApplyError, match=r"^mod.py: read-only; not applied$"):
        apply_patch(tmp_path, patch)
    assert (tmp_path / "mod.py").read_bytes() == BUGGY
    assert undo_records(tmp_path) == []


def test_a_stale_second_file_leaves_both_files_untouched(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    patch = patch_for(tmp_path, {"a.py": "A = 2\n", "b.py": "B = 2\n"})
    write(tmp_path, {"b.py": b"B = 3\n"})
    before = snapshot(tmp_path)
    with pytest.raises(ApplyError, match="b.py: changed since the patch was validated"):
        apply_patch(tmp_path, patch)
    assert snapshot(tmp_path) == before
    assert undo_records(tmp_path) == []


def test_refuses_a_patch_that_does_not_reproduce_the_validated_content(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    patch = patch_for(tmp_path, {"mod.py": FIXED})
    patch.files[0].patched_sha256 = sha256_bytes(b"something else")
    with pytest.raises(ApplyError, match="mod.py: patch does not reproduce the validated content"):
        apply_patch(tmp_path, patch)
    assert (tmp_path / "mod.py").read_bytes() == BUGGY


def test_refuses_a_path_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    write(tmp_path, {"outside.py": BUGGY})
    patch = patch_for(tmp_path, {"outside.py": FIXED})
    patch.files[0].path = "../outside.py"
    with pytest.raises(ApplyError, match=r"^\.\./outside.py: outside the project; not applied$"):
        apply_patch(tmp_path / "project", patch)
    assert (tmp_path / "outside.py").read_bytes() == BUGGY


def test_a_patch_without_hashes_is_checked_against_the_given_sources(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    patch = patch_for(tmp_path, {"mod.py": FIXED}).model_copy(update={"files": []})
    write(tmp_path, {"mod.py": b"X = 1\n"})
    with pytest.raises(ApplyError, match="mod.py: changed since the patch was validated"):
        apply_patch(tmp_path, patch, sources={"mod.py": BUGGY.decode()})
    write(tmp_path, {"mod.py": BUGGY})
    apply_patch(tmp_path, patch, sources={"mod.py": BUGGY.decode()})
    assert (tmp_path / "mod.py").read_bytes() == FIXED.encode()


def test_apply_keeps_the_file_mode(tmp_path: Path) -> None:
    write(tmp_path, {"run.py": BUGGY})
    (tmp_path / "run.py").chmod(0o751)
    apply_patch(tmp_path, patch_for(tmp_path, {"run.py": FIXED}))
    assert stat.S_IMODE((tmp_path / "run.py").stat().st_mode) == 0o751


def test_apply_writes_through_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    write(tmp_path, {"real.py": BUGGY})
    (tmp_path / "link.py").symlink_to("real.py")
    apply_patch(tmp_path, patch_for(tmp_path, {"link.py": FIXED}))
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real.py").read_bytes() == FIXED.encode()


def test_the_undo_record_is_written_before_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    patch = patch_for(tmp_path, {"a.py": "A = 2\n", "b.py": "B = 2\n"})
    replaced: list[str] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    record_path = apply_patch(tmp_path, patch)
    assert replaced.index(record_path.name) < replaced.index("a.py") < replaced.index("b.py")


def failing_replace_of(name: str, error: BaseException) -> Callable[[str, str], None]:
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if Path(dst).name == name:
            raise error
        real_replace(src, dst)

    return replace


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (OSError(28, "No space left on device"), ApplyError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_a_failure_midway_puts_back_the_files_already_written_and_drops_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, raised: type
) -> None:
    write(tmp_path, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    patch = patch_for(tmp_path, {"a.py": "A = 2\n", "b.py": "B = 2\n"})
    before = snapshot(tmp_path)
    monkeypatch.setattr(os, "replace", failing_replace_of("b.py", error))
    with pytest.raises(raised):
        apply_patch(tmp_path, patch)
    assert snapshot(tmp_path) == before
    assert undo_records(tmp_path) == []
    assert not [p for p in tmp_path.rglob(".aiap-*")]  # no temp file left behind


def test_undo_restores_byte_identical_crlf_and_a_missing_final_newline(tmp_path: Path) -> None:
    originals = {
        "crlf.py": b"def f():\r\n    return 1\r\n",
        "no_eol.py": b"def g():\n    return 1",
    }
    write(tmp_path, originals)
    apply_patch(
        tmp_path,
        patch_for(
            tmp_path,
            {"crlf.py": "def f():\r\n    return 2\r\n", "no_eol.py": "def g():\n    return 2"},
        ),
    )
    assert (tmp_path / "crlf.py").read_bytes() == b"def f():\r\n    return 2\r\n"
    assert undo(tmp_path) == ["crlf.py", "no_eol.py"]
    assert snapshot(tmp_path) == originals


def test_undo_restores_the_file_mode(tmp_path: Path) -> None:
    write(tmp_path, {"run.py": BUGGY})
    (tmp_path / "run.py").chmod(0o750)
    apply_patch(tmp_path, patch_for(tmp_path, {"run.py": FIXED}))
    (tmp_path / "run.py").chmod(0o644)
    undo(tmp_path, force=True)
    assert stat.S_IMODE((tmp_path / "run.py").stat().st_mode) == 0o750


def test_undo_refuses_a_file_changed_after_apply(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    apply_patch(tmp_path, patch_for(tmp_path, {"a.py": "A = 2\n", "b.py": "B = 2\n"}))
    write(tmp_path, {"b.py": b"B = 2  # my own edit\n"})
    with pytest.raises(
        ApplyError,
        match=r"^b.py: changed since aiap applied the patch; use --force to restore anyway$",
    ):
        undo(tmp_path)
    assert snapshot(tmp_path) == {"a.py": b"A = 2\n", "b.py": b"B = 2  # my own edit\n"}
    assert len(undo_records(tmp_path)) == 1


def test_undo_force_restores_a_file_changed_after_apply(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": FIXED}))
    write(tmp_path, {"mod.py": b"my own edit\n"})
    assert undo(tmp_path, force=True) == ["mod.py"]
    assert (tmp_path / "mod.py").read_bytes() == BUGGY


def test_nothing_to_undo(tmp_path: Path) -> None:
    with pytest.raises(ApplyError, match=r"^nothing to undo$"):
        undo(tmp_path)


def test_undo_retires_the_record(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    record_path = apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": FIXED}))
    undo(tmp_path)
    assert undo_records(tmp_path) == []
    assert (record_path.parent / "done" / record_path.name).is_file()
    with pytest.raises(ApplyError, match="nothing to undo"):
        undo(tmp_path)


def test_undo_takes_the_newest_patch_first(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": b"X = 1\n"})
    apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": "X = 2\n"}, "first"))
    apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": "X = 3\n"}, "second"))
    assert [r.patch_description for r in list_undo(tmp_path)] == ["second", "first"]
    undo(tmp_path)
    assert (tmp_path / "mod.py").read_bytes() == b"X = 2\n"
    undo(tmp_path)
    assert (tmp_path / "mod.py").read_bytes() == b"X = 1\n"


def test_undo_completes_an_apply_killed_between_two_files(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    apply_patch(tmp_path, patch_for(tmp_path, {"a.py": "A = 2\n", "b.py": "B = 2\n"}))
    write(tmp_path, {"b.py": b"B = 1\n"})  # as if the kill came before b.py was replaced
    assert undo(tmp_path) == ["a.py"]
    assert snapshot(tmp_path) == {"a.py": b"A = 1\n", "b.py": b"B = 1\n"}


def test_undo_refuses_a_damaged_record_and_restores_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    record_path = apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": FIXED}))
    data = json.loads(record_path.read_text())
    data["files"][0]["original_b64"] = "AAAA"
    record_path.write_text(json.dumps(data))
    with pytest.raises(ApplyError, match="damaged undo record; nothing restored"):
        undo(tmp_path)
    assert (tmp_path / "mod.py").read_bytes() == FIXED.encode()


# A real kill: the child's os.replace SIGKILLs it between writing b.py's temp file and the rename.
KILLED_BEFORE_RENAMING_B = """
import os, signal, sys
from pathlib import Path
from aiap.apply import apply_patch
from aiap.models import CodePatch

real_replace = os.replace

def replace(src, dst):
    if Path(dst).name == "b.py":
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)

os.replace = replace
apply_patch(Path(sys.argv[1]), CodePatch.model_validate_json(Path(sys.argv[2]).read_text()))
"""


def _killed_apply(root: Path) -> list[Path]:
    """Apply a two-file patch in a process killed before b.py's rename: the temps it left."""
    write(root, {"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    patch = root.parent / "patch.json"
    patch.write_text(patch_for(root, {"a.py": "A = 2\n", "b.py": "B = 2\n"}).model_dump_json())
    done = subprocess.run([sys.executable, "-c", KILLED_BEFORE_RENAMING_B, str(root), str(patch)])
    assert done.returncode == -signal.SIGKILL
    left = list(root.glob(".aiap-*.tmp"))
    assert [p.read_bytes() for p in left] == [b"B = 2\n"]  # a full copy of the patched file
    return left


def test_undo_removes_the_temp_file_of_an_apply_killed_before_its_rename(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    _killed_apply(root)
    assert undo(root) == ["a.py"]
    assert snapshot(root) == {"a.py": b"A = 1\n", "b.py": b"B = 1\n"}


def test_the_next_run_removes_the_temp_file_of_an_apply_killed_before_its_rename(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    _killed_apply(root)
    RunRecord(root).save(RunState())
    assert list(root.glob(".aiap-*.tmp")) == []
    assert (root / "b.py").read_bytes() == b"B = 1\n"


def test_a_temp_file_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BUGGY})
    apply_patch(tmp_path, patch_for(tmp_path, {"mod.py": FIXED}))
    writing = tmp_path / f".aiap-{os.getpid()}-abcdefgh.tmp"  # another thread's write, under way
    writing.write_bytes(b"half")
    assert remove_stale_temps(tmp_path) == []
    assert writing.exists()
