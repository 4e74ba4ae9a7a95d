"""The grader's handle on a process that runs a notebook's code: start it, call probes, read plain arrays back.

The same class runs the student's submission (sandboxed) and the instructor's solution (the reference), so both
are computed by exactly the same glue. Everything crosses the boundary over two pipes the grader opened (no file the
student's process could replace or redirect): JSON lines, each followed by the `.npy` bytes of the arrays it lists,
read with a deadline and bounded before they are materialised (runner.frame_size, runner.decode_arrays).
"""

from __future__ import annotations

import fcntl
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

from autograder.grading.runner import decode_arrays, encode_arrays, frame_size
from autograder.grading.timings import Timings
from autograder.layout import PROBE_HELPERS
from autograder.sandbox.isolation import (
    Limits,
    Sandbox,
    kill_group,
    student_environment,
    trusted_limits,
)

RUNNER = Path(__file__).with_name("runner.py")
MAX_RESTARTS = 2
MAX_MESSAGE_BYTES = 2**20  # one JSON line from the process


class StudentError(Exception):
    """The student's code failed or misbehaved on a probe; the message is safe to show the student."""


class ProcessDied(StudentError):
    pass


def well_formed_reports(reports) -> bool:
    """The per-cell reports of a "ready" message: [{"seconds": number, "error": None or text}, ...]."""
    return isinstance(reports, list) and all(
        isinstance(r, dict) and isinstance(r.get("seconds"), int | float) and isinstance(r.get("error"), str | None)
        for r in reports)


class StudentProcess:
    """Runs `cells` (code strings) in a fresh process, then answers probe calls from `probes` (a probes.py path).

    A crash, a hang or os._exit ends that process; the next call starts a new one (re-running the cells), at most
    MAX_RESTARTS times, so one hung check fails alone. A sandboxed process gets the limits, and, where
    bubblewrap can start, the allowlist view of sandbox/isolation.py, no network, its own PID namespace and (as root)
    its own unprivileged user.
    """

    def __init__(self, cells: list[str], probes: Path, limits: Limits | None = None, sandboxed: bool = True,
                 label: str = "your notebook", cell_names: list[str] | None = None, timings: Timings | None = None,
                 role: str = "student"):
        self.cells, self.probes, self.sandboxed, self.label = cells, Path(probes), sandboxed, label
        self.timings, self.role = timings, role  # where its start, cells and calls are timed, and under what name
        self.cell_names = cell_names or []  # how messages name each cell (notebook.CodeCell.where)
        self.limits = limits or Limits()
        self.sandbox = Sandbox(self.limits) if sandboxed else None
        self.uid = self.sandbox.uid if self.sandbox is not None and self.sandbox.isolated else None
        self.process: subprocess.Popen | None = None
        self.job: Path | None = None  # the grader's folder for this process: job files (read-only inside), log
        self.cell_reports: list[dict] | None = None
        self.starts = 0
        self.died: str | None = None
        self._ids = itertools.count()
        self._current_cell: int | None = None
        self._child_ends: tuple = (None, None)
        self._request_w = self._response_r = None
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no newline

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
        self.job = Path(tempfile.mkdtemp(prefix="dgm-grade-"))
        try:
            self._launch()
        except BaseException:
            self.close()
            raise

    def _launch(self) -> None:
        files = self.job / "job"
        files.mkdir()
        (files / "job.json").write_text(json.dumps({"cells": self.cells, "cell_timeout": self.limits.cell_seconds}))
        shutil.copy(RUNNER, files / "runner.py")
        shutil.copy(PROBE_HELPERS, files / "probe_helpers.py")
        shutil.copy(self.probes, files / "probes.py")
        for path in (self.job, files, *files.iterdir()):  # readable by the sandbox user, writable by the grader only
            path.chmod(0o755 if path.is_dir() else 0o644)
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        self._child_ends = (request_r, response_w)
        fcntl.fcntl(self._request_w, fcntl.F_SETFL, os.O_NONBLOCK)  # never block on a process that stops reading
        # What the reference prints goes to a log (for the instructor); what the student's process prints, nowhere:
        # a file on the host's disk could be grown past RLIMIT_FSIZE (fallocate with FALLOC_FL_KEEP_SIZE).
        with open(self.job / "output.log", "wb") if self.sandbox is None else open(os.devnull, "wb") as log:
            fds = {"stdin": subprocess.DEVNULL, "stdout": log, "stderr": subprocess.STDOUT,
                   "pass_fds": (request_r, response_w)}
            if self.sandbox is not None:
                job, home = self.sandbox.inside(str(files))
                command = [sys.executable, "-I", f"{job}/runner.py", str(request_r), str(response_w)]
                self.process = self.sandbox.popen(command, str(files), env=student_environment(home), **fds)
            else:
                workdir = self.job / "work"
                workdir.mkdir()
                command = [sys.executable, "-I", str(files / "runner.py"), str(request_r), str(response_w)]
                self.process = subprocess.Popen(command, cwd=workdir, env=student_environment(str(workdir)),
                                                preexec_fn=lambda: trusted_limits(self.limits), **fds)
        self._close_fds(self._child_ends)
        self._child_ends = (None, None)
        self._buffer = bytearray()
        self._scanned = 0
        self._current_cell, self.cell_reports = None, None
        self._deadline = time.monotonic() + self.limits.startup_seconds
        self._launched_at = time.time()
        self._mark("launched")

    def _mark(self, event: str, message: dict | None = None) -> None:
        """Time `event` of the first start: when the process says it happened (the grader reads its messages only
        when a check calls it), if that lies between the launch and now; timings are never scored."""
        if self.timings is None or self.starts != 1:  # a restart's events would only blur the first start's
            return
        now, said = time.time(), (message or {}).get("at")
        plausible = type(said) is float and self._launched_at <= said <= now
        self.timings.mark(f"{self.role}: {event}", at=said if plausible else now)

    def wait_ready(self) -> None:
        deadline = self._deadline
        while True:
            message = self._receive(deadline, during="running the notebook's cells")
            if message["event"] == "cell" and type(message.get("position")) is int:
                position = message["position"]
                if self._current_cell is None:
                    self._mark("interpreter up (sandbox, Python, IPython)", message)
                elif self._current_cell < position < len(self.cells):  # forward steps only: one mark per cell
                    self._mark(f"{self._cell_name(self._current_cell)} done", message)
                if 0 <= position < len(self.cells):  # (a made-up position names no cell)
                    self._current_cell = position
            elif message["event"] == "ready" and well_formed_reports(message.get("cells")):
                self.cell_reports = message["cells"]
                if self._current_cell is not None:
                    self._mark(f"{self._cell_name(self._current_cell)} done", message)
                self._mark("ready (every cell run)", message)
                return
            else:
                self._died("it wrote garbage to the grader's channel")

    @property
    def isolation(self) -> str:
        """The sandbox layers in force, in words (for the instructor's log)."""
        return self.sandbox.describe() if self.sandbox is not None else "none (trusted)"

    def close(self) -> None:
        if self.process is not None:
            if self.sandbox is not None:
                self.sandbox.stop(self.process.pid)
            else:
                kill_group(self.process.pid)
            self.process.wait()
            self.process = None
        self._close_fds((*self._child_ends, self._request_w, self._response_r))
        self._child_ends, self._request_w, self._response_r = (None, None), None, None
        if self.job is not None:
            shutil.rmtree(self.job, ignore_errors=True)
            self.job = None

    @staticmethod
    def _close_fds(fds) -> None:
        for fd in fds:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def abandon(self) -> None:
        """Kill the process and remove its folder without touching the pipes (from another thread, before the grader
        exits: see the plugin's watchdog)."""
        process, job = self.process, self.job
        if process is not None:
            if self.sandbox is not None:
                self.sandbox.stop(process.pid)
            else:
                kill_group(process.pid)
        if job is not None:
            shutil.rmtree(job, ignore_errors=True)

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
        started = time.monotonic()
        call_id = next(self._ids)
        specs, payload = encode_arrays(arrays or {})
        request = {"id": call_id, "probe": probe, "arrays": specs, "kwargs": kwargs or {}, "seed": int(seed),
                   "timeout": timeout}
        deadline = time.monotonic() + timeout + 5
        self._send(json.dumps(request).encode() + b"\n" + payload, deadline, during=f"the check calling {probe}")
        during = f"the check calling {probe}"
        while True:
            message = self._receive(deadline, during)
            current = message.get("event") == "result" and message.get("id") == call_id
            arrays = self._read_frame(message, deadline, during, decode=current) if message.get("ok") else {}
            if current:
                break
        if self.timings is not None:
            self.timings.probe(f"{self.role}: {probe}", time.monotonic() - started)
        if not message.get("ok"):
            raise StudentError(str(message.get("error"))[:1000])
        return arrays

    def _read_frame(self, message: dict, deadline: float, during: str, decode: bool = True) -> dict[str, np.ndarray]:
        """The arrays that follow `message` (read and dropped unless `decode`), refused (and the process stopped)
        past the limits or when malformed: a process that breaks the protocol is out of step with the grader."""
        try:
            size = frame_size(message.get("arrays", []), self.limits.output_bytes)
            payload = self._read_exactly(size, deadline, during)
            return decode_arrays(message["arrays"], payload) if decode else {}
        except ValueError as error:
            self._died(f"it sent back outputs the grader refuses ({error})")

    def _send(self, data: bytes, deadline: float, during: str) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._died(f"it stopped reading its inputs while {during}")
            _, ready, _ = select.select([], [self._request_w], [], remaining)
            if not ready:
                continue
            try:
                view = view[os.write(self._request_w, view):]
            except BlockingIOError:
                continue
            except OSError:
                self._died(f"it ended before {during} started")

    def _fill(self, deadline: float, during: str) -> None:
        """Read what the process has sent into the buffer (waiting until the deadline for something)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._died(f"it exceeded the time limit while {during}")
            ready, _, _ = select.select([self._response_r], [], [], remaining)
            if ready:
                break
        chunk = os.read(self._response_r, 1 << 20)
        if not chunk:
            try:
                code = self.process.wait(timeout=5) if self.process else None
            except subprocess.TimeoutExpired:  # it closed the channel but keeps running
                self._died(f"it closed the grader's channel while {during}")
            self._died(f"it ended (exit code {code}) while {during}")
        self._buffer += chunk

    def _read_exactly(self, size: int, deadline: float, during: str) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline, during)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._scanned = 0
        return data

    def _receive(self, deadline: float, during: str) -> dict:
        while (end := self._buffer.find(b"\n", self._scanned)) < 0:
            self._scanned = len(self._buffer)
            if self._scanned > MAX_MESSAGE_BYTES:
                self._died("it wrote garbage to the grader's channel")
            self._fill(deadline, during)
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        self._scanned = 0
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # (JSONDecodeError, UnicodeDecodeError, a 5,000-digit number)
            self._died("it wrote garbage to the grader's channel")
        if not isinstance(message, dict) or "event" not in message:
            self._died("it wrote garbage to the grader's channel")
        return message

    def _cell_name(self, position: int) -> str:
        """How messages name the cell at `position` of those run (a position the process reported, so checked)."""
        named = 0 <= position < len(self.cell_names)
        return self.cell_names[position] if named else f"code cell {position + 1} of those run"

    def _died(self, why: str):
        starting = self._current_cell is not None and self.cell_reports is None
        where = f" (in {self._cell_name(self._current_cell)})" if starting else ""
        self.died = why + where
        self.close()
        raise ProcessDied(f"{self.label} was stopped: {why}{where}")
