"""The ``corridorsim`` command: thin subcommands over the library.

Every error a user can cause (bad scenario, unwritable folder) is printed as one
line naming the file and key, with exit code 2, and never as a traceback.

Each subcommand imports what it runs inside its function, so that ``--help`` and
``validate`` start without loading numpy, scipy and the simulation.

Every command takes ``-q/--quiet`` (only errors on stderr and the path of the folder
written on stdout; ``validate``: only errors) and ``-v/--verbose`` (a line per
replication or phase with its wall time and executor, the scenario's SHA-256, every
row), before or after the subcommand's name.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridorsim.errors import CorridorsimError, RunError, ScenarioError, Terminated

if TYPE_CHECKING:  # annotations only: the subcommands import at run time (start-up time)
    from corridorsim.experiment.replications import RunResult
    from corridorsim.experiment.sweeps import SweepResult
    from corridorsim.scenario.schema import Scenario

EXIT_USAGE = 2
PERIODS = ("month", "quarter", "year")
"""``run --period``: ``report.periods.PERIODS``, here so that ``--help`` loads no numpy."""
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143   # 128 + SIGTERM


def _load(path: str, sets: Sequence[str] | None) -> Scenario:
    from corridorsim.scenario.loader import load_scenario
    from corridorsim.scenario.overrides import parse_override

    overrides = dict(parse_override(text, source=path) for text in sets or ())
    return load_scenario(path, overrides)


def _workers(requested: int | None) -> int:
    from corridorsim.experiment.executors import default_workers

    return requested if requested is not None else default_workers()


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file (schema and network) and describe its network; an
    appraisal file is checked with both its scenarios."""
    from corridorsim.network import describe

    path = Path(args.scenario)
    if path.is_file() and not args.set:
        from corridorsim.appraisal import describe_appraisal, is_appraisal_file

        if is_appraisal_file(path):
            text = describe_appraisal(path)
            if not args.quiet:
                print(text)
            return 0
    scenario = _load(args.scenario, args.set)
    if args.quiet:
        return 0
    print(describe(scenario))
    if args.verbose:
        from corridorsim.report.manifest import scenario_hash

        auto = " before warmup: auto chooses" if scenario.warmup == "auto" else ""
        print(f"Scenario SHA-256 (a run's scenario_sha256{auto}): {scenario_hash(scenario)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run replications of a scenario and write CSV results and a manifest."""
    from corridorsim.experiment.replications import run_to_folder

    if args.replications is not None and args.replications < 1:
        raise ScenarioError("--replications: expected a whole number of at least 1",
                            source=args.scenario)
    if args.seed is not None and args.seed < 0:
        raise ScenarioError("--seed: expected a whole number of at least 0",
                            source=args.scenario)
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers: expected a whole number of at least 1",
                            source=args.scenario)
    if args.target_halfwidth is not None and not 0 < args.target_halfwidth < 1:
        raise ScenarioError("--target-halfwidth: expected a fraction between 0 and 1, "
                            "e.g. 0.05", source=args.scenario)
    if args.max_replications < 2:
        raise ScenarioError("--max-replications: expected a whole number of at least 2",
                            source=args.scenario)
    if args.out is not None and not args.out.strip():
        raise ScenarioError("--out: expected a folder name", source=args.scenario)
    if args.period not in PERIODS:
        raise ScenarioError(f"--period: expected one of {', '.join(PERIODS)}, got "
                            f"{args.period!r}", source=args.scenario)
    scenario = _load(args.scenario, args.set)
    out = Path(args.out) if args.out is not None else Path("results") / scenario.name
    _check_report_possible(args)
    with _progress(args) as progress:
        result, written = run_to_folder(  # the folder is checked before the run, not after
            out, scenario, replications=args.replications, seed=args.seed,
            workers=_workers(args.workers), target_halfwidth=args.target_halfwidth,
            max_replications=args.max_replications, stops=args.stops,
            file_format=args.format, progress=progress or False, period=args.period)
    _write_report(args, written)
    if args.quiet:
        print(_display(written))  # the page is <folder>/report/index.html
        return 0
    from corridorsim.report.headline import headline

    print(_summary_table(result.summary))
    if len({r["period"] for r in result.periods}) > 1:
        print("\n" + _period_table(result.periods, args.period))
    answer = headline(result.summary, result.tables["comparison"], result.tables["corridors"])
    print("\n" + textwrap.fill(answer, width=88) + "\n")
    _print_run_details(args, result)
    print(f"{len(result.outcomes)} replication(s), seed {result.seed}, "
          f"{result.wall_seconds:.1f} s. Results: {_display(written)}/")
    if result.precision is not None:
        p = result.precision
        worst = max((v for v in p["relative_halfwidth"].values() if v is not None),
                    default=None)
        state = "reached" if p["reached"] else "NOT reached (raise --max-replications)"
        print(f"Target half-width {p['target_relative_halfwidth']:.1%} of the mean transit "
              f"time {state}; widest: {worst:.1%}." if worst is not None else
              f"Target half-width {state}.")
    _print_pointers(written)
    return 0


def _check_report_possible(args: argparse.Namespace) -> None:
    """With ``--report``: refuse before anything runs when matplotlib is missing."""
    if getattr(args, "report", False):
        from corridorsim.report.figures import require_matplotlib

        require_matplotlib()


def _write_report(args: argparse.Namespace, folder: Path) -> Path | None:
    """With ``--report``: the folder's report page, written (``corridorsim report``)."""
    if not getattr(args, "report", False):
        return None
    from corridorsim.report.results_page import write_report

    return write_report(folder)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the figures and one HTML page of a results folder (run, calibrate, compare,
    sweep or sensitivity) into its report/ sub-folder, and print the page's path.

    The page is self-contained (figures embedded, no network, no JavaScript); a PNG and
    a CSV of the plotted numbers sit beside it for each figure. Needs matplotlib:
    pip install 'corridorsim[plots]'.
    """
    from corridorsim.report.results_page import write_report

    page = write_report(args.results)
    print(_display(page))
    return 0


def _progress(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """The progress reporter of a run (``None`` with ``--quiet``), closed on leaving."""
    if args.quiet:
        return contextlib.nullcontext(None)
    from corridorsim.experiment.progress import ReplicationProgress

    return contextlib.closing(ReplicationProgress(verbose=args.verbose))


def _print_run_details(args: argparse.Namespace, result: RunResult) -> None:
    """What shippers chose, the warm-up ``warmup: auto`` chose and, with ``--verbose``,
    the scenario's hash."""
    _print_choices(result)
    choice = result.warmup_choice
    if choice is not None:
        print(textwrap.fill(
            f"Warm-up (warmup: auto): {choice['days']} days, chosen by {choice['method']} "
            f"on the {choice['series']} over {choice['pilot_replications']} pilot "
            "replication(s).", width=88))
    if args.verbose:
        from corridorsim.report.manifest import scenario_hash

        print(f"Scenario SHA-256: {scenario_hash(result.scenario)} (scenario_sha256 in "
              "manifest.json)")


def _print_choices(result: RunResult) -> None:
    """Each choosing flow's shares over the demand window, with their 95% half-widths
    (summary.csv, scope share)."""
    shares = {r["name"]: r for r in result.summary
              if r["scope"] == "share" and r["kpi"] == "share"}
    for name, flow in result.scenario.flows.items():
        if flow.choice is None or not flow.reported:
            continue
        parts = []
        for option in flow.choice:
            row = shares.get(f"{name}:{option}")
            if row is None or row["mean"] is None:
                continue
            half = f" ± {row['half_width']:.3f}" if row["half_width"] is not None else ""
            parts.append(f"{option} {row['mean']:.3f}{half}")
        if parts:
            print(textwrap.fill(f"Shippers of {name} chose (share of its TEU): "
                                + ", ".join(parts) + ".", width=88))


def _print_pointers(folder: Path) -> None:
    """Where the columns are explained, and the folder's report page if it has one."""
    print("Columns explained in results/README.md.")
    report = folder / "report" / "index.html"
    if report.is_file():
        print(f"report: {_display(report)}")


def _print_constants(fit: Any) -> None:
    """The fitted constants with their intervals, and the lines to put in the scenario."""
    table = [["corridor", "constant USD/TEU", "95% CI", "fitted to", "goal", "model"]]
    for r in fit.rows:
        table.append([r["corridor"], _fmt(r["constant_usd_per_teu"]),
                      f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", r["target"],
                      _fmt(r["goal"]), _fmt(r["model_mean"])])
    print(_aligned(table, left=1) + "\n")
    state = "converged" if fit.converged else "did NOT converge (raise --replications?)"
    values = ", ".join(f"{c}: {v:.1f}" for c, v in fit.constants.items())
    print(f"Fit {state} in {fit.iterations} iterations. In the scenario:\n"
          f"  choice:\n    constants_usd_per_teu: {{{values}}}\n")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run a scenario and set its figures against published bands (calibration.csv).

    Exits with status 1 when a target is missed, so that scripts and CI can gate on it.
    """
    from corridorsim.calibration import (
        CALIBRATION_COLUMNS,
        calibration_rows,
        default_targets_path,
        load_targets,
    )
    from corridorsim.experiment import run
    from corridorsim.report.results_folder import check_replaceable
    from corridorsim.report.writer import check_format

    check_format(args.format)  # a missing pyarrow is said before anything runs
    scenario = _load(args.scenario, args.set)
    targets_path = (Path(args.targets) if args.targets
                    else default_targets_path(Path(args.scenario), scenario.name))
    targets = load_targets(targets_path)
    if args.replications < 2:
        raise ScenarioError("--replications: expected at least 2 (an interval needs two)",
                            source=args.scenario)
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-calibration"
    check_replaceable(out, "calibrate")
    _check_report_possible(args)
    extra: dict[str, tuple[list[dict[str, Any]], tuple[str, ...]]] = {}
    fit = None
    if args.fit:
        from corridorsim.choice_constants import CONSTANT_COLUMNS, check_fit, fit_constants_with
        check_fit(scenario, targets, targets_path)
        with _progress(args) as progress:
            fit = fit_constants_with(scenario, targets, lambda s: run(
                s, replications=args.replications, seed=args.seed,
                workers=_workers(args.workers), progress=progress or False))
        result = fit.result
        extra["constants"] = (fit.rows, CONSTANT_COLUMNS)
    else:
        with _progress(args) as progress:
            result = run(scenario, replications=args.replications, seed=args.seed,
                         workers=_workers(args.workers), progress=progress or False)
    rows = calibration_rows(result, targets)
    extra["calibration"] = (rows, CALIBRATION_COLUMNS)
    written = result.write(out, kind="calibrate", file_format=args.format, extra_tables=extra)
    passed = sum(r["passed"] == "yes" for r in rows)
    _write_report(args, written)
    if fit is not None and not args.quiet:
        _print_constants(fit)
    if args.quiet:
        print(_display(written))
        return 0 if passed == len(rows) else 1
    table = [["target", "band", "model mean", "95% CI", "pass"]]
    for r in rows:
        table.append([r["target"], f"{r['band_low']:g}-{r['band_high']:g}",
                      _fmt(r["model_mean"]), f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
                      r["passed"]])
    print(_aligned(table, left=1) + "\n")
    _print_run_details(args, result)
    print(f"{passed} of {len(rows)} targets met ({len(result.outcomes)} replications, "
          f"seed {result.seed}). Targets: {targets_path}. Results: {_display(written)}/")
    _print_pointers(written)
    return 0 if passed == len(rows) else 1


def cmd_appraise(args: argparse.Namespace) -> int:
    """Value a project scenario against its reference on the same random numbers: NPV,
    benefit-cost ratio and EIRR with 95% intervals (appraisal.csv)."""
    from corridorsim.appraisal import APPRAISAL_COLUMNS, APPRAISAL_FILE, appraise, load_appraisal
    from corridorsim.report.results_folder import check_replaceable, write_folder_atomically
    from corridorsim.report.writer import csv_text

    path = Path(args.appraisal)
    appraisal = load_appraisal(path)
    out = Path(args.out) if args.out else Path("results") / appraisal.name
    check_replaceable(out, "appraise")
    _check_report_possible(args)
    if args.replications is not None and args.replications < 2:
        raise RunError(f"--replications {args.replications}: an appraisal needs at least 2 "
                       "paired replications for an interval")
    result = appraise(appraisal, args.replications, workers=args.workers or os.cpu_count() or 1,
                      source=path)
    written = write_folder_atomically(out, "appraise", {
        APPRAISAL_FILE: csv_text(result.rows, APPRAISAL_COLUMNS)}, result.manifest)
    _write_report(args, written)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.quiet:
        print(_display(written))
        return 0
    shown = [result.value("result", item) for item in
             ("npv_usd", "benefit_cost_ratio", "eirr", "pv_benefits_usd", "pv_costs_usd")]
    table = [["", "mean", "95% half-width"]] + [
        [r["item"], _fmt(r["mean"]), _fmt(r["half_width"])] for r in shown]
    print(_aligned(table, left=1))
    print(f"\n{result.manifest['replications']} paired replications of "
          f"{result.manifest['project']} against {result.manifest['reference']}, "
          f"{appraisal.first_year}-{appraisal.last_year} at "
          f"{appraisal.discount_rate:.1%}. Results: {_display(written)}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare two results folders route by route: B minus A with 95% intervals."""
    from corridorsim.report.results_folder import check_replaceable, write_folder_atomically
    from corridorsim.report.scenario_comparison import (
        COMPARISON_FILE,
        SCENARIO_COMPARISON_COLUMNS,
        compare_folders,
    )
    from corridorsim.report.writer import csv_text

    a, b = Path(args.results_a), Path(args.results_b)
    out = Path(args.out) if args.out else Path("results") / f"compare-{a.name}-vs-{b.name}"
    check_replaceable(out, "compare")
    rows, manifest = compare_folders(a, b, unpaired=args.unpaired)
    written = write_folder_atomically(out, "compare", {
        COMPARISON_FILE: csv_text(rows, SCENARIO_COMPARISON_COLUMNS)}, manifest)
    if args.quiet:
        print(_display(written))
        return 0
    shown = rows if args.verbose else [
        r for r in rows if r["kpi"] in ("median_transit_days", "p90_transit_days",
                                        "mean_cost_usd_per_teu")]
    header = ["route or corridor", "kpi", "A", "B", "B - A", "95% CI", "significant"]
    table = [header] + [[r["name"] if r["scope"] == "route" else f"{r['name']} (pooled)",
                         r["kpi"], _fmt(r["a_mean"]), _fmt(r["b_mean"]),
                         _fmt(r["difference"]),
                         "" if r["method"].startswith("only") else
                         f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
                         r["method"] if r["method"].startswith("only") else
                         r["significant"] or ""] for r in shown]
    print(_aligned(table))
    print(f"\n{manifest['method']} comparison of {a} (A) and {b} (B). "
          f"Results: {_display(written)}/")
    return 0


def _check_sweep_options(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers: expected a whole number of at least 1",
                            source=args.sweep)
    if args.out is not None and not args.out.strip():
        raise ScenarioError("--out: expected a folder name", source=args.sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file: every point x replication as a task, streamed to disk and
    resumable; writes sweep.csv, frontier.csv and manifest.json."""
    from corridorsim.experiment.sweeps import SweepInterrupted, sweep

    _check_sweep_options(args)
    try:
        result = sweep(args.sweep, workers=args.workers, scheduler=args.scheduler,
                       out=args.out, serial=args.serial, progress=not args.quiet)
    except SweepInterrupted as exc:
        print(f"corridorsim: {exc}", file=sys.stderr)
        return EXIT_TERMINATED if exc.terminated else EXIT_INTERRUPTED
    if args.quiet:
        print(_display(result.out))
        return 0
    factors = result.sweep.factor_names
    reference = result.sweep.northern_route
    target = result.sweep.target_share
    table = [["point", *factors, "middle median", f"{reference} median", "gap (95% CI)",
              *([f"{target.name} share (95% CI)"] if target is not None else [])]]
    for row in result.overview():
        gap = row.get("gap")
        share = row.get("share")
        table.append([str(row["point"]), *(str(row[f]) for f in factors),
                      _fmt(row.get("middle_median")), _fmt(row.get("northern_median")),
                      "" if gap is None else
                      f"{gap:+.2f} [{_fmt(row.get('gap_low'))}, {_fmt(row.get('gap_high'))}]",
                      *([] if target is None else [
                          "" if share is None else f"{share:.3f} [{_fmt(row.get('share_low'))}, "
                          f"{_fmt(row.get('share_high'))}]"])])
    shown = table if len(table) <= 41 or args.verbose else table[:41]
    print(_aligned(shown, left=1))
    if len(shown) < len(table):
        print(f"... {len(table) - 41} more points in sweep.csv")
    reached = [r for r in result.frontier if r.get("point") is not None
               and not str(r.get("note", "")).startswith("not reached")]
    versus = reference if result.sweep.spec.target_days is None else "the target"
    print(f"(median transit days, means over replications; gap = Middle minus {versus}"
          + (f"; share of the flow's TEU, frontier where it reaches "
             f"{target.at_least:g})" if target is not None else ")"))
    _print_sweep_details(args, result)
    print(f"\n{len(result.sweep.points)} points x {result.sweep.spec.replications} "
          f"replications: {result.tasks_run} tasks run, {result.tasks_reused} found on disk, "
          f"{result.wall_seconds:.1f} s. Frontier: {len(reached)} of {len(result.frontier)} "
          f"rows meet the criterion. Results: {_display(result.out)}/")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run a sensitivity sweep file (design kind sobol or morris): the sample points as
    sweep tasks (resumable, any executor), then the factors' Sobol' indices or Morris
    effects on the Middle-minus-Northern median transit gap; writes sensitivity.csv
    besides sweep.csv, frontier.csv and manifest.json."""
    from corridorsim.experiment.sensitivity import sensitivity
    from corridorsim.experiment.sweeps import SweepInterrupted
    from corridorsim.report.sensitivity_tables import by_importance

    _check_sweep_options(args)
    try:
        result = sensitivity(args.sweep, workers=args.workers, scheduler=args.scheduler,
                             out=args.out, serial=args.serial, progress=not args.quiet)
    except SweepInterrupted as exc:
        print(f"corridorsim: {exc}", file=sys.stderr)
        return EXIT_TERMINATED if exc.terminated else EXIT_INTERRUPTED
    if args.quiet:
        print(_display(result.out))
        return 0
    method = result.sweep.spec.design.kind
    found = {(r["factor"], r["index"]): r for r in result.indices}

    def with_ci(factor: str, index: str) -> str:
        r = found[(factor, index)]
        return f"{_fmt(r['value'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"

    if method == "morris":
        table = [["factor", "mu* (95% CI)", "sigma", "mu"]]
        table += [[f, with_ci(f, "mu_star"), _fmt(found[(f, "sigma")]["value"]),
                   _fmt(found[(f, "mu")]["value"])] for f in by_importance(result.indices)]
        legend = ("mu*: mean absolute elementary effect, in days of gap per whole range of "
                  "the factor; sigma: their spread (interactions, non-linearity); mu: their "
                  "mean, signed")
    else:
        table = [["factor", "ST (95% CI)", "S1 (95% CI)"]]
        table += [[f, with_ci(f, "ST"), with_ci(f, "S1")] for f in by_importance(result.indices)]
        legend = ("ST: share of the gap's variance due to the factor with its interactions; "
                  "S1: due to the factor alone")
    print(_aligned(table, left=1))
    gaps = [o["gap"] for o in result.overview() if o.get("gap") is not None]
    print(f"(output: {result.indices[0]['output']}, mean over replications)\n({legend})")
    _print_sweep_details(args, result)
    print(f"\n{len(result.sweep.points)} points x {result.sweep.spec.replications} "
          f"replications: {result.tasks_run} tasks run, {result.tasks_reused} found on disk, "
          f"{result.wall_seconds:.1f} s. Gap over the points: {min(gaps):+.2f} to "
          f"{max(gaps):+.2f} days. Results: {_display(result.out)}/")
    return 0


def _print_sweep_details(args: argparse.Namespace, result: SweepResult) -> None:
    """With ``--verbose``: what ran the tasks and the base scenario's hash."""
    if args.verbose:
        print(f"Executor: {result.manifest['executor']}. Base scenario SHA-256: "
              f"{result.manifest['base_scenario_sha256']}")


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of scenario files, for editors' completion and checks (see
    "Writing a scenario" in the README); with --markdown, the scenario reference
    (docs/scenario-reference.md) built from the same schema."""
    if args.markdown:
        from corridorsim.scenario.reference import scenario_reference

        text = scenario_reference()
    else:
        from corridorsim.scenario.json_schema import schema_text

        text = schema_text()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    from corridorsim.report.writer import write_atomically

    write_atomically(Path(args.out), text)  # whole or not at all, one line on failure
    if not args.quiet:
        print(f"Wrote {_display(Path(args.out))}")
    return 0


def _add_schema_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_command(sub, "schema", cmd_schema)
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--markdown", action="store_true",
                   help="the scenario reference in Markdown instead of the JSON Schema")


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:,.2f}" if isinstance(value, float) else str(value)


def _aligned(table: list[list[str]], left: int = 2) -> str:
    """Columns padded to equal width; the first ``left`` columns left-aligned."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(w) if i < left else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _summary_table(summary: list[dict[str, Any]]) -> str:
    """Per route: means over replications, with the 95% half-width of the transit times."""
    kpis = {(r["name"], r["kpi"]): r for r in summary if r["scope"] == "route"}
    routes = sorted({name for name, _ in kpis})

    def cell(route: str, kpi: str, fmt: str, with_ci: bool = False) -> str:
        row = kpis.get((route, kpi))
        if row is None or row["mean"] is None:
            return ""
        text = format(row["mean"], fmt)
        if with_ci and row["half_width"] is not None:
            text += f" ± {row['half_width']:.1f}"
        return text

    table = [["route", "delivered/rep", "median days", "p90 days", "USD/TEU", "kg CO2/TEU",
              "backlog at end"]]
    for route in routes:
        table.append([route, cell(route, "consignments_delivered", ".1f"),
                      cell(route, "median_transit_days", ".1f", True),
                      cell(route, "p90_transit_days", ".1f", True),
                      cell(route, "mean_cost_usd_per_teu", ",.0f"),
                      cell(route, "mean_co2_kg_per_teu", ",.0f"),
                      cell(route, "backlog_consignments", ".1f")])
    return _aligned(table, left=1) + "\n(means over replications; ± is the 95% CI half-width)"


def _period_table(periods: list[dict[str, Any]], period: str) -> str:
    """Per period of release (a run of several): each corridor's consignments, median
    and p90 transit days with their 95% half-widths (periods.csv)."""
    rows = [r for r in periods if r["scope"] == "corridor"
            and r["name"] in ("northern", "middle")]
    corridors = [c for c in ("northern", "middle") if any(r["name"] == c for r in rows)]
    cells = {(r["name"], r["period"]): r for r in rows}

    def cell(row: dict[str, Any] | None, kpi: str) -> str:
        if row is None or row[f"{kpi}_mean"] is None:
            return ""
        half = row[f"{kpi}_halfwidth"]
        return f"{row[f'{kpi}_mean']:.1f}" + (f" ± {half:.1f}" if half is not None else "")

    table = [[period, *(f"{c} {what}" for c in corridors
                        for what in ("released", "median", "p90"))]]
    for name in dict.fromkeys(r["period"] for r in rows):
        line = [name]
        for c in corridors:
            row = cells.get((c, name))
            line += [cell(row, "consignments_released").split(" ")[0],
                     cell(row, "median_transit_days"), cell(row, "p90_transit_days")]
        table.append(line)
    return (_aligned(table, left=1) + "\n(released per replication; median and p90 transit "
            "days of those; ± is the 95% CI half-width)")


def build_parser() -> argparse.ArgumentParser:
    """The ``corridorsim`` argument parser: one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="corridorsim",
        description="Simulate China-Europe container transit on the Middle Corridor and the "
                    "Northern route.")
    from corridorsim.version import package_version

    parser.add_argument("--version", action="version",
                        version=f"corridorsim {package_version()}")
    _add_verbosity(parser, False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_scenario_command(sub, "validate", cmd_validate)
    _add_run_command(sub)
    _add_calibrate_command(sub)
    _add_compare_command(sub)
    _add_appraise_command(sub)
    _add_report_command(sub)
    _add_sweep_command(sub, "sweep", cmd_sweep, "sweep YAML file")
    _add_sweep_command(sub, "sensitivity", cmd_sensitivity,
                       "sweep YAML file with design: {kind: sobol | morris}")
    _add_schema_command(sub)
    return parser


Command = Callable[[argparse.Namespace], int]


def _doc(func: Command) -> str:
    return (func.__doc__ or "").strip().replace("%", "%%")


def _add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                 func: Command, help_text: str | None = None) -> argparse.ArgumentParser:
    doc = _doc(func)  # help is %-formatted by argparse, the description is not
    p = sub.add_parser(name, help=help_text or doc.split("\n\n")[0],
                       description=(func.__doc__ or "").strip())
    p.set_defaults(func=func)
    _add_verbosity(p, argparse.SUPPRESS)  # unset here: keeps a value given before the name
    return p


def _add_verbosity(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="print only errors and the path of the results folder "
                             "(validate: only errors); no progress")
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="more detail: a progress line per replication with its wall "
                             "time and executor, the scenario's SHA-256, every row")


def _add_scenario_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                          func: Command) -> argparse.ArgumentParser:
    p = _add_command(sub, name, func)
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE",
                   help="override a scenario key (repeatable), e.g. "
                        "--set borders.altynkol.customs.digitization=0.9")
    return p


def _add_run_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_scenario_command(sub, "run", cmd_run)
    p.add_argument("--replications", "-n", type=int, help="replications (default: the "
                   "scenario's 'replications')")
    p.add_argument("--seed", type=int, help="base random seed (default: the scenario's)")
    p.add_argument("--out", help="results folder (default: results/<scenario name>)")
    p.add_argument("--stops", action="store_true",
                   help="also write stops.csv: every node each consignment stopped at, "
                   "with arrival, departure and its hours there by activity")
    p.add_argument("--period", default="year", metavar="|".join(PERIODS),
                   help="calendar periods of periods.csv (default year): per route and "
                        "period the transit of the consignments released in it, per node "
                        "and stage its utilisation and waits")
    p.add_argument("--target-halfwidth", type=float, metavar="FRACTION",
                   help="add replications until every route's 95%% CI half-width of the "
                        "mean transit time is within this fraction of the mean (e.g. 0.05)")
    p.add_argument("--max-replications", type=int, default=100,
                   help="cap for --target-halfwidth (default 100)")
    p.add_argument("--workers", "-w", type=int, help="worker processes for replications "
                   "(default: the machine's cores; 1 runs them one after another); "
                   "the results do not depend on it")
    _add_format_option(p)
    _add_report_option(p)


def _add_format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("csv", "parquet"), default="csv",
                   help="file format of the tables (default csv); parquet needs the "
                        "parquet extra: pip install 'corridorsim[parquet]'")


def _add_report_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", action="store_true",
                   help="also write the figures and an HTML page into the results folder's "
                        "report/ (as corridorsim report does); needs matplotlib")


def _add_report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_command(sub, "report", cmd_report)
    p.add_argument("results", help="results folder (of run, calibrate, compare, sweep or "
                   "sensitivity)")


def _add_calibrate_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_scenario_command(sub, "calibrate", cmd_calibrate)
    p.add_argument("--targets", help="target file (default: targets/<scenario name>.yaml "
                   "beside the scenario file)")
    p.add_argument("--replications", "-n", type=int, default=30,
                   help="replications (default 30)")
    p.add_argument("--seed", type=int, help="base random seed (default: the scenario's)")
    p.add_argument("--out", help="results folder (default: results/<name>-calibration)")
    p.add_argument("--workers", "-w", type=int, help="worker processes (default: cores)")
    p.add_argument("--fit", action="store_true", help="first fit the choice constants the "
                   "target file names under fit_constants to their targets (Newton steps "
                   "on the logit, each a run of the same replications); writes "
                   "constants.csv and prints the constants for the scenario")
    _add_format_option(p)
    _add_report_option(p)


def _add_compare_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_command(sub, "compare", cmd_compare, help_text=_doc(cmd_compare))
    p.add_argument("results_a", help="results folder A (the reference)")
    p.add_argument("results_b", help="results folder B (the variant)")
    p.add_argument("--unpaired", action="store_true", help="compare runs with different "
                   "seeds or replication counts (Welch intervals, less precise)")
    p.add_argument("--out", help="folder for comparison.csv "
                   "(default: results/compare-<A>-vs-<B>)")


def _add_appraise_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add_command(sub, "appraise", cmd_appraise, help_text=_doc(cmd_appraise))
    p.add_argument("appraisal", help="appraisal YAML file")
    p.add_argument("--replications", "-n", type=int, help="paired replications "
                   "(default: the file's)")
    p.add_argument("--workers", "-w", type=int, help="worker processes (default: the "
                   "machine's cores); the results do not depend on it")
    p.add_argument("--out", help="folder for appraisal.csv (default: results/<name>)")
    _add_report_option(p)


def _add_sweep_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                       func: Command, file_help: str) -> None:
    doc = _doc(func)
    p = _add_command(sub, name, func,
                     help_text=doc if name == "sweep" else doc.split(";")[0] + ".")
    p.add_argument("sweep", help=file_help)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", "-w", type=int, help="local worker processes (default: "
                       "the machine's cores); the results do not depend on it")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. "
                       "tcp://host:8786 (default: the sweep file's 'scheduler', if any)")
    where.add_argument("--serial", action="store_true", help="run every task in this process")
    p.add_argument("--out", help="results folder (default: results/<sweep name>); "
                   "a rerun into the same folder resumes")


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for an error the user can fix,
    130 after Ctrl-C, 143 after SIGTERM)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.quiet and args.verbose:
            parser.error("-q/--quiet and -v/--verbose: choose one")
        return int(args.func(args))
    except CorridorsimError as exc:
        print(f"corridorsim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # Output piped into a reader that stopped early (e.g. `| head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except ImportError as exc:
        # Ctrl-C while a compiled extension (scipy, numpy) initialises surfaces as
        # "ImportError: initialization failed" raised while handling the interrupt.
        interrupt = _interrupt_behind(exc)
        if interrupt is None:
            raise
        return _interrupted(interrupt)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an exception was raised while handling, if any."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _interrupted(exc: KeyboardInterrupt) -> int:
    print("corridorsim: interrupted; no results were written", file=sys.stderr)
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
