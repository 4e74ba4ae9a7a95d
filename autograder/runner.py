"""The student side of grading: runs in the student's own process and computes, never scores.

Started by autograder.student_process as `python -I runner.py REQUEST_FD RESPONSE_FD` in a private working
directory holding job.json (the cells to run) and probes.py (glue that calls the student's functions). It runs the
cells in an IPython shell, then answers probe requests: each names a probe and an inputs .npz file; the answer is an
outputs .npz of plain numeric arrays. Everything it reports is data that the grader checks on its own side, so
nothing here has to be trusted. Standard library and NumPy only at import time, so start-up stays fast.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback


class GradingTimeout(BaseException):  # BaseException: a student's `except Exception` does not swallow it
    pass


def _on_alarm(signum, frame):
    raise GradingTimeout()


TIMED_OUT = "timed out: it did not finish within the time limit (an endless loop?)"


def short_error(error: BaseException) -> str:
    if isinstance(error, GradingTimeout):
        return TIMED_OUT
    if isinstance(error, NotImplementedError) and not str(error):
        return "NotImplementedError: not answered yet"
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text if len(text) <= 500 else text[:500] + " ..."


def to_plain_arrays(outputs):
    """A probe's outputs as {name: numeric ndarray}; refuses anything that would need pickling."""
    import numpy as np

    if not isinstance(outputs, dict):
        raise TypeError(f"probe returned {type(outputs).__name__}, not a dict")
    arrays = {}
    for name, value in outputs.items():
        if "torch" in sys.modules and isinstance(value, sys.modules["torch"].Tensor):
            value = value.detach().cpu().numpy()
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"output {name!r} has dtype {array.dtype}, not a number")
        arrays[name] = np.array(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    return arrays


def answer(namespace: dict, name: str):
    """What the student's notebook defines under `name` (given to probes.py)."""
    if name not in namespace:
        raise NameError(f"{name} is not defined: did its cell fail, or was it renamed or deleted?")
    return namespace[name]


def seed_all(seed: int) -> None:
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    requests = os.fdopen(request_fd, "r", encoding="utf-8")
    responses = os.fdopen(response_fd, "w", encoding="utf-8")

    def send(message: dict) -> None:
        responses.write(json.dumps(message) + "\n")
        responses.flush()

    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    signal.signal(signal.SIGALRM, _on_alarm)
    os.environ.setdefault("MPLBACKEND", "Agg")

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    reports = []
    for position, cell in enumerate(job["cells"]):
        send({"event": "cell", "position": position})
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, job["cell_timeout"])
        try:
            result = shell.run_cell(cell, store_history=False)
            error = result.error_before_exec or result.error_in_exec
        except GradingTimeout as timeout:
            error = timeout
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        reports.append({"seconds": round(time.perf_counter() - started, 3),
                        "error": None if error is None else short_error(error)})

    probes: dict = {"__name__": "probes", "answer": answer}
    with open("probes.py", encoding="utf-8") as f:
        exec(compile(f.read(), "probes.py", "exec"), probes)
    send({"event": "ready", "cells": reports})

    for line in requests:
        request = json.loads(line)
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, request["timeout"])
        try:
            import numpy as np

            with np.load(request["inputs"], allow_pickle=False) as data:
                inputs = {name: data[name] for name in data.files}
            seed_all(request["seed"])
            outputs = probes[request["probe"]](shell.user_ns, **inputs, **request["kwargs"])
            signal.setitimer(signal.ITIMER_REAL, 0)
            np.savez(request["outputs"], **to_plain_arrays(outputs))
            reply = {"event": "result", "id": request["id"], "ok": True}
        except BaseException as error:  # noqa: BLE001 - any failure of student code is reported, not raised
            signal.setitimer(signal.ITIMER_REAL, 0)
            reply = {"event": "result", "id": request["id"], "ok": False, "error": short_error(error)}
            try:
                traceback.print_exc()
            except OSError:  # the output file is full (RLIMIT_FSIZE)
                pass
        reply["seconds"] = round(time.perf_counter() - started, 3)
        send(reply)


if __name__ == "__main__":
    main()
