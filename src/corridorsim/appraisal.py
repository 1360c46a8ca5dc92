"""What a project is worth: a project scenario against its reference on the same random
numbers, its yearly benefits valued and set against its investments (``appraisals/``).

Both scenarios run with the same seed and replications, so replication ``r`` of each
draws the same storms, arrivals and service times wherever the two networks agree
(common random numbers), and the benefit of replication ``r`` is a paired difference:
its noise is shared with the reference and largely cancels. Per replication and
simulated year, over the consignments released that year (``shipments.csv``):

* time: (mean transit days of the reference - of the project) x TEU x the value of a
  TEU-day, the TEU taken as the mean of the two (the rule of a half: cargo the project
  draws from the sea or from the other corridor gains half the saving);
* reliability: the same with the spread (p90 - median transit days) and its value;
* CO2: (tonnes of the reference - of the project) x the carbon price of the year.

Tariffs and fees are transfers between shippers and operators, not resource costs, and
are left out of the benefits, as the economic (not financial) analysis of the European
Commission's *Guide to Cost-Benefit Analysis of Investment Projects* (2014, §2.8: "fiscal
corrections", transfer payments) prescribes. The k-th simulated year is the k-th year
of the appraisal period; after the simulated years the last year's benefits are held, or
grow at a rate (``after_simulation``). Discounting as ``economics.py``.

Not done yet (issue 16): cost components per TEU and emissions by ISO 14083 / GLEC (the
CO2 valued here is the scenarios' own ``co2_kg_per_teu``), the consumer surplus of
diverted volume by the logsum, a split of benefits by beneficiary beyond the countries
where time is saved, and reference appraisals with cited capital costs.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from corridorsim.economics import (
    internal_rate_of_return,
    net_present_value,
    present_value,
)
from corridorsim.errors import KeyPathError, ScenarioError
from corridorsim.experiment.replications import RunResult, run
from corridorsim.report.manifest import package_versions, scenario_hash
from corridorsim.scenario.distributions import Model, Whole
from corridorsim.scenario.loader import load_scenario, read_yaml_mapping
from corridorsim.scenario.messages import error_from_validation
from corridorsim.scenario.schema import ResultsName, Scenario
from corridorsim.scenario.sections import Country
from corridorsim.stats import estimate

Year = Annotated[Whole, Field(ge=1900, le=2200)]
Usd = Annotated[float, Field(ge=0, le=1e13)]


class Investment(Model):
    """One investment of the project: what it costs, when, for how long, who pays."""

    capital_usd: Usd
    """Capital cost, all spent in ``year``."""
    year: Year
    """The year the capital is spent."""
    lifetime_years: Annotated[Whole, Field(ge=1, le=200)]
    """Economic life; what is left of it at the end of the appraisal period is a
    residual value (straight-line), a benefit of the last year."""
    operating_usd_per_year: Usd = 0.0
    """Yearly operating and maintenance cost, from the year after ``year`` to the end of
    its life or of the period."""
    country: Country
    """The country that pays (ISO 3166-1 alpha-2)."""


class AppraisalValues(Model):
    """Unit values of the benefits."""

    time_usd_per_teu_day: Usd
    """Value of a TEU-day in transit (the inventory cost of the cargo)."""
    reliability_usd_per_teu_day: Usd = 0.0
    """Value of a day less of spread (p90 - median transit) per TEU."""
    co2_usd_per_tonne: Annotated[dict[Year, Usd], Field(min_length=1)]
    """Carbon price by year; linear between the years given, flat before the first and
    after the last."""


class Appraisal(Model):
    """An appraisal file: a project scenario against its reference, valued."""

    name: ResultsName
    """Results go to ``results/<name>/``."""
    description: str = ""
    reference: str
    """The reference scenario file, relative to this file."""
    project: str
    """The project scenario file (usually ``extends:`` the reference), relative to this
    file; its network must have the reference's nodes and routes."""
    replications: Annotated[Whole, Field(ge=2, le=10_000)] = 10
    """Paired replications (at least 2, for an interval)."""
    seed: Annotated[Whole, Field(ge=0)] | None = None
    """Base seed of both runs; the reference scenario's when omitted."""
    discount_rate: Annotated[float, Field(ge=0, le=0.5)]
    """Real yearly discount rate (0 to 50 %)."""
    first_year: Year
    """The first year of the appraisal period (year 0, not discounted); the first
    simulated year stands for it."""
    last_year: Year
    after_simulation: Literal["hold_last", "grow"] = "hold_last"
    """Past the simulated years: the last simulated year's benefits held, or grown."""
    growth_per_year: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.0
    """With ``grow``: the yearly growth of the benefits past the simulated years."""
    values: AppraisalValues
    investments: Annotated[dict[str, Investment], Field(min_length=1)]

    @model_validator(mode="after")
    def _period(self) -> Appraisal:
        if self.last_year < self.first_year:
            raise KeyPathError("last_year", f"must not be before first_year "
                               f"({self.first_year}), got {self.last_year}")
        for name, investment in self.investments.items():
            if not self.first_year <= investment.year <= self.last_year:
                raise KeyPathError(f"investments.{name}.year",
                                   f"{investment.year} is outside the appraisal period "
                                   f"({self.first_year}-{self.last_year})")
        return self

    @property
    def years(self) -> list[int]:
        """The years of the appraisal period."""
        return list(range(self.first_year, self.last_year + 1))

    def carbon_price(self, year: int) -> float:
        """The carbon price of ``year`` (linear between given years, flat outside)."""
        points = sorted(self.values.co2_usd_per_tonne.items())
        if year <= points[0][0]:
            return points[0][1]
        for (y0, p0), (y1, p1) in itertools.pairwise(points):
            if y0 <= year <= y1:
                return p0 + (p1 - p0) * (year - y0) / (y1 - y0)
        return points[-1][1]


def load_appraisal(path: Path) -> Appraisal:
    """Read and validate an appraisal file; errors name the file and the key."""
    if not path.exists():
        raise ScenarioError("file not found; expected an appraisal YAML file", source=path)
    document = read_yaml_mapping(path, "appraisal")
    try:
        return Appraisal.model_validate(document)
    except ValidationError as exc:
        raise error_from_validation(exc, Appraisal, path, document, "appraisal file") from None


# --- the yearly outcomes of one run ----------------------------------------------------------


@dataclass(frozen=True)
class YearOutcome:
    """What one replication delivered of the consignments released in one year."""

    teu: float
    mean_days: float
    spread_days: float
    co2_tonnes: float
    days_by_country: dict[str, float]
    """TEU-weighted mean days in each country."""


def yearly_outcomes(shipments: Iterable[Mapping[str, Any]]
                    ) -> dict[tuple[int, int], YearOutcome]:
    """Per (replication, year of release): TEU, mean transit, spread, CO2, days by
    country, of the delivered consignments (those still travelling at the end are left
    out: give the scenarios a drain long enough to deliver them)."""
    groups: dict[tuple[int, int], list[Mapping[str, Any]]] = {}
    for row in shipments:
        if row["transit_days"] is None:
            continue
        key = (int(row["replication"]), int(str(row["released_at"])[:4]))
        groups.setdefault(key, []).append(row)
    out = {}
    for key, rows in groups.items():
        teu = float(sum(r["teu"] for r in rows))
        days = sorted(float(r["transit_days"]) for r in rows)
        countries = [c for c in rows[0] if c.startswith("days_in_")]
        out[key] = YearOutcome(
            teu=teu,
            mean_days=sum(r["teu"] * r["transit_days"] for r in rows) / teu,
            spread_days=_percentile(days, 0.9) - _percentile(days, 0.5),
            co2_tonnes=sum(r["teu"] * (r["co2_kg_per_teu"] or 0.0) for r in rows) / 1000.0,
            days_by_country={c.removeprefix("days_in_"): sum(r["teu"] * (r[c] or 0.0)
                                                              for r in rows) / teu
                             for c in countries})
    return out


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile of sorted values (numpy's default)."""
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- benefits and costs ----------------------------------------------------------------------


BENEFIT_TYPES = ("time", "reliability", "co2")


@dataclass(frozen=True)
class YearBenefits:
    """One replication's benefits of one simulated year, by type, and the time saved by
    the country it is saved in (USD)."""

    by_type: dict[str, float]
    time_by_country: dict[str, float]


def year_benefits(reference: YearOutcome, project: YearOutcome, appraisal: Appraisal,
                  year: int) -> YearBenefits:
    """The paired benefits of one year (see the module docstring)."""
    values = appraisal.values
    teu = (reference.teu + project.teu) / 2.0  # the rule of a half
    countries = sorted(set(reference.days_by_country) | set(project.days_by_country))
    return YearBenefits(
        by_type={"time": values.time_usd_per_teu_day * teu
                 * (reference.mean_days - project.mean_days),
                 "reliability": values.reliability_usd_per_teu_day * teu
                 * (reference.spread_days - project.spread_days),
                 "co2": appraisal.carbon_price(year)
                 * (reference.co2_tonnes - project.co2_tonnes)},
        time_by_country={c: values.time_usd_per_teu_day * teu
                         * (reference.days_by_country.get(c, 0.0)
                            - project.days_by_country.get(c, 0.0)) for c in countries})


def extrapolated(simulated: Sequence[float], years: int, appraisal: Appraisal) -> list[float]:
    """Benefits of every year of the period from those of the simulated years."""
    out = list(simulated[:years])
    growth = appraisal.growth_per_year if appraisal.after_simulation == "grow" else 0.0
    last = simulated[-1]
    for k in range(len(out), years):
        out.append(last * (1.0 + growth) ** (k - len(simulated) + 1))
    return out


def yearly_costs(appraisal: Appraisal) -> dict[str, list[tuple[float, float, float]]]:
    """Per investment, per year of the period: (capital, operating, residual value)."""
    years = appraisal.years
    out = {}
    for name, inv in appraisal.investments.items():
        end_of_life = inv.year + inv.lifetime_years - 1
        rows = []
        for year in years:
            capital = inv.capital_usd if year == inv.year else 0.0
            operating = (inv.operating_usd_per_year
                         if inv.year < year <= end_of_life else 0.0)
            residual = 0.0
            if year == years[-1] and end_of_life > year:
                residual = inv.capital_usd * (end_of_life - year) / inv.lifetime_years
            rows.append((capital, operating, residual))
        out[name] = rows
    return out


# --- the appraisal ---------------------------------------------------------------------------


APPRAISAL_FILE = "appraisal.csv"
APPRAISAL_COLUMNS = ("section", "item", "year", "country", "mean", "half_width", "unit")


@dataclass
class AppraisalResult:
    """An appraisal's rows (``appraisal.csv``) and what reproduces them."""

    appraisal: Appraisal
    rows: list[dict[str, Any]]
    manifest: dict[str, Any]
    npv: list[float] = field(default_factory=list)
    """The net present value of each replication (USD)."""

    def value(self, section: str, item: str, year: int | None = None) -> dict[str, Any]:
        """The row of ``section`` and ``item`` (and ``year``)."""
        for row in self.rows:
            if row["section"] == section and row["item"] == item and row["year"] == year:
                return row
        raise KeyError((section, item, year))


def appraise(appraisal: Appraisal | str | Path, replications: int | None = None,
             workers: int = 1, source: Path | None = None) -> AppraisalResult:
    """Run an appraisal: both scenarios on the same seed and replications, benefits per
    replication and year, NPV, benefit-cost ratio and EIRR with 95 % intervals."""
    if not isinstance(appraisal, Appraisal):
        source = Path(appraisal)
        appraisal = load_appraisal(source)
    base = source.parent if source is not None else Path(".")
    reference = _scenario(base, appraisal.reference, "reference", source)
    project = _scenario(base, appraisal.project, "project", source)
    _check_network(reference, project, source)
    n = replications or appraisal.replications
    seed = appraisal.seed if appraisal.seed is not None else reference.seed
    ref_run = run(reference, replications=n, seed=seed, workers=workers)
    proj_run = run(project, replications=n, seed=seed, workers=workers)
    return appraisal_of_runs(appraisal, ref_run, proj_run, source)


def _scenario(base: Path, written: str, key: str, source: Path | None) -> Scenario:
    path = base / written
    if not path.exists():
        raise ScenarioError(f"file {written!r} not found; expected a scenario file, "
                            "relative to the appraisal file", source=source, key_path=key)
    return load_scenario(path)


def _check_network(reference: Scenario, project: Scenario, source: Path | None) -> None:
    """The project is the reference's network with other settings: the same nodes and
    routes (an appraisal values changes to a network, not a different one)."""
    for what, a, b in (("nodes", set(reference.node_kinds), set(project.node_kinds)),
                       ("routes", set(reference.routes), set(project.routes))):
        if a != b:
            extra, missing = sorted(b - a), sorted(a - b)
            parts = ([f"adds {what} {', '.join(extra)}"] if extra else []) + (
                [f"lacks {what} {', '.join(missing)}"] if missing else [])
            raise ScenarioError(f"does not match the reference's network: it "
                                f"{' and '.join(parts)}; expected a project that extends "
                                "the reference with other settings", source=source,
                                key_path="project")


def appraisal_of_runs(appraisal: Appraisal, reference: RunResult, project: RunResult,
                      source: Path | None = None, pairing: int = 0) -> AppraisalResult:
    """The appraisal of two runs of the same replications; replication ``r`` of the
    reference is paired with replication ``(r + pairing) mod n`` of the project
    (``pairing=0``: common random numbers; another value pairs runs that share nothing,
    to show what the pairing is worth)."""
    ref, proj = yearly_outcomes(reference.shipments), yearly_outcomes(project.shipments)
    n = min(len(reference.outcomes), len(project.outcomes))
    simulated = sorted({y for (_, y) in ref})
    if not simulated:
        raise ScenarioError("the reference delivered nothing in its demand window",
                            source=source, key_path="reference")
    years = appraisal.years
    costs = yearly_costs(appraisal)
    capital = [sum(c[t][0] for c in costs.values()) for t in range(len(years))]
    operating = [sum(c[t][1] for c in costs.values()) for t in range(len(years))]
    residual = [sum(c[t][2] for c in costs.values()) for t in range(len(years))]
    cost = [c + o for c, o in zip(capital, operating, strict=True)]
    rate = appraisal.discount_rate
    per_type: dict[str, list[list[float]]] = {t: [] for t in BENEFIT_TYPES}
    by_country: dict[str, list[float]] = {}
    npvs, bcrs, irrs = [], [], []
    for r in range(n):
        other = (r + pairing) % n
        benefits = [year_benefits(ref[(r, y)], proj[(other, y)], appraisal, year)
                    for y, year in zip(simulated, years, strict=False)
                    if (r, y) in ref and (other, y) in proj]
        if not benefits:
            continue
        flows = {t: extrapolated([b.by_type[t] for b in benefits], len(years), appraisal)
                 for t in BENEFIT_TYPES}
        for t in BENEFIT_TYPES:
            per_type[t].append(flows[t])
        for b in benefits[:1]:
            for country, usd in b.time_by_country.items():
                by_country.setdefault(country, []).append(usd)
        total = [sum(flows[t][k] for t in BENEFIT_TYPES) + residual[k]
                 for k in range(len(years))]
        npvs.append(net_present_value(total, cost, rate))
        pv_cost = present_value(cost, rate)
        bcrs.append(present_value(total, rate) / pv_cost if pv_cost else None)
        irrs.append(internal_rate_of_return([b - c for b, c in zip(total, cost,
                                                                    strict=True)]))
    rows: list[dict[str, Any]] = []

    def add(section: str, item: str, values: Iterable[float | None], unit: str,
            year: int | None = None, country: str | None = None) -> None:
        e = estimate(values)
        rows.append({"section": section, "item": item, "year": year, "country": country,
                     "mean": None if e.mean is None else round(e.mean, 4),
                     "half_width": None if e.half_width is None else round(e.half_width, 4),
                     "unit": unit})

    add("result", "npv_usd", npvs, "USD")
    add("result", "benefit_cost_ratio", bcrs, "ratio")
    add("result", "eirr", irrs, "share per year")
    add("result", "pv_benefits_usd", [present_value([sum(per_type[t][i][k]
                                                          for t in BENEFIT_TYPES)
                                                      + residual[k]
                                                      for k in range(len(years))], rate)
                                      for i in range(len(npvs))], "USD")
    add("result", "pv_costs_usd", [present_value(cost, rate)] * max(len(npvs), 1), "USD")
    for t in BENEFIT_TYPES:
        add("result", f"pv_{t}_usd", [present_value(f, rate) for f in per_type[t]], "USD")
    for key, value in switching_values(appraisal, per_type, cost, capital, residual).items():
        rows.append({"section": "switching", "item": key, "year": None, "country": None,
                     "mean": None if value is None else round(value, 4),
                     "half_width": None, "unit": "factor" if key.endswith("factor")
                     else "USD per TEU-day"})
    for k, year in enumerate(years):
        for t in BENEFIT_TYPES:
            add("benefit", t, [f[k] for f in per_type[t]], "USD", year)
        for name, inv in appraisal.investments.items():
            capital_k, operating_k, residual_k = costs[name][k]
            for item, value in (("capital", capital_k), ("operating", operating_k),
                                ("residual_value", residual_k)):
                if value:
                    rows.append({"section": "cost", "item": f"{name}.{item}", "year": year,
                                 "country": inv.country, "mean": round(value, 4),
                                 "half_width": None, "unit": "USD"})
    for country, values in sorted(by_country.items()):
        add("time_saved_in", "time", values, "USD", years[0], country)
    manifest = {
        "appraisal": appraisal.name,
        "appraisal_file": source.name if source is not None else None,
        "reference": reference.scenario.name, "project": project.scenario.name,
        "seed": reference.seed, "replications": n, "pairing": pairing,
        "simulated_years": simulated, "period": [years[0], years[-1]],
        "discount_rate": rate,
        "scenario_sha256": {"reference": scenario_hash(reference.scenario),
                            "project": scenario_hash(project.scenario)},
        "versions": package_versions(),
        "conventions": ("economic analysis (EC Guide to CBA of Investment Projects, 2014): "
                        "tariffs and fees are transfers, left out; rule of a half on the "
                        "TEU of the two runs; residual value straight-line, a benefit of "
                        "the last year; flows at year end, year 0 undiscounted"),
    }
    return AppraisalResult(appraisal, rows, manifest, npvs)


def switching_values(appraisal: Appraisal, per_type: Mapping[str, list[list[float]]],
                     cost: Sequence[float], capital: Sequence[float],
                     residual: Sequence[float]) -> dict[str, float | None]:
    """Where the mean NPV crosses zero, each found by moving one input with the others
    held (benefits are linear in the values and taken as linear in demand, so each is
    one division): the factor on capital costs, on demand (all benefits), and the value
    of time."""
    rate = appraisal.discount_rate
    n = len(per_type["time"])
    if not n:
        return {"capital_cost_factor": None, "demand_factor": None,
                "time_value_usd_per_teu_day": None}
    pv = {t: statistics.fmean(present_value(f, rate) for f in per_type[t])
          for t in BENEFIT_TYPES}
    benefits = sum(pv.values())
    pv_capital, pv_residual = present_value(capital, rate), present_value(residual, rate)
    pv_operating = present_value(cost, rate) - pv_capital
    capital_net = pv_capital - pv_residual
    time_per_value = (pv["time"] / appraisal.values.time_usd_per_teu_day
                      if appraisal.values.time_usd_per_teu_day else 0.0)
    rest = benefits - pv["time"] + pv_residual - pv_capital - pv_operating
    return {
        "capital_cost_factor": ((benefits - pv_operating) / capital_net
                                if capital_net > 0 else None),
        "demand_factor": ((pv_capital + pv_operating - pv_residual) / benefits
                          if benefits > 0 else None),
        "time_value_usd_per_teu_day": (-rest / time_per_value if time_per_value else None),
    }
