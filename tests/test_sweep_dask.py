"""Sweeps on Dask: a LocalCluster, and a scheduler and workers started as processes here."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from distributed import Client
from sweeps import SLOW, comparable, write_sweep

from scenarios.cli import main
from scenarios.sweep import SchedulerLostError, run_sweep

pytestmark = pytest.mark.usefixtures("quiet_logs")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1 (no nannies)."""

    def __init__(self, folder: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.log = (folder / "dask.log").open("w")
        dask = [sys.executable, "-m", "dask"]
        self.scheduler = self._start(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":")[-1],
             "--no-dashboard"]
        )  # fmt: skip
        worker = [*dask, "worker", self.address, "--nthreads", "1", "--no-nanny",
                  "--no-dashboard", "--host", "127.0.0.1"]  # fmt: skip
        self.workers = [self._start(worker), self._start(worker)]
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client = Client(self.address, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.client.wait_for_workers(2, timeout=60)

    def _start(self, command: list[str]) -> "subprocess.Popen[bytes]":
        return subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def address_of(self, process: "subprocess.Popen[bytes]") -> str:
        pids: dict[str, int] = self.client.run(os.getpid)
        return next(address for address, pid in pids.items() if pid == process.pid)

    def stop(self) -> None:
        self.client.close()
        for group in (self.workers, [self.scheduler]):
            for process in group:
                if process.poll() is None:
                    process.terminate()
            for process in group:
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.log.close()


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A fresh external cluster, stopped after the test whatever happened."""
    cluster = Cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(name="serial_rows")
def fixture_serial_rows(tmp_path: Path) -> list[dict[str, Any]]:
    """The small sweep's rows, run in this process."""
    folder = tmp_path / "serial"
    folder.mkdir()
    return comparable(run_sweep(write_sweep(folder), executor="serial"))


class TestDask:
    def test_local_cluster_gives_the_serial_rows(
        self, tmp_path: Path, serial_rows: list[dict[str, Any]]
    ) -> None:
        """A LocalCluster of 2 worker processes gives exactly the serial rows."""
        out = tmp_path / "runs.parquet"
        runs = run_sweep(write_sweep(tmp_path), executor="dask", jobs=2, out=out)
        assert comparable(runs) == serial_rows
        assert comparable(pd.read_parquet(out)) == serial_rows

    def test_an_existing_cluster_gives_the_serial_rows(
        self, tmp_path: Path, cluster: Cluster, serial_rows: list[dict[str, Any]]
    ) -> None:
        """`--scheduler tcp://...` joins a running cluster; its rows are the serial rows."""
        sweep = write_sweep(tmp_path)
        assert main(["sweep", str(sweep), "--scheduler", cluster.address]) == 0
        assert comparable(pd.read_parquet(sweep.with_suffix(".parquet"))) == serial_rows
        assert all(w.poll() is None for w in cluster.workers)  # left running

    def test_a_worker_killed_mid_sweep_loses_no_run_and_doubles_none(
        self, tmp_path: Path, cluster: Cluster
    ) -> None:
        """Killing a worker while it runs: its runs are redone elsewhere, each row once."""
        victim = cluster.workers[0]
        address = cluster.address_of(victim)
        held: list[Any] = []

        def kill_once(row: dict[str, Any]) -> None:
            if not held:
                held.extend(cluster.client.processing(workers=[address])[address])
                os.kill(victim.pid, signal.SIGKILL)

        out = tmp_path / "runs.parquet"
        sweep = write_sweep(tmp_path, SLOW)
        runs = run_sweep(
            sweep, scheduler=cluster.address, executor="dask", out=out, on_row=kill_once
        )
        assert victim.wait(timeout=10) == -signal.SIGKILL
        assert held  # the worker was running sweep runs when it died
        on_disk = pd.read_parquet(out)
        assert len(on_disk) == 2 * 2 * 3 * 2
        assert on_disk["key"].is_unique
        assert on_disk["error"].isna().all()
        (tmp_path / "serial").mkdir()
        serial = run_sweep(write_sweep(tmp_path / "serial", SLOW), executor="serial")
        assert comparable(runs) == comparable(on_disk) == comparable(serial)

    def test_a_lost_scheduler_stops_the_sweep_and_keeps_finished_runs(
        self, tmp_path: Path, cluster: Cluster
    ) -> None:
        """The scheduler killed mid-sweep: finished runs kept, none marked failed; a rerun
        (here in process) does the rest, each run once."""
        seen: list[str] = []

        def kill_scheduler(row: dict[str, Any]) -> None:
            seen.append(row["key"])
            if len(seen) == 3:
                os.kill(cluster.scheduler.pid, signal.SIGKILL)

        out = tmp_path / "runs.parquet"
        sweep = write_sweep(tmp_path, SLOW)
        with pytest.raises(SchedulerLostError, match=r"^lost the Dask scheduler \(\w+\)$"):
            run_sweep(
                sweep, scheduler=cluster.address, executor="dask", out=out, on_row=kill_scheduler
            )
        kept = pd.read_parquet(out)
        assert sorted(kept["key"]) == sorted(seen)
        assert kept["error"].isna().all()
        again: list[str] = []
        runs = run_sweep(sweep, executor="serial", out=out, on_row=lambda r: again.append(r["key"]))
        assert len(again) == 24 - len(seen)
        assert pd.read_parquet(out)["key"].is_unique
        assert len(runs) == 24

    def test_an_unreachable_scheduler_exits_2_and_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Nobody at the address: exit 2, one message naming it, and no file."""
        sweep = write_sweep(tmp_path)
        address = f"tcp://127.0.0.1:{free_port()}"
        code = main(["sweep", str(sweep), "--scheduler", address, "--connect-timeout", "1"])
        assert code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: cannot reach the Dask scheduler at {address}: ")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml", "sweep.toml"]
