"""Draw the README's pictures of the live view and the replay page: ``make view-pictures``.

* ``docs/live.svg``: the ``--live`` dashboard of ``rush_hour`` at t=150 s, in the rush,
  rendered by rich's SVG export (no terminal needed).
* ``docs/replay.png``: the replay page of the same run at t=150 s, a screenshot from
  headless chromium driven by Playwright.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from agents import RealtimeClock
from scenarios import Dashboard, build, load_scenario, read_replay, render_page
from scenarios.run import run_simulation

AT = 150.0
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def draw_live(out: Path) -> Path:
    """Run rush_hour on a realtime clock that never sleeps; export the dashboard at ``AT``.

    Returns:
        A folder holding the run's trace and result, for the replay page.
    """
    console = Console(record=True, width=100, file=io.StringIO())
    drawn: list[bool] = []

    def sleep(seconds: float) -> None:  # called while the clock waits: between steps
        if not drawn and sim.runtime.now >= AT:
            drawn.append(True)
            console.print(dashboard.render())

    sim = build(load_scenario("rush_hour"), trace=True, clock=RealtimeClock(1.0, sleep=sleep))
    dashboard = Dashboard(sim, max_workers=8)
    outcome = run_simulation(sim)
    console.save_svg(str(out), title="skillsim run rush_hour --live")
    print(f"wrote {out}")
    assert outcome.trace is not None
    folder = Path(tempfile.mkdtemp())
    (folder / "t.jsonl").write_text("".join(f"{line}\n" for line in outcome.trace), "utf-8")
    (folder / "r.json").write_text(outcome.result.model_dump_json(), encoding="utf-8")
    return folder


def draw_replay(folder: Path, out: Path) -> None:
    """Screenshot the replay page of the run in ``folder`` at ``AT``."""
    from playwright.sync_api import sync_playwright

    browser_path = shutil.which("chromium")
    if browser_path is None:
        sys.exit("no chromium found: apt-get install chromium")
    page = folder / "p.html"
    page.write_text(render_page(read_replay(folder / "t.jsonl", folder / "r.json")), "utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(page.as_uri())
        tab.eval_on_selector(
            "#scrub", "(el, t) => { el.value = t; el.dispatchEvent(new Event('input')); }", str(AT)
        )
        tab.screenshot(path=str(out), full_page=True, animations="disabled")
        browser.close()
    shutil.rmtree(folder)
    print(f"wrote {out}")


if __name__ == "__main__":
    docs = Path(__file__).parent
    draw_replay(draw_live(docs / "live.svg"), docs / "replay.png")
