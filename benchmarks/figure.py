"""The scaling figure and tables of ``benchmarks/RESULTS.md``, from ``targets.py``'s JSON.

Time per task (median, microseconds, log scale) against workers (100, 1,000, 10,000),
20,000 tasks each: skillsim ``best_fit`` and the SimPy model, with all tasks at t=0
(batch) and with Poisson arrivals at 0.15 tasks/s per worker (streaming, utilisation
0.83). A case that timed out is drawn at its bound with an upward arrow.

Usage::

    python benchmarks/figure.py benchmarks/targets.json benchmarks/scaling.png
    python benchmarks/figure.py benchmarks/targets.json --tables   # markdown, to stdout
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WORKERS = (100, 1_000, 10_000)
SERIES = (
    ("best_fit", False, "skillsim best_fit, batch (t=0)", "C0", "-"),
    ("best_fit", True, "skillsim best_fit, Poisson", "C0", "--"),
    ("simpy", False, "SimPy, batch (t=0)", "C1", "-"),
    ("simpy", True, "SimPy, Poisson", "C1", "--"),
)


def draw(payload: dict[str, Any], path: Path) -> None:
    """Draw the figure of ``payload`` (targets.py's JSON) into ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = {c["key"]: c for c in payload["cases"]}
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for variant, poisson, label, color, style in SERIES:
        xs, ys, late = [], [], []
        for m in WORKERS:
            case = cases.get(f"{variant}_{'poisson' if poisson else 'batch'}_{m}")
            if case is None:
                continue
            seconds = case["median_seconds"] or case["timed_out"]
            xs.append(case["m"])
            ys.append(1e6 * seconds / case["n"])
            late.append(case["median_seconds"] is None)
        if not xs:
            continue
        ax.plot(xs, ys, style, marker="o", color=color, label=label)
        for x, y, bound in zip(xs, ys, late, strict=True):
            if bound:  # a lower bound: the case did not finish in time
                ax.plot([x], [y * 1.6], marker="^", color=color, markersize=9)
                ax.annotate(
                    "did not finish:\nat least this",
                    (x, y),
                    xytext=(-8, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                    color=color,
                    fontsize=8,
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("workers")
    ax.set_ylabel("time per task (µs, median)")
    commit = (payload.get("code", {}).get("commit") or "?")[:8]
    sizes = sorted({c["n"] for k, c in cases.items() if k.endswith(tuple(map(str, WORKERS)))})
    tasks = ", ".join(f"{n:,}" for n in sizes)
    ax.set_title(f"{tasks} tasks, threshold model, utilisation 0.83 (Poisson); code {commit}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def tables(payload: dict[str, Any]) -> str:
    """Markdown tables of every case and every target of ``payload``."""
    out = [
        "| case | rounds | median s | µs per task | peak MiB | KiB per task |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in payload["cases"]:
        if c["median_seconds"] is None:
            out.append(
                f"| {c['label']} | {len(c['seconds'])} | timed out (> {c['timed_out']:.0f} s) "
                "| | | |"
            )
            continue
        per_task = 1e6 * c["median_seconds"] / c["n"]
        kib = c["median_peak_mib"] * 1024 / c["n"]
        out.append(
            f"| {c['label']} | {len(c['seconds'])} | {c['median_seconds']:.2f} | {per_task:,.1f} "
            f"| {c['median_peak_mib']:.1f} | {kib:,.2f} |"
        )
    out += ["", "| measure | must reach | measured | verdict |", "|---|---|---|---|"]
    for t in payload["targets"]:
        limit = f"≤ {t['limit']:g}" + ("x" if "MiB" not in t["target"] else " MiB")
        if t.get("goal"):
            limit += f" (goal {t['goal']:g}x)"
        verdict = {True: "met", False: "**not met**", None: "no verdict (quick sizes)"}[t["met"]]
        out.append(f"| {t['target']} | {limit} | {t['measured']} | {verdict} |")
    out += ["", f"Command: `{payload['command']}`"]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: figure.py TARGETS.json (OUT.png | --tables)", file=sys.stderr)
        return 2
    payload = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if argv[1] == "--tables":
        print(tables(payload))
    else:
        draw(payload, Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
