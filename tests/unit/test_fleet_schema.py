"""The JSON Schema of the fleet keys: an editor accepts either form of a fleet and either
form of a sea leg's services, never both or neither, and a drydock window that names no
vessels."""

from __future__ import annotations

import pytest

from tests.unit.test_scenario_schema import changed, problems

FEEDER = "vessel_services.feeder"
CLASSES = [{"name": "ktf", "vessels": 2, "capacity_teu": 205},
           {"vessels": 1, "capacity_teu": 630, "sailing_time": "20h"}]
WINDOW = {"start": "2024-02-01", "end": "2024-03-01"}


@pytest.mark.parametrize("changes", [
    {},
    {f"{FEEDER}.vessels": None, f"{FEEDER}.capacity_teu": None, f"{FEEDER}.fleet": CLASSES},
    {"legs.caspian.service": None, "legs.caspian.services": ["feeder"]},
    {f"{FEEDER}.drydock": [{"vessels": 1, **WINDOW}, {"class": "class_1", **WINDOW}]},
], ids=["single-class", "classes", "services-list", "drydock"])
def test_the_schema_accepts_each_form(changes):
    assert problems(changed(changes)) == []


@pytest.mark.parametrize(("changes", "where"), [
    ({f"{FEEDER}.fleet": CLASSES}, FEEDER),
    ({f"{FEEDER}.vessels": None, f"{FEEDER}.capacity_teu": None}, FEEDER),
    ({"legs.caspian.services": ["feeder"]}, "legs.caspian"),
    ({"legs.caspian.service": None}, "legs.caspian"),
    ({f"{FEEDER}.drydock": [WINDOW]}, f"{FEEDER}.drydock.0"),
    ({f"{FEEDER}.vessels": None, f"{FEEDER}.capacity_teu": None,
      f"{FEEDER}.fleet": [{"vessels": 0, "capacity_teu": 205}]}, f"{FEEDER}.fleet.0.vessels"),
], ids=["both-fleet-forms", "no-fleet", "service-and-services", "no-service",
        "drydock-without-vessels-or-class", "class-without-vessels"])
def test_the_schema_refuses_both_forms_or_neither(changes, where):
    found = problems(changed(changes))
    assert any(p.startswith(f"{where}: ") for p in found), found
