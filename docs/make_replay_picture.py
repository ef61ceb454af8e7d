"""Draw the README's picture of the replay page: ``make replay-picture``.

Runs ``rush_hour``, writes its replay page, opens it in headless chromium (driven by
Playwright), moves the time slider to t=150 s, in the rush, and saves a screenshot.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scenarios import load_scenario, read_replay, render_page, run_scenario

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def main(out: Path) -> None:
    """Write the screenshot to ``out``."""
    browser_path = shutil.which("chromium")
    if browser_path is None:
        sys.exit("no chromium found: apt-get install chromium")
    outcome = run_scenario(load_scenario("rush_hour"), trace=True)
    assert outcome.trace is not None
    with tempfile.TemporaryDirectory() as folder:
        trace, result, page = (Path(folder) / n for n in ("t.jsonl", "r.json", "p.html"))
        trace.write_text("".join(line + "\n" for line in outcome.trace), encoding="utf-8")
        result.write_text(outcome.result.model_dump_json(), encoding="utf-8")
        page.write_text(render_page(read_replay(trace, result)), encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=browser_path, args=ARGS)
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.goto(page.as_uri())
            tab.eval_on_selector(
                "#scrub", "(el) => { el.value = '150'; el.dispatchEvent(new Event('input')); }"
            )
            tab.screenshot(path=str(out), full_page=True, animations="disabled")
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/replay.png"))
