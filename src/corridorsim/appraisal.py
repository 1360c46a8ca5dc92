"""What a project is worth: a project scenario against its reference on the same random
numbers, its yearly benefits valued and set against its investments (``appraisals/``).

Both scenarios run with the same seed and replications, so replication ``r`` of each
draws the same storms, arrivals and service times wherever the two networks agree
(common random numbers), and the benefit of replication ``r`` is a paired difference:
its noise is shared with the reference and largely cancels. Per replication, simulated
year and flow, over the consignments released that year (``shipments.csv``; with
``cargo: all`` every flow's, background cargo included):

* time: (mean transit days of the reference - of the project) x TEU x the value of a
  TEU-day, the TEU taken as the mean of the two (the rule of a half: cargo the project
  draws from another route or corridor gains half the saving);
* reliability: the same with the flow's spread (p90 - median transit days) and its value;
* consumer surplus (``choosing_shippers: logsum``): for a flow that chooses its route,
  the change of its shippers' expected generalized cost at release (the logit's logsum,
  ``route_choice.py``) x the mean TEU, in place of its time and reliability;
* operators: days with wagons held saved x TEU x the rolling stock's cost per TEU-day;
* CO2: (tonnes of the reference - of the project) x the carbon price of the year.

Tariffs and fees are transfers between shippers and operators, not resource costs, and
are left out of the benefits, as the economic (not financial) analysis of the European
Commission's *Guide to Cost-Benefit Analysis of Investment Projects* (2014, §2.8: "fiscal
corrections", transfer payments) prescribes. The k-th simulated year is the k-th year
of the appraisal period; after the simulated years the last year's benefits are held, or
grow at a rate (``after_simulation``). Discounting as ``economics.py``. A run that does
not deliver its cargo (``SATURATED``) is flagged: a time saving there measures a queue.

Not done yet (issue 16): a producer surplus of operators from diverted volume (their
revenue less their cost), and benefits to cargo that a project makes possible where the
reference cannot carry it (demand held within capacity instead, see ``appraisals/``).
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
    MAX_RATE,
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
    rolling_stock_usd_per_teu_day: Usd = 0.0
    """The operators' cost of a TEU-day of wagons or platforms held (lease, capital and
    upkeep): the benefit to operators of the days the project frees (``RAIL_HELD_COLUMNS``);
    0 leaves it out."""


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
    cargo: Literal["all", "reported"] = "all"
    """Whose time is valued: ``all`` the cargo of every flow, background flows (Caspian
    containers, rail-ferry wagons, China-Central Asia trains) included, so that a project
    is credited with all the cargo it serves; ``reported`` only the flows the scenarios
    report (China-Europe)."""
    choosing_shippers: Literal["measured", "logsum"] = "measured"
    """How the shippers of flows that choose their route gain: ``measured`` as every
    flow (time and spread delivered, at ``values``), or ``logsum`` the change of their
    expected generalized cost at release, the consumer surplus of the logit (Williams
    1977; de Jong et al., Transp. Res. A 41(9), 2007), in the choice's own values of time
    and reliability and by the rule of a half on their TEU, which counts what diverted
    cargo gains and no more."""

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


RAIL_HELD_COLUMNS = ("days_rail_running", "days_terminal", "days_border_queue", "days_customs",
                     "days_inspection", "days_gauge_change", "days_interchange",
                     "days_technical_inspection", "days_locomotive_change", "days_marshalling")
"""The activities during which a consignment holds its wagons or platforms (off them: at
sea, in a port yard, waiting for a vessel or an outbound train, held by a closure)."""
EXPECTED_COST = "expected_cost_usd_per_teu"
"""The shipments column of a choosing flow's logsum at release (``route_choice.py``)."""


@dataclass(frozen=True)
class FlowYear:
    """What one replication delivered of one flow's consignments released in one year
    (TEU-weighted means over the delivered ones)."""

    teu: float
    mean_days: float
    spread_days: float
    """p90 - median transit days (the flow's spread: unreliability)."""
    co2_tonnes: float
    rail_days: float
    """Days with the wagons held (``RAIL_HELD_COLUMNS``)."""
    days_by_place: dict[str, float]
    """Days in each country (ISO code) and ``sea``, where the scenario has countries."""
    expected_cost: float | None
    """The flow's expected generalized cost (logsum) at release, USD per TEU, where it
    chooses and the shipments carry it."""
    undelivered_teu: float = 0.0
    """TEU released that year still travelling at the end of the run."""


YearOutcomes = dict[str, FlowYear]
"""One replication's year, by flow."""


def yearly_outcomes(shipments: Iterable[Mapping[str, Any]]
                    ) -> dict[tuple[int, int], YearOutcomes]:
    """Per (replication, year of release), per flow: TEU, mean transit, spread, CO2, days
    with wagons held, days by country and the logsum of the delivered consignments, and
    the TEU still travelling at the end (left out of the means: a drain long enough
    delivers them; a network that cannot deliver them is saturated, see ``SATURATED``)."""
    groups: dict[tuple[int, int], dict[str, list[Mapping[str, Any]]]] = {}
    for row in shipments:
        key = (int(row["replication"]), int(str(row["released_at"])[:4]))
        groups.setdefault(key, {}).setdefault(str(row["flow"]), []).append(row)
    return {key: {flow: flow_year(rows) for flow, rows in sorted(flows.items())}
            for key, flows in groups.items()}


def flow_year(rows: Sequence[Mapping[str, Any]]) -> FlowYear:
    """The outcome of one flow's consignments of one year."""
    undelivered = float(sum(r["teu"] for r in rows if r["transit_days"] is None))
    rows = [r for r in rows if r["transit_days"] is not None]
    if not rows:
        return FlowYear(0.0, 0.0, 0.0, 0.0, 0.0, {}, None, undelivered)
    teu = float(sum(r["teu"] for r in rows))
    days = sorted(float(r["transit_days"]) for r in rows)
    first = rows[0]
    places = [c for c in first if c.startswith("days_in_")]
    if places and "days_at_sea" in first:
        places.append("days_at_sea")
    held = [c for c in RAIL_HELD_COLUMNS if c in first]

    def mean(column: str) -> float:
        return sum(r["teu"] * (r[column] or 0.0) for r in rows) / teu

    costs = [r.get(EXPECTED_COST) for r in rows]
    return FlowYear(
        teu=teu,
        mean_days=mean("transit_days"),
        spread_days=_percentile(days, 0.9) - _percentile(days, 0.5),
        co2_tonnes=sum(r["teu"] * (r["co2_kg_per_teu"] or 0.0) for r in rows) / 1000.0,
        rail_days=sum(mean(c) for c in held),
        days_by_place={("sea" if c == "days_at_sea" else c.removeprefix("days_in_")): mean(c)
                       for c in places},
        expected_cost=(None if any(c is None for c in costs)
                       else sum(r["teu"] * c for r, c in zip(rows, costs, strict=True)) / teu),
        undelivered_teu=undelivered)


SATURATED = 0.01
"""A run that leaves more than this share of a year's TEU undelivered at its end is
saturated that year: its queues grow without bound, so the time a project saves there
measures the queue, not a welfare gain (the appraisal says so; see ``saturated_years``)."""


def undelivered_share(outcomes: YearOutcomes) -> float:
    """The share of a replication-year's TEU not delivered by the end of the run."""
    undelivered = sum(f.undelivered_teu for f in outcomes.values())
    released = undelivered + sum(f.teu for f in outcomes.values())
    return undelivered / released if released else 0.0


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile of sorted values (numpy's default)."""
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- benefits and costs ----------------------------------------------------------------------


BENEFIT_TYPES = ("time", "reliability", "consumer_surplus", "operators", "co2")
"""The benefit types, in ``appraisal.csv`` order."""
BENEFICIARIES = {"shippers": ("time", "reliability", "consumer_surplus"),
                 "operators": ("operators",), "society": ("co2",)}
"""Who gains each type: the cargo owners (time, reliability, the consumer surplus of
choosing shippers), the railways and their wagon owners (rolling stock freed), and
everyone (CO2 avoided, a global externality)."""


@dataclass(frozen=True)
class YearBenefits:
    """One replication's benefits of one simulated year, by type, and the time saved by
    the place it is saved in (USD)."""

    by_type: dict[str, float]
    time_by_place: dict[str, float]


def year_benefits(reference: YearOutcomes, project: YearOutcomes, appraisal: Appraisal,
                  year: int) -> YearBenefits:
    """The paired benefits of one year, flow by flow (see the module docstring)."""
    values = appraisal.values
    by_type = dict.fromkeys(BENEFIT_TYPES, 0.0)
    by_place: dict[str, float] = {}
    price = appraisal.carbon_price(year)
    for flow in sorted(set(reference) | set(project)):
        ref, proj = reference.get(flow), project.get(flow)
        by_type["co2"] += price * ((ref.co2_tonnes if ref else 0.0)
                                   - (proj.co2_tonnes if proj else 0.0))
        if ref is None or proj is None or not ref.teu or not proj.teu:
            continue  # delivered nothing in one of the two: no time to compare
        teu = (ref.teu + proj.teu) / 2.0  # the rule of a half
        by_type["operators"] += (values.rolling_stock_usd_per_teu_day * teu
                                 * (ref.rail_days - proj.rail_days))
        if (appraisal.choosing_shippers == "logsum" and ref.expected_cost is not None
                and proj.expected_cost is not None):
            by_type["consumer_surplus"] += teu * (ref.expected_cost - proj.expected_cost)
            continue
        by_type["time"] += values.time_usd_per_teu_day * teu * (ref.mean_days
                                                                 - proj.mean_days)
        by_type["reliability"] += (values.reliability_usd_per_teu_day * teu
                                   * (ref.spread_days - proj.spread_days))
        for place in sorted(set(ref.days_by_place) | set(proj.days_by_place)):
            by_place[place] = by_place.get(place, 0.0) + values.time_usd_per_teu_day * teu * (
                ref.days_by_place.get(place, 0.0) - proj.days_by_place.get(place, 0.0))
    return YearBenefits(by_type, by_place)


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
    warnings: list[str] = field(default_factory=list)
    """What makes the result unsafe to read (a saturated run), in words."""

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
    reference = _scenario(base, appraisal.reference, "reference", source, appraisal.cargo)
    project = _scenario(base, appraisal.project, "project", source, appraisal.cargo)
    _check_network(reference, project, source)
    n = replications or appraisal.replications
    seed = appraisal.seed if appraisal.seed is not None else reference.seed
    runs = []
    for scenario in (reference, project):
        outcomes: dict[tuple[int, int], YearOutcomes] = {}

        def keep(tables: Mapping[str, Any], into: dict[tuple[int, int], YearOutcomes]
                 = outcomes) -> None:
            """Each replication's shipments reduced to its yearly outcomes as it finishes,
            and dropped: memory stays flat in replications and years."""
            into.update(yearly_outcomes(tables.get("shipments", ())))

        result = run(scenario, replications=n, seed=seed, workers=workers,
                     shipments_sink=keep)
        runs.append(Run(scenario.name, scenario_hash(scenario), result.seed,
                        result.replications, outcomes))
    return appraisal_of_outcomes(appraisal, runs[0], runs[1], source)


@dataclass(frozen=True)
class Run:
    """What an appraisal keeps of a run: its yearly outcomes and what identifies it."""

    scenario: str
    scenario_sha256: str
    seed: int
    replications: int
    outcomes: dict[tuple[int, int], YearOutcomes]

    @classmethod
    def of(cls, result: RunResult) -> Run:
        """The appraisal's view of a run whose shipments were kept."""
        return cls(result.scenario.name, scenario_hash(result.scenario), result.seed,
                   result.replications, yearly_outcomes(result.shipments))


def is_appraisal_file(path: Path) -> bool:
    """Whether ``path`` holds an appraisal (it names a reference and a project) rather
    than a scenario, so that ``validate`` checks either."""
    try:
        document = read_yaml_mapping(path, "appraisal")
    except ScenarioError:
        return False
    return "reference" in document and "project" in document and "flows" not in document


def describe_appraisal(path: Path) -> str:
    """Check an appraisal file whole (its schema, both scenarios, one network) and say
    what it values."""
    appraisal = load_appraisal(path)
    reference = _scenario(path.parent, appraisal.reference, "reference", path)
    project = _scenario(path.parent, appraisal.project, "project", path)
    _check_network(reference, project, path)
    differ = sorted(set(project.changes) ^ set(reference.changes))
    invest = "; ".join(f"{name} USD {inv.capital_usd:,.0f} in {inv.year} ({inv.country}, "
                       f"{inv.lifetime_years} years, USD {inv.operating_usd_per_year:,.0f} "
                       f"a year)" for name, inv in appraisal.investments.items())
    return "\n".join([
        f"Appraisal {appraisal.name}: project {project.name} against reference "
        f"{reference.name} (same nodes and routes).",
        f"Dated changes in one and not the other: {', '.join(differ) or 'none'}.",
        f"Period {appraisal.first_year}-{appraisal.last_year} at "
        f"{appraisal.discount_rate:.1%}; after the simulated years: "
        f"{appraisal.after_simulation}; cargo valued: {appraisal.cargo}; choosing shippers: "
        f"{appraisal.choosing_shippers}; {appraisal.replications} paired replications.",
        f"Investments: {invest}."])


def _scenario(base: Path, written: str, key: str, source: Path | None,
              cargo: str = "reported") -> Scenario:
    path = base / written
    if not path.exists():
        raise ScenarioError(f"file {written!r} not found; expected a scenario file, "
                            "relative to the appraisal file", source=source, key_path=key)
    scenario = load_scenario(path)
    if cargo == "all":  # report every flow: the same run, more rows
        scenario = load_scenario(path, {f"flows.{name}.report": True
                                        for name in scenario.flows})
    return scenario


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
    """The appraisal of two runs whose shipments were kept (``appraisal_of_outcomes``)."""
    return appraisal_of_outcomes(appraisal, Run.of(reference), Run.of(project), source,
                                 pairing)


def appraisal_of_outcomes(appraisal: Appraisal, reference: Run, project: Run,
                          source: Path | None = None, pairing: int = 0) -> AppraisalResult:
    """The appraisal of two runs of the same replications; replication ``r`` of the
    reference is paired with replication ``(r + pairing) mod n`` of the project
    (``pairing=0``: common random numbers; another value pairs runs that share nothing,
    to show what the pairing is worth)."""
    ref, proj = reference.outcomes, project.outcomes
    n = min(reference.replications, project.replications)
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
    by_place: dict[str, list[float]] = {}
    npvs, bcrs, irrs, pv_benefits = [], [], [], []
    above = 0
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
        places = sorted({p for b in benefits for p in b.time_by_place})
        for place in places:
            by_place.setdefault(place, []).append(present_value(extrapolated(
                [b.time_by_place.get(place, 0.0) for b in benefits], len(years), appraisal),
                rate))
        total = [sum(flows[t][k] for t in BENEFIT_TYPES) + residual[k]
                 for k in range(len(years))]
        npvs.append(net_present_value(total, cost, rate))
        pv_benefits.append(present_value(total, rate))
        pv_cost = present_value(cost, rate)
        bcrs.append(pv_benefits[-1] / pv_cost if pv_cost else None)
        net = [b - c for b, c in zip(total, cost, strict=True)]
        irrs.append(internal_rate_of_return(net))
        if irrs[-1] is None and present_value(net, MAX_RATE) > 0 and any(f < 0 for f in net):
            above += 1  # repaid so fast that the rate exceeds the search's bound
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
    rows.append({"section": "result", "item": "eirr_above_max_pairs", "year": None,
                 "country": None, "mean": above, "half_width": None,
                 "unit": f"pairs with an EIRR above {MAX_RATE:.0%} (left out of eirr)"})
    add("result", "pv_benefits_usd", pv_benefits, "USD")
    add("result", "pv_costs_usd", [present_value(cost, rate)] * max(len(npvs), 1), "USD")
    for t in BENEFIT_TYPES:
        add("result", f"pv_{t}_usd", [present_value(f, rate) for f in per_type[t]], "USD")
    add("result", "pv_residual_value_usd", [present_value(residual, rate)]
        * max(len(npvs), 1), "USD")
    for key, value in switching_values(appraisal, per_type, cost, capital, residual).items():
        rows.append({"section": "switching", "item": key, "year": None, "country": None,
                     "mean": None if value is None else round(value, 4),
                     "half_width": None, "unit": "factor" if key.endswith("factor")
                     else "USD per TEU-day"})
    for who, types in BENEFICIARIES.items():
        add("beneficiary", who, [sum(present_value(per_type[t][i], rate) for t in types)
                                 for i in range(len(npvs))], "USD")
    for place, values in sorted(by_place.items()):
        add("time_saved_in", "pv_time_usd", values, "USD", None, place)
    paid: dict[str, float] = {}
    for name, inv in appraisal.investments.items():
        net = [c + o - v for c, o, v in costs[name]]
        paid[inv.country] = paid.get(inv.country, 0.0) + present_value(net, rate)
    for country, value in sorted(paid.items()):
        rows.append({"section": "paid_by", "item": "pv_costs_net_of_residual_usd",
                     "year": None, "country": country, "mean": round(value, 4),
                     "half_width": None, "unit": "USD"})
    saturated: dict[str, list[int]] = {}
    for side, outcomes in (("reference", ref), ("project", proj)):
        for y, year in zip(simulated, years, strict=False):
            shares = [undelivered_share(outcomes[(r, y)]) for r in range(n)
                      if (r, y) in outcomes]
            add("check", f"{side}_undelivered_share", shares, "share of TEU", year)
            if shares and statistics.fmean(shares) > SATURATED:
                saturated.setdefault(side, []).append(year)
    warnings = [f"the {side} is saturated in {', '.join(map(str, ys))}: it leaves more "
                f"than {SATURATED:.0%} of the TEU released there undelivered at the end of "
                "the run, so its queues grow and the time saved measures them, not a "
                "welfare gain; hold demand within capacity, or let the shippers choose "
                "(choosing_shippers: logsum)" for side, ys in saturated.items()]
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
    manifest = {
        "appraisal": appraisal.name,
        "appraisal_file": source.name if source is not None else None,
        "reference": reference.scenario, "project": project.scenario,
        "seed": reference.seed, "replications": n, "pairing": pairing,
        "simulated_years": simulated, "period": [years[0], years[-1]],
        "discount_rate": rate, "cargo": appraisal.cargo, "saturated": saturated,
        "warnings": warnings,
        "choosing_shippers": appraisal.choosing_shippers,
        "scenario_sha256": {"reference": reference.scenario_sha256,
                            "project": project.scenario_sha256},
        "versions": package_versions(),
        "conventions": ("economic analysis (EC Guide to CBA of Investment Projects, 2014): "
                        "tariffs and fees are transfers, left out; rule of a half on the "
                        "TEU of the two runs, flow by flow; residual value straight-line, a "
                        "benefit of the last year; flows at year end, year 0 undiscounted"),
    }
    return AppraisalResult(appraisal, rows, manifest, npvs, warnings)


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
        # None where the benefits do not even cover the operating costs: no capital
        # cost, however low, is repaid.
        "capital_cost_factor": ((benefits - pv_operating) / capital_net
                                if capital_net > 0 and benefits > pv_operating else None),
        "demand_factor": ((pv_capital + pv_operating - pv_residual) / benefits
                          if benefits > 0 else None),
        # None where no non-negative value of time turns the NPV's sign (the other
        # benefits alone repay the costs, or could not with any value of time).
        "time_value_usd_per_teu_day": (-rest / time_per_value
                                       if time_per_value and -rest / time_per_value >= 0
                                       else None),
    }
