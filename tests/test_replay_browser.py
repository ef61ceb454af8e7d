"""The replay page in a real headless browser (the system's chromium, driven by Playwright).

Skipped, with the reason in the test summary, where Playwright or chromium is missing;
``.ci/run`` installs chromium so that CI runs them.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_replay import RETRY, record_quietly

from scenarios import counters_at, read_replay
from scenarios.cli import main
from scenarios.replay import Replay, render_page

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="browser tests skipped: Playwright is not installed (pip install -e '.[dev]')",
)

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium() -> str | None:
    """The browser to drive: $SKILLSIM_CHROMIUM, else chromium on PATH."""
    return os.environ.get("SKILLSIM_CHROMIUM") or shutil.which("chromium")


pytestmark = [
    pytest.mark.usefixtures("quiet_logs"),
    pytest.mark.skipif(
        chromium() is None,
        reason="browser tests skipped: no chromium found "
        "(apt-get install chromium, or set SKILLSIM_CHROMIUM)",
    ),
]


@pytest.fixture(name="browser", scope="module")
def fixture_browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(name="rush", scope="module")
def fixture_rush(tmp_path_factory: pytest.TempPathFactory) -> tuple[Replay, Path]:
    folder = tmp_path_factory.mktemp("replay")
    trace, result = record_quietly(folder, "rush_hour")
    replay = read_replay(trace, result)
    page = folder / "rush_hour.html"
    page.write_text(render_page(replay), encoding="utf-8")
    return replay, page


class Page:
    """An open replay page, with every console message and page error it produced."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console: list[tuple[str, str]] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        self.page.goto(path.as_uri())

    def scrub(self, t: float) -> float:
        """Move the time slider to ``t``; return the exact time the page shows (a range
        input keeps 15 significant digits, so it may differ from ``t`` in the last)."""
        self.page.eval_on_selector(
            "#scrub", "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", repr(t)
        )
        return float(self.page.get_attribute("#time", "data-t"))

    def counters(self) -> dict[str, int]:
        return {
            k: int(self.page.text_content(f"#count-{k}"))
            for k in ("done", "failed", "queued", "busy")
        }


@pytest.fixture(name="opened")
def fixture_opened(browser: Any, rush: tuple[Replay, Path]) -> Iterator[Page]:
    page = Page(browser, rush[1])
    yield page
    page.page.close()


def expected(replay: Replay, t: float) -> dict[str, int]:
    c = counters_at(replay, t)
    return {"done": c.done, "failed": c.failed, "queued": c.queued, "busy": c.busy}


class TestReplayPage:
    def test_loads_without_console_errors(self, opened: Page) -> None:
        """No console message of any kind, no page error; one lane per worker."""
        assert opened.console == []
        assert opened.page.locator("#lanes .lane").count() == 20
        assert opened.page.text_content("#lanes .who") == "w01skill 6.145"

    def test_counters_at_scrubbed_times_equal_the_trace(
        self, opened: Page, rush: tuple[Replay, Path]
    ) -> None:
        """At each scrubbed time, the page shows the counters computed in Python."""
        replay = rush[0]
        ends = sorted({a.ended for a in replay.attempts if a.ended is not None})
        times = [0.0, 37.5, 150.0, ends[100], ends[100] - 1e-9, replay.end / 2, replay.end]
        for t in times:
            shown = opened.scrub(t)
            assert shown == pytest.approx(t, rel=1e-14, abs=1e-14)
            assert opened.counters() == expected(replay, shown), t
        assert expected(replay, 150.0) != expected(replay, 0.0)  # the times tell apart
        assert opened.console == []

    def test_play_moves_time_and_pause_stops_it(self, opened: Page) -> None:
        """Play advances the clock; pause holds it."""
        opened.page.select_option("#speed", "8")
        opened.page.click("#play")
        opened.page.wait_for_function("parseFloat(document.getElementById('time').textContent) > 5")
        opened.page.click("#play")
        held = opened.page.text_content("#time")
        opened.page.wait_for_timeout(300)
        assert opened.page.text_content("#time") == held
        assert opened.page.text_content("#play") == "\u25b6 Play"

    def test_screenshot(self, opened: Page, rush: tuple[Replay, Path], tmp_path: Path) -> None:
        """A full-page screenshot at t=150 (the rush hour's queue) is taken."""
        opened.scrub(150.0)
        shot = tmp_path / "rush_hour_t150.png"
        opened.page.screenshot(path=str(shot), full_page=True, animations="disabled")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 50_000
        assert opened.page.locator("#queue .chip").count() == 40
        assert (
            opened.page.text_content("#queue .more")
            == f"+ {expected(rush[0], 150.0)['queued'] - 40} more"
        )


@pytest.fixture(name="retry")
def fixture_retry(tmp_path: Path) -> tuple[Replay, Path]:
    scenario, trace, result = tmp_path / "retry.toml", tmp_path / "t.jsonl", tmp_path / "r.json"
    scenario.write_text(RETRY, encoding="utf-8")
    assert main(["run", str(scenario), "--trace", str(trace), "--json", str(result)]) == 0
    page = tmp_path / "retry.html"
    assert main(["replay", str(trace), "--result", str(result), "-o", str(page)]) == 0
    return read_replay(trace, result), page


def test_counters_at_the_instants_things_happen(browser: Any, retry: tuple[Replay, Path]) -> None:
    """At an event's exact time, the event has happened, in the page as in Python."""
    page = Page(browser, retry[1])
    seen = {}
    for t in [0.0, 1.5, 2.0, 3.0, 5.0, 9.0, 10.0, 17.999, 18.0]:
        assert page.scrub(t) == t
        seen[t] = page.counters()
        assert seen[t] == expected(retry[0], t), t
    assert seen[2.0] == {"done": 1, "failed": 0, "queued": 0, "busy": 2}
    assert seen[18.0] == {"done": 3, "failed": 1, "queued": 0, "busy": 0}
    assert page.console == []
    page.page.close()


def test_page_from_the_command_line_opens_cleanly(browser: Any, tmp_path: Path) -> None:
    """`skillsim replay` of a quickstart trace: three lanes, counters at the end, no error."""
    trace, page = tmp_path / "q.jsonl", tmp_path / "q.html"
    assert main(["run", "quickstart", "--trace", str(trace)]) == 0
    assert main(["replay", str(trace), "-o", str(page)]) == 0
    opened = Page(browser, page)
    assert opened.page.locator("#lanes .who").all_text_contents() == [
        "Juniorskill 3",
        "Intermediateskill 6",
        "Seniorskill 9",
    ]
    opened.scrub(8.0)
    assert opened.counters() == {"done": 3, "failed": 0, "queued": 0, "busy": 0}
    assert opened.console == []
    opened.page.close()


def test_departed_and_future_workers_are_marked(browser: Any, tmp_path: Path) -> None:
    """In churn at t=60, w03 has left (at 50) and the newcomer joins later (at 100)."""
    trace, result = record_quietly(tmp_path, "churn")
    replay = read_replay(trace, result)
    assert [(w[0], w[4], w[5]) for w in replay.workers if w[0] in ("w03", "newcomer")] == [
        ("w03", 0.0, 50.0),
        ("newcomer", 100.0, None),
    ]
    page_path = tmp_path / "churn.html"
    page_path.write_text(render_page(replay), encoding="utf-8")
    page = Page(browser, page_path)
    page.scrub(60.0)
    absent = page.page.locator("#lanes .lane.absent .who").all_text_contents()
    assert absent == ["w03skill 4.778", "newcomerskill 7"]
    slots = page.page.locator("#lanes .lane.absent .slot").all_text_contents()
    assert slots[0].endswith("left at 50.0 s")
    assert slots[1] == "joins at 100 s"
    page.scrub(120.0)
    assert page.page.locator("#lanes .lane.absent .who").all_text_contents() == [
        "w03skill 4.778",
        "w07skill 7.162",  # left at 83.6; w09 leaves at 150, the newcomer came at 100
    ]
    assert page.counters() == expected(replay, 120.0)
    assert page.console == []
    page.page.close()


class TestReportInTheBrowser:
    def test_run_report_renders_its_pictures_and_numbers(
        self, browser: Any, tmp_path: Path
    ) -> None:
        """`skillsim report` opens with no console message, draws its three pictures, and
        shows the run's completed count in its metrics table."""
        out = tmp_path / "report.html"
        assert main(["report", "churn", "--out", str(out)]) == 0
        page = browser.new_page()
        messages: list[str] = []
        page.on("console", lambda m: messages.append(m.text))
        page.on("pageerror", lambda e: messages.append(str(e)))
        page.goto(out.as_uri())
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        cells = page.eval_on_selector_all(
            "#metrics tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
        )
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        page.close()
        assert messages == []
        assert len(widths) == 3
        assert all(w > 100 for w in widths)
        assert ["completed", "886"] in cells
        assert (tmp_path / "report.png").stat().st_size > 10_000
