"""What the suite already covers, per file: from a coverage data file, a coverage.xml, or a run.

Everything goes through coverage.py's own API (its JSON report of a data file) or, for
coverage.xml, the Cobertura format it writes; the result is plain data keyed by the file's path
relative to the project root.
"""

from __future__ import annotations

import json
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from aiap import tempdirs
from aiap.models import RunResult
from aiap.runner import run_pytest
from aiap.sandbox import Mode
from aiap.testgen.models import Arc


class CoverageDataError(Exception):
    """Coverage data that cannot be read; the message says which and why."""


class FileCoverage(BaseModel):
    statements: list[int]
    executed: list[int]
    branches_known: bool = True  # False when the data has lines only
    executed_branches: list[Arc] = Field(default_factory=list)
    missing_branches: list[Arc] = Field(default_factory=list)

    def missing(self) -> list[int]:
        done = set(self.executed)
        return [n for n in self.statements if n not in done]


def from_data_file(data_file: Path, files: Sequence[Path], root: Path) -> dict[str, FileCoverage]:
    """Read a ``.coverage`` data file for ``files`` (absolute paths)."""
    import coverage
    from coverage.exceptions import CoverageException

    if not data_file.is_file():
        raise CoverageDataError(f"{data_file}: no such coverage data file")
    cov = coverage.Coverage(data_file=str(data_file), config_file=False)
    with tempdirs.temporary("cov") as tmp:
        out = Path(tmp) / "coverage.json"
        try:
            cov.load()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unparsable files are reported by targets.py
                cov.json_report(morfs=[str(f) for f in files], outfile=str(out), ignore_errors=True)
        except CoverageException as e:
            raise CoverageDataError(f"{data_file}: {e}") from e
        except Exception as e:  # a corrupt file surfaces as sqlite3 errors
            raise CoverageDataError(f"{data_file}: not a coverage data file ({e})") from e
        report = json.loads(out.read_text()) if out.exists() else {"files": {}}
    return _from_json_files(report.get("files", {}), root)


def _from_json_files(files: dict[str, dict[str, object]], root: Path) -> dict[str, FileCoverage]:
    result = {}
    for name, entry in files.items():
        path = Path(name) if os.path.isabs(name) else Path.cwd() / name
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        executed = list(entry.get("executed_lines", []))  # type: ignore[call-overload]
        missing = list(entry.get("missing_lines", []))  # type: ignore[call-overload]
        known = "executed_branches" in entry
        result[rel] = FileCoverage(
            statements=sorted(executed + missing),
            executed=sorted(executed),
            branches_known=known,
            executed_branches=[tuple(a) for a in entry.get("executed_branches", [])],  # type: ignore[attr-defined]
            missing_branches=[tuple(a) for a in entry.get("missing_branches", [])],  # type: ignore[attr-defined]
        )
    return result


def from_xml(xml_file: Path, root: Path) -> dict[str, FileCoverage]:
    """Read a Cobertura ``coverage.xml`` (as ``coverage xml`` writes it)."""
    try:
        tree = ET.parse(xml_file)
    except (OSError, ET.ParseError) as e:
        raise CoverageDataError(f"{xml_file}: cannot be read as coverage XML ({e})") from e
    top = tree.getroot()
    sources = [Path(s.text.strip()) for s in top.iter("source") if s.text] or [root]
    result: dict[str, FileCoverage] = {}
    for cls in top.iter("class"):
        filename = cls.get("filename", "")
        rel = _relative(filename, sources, root)
        if rel is None:
            continue
        statements: list[int] = []
        executed: list[int] = []
        missing_arcs: list[Arc] = []
        for line in cls.iter("line"):
            number = int(line.get("number", "0"))
            statements.append(number)
            if int(line.get("hits", "0")) > 0:
                executed.append(number)
            missing = line.get("missing-branches")
            if missing:
                for dest in missing.split(","):
                    if dest.strip().lstrip("-").isdigit():
                        missing_arcs.append((number, int(dest)))
        result[rel] = FileCoverage(
            statements=sorted(set(statements)),
            executed=sorted(set(executed)),
            branches_known=False,  # the XML names missing branches, not every branch
            missing_branches=missing_arcs,
        )
    return result


def _relative(filename: str, sources: Sequence[Path], root: Path) -> str | None:
    for source in sources:
        path = Path(filename) if os.path.isabs(filename) else source / filename
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return None


def measure_suite(
    copy_root: Path,
    env: dict[str, str],
    data_file: Path,
    timeout: float,
    memory_mb: int | None,
    sandbox: Mode = "none",
) -> RunResult:
    """Run the project's suite in ``copy_root`` under coverage (branch mode) into ``data_file``.

    The ``aiap.testgen.carve`` plugin rides along, recording argument values for seeding.
    """
    env = {**env, "AIAP_GEN_COVERAGE_DATA": str(data_file)}
    return run_pytest(
        copy_root,
        ["-p", "aiap.testgen.suitecov", "-q", "-p", "no:randomly"],
        env=env,
        timeout=timeout,
        memory_mb=memory_mb,
        sandbox=sandbox,
    )
