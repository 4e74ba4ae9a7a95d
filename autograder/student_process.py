"""The grader's handle on a process that runs a notebook's code: start it, call probes, read plain arrays back.

The same class runs the student's submission (sandboxed) and the instructor's solution (the reference), so both
are computed by exactly the same glue. Arrays cross the boundary only as .npz files read with allow_pickle=False.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .sandbox import (
    FileView,
    Limits,
    apply_limits,
    detach_and_die_with_parent,
    isolation_available,
    kill_group,
    kill_user,
    sandbox_user,
    student_environment,
)

RUNNER = Path(__file__).with_name("runner.py")
MAX_RESTARTS = 2


class StudentError(Exception):
    """The student's code failed or misbehaved on a probe; the message is safe to show the student."""


class ProcessDied(StudentError):
    pass


class StudentProcess:
    """Runs `cells` (code strings) in a fresh process, then answers probe calls from `probes` (a probes.py path).

    A crash, a hang or os._exit ends that process; the next call starts a new one (re-running the cells), at most
    MAX_RESTARTS times, so one hung check fails alone. A sandboxed process gets the limits, and, where Linux
    namespaces are available, `view` of the file system, no network and (as root) its own unprivileged user.
    """

    def __init__(self, cells: list[str], probes: Path, limits: Limits | None = None, sandboxed: bool = True,
                 label: str = "your notebook", view: FileView | None = None):
        self.cells, self.probes, self.sandboxed, self.label = cells, Path(probes), sandboxed, label
        self.limits = limits or Limits()
        self.view = view if sandboxed and view is not None and isolation_available(view) else None
        self.uid = sandbox_user() if self.view is not None else None
        self.process: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.cell_reports: list[dict] | None = None
        self.starts = 0
        self.died: str | None = None
        self._ids = itertools.count()
        self._current_cell: int | None = None
        self._buffer = b""

    # --- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Launch the process and wait until it has run the notebook's cells."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting for it (its cells run while the grader gets ready)."""
        if self.starts > MAX_RESTARTS:
            raise ProcessDied(f"{self.label} was stopped too many times ({self.died}); remaining checks are skipped")
        self.starts += 1
        self.workdir = Path(tempfile.mkdtemp(prefix="dgm-grade-"))
        job = {"cells": self.cells, "cell_timeout": self.limits.cell_seconds}
        (self.workdir / "job.json").write_text(json.dumps(job))
        shutil.copy(RUNNER, self.workdir / "runner.py")
        shutil.copy(self.probes, self.workdir / "probes.py")
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        log = open(self.workdir / "output.log", "wb")
        if self.uid is not None:
            for path in (self.workdir, *self.workdir.iterdir()):
                os.chown(path, self.uid, self.uid)
        limits, view, workdir, uid = self.limits, self.view, str(self.workdir), self.uid
        self.process = subprocess.Popen(
            [sys.executable, "-I", "runner.py", str(request_r), str(response_w)],
            cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(request_r, response_w), env=student_environment(self.workdir),
            preexec_fn=(lambda: apply_limits(limits, view, workdir, uid)) if self.sandboxed
            else detach_and_die_with_parent,
        )
        log.close()
        os.close(request_r)
        os.close(response_w)
        self._buffer = b""
        self._current_cell, self.cell_reports = None, None
        self._deadline = time.monotonic() + self.limits.startup_seconds

    def wait_ready(self) -> None:
        deadline = self._deadline
        while True:
            message = self._receive(deadline, during="running the notebook's cells")
            if message["event"] == "cell":
                self._current_cell = message["position"]
            elif message["event"] == "ready":
                self.cell_reports = message["cells"]
                return

    @property
    def isolation(self) -> str:
        """The sandbox layers in force, in words (for the instructor's log)."""
        if not self.sandboxed:
            return "none (trusted)"
        if self.view is None:
            return "resource limits only (Linux namespaces unavailable: the student's code can read what you can)"
        user = "a separate user" if self.uid is not None else "your own user in a user namespace"
        return f"resource limits, no network, private file view, {user}"

    def close(self) -> None:
        if self.process is not None:
            kill_group(self.process.pid)
            if self.uid is not None:
                kill_user(self.uid)
            self.process.wait()
            for fd in (self._request_w, self._response_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- calls --------------------------------------------------------------------------------------------------
    def call(self, probe: str, arrays: dict[str, np.ndarray] | None = None, kwargs: dict | None = None,
             seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        """Run probes.<probe>(namespace, **arrays, **kwargs) in the process; return its outputs as ndarrays."""
        if self.process is None:
            self.start()
        elif self.cell_reports is None:
            self.wait_ready()
        timeout = timeout or self.limits.check_seconds
        call_id = next(self._ids)
        inputs, outputs = self.workdir / f"in{call_id}.npz", self.workdir / f"out{call_id}.npz"
        np.savez(inputs, **(arrays or {}))
        request = {"id": call_id, "probe": probe, "inputs": inputs.name, "outputs": outputs.name,
                   "kwargs": kwargs or {}, "seed": int(seed), "timeout": timeout}
        try:
            os.write(self._request_w, (json.dumps(request) + "\n").encode())
        except OSError:
            self._died("it stopped before the check started")
        message = self._receive(time.monotonic() + timeout + 5, during=f"the check calling {probe}")
        while message.get("event") != "result" or message.get("id") != call_id:
            message = self._receive(time.monotonic() + timeout + 5, during=f"the check calling {probe}")
        if not message["ok"]:
            raise StudentError(message["error"])
        try:
            with np.load(outputs, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise StudentError(f"the outputs could not be read back ({error})") from None
        finally:
            inputs.unlink(missing_ok=True)
            outputs.unlink(missing_ok=True)

    def _receive(self, deadline: float, during: str) -> dict:
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._died(f"it exceeded the time limit while {during}")
            ready, _, _ = select.select([self._response_r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._response_r, 1 << 16)
            if not chunk:
                code = self.process.wait(timeout=5) if self.process else None
                self._died(f"it ended (exit code {code}) while {during}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            self._died("it wrote garbage to the grader's channel")
        if not isinstance(message, dict) or "event" not in message:
            self._died("it wrote garbage to the grader's channel")
        return message

    def _died(self, why: str):
        starting = self._current_cell is not None and self.cell_reports is None
        where = f" (in code cell {self._current_cell + 1} of those run)" if starting else ""
        self.died = why + where
        self.close()
        raise ProcessDied(f"{self.label} was stopped: {why}{where}")

    @property
    def output_tail(self) -> str:
        """The last lines the student's code printed (for the instructor's log)."""
        if self.workdir is None or not (self.workdir / "output.log").exists():
            return ""
        return (self.workdir / "output.log").read_bytes()[-2000:].decode(errors="replace")
