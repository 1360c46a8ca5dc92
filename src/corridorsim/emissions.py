"""Emissions of a route by ISO 14083:2023 / GLEC Framework v3.0: well-to-wheel (WTW) and
tank-to-wheel (TTW) kg CO2e per loaded TEU, from the cited factors of
``data/emission_factors.yaml``.

For a scenario with ``costs.emissions: {method: glec}``. Per TEU of cargo (the file's
tonnes per loaded TEU):

* a rail leg: its country's electrified share (or the leg's own ``electrified_share``)
  x energy per t-km x that country's grid factor (WTW; electric TTW is 0), the rest
  hauled by diesel at its TTW and WTW factors per t-km;
* a sea leg: the t-km factors of the vessel classes of its services, weighted by the
  TEU they offer (vessels x capacity); GLEC's defaults include average loads and empty
  running;
* handling: one container handled at the origin and destination terminals and at each
  gauge change (rail terminal), and at each port between rail and sea (seaport), per
  TEU by the file's TEU per container;
* a leg with its own ``co2_kg_per_teu_km`` keeps it, as both its WTW and TTW figure;
* empty boxes moved back (``empty_teu_per_loaded_teu``) travel the same legs at the
  empty box's weight, through the same terminals, charged to the loaded TEU.

The figures do not depend on time (nor on the simulated loads): they are fixed per
route for consignments released under one state of the scenario.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from corridorsim.emission_factors import EmissionFactors, packaged_factors
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import Leg, RailLeg, SeaLeg

STANDARD = "ISO 14083:2023 / GLEC Framework v3.0"
"""What the WTW and TTW columns follow (also the factor file's ``standard``)."""


@dataclass(frozen=True)
class RouteEmissions:
    """kg CO2e per loaded TEU along a route, well-to-wheel and tank-to-wheel."""

    wtw_kg_per_teu: float
    ttw_kg_per_teu: float


@dataclass(frozen=True)
class Intensity:
    """kg CO2e per tonne-km, WTW and TTW."""

    wtw: float
    ttw: float


def route_emissions(scenario: Scenario, path: Iterable[str],
                    factors: EmissionFactors | None = None) -> RouteEmissions:
    """WTW and TTW kg CO2e per loaded TEU along ``path`` (a validated route)."""
    f = factors or packaged_factors()
    path = list(path)
    emissions = scenario.costs.emissions
    empty_share = emissions.empty_teu_per_loaded_teu if emissions is not None else 0.0
    loaded = f.payload.loaded_t_per_teu.value
    tonnes = loaded + empty_share * f.payload.empty_t_per_teu.value
    wtw = ttw = 0.0
    pairs = scenario.legs_by_pair
    legs = [scenario.legs[pairs[(a, b)]] for a, b in itertools.pairwise(path)]
    for leg in legs:
        intensity = leg_intensity(scenario, leg, f)
        wtw += tonnes * leg.distance_km * intensity.wtw
        ttw += tonnes * leg.distance_km * intensity.ttw
    handled = handling_per_container(scenario, path, legs, f)
    boxes = (1.0 + empty_share) / f.payload.teu_per_container.value
    return RouteEmissions(wtw + boxes * handled.wtw, ttw + boxes * handled.ttw)


def leg_intensity(scenario: Scenario, leg: Leg, factors: EmissionFactors) -> Intensity:
    """A leg's kg CO2e per tonne-km of cargo."""
    if leg.co2_kg_per_teu_km is not None:  # the author's own figure, per loaded TEU-km
        own = leg.co2_kg_per_teu_km / factors.payload.loaded_t_per_teu.value
        return Intensity(own, own)
    if isinstance(leg, RailLeg):
        assert leg.country is not None  # validated under costs.emissions
        country = factors.countries[leg.country]
        share = (leg.electrified_share if leg.electrified_share is not None
                 else country.electrified_share.value)
        rail = factors.rail
        electric = rail.electric_kwh_per_tkm.value * country.grid_kg_per_kwh.value
        return Intensity(share * electric + (1.0 - share) * rail.diesel_wtw_kg_per_tkm.value,
                         (1.0 - share) * rail.diesel_ttw_kg_per_tkm.value)
    return _sea_intensity(scenario, leg, factors)


def _sea_intensity(scenario: Scenario, leg: SeaLeg, factors: EmissionFactors) -> Intensity:
    """The vessel classes of the leg's services, weighted by the TEU they offer."""
    weights = wtw = ttw = 0.0
    for name in leg.service_names:
        service = scenario.vessel_services[name]
        for vessel_class in service.classes:
            emission_class = vessel_class.emission_class or service.emission_class
            assert emission_class is not None  # validated under costs.emissions
            row = factors.vessel_classes[emission_class]
            weight = float(vessel_class.vessels * vessel_class.capacity_teu)
            weights += weight
            wtw += weight * row.wtw_kg_per_tkm
            ttw += weight * row.ttw_kg_per_tkm
    return Intensity(wtw / weights, ttw / weights)


def handling_per_container(scenario: Scenario, path: list[str], legs: list[Leg],
                           factors: EmissionFactors) -> Intensity:
    """kg CO2e per container handled along ``path``: rail terminals at its two ends and
    at gauge changes, seaports where cargo goes between rail and sea (``Intensity``
    reused as a WTW/TTW pair, per container)."""
    rail = factors.handling["rail_terminal"]
    sea = factors.handling["seaport"]
    wtw = ttw = 0.0
    last = len(path) - 1
    for i, node in enumerate(path):
        by_sea = any(isinstance(legs[j], SeaLeg) for j in (i - 1, i) if 0 <= j < len(legs))
        border = scenario.borders.get(node)
        if node in scenario.ports and by_sea:
            row = sea
        elif ((node in scenario.terminals and i in (0, last))
              or (border is not None and border.gauge_change is not None)):
            row = rail
        else:
            continue
        wtw += row.wtw_kg_per_container
        ttw += row.ttw_kg_per_container
    return Intensity(wtw, ttw)
