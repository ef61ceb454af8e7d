"""The HTML report: one self-contained file holding the run's figures and numbers."""

import base64
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.compare import compare_runs
from scenarios.loader import load_scenario
from scenarios.metrics import RunResult
from scenarios.run import run_scenario
from scenarios.webreport import comparison_html, run_html

pytestmark = pytest.mark.usefixtures("quiet_logs")


class Page(HTMLParser):
    """Collects tags, attributes, images and the text of table cells by table id."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.images: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._div: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes += list(values.items())
        if tag == "img":
            self.images.append(values["src"])
        if tag == "div":
            self._div = values.get("id")
        if tag == "tr" and self._div is not None:
            self.tables.setdefault(self._div, []).append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._div is not None:
            self.tables[self._div][-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "div":
            self._div = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@cache
def churn() -> RunResult:
    return run_scenario(load_scenario("churn")).result


def self_contained(page: Page, text: str) -> None:
    """No script, no stylesheet link, no reference leaving the file."""
    assert not {"script", "link", "iframe", "object"} & set(page.tags)
    for name, value in page.attributes:
        if name in ("src", "href"):
            assert value.startswith(("data:", "#")), value
    for outside in ("http://", "https://", "url("):
        assert outside not in text


class TestRunReport:
    def test_parses_self_contained_with_three_pictures(self) -> None:
        """The page parses, refers to nothing outside itself, and holds three PNG pictures."""
        text = run_html(churn())
        page = Page(text)
        self_contained(page, text)
        assert len(page.images) == 3
        for src in page.images:
            prefix = "data:image/png;base64,"
            assert src.startswith(prefix)
            assert base64.b64decode(src[len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"

    def test_holds_the_numbers_of_the_run(self) -> None:
        """Every metric of the run is in the metrics table, with its value."""
        result = churn()
        rows = Page(run_html(result)).tables["metrics"][1:]
        expected = [
            [name, f"{value:,.6g}" if isinstance(value, float) else str(value)]
            for name, value in result.metrics.model_dump().items()
            if value is not None
        ]
        assert rows == expected
        assert ["completed", "886"] in rows

    def test_cli_writes_the_file(self, tmp_path: Path) -> None:
        """``report SCENARIO --out FILE`` runs it and writes one HTML file."""
        out = tmp_path / "r.html"
        assert main(["report", "quickstart", "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert "quickstart: policy best_fit, seed 0" in text


class TestComparisonReport:
    def test_marks_the_winner_and_the_differences(self) -> None:
        """The winner's mean carries ``*``; a significant difference is coloured."""
        from test_compare import A, B

        text = comparison_html(compare_runs("s", [1, 2, 3], {"A": A, "B": B}))
        page = Page(text)
        self_contained(page, text)
        assert len(page.images) == 2
        summary = {row[0]: row[1:] for row in page.tables["summary"][1:]}
        assert summary["success_rate"] == ["0.60 ± 0.25", "0.70 ± 0.25 *"]
        differences = {row[0]: row[1:] for row in page.tables["differences"][1:]}
        assert differences["success_rate"] == ["+0.1 ± 0"]
        assert '<span class="better">+0.1 ± 0</span>' in text

    def test_cli_compares_several_policies(self, tmp_path: Path) -> None:
        """Two policies and --seeds make a comparison page."""
        out = tmp_path / "c.html"
        args = ["report", "quickstart", "--policy", "best_fit", "--policy", "round_robin"]
        assert main([*args, "--seeds", "2", "--out", str(out)]) == 0
        assert "quickstart: policies compared" in out.read_text(encoding="utf-8")
