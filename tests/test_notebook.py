"""The example notebook runs top to bottom in a real Jupyter kernel of this environment."""

import json
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="the dev extra's nbclient is not installed")
nbclient = pytest.importorskip("nbclient", reason="the dev extra's nbclient is not installed")
pytest.importorskip("ipykernel", reason="the dev extra's ipykernel is not installed")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"
KERNEL = "skillsim-test"


@pytest.fixture(name="executed", scope="module")
def fixture_executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook, executed in a kernel run by this test's own Python (the venv's)."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "skillsim test",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(home))
        env.setenv("JUPYTER_PLATFORM_DIRS", "1")
        env.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
        client = nbclient.NotebookClient(
            notebook, kernel_name=KERNEL, timeout=300, resources={"metadata": {"path": str(home)}}
        )
        client.execute()
    return notebook


def text(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def code_cells(notebook: Any) -> list[Any]:
    return [c for c in notebook.cells if c.cell_type == "code"]


class TestExampleNotebook:
    def test_runs_in_this_environments_python(self, executed: Any) -> None:
        """The kernel is the Python running the tests, so it sees this checkout."""
        assert text(code_cells(executed)[-1]).strip() == sys.executable

    def test_no_cell_fails(self, executed: Any) -> None:
        """No cell's output is an error."""
        kinds = [o.output_type for c in code_cells(executed) for o in c.outputs]
        assert "error" not in kinds

    def test_the_scenario_runs_in_the_kernels_loop(self, executed: Any) -> None:
        """run_scenario inside the kernel prints rush_hour's known figures."""
        assert text(code_cells(executed)[0]) == (
            "best_fit: success 0.578, 1528 deadline misses, makespan 659 s\n"
        )

    def test_the_projects_picture_shows_inline(self, executed: Any) -> None:
        """The occupancy chart of the run's record is displayed as a PNG."""
        outputs = code_cells(executed)[1].outputs
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1
        assert len(images[0]["data"]["image/png"]) > 10_000

    def test_awaited_runs_compare_three_policies(self, executed: Any) -> None:
        """Top-level await of run_scenario_async gives one line per policy."""
        lines = text(code_cells(executed)[2]).splitlines()
        assert [line.split()[0] for line in lines] == ["best_fit", "most_skilled", "random"]
        assert lines[0].startswith("best_fit      success 0.578")

    def test_the_plot_is_inline(self, executed: Any) -> None:
        """The plotting cell leaves one PNG image in its output."""
        images = [o for o in code_cells(executed)[3].outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1
        assert len(images[0]["data"]["image/png"]) > 10_000

    def test_agents_run_works_in_the_kernel(self, executed: Any) -> None:
        """agents.run of the seed's quick start returns its three results."""
        result = code_cells(executed)[4].outputs[0]["data"]["text/plain"]
        assert result == "[(1, 'Junior', True), (2, 'Intermediate', True), (3, 'Senior', True)]"
