"""Write the results of every reference, test, theory and benchmark scenario into one folder.

A refactor must leave results byte-identical. Run this before and after a change and
compare the two folders, manifests aside::

    python scripts/snapshot_results.py /tmp/before
    # ... change the code ...
    python scripts/snapshot_results.py /tmp/after
    diff -r -x manifest.json -x scenario.yaml /tmp/before /tmp/after

Each scenario runs with 2 replications on 2 workers (so the merge of replications is
covered); the baseline is also calibrated (4 replications), a small grid sweep and a
small Morris screening run, and two runs are compared. Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_FOLDERS = ("scenarios", "tests/scenarios", "tests/theory/scenarios",
                    "benchmarks/scenarios")

SWEEP = """name: snapshot-sweep
base: {base}
replications: 2
seed: 5
factors:
  digitization:
    keys: [digitization]
    values: [0.0, 1.0]
  feeder:
    keys: [vessel_services.black_sea_feeder.vessels]
    values: [1, 3]
"""

MORRIS = """name: snapshot-morris
base: {base}
replications: 1
seed: 5
design: {{kind: morris, trajectories: 2, levels: 4, resamples: 50}}
factors:
  digitization:
    keys: [digitization]
    range: [0.0, 1.0]
  feeder:
    keys: [vessel_services.black_sea_feeder.vessels]
    range: [1, 3]
    integer: true
"""


def corridorsim(*args: str, ok: tuple[int, ...] = (0,)) -> None:
    command = [str(Path(sys.executable).parent / "corridorsim"), *args]
    print("$", " ".join(command[1:]), flush=True)
    code = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
    if code not in ok:
        sys.exit(f"exit status {code}")


def main(out: Path) -> None:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for folder in SCENARIO_FOLDERS:
        for path in sorted((ROOT / folder).glob("*.yaml")):
            target = out / folder.replace("/", "-") / path.stem
            corridorsim("run", str(path), "-n", "2", "--workers", "2", "--out", str(target))
    baseline = ROOT / "scenarios" / "baseline-2024.yaml"
    corridorsim("calibrate", str(baseline), "-n", "4", "--workers", "2",
                "--out", str(out / "calibrate-baseline"), ok=(0, 1))  # 1: a target missed
    corridorsim("compare", str(out / "scenarios" / "baseline-2024"),
                str(out / "scenarios" / "digital-customs"), "--out", str(out / "compare"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("sweep", SWEEP), ("morris", MORRIS)):
            spec = Path(tmp) / f"{name}.yaml"
            spec.write_text(text.format(base=baseline), encoding="utf-8")
            command = "sensitivity" if name == "morris" else "sweep"
            corridorsim(command, str(spec), "--workers", "2", "--out", str(out / name))
    for tasks in out.glob("*/tasks"):  # task files are named by the engine's fingerprint
        for task in tasks.iterdir():
            task.unlink()
        tasks.rmdir()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/snapshot_results.py OUT_FOLDER")
    main(Path(sys.argv[1]))
