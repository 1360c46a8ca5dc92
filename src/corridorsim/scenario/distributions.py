"""Building blocks of the scenario schema: the frozen base model, bounded numbers and
durations, probabilities, and the duration distributions scenario authors write.

Every number is finite and every quantity has a physical upper bound, stated in the
docstring of the field that uses it: a value that validates can be simulated, without
overflowing, exhausting memory or turning into ``inf``. A duration alone (``36h``) is
a fixed distribution; otherwise ``dist:`` names one of fixed, exponential, uniform,
triangular, lognormal or empirical.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import CoreSchema

from corridorsim.units import HOURS_PER_UNIT, parse_duration

HOURS_PER_YEAR = 8766.0
MAX_HOURS = 100 * HOURS_PER_YEAR
"""The longest duration anything may take or a run may last: 100 years."""


def _not_a_flag(value: object) -> object:
    """``true`` is not 1: YAML booleans are refused where a number is expected."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


Number = Annotated[float, BeforeValidator(_not_a_flag)]
"""A finite number (the base model refuses inf and NaN), not a boolean."""
Whole = Annotated[int, BeforeValidator(_not_a_flag)]
"""A whole number, not a boolean."""

def _any_case(unit: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in unit)


DURATION_UNITS = tuple(sorted(HOURS_PER_UNIT, key=lambda u: (HOURS_PER_UNIT[u], len(u), u)))
"""The units ``parse_duration`` knows (any case), shortest first within a unit."""
DURATION_PATTERN = (r"^\s*\+?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)\s*(?:"
                    + "|".join(_any_case(u) for u in sorted(DURATION_UNITS, key=len,
                                                            reverse=True))
                    + r")?\s*$")
"""A non-negative duration as text (``36h``, ``2.5 d``, ``45min``, ``12``: no unit is hours),
in the regular-expression dialect of JSON Schema (ECMA-262: no flags, so each unit is
spelt in any case letter by letter)."""
DURATION_ALTERNATIVES: list[dict[str, Any]] = [
    {"type": "number"}, {"type": "string", "pattern": DURATION_PATTERN}]
"""A duration in the JSON schema: a number of hours, or text with a unit."""


def duration_json(**bounds: float) -> WithJsonSchema:
    """The JSON schema of a duration with bounds on its number of hours (``minimum``,
    ``exclusiveMinimum``, ``maximum``...; a bound applies to numbers only, the loader
    checks text against the same bounds once it is read as hours)."""
    return WithJsonSchema({"anyOf": DURATION_ALTERNATIVES, **bounds})


def _at_most_100_years(hours: float) -> float:
    if hours > MAX_HOURS:
        raise ValueError(f"expected a duration of at most 100 years ({MAX_HOURS:,.0f} h), "
                         f"got {hours / HOURS_PER_YEAR:,.4g} years")
    return hours


Hours = Annotated[float, BeforeValidator(parse_duration), Field(ge=0),
                  AfterValidator(_at_most_100_years),
                  duration_json(minimum=0, maximum=MAX_HOURS)]
"""A duration from 0 to 100 years (``36h``, ``2.5d``, ``45min``; a bare number is hours)."""
PositiveHours = Annotated[float, BeforeValidator(parse_duration), Field(gt=0),
                          AfterValidator(_at_most_100_years),
                          duration_json(exclusiveMinimum=0, maximum=MAX_HOURS)]
"""A duration longer than 0, at most 100 years."""
Probability = Annotated[Number, Field(ge=0, le=1)]
TimeOfDay = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, le=24),
                      duration_json(minimum=0, maximum=24)]
"""A time of day as a duration after midnight (``8h``, ``20.5h``), 0 to 24 hours."""
MonthlyValues = Annotated[list[Annotated[Number, Field(ge=0, le=1000)]],
                          Field(min_length=12, max_length=12)]
"""Twelve values, January to December, each from 0 to 1,000."""

Servers = Annotated[Whole, Field(ge=1, le=1000)]
"""Lanes, tracks or berths working at the same time: 1 to 1,000."""
Fleet = Annotated[Whole, Field(ge=1, le=5000)]
"""Vessels of a service: 1 to 5,000."""
Teu = Annotated[Whole, Field(ge=1, le=10_000)]
"""TEU of a consignment, a train or a vessel: 1 to 10,000 (the largest container ships
carry about 24,000 TEU; no rail or Caspian unit comes near 10,000)."""
YardTeu = Annotated[Whole, Field(ge=1, le=10_000_000)]
"""TEU a yard holds: 1 to 10 million."""
PerDay = Annotated[Number, Field(ge=0.001, le=1440)]
"""Trains a day: from 0.001 (one in almost three years) to one a minute (1,440)."""
TeuPerHour = Annotated[Number, Field(gt=0, le=100_000)]
"""A handling rate in TEU per hour: more than 0, at most 100,000."""
Kilometres = Annotated[Number, Field(gt=0, le=50_000)]
"""A distance: more than 0, at most 50,000 km."""
KmPerHour = Annotated[Number, Field(gt=0, le=1000)]
"""A speed: more than 0, at most 1,000 km/h."""
Usd = Annotated[Number, Field(ge=0, le=10_000_000)]
"""Money per TEU (or per TEU and day): 0 to 10 million USD."""
UsdPerKm = Annotated[Number, Field(ge=0, le=10_000)]
"""A tariff per TEU-km: 0 to 10,000 USD."""
KgCo2PerTeuKm = Annotated[Number, Field(ge=0, le=1000)]
"""An emission factor: 0 to 1,000 kg CO2 per TEU-km."""


class Model(BaseModel):
    """Base of every schema model (scenario, sweep and calibration-target files): frozen,
    no unknown keys, finite numbers only, and each field's docstring is its description
    in the JSON schema."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_attribute_docstrings=True, allow_inf_nan=False)


# --- distributions -------------------------------------------------------------------------


def _dist_is_required(schema: dict[str, Any]) -> None:
    """In a mapping, ``dist`` names the kind even for a fixed duration (the union is told
    apart by it); only code may leave it out."""
    schema["required"] = ["dist", *schema.get("required", [])]
    schema["properties"]["dist"].pop("default", None)


class Fixed(Model):
    """Always the same duration."""

    model_config = ConfigDict(json_schema_extra=_dist_is_required)

    dist: Literal["fixed"] = "fixed"
    """Distribution kind: ``fixed`` (a duration alone, ``36h``, is short for this)."""
    value: Hours
    """The duration."""


class Exponential(Model):
    """Memoryless durations: the queueing-theory service time."""

    dist: Literal["exponential"]
    """Distribution kind: ``exponential``."""
    mean: PositiveHours
    """Mean duration."""


class Uniform(Model):
    """Any duration between two bounds, equally likely."""

    dist: Literal["uniform"]
    """Distribution kind: ``uniform``."""
    low: Hours
    """Shortest duration."""
    high: Hours
    """Longest duration."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self


class Triangular(Model):
    """A duration with a most likely value between two bounds (expert estimates)."""

    dist: Literal["triangular"]
    """Distribution kind: ``triangular``."""
    low: Hours
    """Shortest duration."""
    mode: Hours
    """Most likely duration."""
    high: Hours
    """Longest duration."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("expected low <= mode <= high")
        return self


class Lognormal(Model):
    """A right-skewed duration: the World Bank's model of lead time above its minimum.

    The draw is ``minimum + X`` where X is lognormal with mean ``mean - minimum``
    and coefficient of variation ``cv`` (so ``cv`` describes the excess above the
    minimum, as in "The Cost of Being Landlocked", 2010).
    """

    dist: Literal["lognormal"]
    """Distribution kind: ``lognormal``."""
    mean: PositiveHours
    """Mean of the whole duration (minimum included)."""
    cv: Annotated[Number, Field(gt=0, le=10)]
    """Coefficient of variation of the excess above ``minimum`` (more than 0, at most 10)."""
    minimum: Hours = 0.0
    """Duration that is never undercut (technical minimum)."""

    @model_validator(mode="after")
    def _above_minimum(self) -> Lognormal:
        if self.mean <= self.minimum:
            raise ValueError("mean must be larger than minimum")
        return self


class Empirical(Model):
    """Observed durations, resampled (optionally with weights)."""

    dist: Literal["empirical"]
    """Distribution kind: ``empirical``."""
    values: Annotated[list[Hours], Field(min_length=1)]
    """Observed durations."""
    weights: list[Annotated[Number, Field(gt=0, le=1e12)]] | None = None
    """Relative frequency of each value (more than 0, at most 1e12); equal when omitted."""

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError("weights must have as many entries as values")
        return self


def _shorthand_fixed(value: object) -> object:
    """Let ``36h`` or ``12`` stand for ``{dist: fixed, value: ...}``."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


class _OrADuration:
    """The JSON schema of a distribution: a duration alone (the shorthand of a fixed one)
    or a mapping whose ``dist`` names the kind."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"anyOf": [{"anyOf": DURATION_ALTERNATIVES, "minimum": 0, "maximum": MAX_HOURS},
                          handler(core_schema)]}


Distribution = Annotated[
    Annotated[
        Fixed | Exponential | Uniform | Triangular | Lognormal | Empirical,
        Field(discriminator="dist"),
    ],
    BeforeValidator(_shorthand_fixed),
    _OrADuration(),
]

ZERO = Fixed(value=0.0)


def mean_hours(dist: Fixed | Exponential | Uniform | Triangular | Lognormal | Empirical
               ) -> float:
    """The mean of a distribution in hours (for the size estimate of a scenario)."""
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Exponential | Lognormal):
        return dist.mean
    if isinstance(dist, Uniform):
        return (dist.low + dist.high) / 2
    if isinstance(dist, Triangular):
        return (dist.low + dist.mode + dist.high) / 3
    weights = dist.weights or [1.0] * len(dist.values)
    return sum(v * w for v, w in zip(dist.values, weights, strict=True)) / sum(weights)
