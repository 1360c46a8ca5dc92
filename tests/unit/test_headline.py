"""The headline in words, on hand-made rows of summary.csv, comparison.csv and
corridors.csv: every sentence is written out here from the numbers by hand."""

from __future__ import annotations

from typing import Any

from corridorsim.records import ACTIVITIES
from corridorsim.report.headline import ACTIVITY_WORDS, headline

GAP = ("The Middle Corridor takes 14.0 ± 0.4 days longer than the Northern route (median "
       "transit, each corridor's routes pooled, 10 replications, 95% interval).")


def stat(name: str, kpi: str, mean: float | None, scope: str = "corridor",
         half_width: float | None = None, replications: int = 10) -> dict[str, Any]:
    return {"scope": scope, "name": name, "kpi": kpi, "mean": mean, "std": None,
            "ci_low": None, "ci_high": None, "half_width": half_width,
            "replications": replications}


def paired(kpi: str, difference: float | None, half_width: float | None = 0.1,
           significant: str | None = "yes", replications: int = 10) -> dict[str, Any]:
    return {"scope": "all", "name": "all", "kpi": kpi, "middle_mean": None,
            "northern_mean": None, "difference": difference, "ci_low": None, "ci_high": None,
            "half_width": half_width, "replications": replications,
            "significant": significant}


def both_corridors() -> list[dict[str, Any]]:
    return [stat("middle", "consignments_released", 50.0),
            stat("northern", "consignments_released", 400.0)]


def countries(corridor: str, place: str, days: float, **activities: float
              ) -> list[dict[str, Any]]:
    name = f"{corridor}:{place}"
    return [stat(name, "mean_days", days, scope="country"),
            *(stat(name, f"mean_days_{a}", v, scope="country") for a, v in activities.items())]


def slower_middle() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    summary = both_corridors()
    summary += countries("middle", "KZ", 9.0, rail_running=5.0, vessel_wait=3.0,
                         port_dwell=1.0)
    summary += countries("northern", "KZ", 3.0, rail_running=3.0)
    summary += countries("middle", "GE", 4.0, rail_running=1.0, vessel_wait=2.0,
                         locomotive_change=1.0)
    summary += countries("northern", "RU", 4.5, rail_running=4.5)
    summary += countries("middle", "sea", 2.5, sailing=2.5)
    summary += countries("middle_btk", "KZ", 99.0)  # a route's row: not a corridor's
    comparison = [paired("median_transit_days", 14.0, 0.4), paired("mean_transit_days", 14.6),
                  paired("mean_days_vessel_wait", 5.0), paired("mean_days_rail_running", 4.0),
                  paired("mean_days_sailing", 2.5), paired("mean_days_port_dwell", 1.5),
                  paired("mean_days_customs", 0.02), paired("mean_days_interchange", -0.4)]
    return summary, comparison


def as_csv_text(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows as ``csv.DictReader`` gives them: every cell text, an empty cell for None."""
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def test_every_activity_has_words() -> None:
    assert set(ACTIVITY_WORDS) == {a.column for a in ACTIVITIES}


def test_middle_slower_names_activities_and_countries_with_their_days() -> None:
    summary, comparison = slower_middle()
    assert headline(summary, comparison) == (
        GAP + " Its mean transit is 14.6 days longer, mostly waiting for a vessel (+5.0 d), "
        "rail running (+4.0 d) and sailing (+2.5 d). By country, the extra days are mostly "
        "in Kazakhstan (+6.0 d, of which waiting for a vessel 3.0 d), in Georgia (+4.0 d, of "
        "which waiting for a vessel 2.0 d) and at sea (+2.5 d, all sailing), partly offset "
        "by fewer days in Russia (-4.5 d).")


def test_csv_text_gives_the_same_sentences_as_numbers() -> None:
    summary, comparison = slower_middle()
    corridors = [{"replication": r, "corridor": c, "median_at_least": "no"}
                 for r in range(2) for c in ("northern", "middle")]
    assert headline(as_csv_text(summary), as_csv_text(comparison), as_csv_text(corridors)) \
        == headline(summary, comparison, corridors)


def test_without_countries_there_is_no_country_sentence() -> None:
    _, comparison = slower_middle()
    assert headline(both_corridors(), comparison) == (
        GAP + " Its mean transit is 14.6 days longer, mostly waiting for a vessel (+5.0 d), "
        "rail running (+4.0 d) and sailing (+2.5 d).")


def test_a_few_large_parts_of_many_are_not_called_most() -> None:
    comparison = [paired("median_transit_days", 14.0, 0.4), paired("mean_transit_days", 14.6),
                  *(paired(f"mean_days_{a}", days) for a, days in
                    (("customs", 1.0), ("vessel_wait", 1.5), ("rail_running", 1.4),
                     ("sailing", 1.3), ("port_dwell", 1.0), ("inspection", 1.0)))]
    text = headline(both_corridors(), comparison)
    assert text.endswith("Its mean transit is 14.6 days longer; the largest parts are "
                         "waiting for a vessel (+1.5 d), rail running (+1.4 d) and sailing "
                         "(+1.3 d).")  # 4.2 of 14.6 days: not most


def test_middle_faster_says_faster_and_where_the_northern_route_loses_time() -> None:
    comparison = [paired("median_transit_days", -2.0, 0.5), paired("mean_transit_days", -2.4),
                  paired("mean_days_rail_running", -3.0), paired("mean_days_vessel_wait", 1.0),
                  paired("mean_days_border_queue", -0.5)]
    summary = both_corridors() + countries("northern", "RU", 4.5) + countries("middle", "GE", 2.0)
    assert headline(summary, comparison) == (
        "The Middle Corridor is 2.0 ± 0.5 days faster than the Northern route (median "
        "transit, each corridor's routes pooled, 10 replications, 95% interval). The "
        "Northern route's mean transit is 2.4 days longer, mostly rail running (+3.0 d) and "
        "queueing at borders (+0.5 d). By country, the extra days are mostly in Russia "
        "(+4.5 d), partly offset by fewer days in Georgia (-2.0 d).")


def test_an_interval_that_includes_zero_is_no_significant_difference() -> None:
    comparison = [paired("median_transit_days", 0.3, 0.8, significant="no"),
                  paired("mean_transit_days", 0.1, significant="no"),
                  paired("mean_days_vessel_wait", 1.2), paired("mean_days_rail_running", -1.0),
                  paired("mean_days_sailing", 0.4), paired("mean_days_customs", -0.3),
                  paired("mean_days_inspection", 0.01)]
    assert headline(both_corridors(), comparison) == (
        "The Middle Corridor and the Northern route do not differ significantly: Middle "
        "minus Northern is +0.3 ± 0.8 days (median transit, each corridor's routes pooled, "
        "10 replications, 95% interval, which includes zero). By activity, the corridors "
        "spend their days differently: the Middle Corridor more on waiting for a vessel "
        "(+1.2 d) and sailing (+0.4 d); the Northern route more on rail running (+1.0 d) "
        "and customs checks (+0.3 d).")


def test_a_gap_that_rounds_to_zero_has_no_sign() -> None:
    comparison = [paired("median_transit_days", -0.04, 0.5, significant="no")]
    assert "Middle minus Northern is 0.0 ± 0.5 days" in headline(both_corridors(), comparison)


def test_one_replication_gives_the_gap_without_an_interval() -> None:
    comparison = [paired("median_transit_days", 14.0, None, significant=None, replications=1)]
    assert headline(both_corridors(), comparison) == (
        "The Middle Corridor takes 14.0 days longer than the Northern route (median transit, "
        "each corridor's routes pooled, 1 replication: no interval from one replication).")


def test_one_corridor_only_describes_its_own_days() -> None:
    summary = [stat("northern", "consignments_released", 400.0),
               stat("northern", "median_transit_days", 15.0, half_width=0.1),
               stat("northern", "mean_transit_days", 15.5),
               stat("northern", "mean_days_rail_running", 12.0),
               stat("northern", "mean_days_interchange", 1.2),
               stat("northern", "mean_days_customs", 0.6),
               stat("northern", "mean_days_terminal", 0.5),
               stat("other", "consignments_released", 80.0),
               *countries("northern", "RU", 4.6), *countries("northern", "CN", 4.4),
               *countries("northern", "KZ", 3.5), *countries("northern", "BY", 1.6)]
    assert headline(summary, []) == (
        "Only the Northern route carries China-Europe cargo in this scenario, so there is no "
        "comparison with the Middle Corridor. The Northern route's median transit is 15.0 ± "
        "0.1 days (10 replications, 95% interval). Its mean transit of 15.5 days is mostly "
        "rail running (12.0 d), interchange between railways (1.2 d) and customs checks "
        "(0.6 d). It spends the most days in Russia (4.6 d), in China (4.4 d) and in "
        "Kazakhstan (3.5 d).")


def test_a_corridor_that_delivered_nothing_is_said_so() -> None:
    summary = [stat("middle", "consignments_released", 5.0),
               stat("middle", "median_transit_days", None),
               stat("northern", "consignments_released", 400.0),
               stat("northern", "median_transit_days", 15.0, half_width=None, replications=1)]
    comparison = [paired("median_transit_days", None, None, significant=None)]
    assert headline(summary, comparison) == (
        "The Northern route's median transit is 15.0 days (1 replication: no interval from "
        "one replication). The Middle Corridor delivered no consignment (5.0 released per "
        "replication).")


def test_no_china_europe_corridor_is_said_so() -> None:
    text = headline([stat("other", "consignments_released", 80.0)], [])
    assert text.startswith("No China-Europe cargo is reported in this run")


def test_a_median_that_is_only_a_lower_bound_is_flagged() -> None:
    summary, comparison = slower_middle()
    corridors = [{"corridor": "middle", "median_at_least": flag}
                 for flag in ("yes", "no", "yes")]
    corridors += [{"corridor": "northern", "median_at_least": "no"}] * 3
    assert headline(summary, comparison, corridors).endswith(
        "Some medians are only lower bounds (consignments still travelling at the end count "
        "at their days so far): the Middle Corridor's in 2 of 3 replications.")


def test_a_lower_bound_median_is_flagged_when_only_one_corridor_delivered() -> None:
    summary = [stat("middle", "consignments_released", 5.0),
               stat("middle", "median_transit_days", None),
               stat("northern", "consignments_released", 400.0),
               stat("northern", "median_transit_days", 7.2, half_width=None, replications=1)]
    comparison = [paired("median_transit_days", None, None, significant=None)]
    corridors = [{"corridor": "northern", "median_at_least": "yes"}]
    assert headline(summary, comparison, corridors).endswith(
        "Some medians are only lower bounds (consignments still travelling at the end count "
        "at their days so far): the Northern route's in 1 of 1 replications.")
