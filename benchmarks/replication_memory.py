"""Peak memory of ``corridorsim run`` against the replication count: it must stay flat.

Each count runs ``corridorsim run scenarios/baseline-2024.yaml -n N --workers 2`` in a
fresh process and reads that process's peak RSS (the parent: it merges the tables and
writes the files; each worker holds one replication at a time). DESIGN §7 and issue 11:
1,000 replications of the baseline in under 500 MB, memory flat in the count.

    .venv/bin/python benchmarks/replication_memory.py            # 20 and 200 replications
    .venv/bin/python benchmarks/replication_memory.py 20 1000    # any counts
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "scenarios" / "baseline-2024.yaml"
PROBE = """
import resource, sys
from corridorsim.cli import main
code = main(sys.argv[1:])
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def peak_mb(replications: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "run", str(BASELINE), "-n", str(replications),
             "--workers", "2", "--out", str(Path(tmp) / "res")],
            capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
    kb = next(int(line.split()[1]) for line in done.stderr.splitlines()
              if line.startswith("PEAK_KB"))
    return kb / 1024, seconds


def main(counts: list[int]) -> None:
    results = [(n, *peak_mb(n)) for n in counts]
    for n, mb, seconds in results:
        print(f"{n:>5} replications: parent peak RSS {mb:,.0f} MB ({seconds:,.0f} s)")
    (n0, mb0, _), (n1, mb1, _) = results[0], results[-1]
    slope = (mb1 - mb0) / (n1 - n0) if n1 != n0 else 0.0
    print(f"growth: {slope * 1000:,.2f} MB per 1,000 replications; at 1,000 replications "
          f"about {mb0 + slope * (1000 - n0):,.0f} MB (target < 500 MB, flat)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20, 200])
