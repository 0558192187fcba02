"""How likely each operator family is to hold the fix where it applies, relative to the others.

Candidates are tried in order of (line suspiciousness x prior). The priors are learned from the
bug corpus in bench/bugs by bench/priors.py, which also holds the belief it starts from, and are
checked on loading: every family has one, and nothing else does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel, model_validator

from aiap.offline.families import FAMILIES, Family


class Priors(RootModel[dict[Family, Annotated[float, Field(ge=0.0, le=1.0)]]]):
    @model_validator(mode="after")
    def _every_family(self) -> Priors:
        missing = [family for family in FAMILIES if family not in self.root]
        if missing:
            raise ValueError(f"no prior for {', '.join(missing)}")
        return self


PRIORS: dict[Family, float] = Priors.model_validate_json(
    Path(__file__).with_name("priors.json").read_text()
).root


def prior(family: Family) -> float:
    return PRIORS[family]
