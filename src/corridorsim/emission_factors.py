"""The emission factor file (``data/emission_factors.yaml``): typed, each factor with its
source, read once.

Factors are data, not code, so that a reader checks every number against its source in
one file and a new figure needs no code change. A factor without a source is refused: the
file is the citation. A leaf: the scenario schema reads the names of its vessel classes
and countries from here, and ``emissions.py`` its numbers.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from corridorsim.errors import CorridorsimError

FACTOR_FILE = "emission_factors.yaml"
"""The packaged factor file, under ``corridorsim/data``."""

Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Where a factor comes from, or ``assumption:`` and why: never empty."""

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(_Data):
    """One number and its source."""

    value: NonNegative
    source: Source


class Share(_Data):
    """A share (0 to 1) and its source."""

    value: Annotated[float, Field(ge=0, le=1)]
    source: Source


class Payload(_Data):
    """Tonnes a TEU weighs for t-km factors, and TEU per container handled."""

    loaded_t_per_teu: Factor
    empty_t_per_teu: Factor
    teu_per_container: Factor


class RailFactors(_Data):
    """Rail traction: electric energy per t-km, diesel emissions per t-km."""

    electric_kwh_per_tkm: Factor
    diesel_ttw_kg_per_tkm: Factor
    diesel_wtw_kg_per_tkm: Factor


class CountryFactors(_Data):
    """A country's electrified share of train-km and its grid's emission factor."""

    electrified_share: Share
    grid_kg_per_kwh: Factor


class VesselFactors(_Data):
    """A vessel class's TTW and WTW intensity per t-km (one source for the pair)."""

    ttw_kg_per_tkm: NonNegative
    wtw_kg_per_tkm: NonNegative
    source: Source


class HandlingFactors(_Data):
    """Emissions per container handled at a kind of terminal."""

    ttw_kg_per_container: NonNegative
    wtw_kg_per_container: NonNegative
    source: Source


class EmissionFactors(_Data):
    """The whole factor file."""

    standard: Source
    payload: Payload
    rail: RailFactors
    countries: dict[str, CountryFactors]
    vessel_classes: dict[str, VesselFactors]
    handling: dict[str, HandlingFactors]


class EmissionFactorError(CorridorsimError):
    """A factor file that is not as documented (a factor without a source, say)."""


def read_factors(path: Path) -> EmissionFactors:
    """The factor file at ``path``; its first problem as one line naming the key."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return EmissionFactors.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        what = ("a non-empty source" if error["loc"][-1] == "source"
                else error["msg"].lower())
        raise EmissionFactorError(f"{path}: {key}: expected {what}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise EmissionFactorError(f"{path}: cannot read the emission factors: {exc}") from None


@functools.cache
def packaged_factors() -> EmissionFactors:
    """The factors shipped with the package (read once per process)."""
    with resources.as_file(resources.files("corridorsim") / "data" / FACTOR_FILE) as path:
        return read_factors(path)
