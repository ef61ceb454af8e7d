"""One self-contained HTML file for a run or a comparison (``skillsim report``).

The page needs no server and no network: styles are inline, pictures are PNG data
URIs, and there is no script. A run's page has its summary, every metric, the three
pictures of :mod:`scenarios.plot`, the attempts by outcome and the workers; a
comparison's page has each policy's mean and interval, the paired differences to
the baseline, both charts, and every seed's figures.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scenarios.compare import HIGHER_IS_BETTER, Comparison
from scenarios.metrics import RunResult
from scenarios.plot import comparison_chart, differences_chart, run_figures
from scenarios.stats import Interval

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["comparison_html", "run_html", "write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #212121; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 0.25em 0.8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.better { color: #2e7d32; font-weight: bold; } .worse { color: #c62828; }
figure { margin: 1em 0; } img { max-width: 100%; }
.note { color: #616161; font-size: 0.9em; }
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(name: str, fig: Figure) -> str:
    label = html.escape(name)
    return (
        f'<figure id="figure-{label}"><img alt="{label}" '
        f'src="data:image/png;base64,{_png(fig)}"><figcaption>{label}</figcaption></figure>'
    )


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], raw: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else _cell(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, sections: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )


def run_html(result: RunResult) -> str:
    """The report page of one run."""
    title = f"{result.scenario}: policy {result.policy}, seed {result.seed}"
    metrics = [(k, v) for k, v in result.metrics.model_dump().items() if v is not None]
    outcomes = Counter((a.kind, a.outcome) for a in result.attempts)
    stalled = "".join(f"<li>{html.escape(w)}</li>" for w in result.waiting_for)
    sections = [
        f'<p>Run ended: <b id="ending">{html.escape(result.ending)}</b>; '
        f"{len(result.tasks)} tasks, {len(result.attempts)} attempts, "
        f"{len(result.workers)} workers.</p>",
        f"<ul>{stalled}</ul>" if stalled else "",
        '<h2>Metrics</h2><div id="metrics">' + _table(["metric", "value"], metrics) + "</div>",
        "<h2>Pictures</h2>",
        *(_figure(name, fig) for name, fig in run_figures(result).items()),
        "<h2>Attempts by outcome</h2>"
        + _table(["kind", "outcome", "attempts"], [(*k, n) for k, n in sorted(outcomes.items())]),
        "<h2>Workers</h2>"
        + _table(
            ["name", "role", "skill", "tasks", "successes", "busy", "utilization"],
            [
                (w.name, w.role, w.skill_level, w.tasks, w.successes, w.busy_time, w.utilization)
                for w in result.workers
            ],
        ),
    ]
    return _page(title, sections)


def _difference(metric: str, i: Interval) -> str:
    text = html.escape(i.text(signed=True))
    if not i.excludes_zero():
        return text
    better = (i.mean > 0) == HIGHER_IS_BETTER[metric]
    return f'<span class="{"better" if better else "worse"}">{text}</span>'


def comparison_html(comparison: Comparison) -> str:
    """The report page of a comparison."""
    policies = comparison.policies
    others = [p for p in policies if p != comparison.baseline]
    means = [
        [
            metric,
            *(
                html.escape(s[p].text()) + (" *" if comparison.winners.get(metric) == p else "")
                if p in s
                else "-"
                for p in policies
            ),
        ]
        for metric, s in comparison.summary.items()
    ]
    diffs = [
        [metric, *(_difference(metric, d[p]) if p in d else "-" for p in others)]
        for metric, d in comparison.differences.items()
    ]
    seeds = ", ".join(str(s) for s in comparison.seeds)
    per_seed = [
        [policy, seed, *(getattr(m, metric) for metric in comparison.summary)]
        for policy, runs in comparison.runs.items()
        for seed, m in zip(comparison.seeds, runs, strict=True)
    ]
    sections = [
        f"<p>{len(policies)} policies on the same {len(comparison.seeds)} seeds ({seeds}); "
        f"baseline <b>{html.escape(comparison.baseline)}</b>.</p>",
        '<h2>Mean and 95% interval</h2><div id="summary">'
        + _table(["metric", *policies], means, raw=True)
        + "</div><p class=note>* significantly best: its paired 95% interval against every "
        "other policy excludes zero.</p>",
        f"<h2>Paired differences to {html.escape(comparison.baseline)}</h2>"
        '<div id="differences">'
        + _table(["metric", *(f"{p} - {comparison.baseline}" for p in others)], diffs, raw=True)
        + "</div><p class=note>Coloured only when the 95% interval excludes zero.</p>",
        "<h2>Pictures</h2>",
        _figure("comparison", comparison_chart(comparison)),
        _figure("differences", differences_chart(comparison)) if others else "",
        "<h2>Every run</h2>" + _table(["policy", "seed", *comparison.summary], per_seed),
    ]
    return _page(f"{comparison.scenario}: policies compared", sections)


def write_report(source: RunResult | Comparison, path: Path) -> Path:
    """Write the report page of a run or a comparison to ``path``.

    Raises:
        MissingExtraError: if matplotlib is not installed (the ``plot`` extra).
    """
    page = comparison_html(source) if isinstance(source, Comparison) else run_html(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
