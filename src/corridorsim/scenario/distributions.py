"""Building blocks of the scenario schema: the frozen base model, durations in hours,
probabilities, and the duration distributions scenario authors write.

A duration alone (``36h``) is a fixed distribution; otherwise ``dist:`` names one of
fixed, exponential, uniform, triangular, lognormal or empirical.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    model_validator,
)

from corridorsim.units import parse_duration

Hours = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]
PositiveHours = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
TimeOfDay = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, le=24)]
MonthlyValues = Annotated[list[NonNegativeFloat], Field(min_length=12, max_length=12)]


class Model(BaseModel):
    """Base of every schema model (scenario, sweep and calibration-target files): frozen,
    no unknown keys, and each field's docstring is its description in the JSON schema."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_attribute_docstrings=True)


# --- distributions -------------------------------------------------------------------------


class Fixed(Model):
    """Always the same duration."""

    dist: Literal["fixed"] = "fixed"
    value: Hours
    """The duration."""


class Exponential(Model):
    """Memoryless durations: the queueing-theory service time."""

    dist: Literal["exponential"]
    mean: PositiveHours
    """Mean duration."""


class Uniform(Model):
    """Any duration between two bounds, equally likely."""

    dist: Literal["uniform"]
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
    mean: PositiveHours
    """Mean of the whole duration (minimum included)."""
    cv: PositiveFloat
    """Coefficient of variation of the excess above ``minimum``."""
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
    values: Annotated[list[Hours], Field(min_length=1)]
    """Observed durations."""
    weights: list[PositiveFloat] | None = None
    """Relative frequency of each value; equal when omitted."""

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


Distribution = Annotated[
    Annotated[
        Fixed | Exponential | Uniform | Triangular | Lognormal | Empirical,
        Field(discriminator="dist"),
    ],
    BeforeValidator(_shorthand_fixed),
]

ZERO = Fixed(value=0.0)
