"""What the probe (``aiap.repair.probe``) writes about the reproduction run, and where.

The probe writes these records, one JSON line each, in the project's interpreter; the pipeline
reads them back in aiap's. So this module needs pydantic and the standard library only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from aiap.models import Frame

# Where the probe writes: its records, and the coverage.py data file (one context per test).
RECORDS_ENV = "AIAP_PROBE_RECORDS"
COVERAGE_ENV = "AIAP_COVERAGE_DATA"


class FailureRecord(BaseModel):
    """A test that failed, with every frame of its traceback (absolute paths)."""

    kind: Literal["failure"] = "failure"
    nodeid: str
    message: str
    error: str  # the exception's type name
    frames: list[Frame]


class PreloadRecord(BaseModel):
    """Modules from outside the project the run imported: a warm worker imports them once."""

    kind: Literal["preload"] = "preload"
    modules: list[str]


class LeakedImportsRecord(BaseModel):
    """Files of the user's tree the run imported instead of their twins in the copy."""

    kind: Literal["leaked-imports"] = "leaked-imports"
    files: list[str]


ProbeRecord = Annotated[
    FailureRecord | PreloadRecord | LeakedImportsRecord, Field(discriminator="kind")
]
_RECORD: TypeAdapter[ProbeRecord] = TypeAdapter(ProbeRecord)


def append_record(path: str, record: ProbeRecord) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(record.model_dump_json() + "\n")


def read_records(path: Path) -> list[ProbeRecord]:
    """The records in the order written; none when the run wrote no file."""
    if not path.exists():
        return []
    return [_RECORD.validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]
