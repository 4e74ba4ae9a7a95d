"""Limits for the process that runs a student's code (hardened further by the tamper-proofing work).

Each layer and what it stops:
- a new session (process group), killed as a whole: a runaway child or a fork left behind; PR_SET_PDEATHSIG
  kills it when the grader dies, so a killed grading run leaves no student code running;
- RLIMIT_AS: a memory bomb fails with MemoryError instead of taking the machine down;
- RLIMIT_CPU: a busy loop that ignores the wall-clock alarm is killed by the kernel;
- RLIMIT_NPROC: a fork bomb cannot start more than a few dozen processes;
- RLIMIT_FSIZE with SIGXFSZ ignored: a gigabyte of output fails with an error instead of filling the disk;
- a private temporary working directory and a scrubbed environment (no secrets inherited through variables).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
MEMORY_ENV = "DGM_GRADE_MEMORY_GB"


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the student's process."""

    memory_bytes: int = 6 * 2**30
    cpu_seconds: int = 600
    processes: int = 256
    file_bytes: int = 64 * 2**20
    startup_seconds: float = 120.0  # running all cells of the notebook
    cell_seconds: float = 60.0  # one cell of the notebook
    check_seconds: float = 20.0  # one probe call, unless a check asks for more

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, with the memory limit from $DGM_GRADE_MEMORY_GB (set by `dgm-grade autograde --memory-gb`)."""
        memory = os.environ.get(MEMORY_ENV)
        return cls(memory_bytes=int(float(memory) * 2**30)) if memory else cls()


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the grader that started it dies (Linux prctl)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def detach_and_die_with_parent() -> None:
    """preexec_fn of a process the grader trusts (the reference): its own process group, gone with the grader."""
    os.setsid()
    die_with_parent()


def apply_limits(limits: Limits) -> None:
    """preexec_fn of the student's process: runs in the child after fork, before exec."""
    detach_and_die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC; the tamper-proofing work runs students as another user
        cap = min(limits.processes, hard if hard != resource.RLIM_INFINITY else limits.processes)
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def student_environment(workdir: Path) -> dict[str, str]:
    """A minimal environment: no inherited secrets, a private HOME and TMPDIR, headless matplotlib, few threads."""
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return keep | {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "OMP_NUM_THREADS": os.environ.get("DGM_GRADE_THREADS", "1"),
        "MKL_NUM_THREADS": os.environ.get("DGM_GRADE_THREADS", "1"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "DGMLIB_DEVICE": os.environ.get("DGMLIB_DEVICE", "cpu"),
    }


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
