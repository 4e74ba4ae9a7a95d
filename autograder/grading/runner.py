"""The student side of grading: runs in the student's own process and computes, never scores.

Started by autograder.grading.student_process as `python -I <job>/runner.py REQUEST_FD RESPONSE_FD`, where the job
folder (read-only) also holds job.json (the cells to run), probes.py (glue that calls the student's functions) and
probe_helpers.py (helpers a probes.py may import). It
runs the cells in an IPython shell, then answers probe requests. Everything travels over the two pipes the grader
opened: a message is one JSON line, followed by the arrays it lists as `.npy` bytes (`encode_arrays`); the grader reads
them back with `decode_arrays`, bounded before anything is materialised. Everything it reports is data that the grader
checks on its own side, so nothing here has to be trusted. Standard library and NumPy only at import time, so start-up
stays fast.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path


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


def encode_arrays(arrays: dict) -> tuple[list[dict], bytes]:
    """Arrays as ([{"name", "bytes"}, ...], the concatenated .npy files), the frame that follows a message."""
    import numpy as np

    specs, chunks = [], []
    for name, array in arrays.items():
        stream = io.BytesIO()
        np.lib.format.write_array(stream, np.asarray(array), allow_pickle=False)
        specs.append({"name": str(name), "bytes": stream.tell()})
        chunks.append(stream.getvalue())
    return specs, b"".join(chunks)


def frame_size(specs, limit: int) -> int:
    """Total bytes of a frame described by `specs`; ValueError unless it is a well-formed list within `limit`."""
    if not isinstance(specs, list) or len(specs) > 1000:
        raise ValueError("malformed list of arrays")
    total = 0
    for spec in specs:
        if not (isinstance(spec, dict) and isinstance(spec.get("name"), str) and type(spec.get("bytes")) is int
                and spec["bytes"] >= 0):
            raise ValueError("malformed list of arrays")
        total += spec["bytes"]
    if total > limit:
        raise ValueError(f"{total / 2**20:.0f} MiB of arrays, more than the {limit / 2**20:.0f} MiB allowed")
    return total


def decode_arrays(specs: list[dict], payload: bytes) -> dict:
    """The arrays of a frame (specs checked by frame_size): each a numeric .npy whose header must account for
    exactly its bytes, so nothing larger than what was read is ever allocated; never unpickled."""
    import numpy as np

    arrays, offset = {}, 0
    view = memoryview(payload)
    for spec in specs:
        chunk = view[offset:offset + spec["bytes"]]
        offset += spec["bytes"]
        stream = io.BytesIO(chunk[:1 << 14])  # the header only (NumPy refuses headers over 10,000 bytes)
        version = np.lib.format.read_magic(stream)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in read_header:
            raise ValueError(f"array {spec['name']!r}: unsupported .npy version {version}")
        shape, fortran_order, dtype = read_header[version](stream)
        if dtype.hasobject or dtype.kind not in "biufc":
            raise ValueError(f"array {spec['name']!r} has dtype {dtype}, not a number")
        data = chunk[stream.tell():]
        if math.prod(shape) * dtype.itemsize != len(data):
            raise ValueError(f"array {spec['name']!r}: its header does not match its size")
        arrays[spec["name"]] = np.frombuffer(data, dtype).reshape(shape, order="F" if fortran_order else "C").copy()
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
    requests = os.fdopen(request_fd, "rb")
    responses = os.fdopen(response_fd, "wb")

    def send(message: dict, payload: bytes = b"") -> None:
        responses.write(json.dumps(message).encode() + b"\n" + payload)
        responses.flush()

    job_folder = Path(__file__).parent
    job = json.loads((job_folder / "job.json").read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, _on_alarm)
    os.environ.setdefault("MPLBACKEND", "Agg")

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    reports = []
    for position, cell in enumerate(job["cells"]):
        send({"event": "cell", "position": position, "at": time.time()})
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
    sys.path.insert(0, str(job_folder))  # probes.py may import probe_helpers.py from the job folder
    exec(compile((job_folder / "probes.py").read_text(encoding="utf-8"), "probes.py", "exec"), probes)
    send({"event": "ready", "cells": reports, "at": time.time()})

    for line in requests:
        request = json.loads(line)
        inputs = decode_arrays(request["arrays"], requests.read(frame_size(request["arrays"], 1 << 40)))
        started = time.perf_counter()
        payload = b""
        signal.setitimer(signal.ITIMER_REAL, request["timeout"])
        try:
            seed_all(request["seed"])
            outputs = probes[request["probe"]](shell.user_ns, **inputs, **request["kwargs"])
            signal.setitimer(signal.ITIMER_REAL, 0)
            specs, payload = encode_arrays(to_plain_arrays(outputs))
            reply = {"event": "result", "id": request["id"], "ok": True, "arrays": specs}
        except BaseException as error:  # noqa: BLE001 - any failure of student code is reported, not raised
            signal.setitimer(signal.ITIMER_REAL, 0)
            payload = b""
            reply = {"event": "result", "id": request["id"], "ok": False, "error": short_error(error)}
            try:
                traceback.print_exc()
            except OSError:  # the output file is full (RLIMIT_FSIZE)
                pass
        reply["seconds"] = round(time.perf_counter() - started, 3)
        send(reply, payload)


if __name__ == "__main__":
    main()
