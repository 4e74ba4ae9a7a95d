"""The sandbox of the process that runs a student's code. Each layer and what it stops:

- a new session (process group), killed as a whole, and PR_SET_PDEATHSIG: a killed grading run leaves no student
  code running;
- RLIMIT_AS: a memory bomb fails with MemoryError instead of taking the machine down;
- RLIMIT_CPU: a busy loop that ignores the wall-clock alarm is killed by the kernel;
- RLIMIT_FSIZE with SIGXFSZ ignored: a gigabyte of output fails with an error instead of filling the disk;
- a private working directory and a scrubbed environment (no secrets inherited through variables);
- `isolate` (Linux namespaces, see FileView): a private network namespace with no interface up (no network), a
  private mount namespace where the course directory, the repository (hidden checks, solutions, .git, the secret
  seed, the gradebook, other students' submissions) and the grader's home are covered by empty folders, the
  temporary folder (other gradings' working folders) by an empty writable one, all except the virtualenv and
  dgmlib; as root, also a separate unprivileged user per submission, so RLIMIT_NPROC stops fork bombs, /proc shows
  no other process (hidepid) and every process the student started is killed at the end (`kill_user`).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
MEMORY_ENV = "DGM_GRADE_MEMORY_GB"
SECRET_SEED_ENV = "DGM_GRADE_SECRET_SEED"  # never inherited by the student's process (student_environment)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
SANDBOX_UID_BASE = 1_000_000  # + the grader's pid: one unprivileged user per concurrently graded submission


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


@dataclass(frozen=True)
class FileView:
    """What the student's process sees of the file system: `hidden` folders are covered by empty read-only
    folders and `scratch` folders by empty writable ones, except the `kept` folders inside either."""

    hidden: tuple[str, ...]
    kept: tuple[str, ...]
    scratch: tuple[str, ...] = ("/dev/shm",)

    @classmethod
    def for_course(cls, course: Path) -> FileView:
        """Hide the course, the repository holding the grader (with its .git), the grader's home and the temporary
        folder; keep the interpreter (its environment and base installation) and dgmlib, which notebooks import."""
        repository = Path(__file__).resolve().parents[1]
        spec = importlib.util.find_spec("dgmlib")
        dgmlib = Path(spec.origin).parent if spec and spec.origin else None
        hidden = {str(Path(p).resolve()) for p in (course, repository, Path.home())}
        paths = (sys.prefix, sys.base_prefix, Path(sys.executable).parent, *([dgmlib] if dgmlib else []))
        kept = {str(Path(p).resolve()) for p in paths} | {os.path.abspath(p) for p in paths}  # (a venv may be a link)
        scratch = (str(Path(tempfile.gettempdir()).resolve()), "/dev/shm")
        return cls(tuple(sorted(hidden)), tuple(sorted(kept)), scratch)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    _call(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _cover(folder: str, kept: list[str], writable: bool) -> None:
    """Mount an empty tmpfs on `folder`, then bind the `kept` folders (inside it) back at their own paths."""
    handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in kept]
    mode, size = ("1777", "256m") if writable else ("0755", "1m")
    _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size={size}")
    for path, fd in handles:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    if not writable:
        _mount(None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def isolate(view: FileView, workdir: str, uid: int | None) -> None:
    """In the student's process before exec: new network and mount namespaces, the file view, then (as root) the
    unprivileged `uid`. Without root, a user namespace gives the same file view and network isolation."""
    privileged = os.geteuid() == 0
    outer_uid, outer_gid = os.getuid(), os.getgid()
    _call(_libc().unshare(CLONE_NEWNS | CLONE_NEWNET | (0 if privileged else CLONE_NEWUSER)), "unshare")
    if not privileged:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{outer_uid} {outer_uid} 1"),
                           ("gid_map", f"{outer_gid} {outer_gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.umask(0o022)  # the folders leading to a kept folder must be reachable by the sandbox user
    kept = [*view.kept, workdir]
    covered = sorted([(folder, False) for folder in view.hidden] + [(folder, True) for folder in view.scratch],
                     key=lambda cover: len(cover[0]))  # outer folders first
    for folder, writable in covered:
        if os.path.isdir(folder):  # (a folder inside one covered before is already gone)
            _cover(folder, [path for path in kept if _inside(path, folder) and os.path.isdir(path)], writable)
    os.chdir(workdir)
    if privileged:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV, "hidepid=2")
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)


@functools.cache
def isolation_available(view: FileView) -> bool:
    """Whether a sandboxed Python can start and import NumPy behind `isolate` here (namespaces may be off for
    unprivileged users; the interpreter may live in a folder the sandbox user cannot reach). Tried once."""
    workdir, uid = tempfile.mkdtemp(prefix="dgm-grade-probe-"), sandbox_user()
    try:
        if uid is not None:
            os.chown(workdir, uid, uid)
        result = subprocess.run([sys.executable, "-I", "-c", "import numpy"], cwd=workdir, capture_output=True,
                                env=student_environment(Path(workdir)), preexec_fn=lambda: isolate(view, workdir, uid),
                                timeout=60)
        return result.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def sandbox_user() -> int | None:
    """The unprivileged user of this grader's student processes (root only; others keep their own uid)."""
    return SANDBOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None


def living_processes(uids: range) -> list[int]:
    """Pids of the processes (not zombies) whose real uid is in `uids`, from /proc."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # it ended while we looked
            continue
        if int(fields["Uid"].split()[0]) in uids and not fields["State"].strip().startswith(("Z", "X")):
            pids.append(int(status.parent.name))
    return pids


def kill_user(uid: int, wait_seconds: float = 5.0) -> None:
    """SIGKILL every process of `uid` (what a fork bomb left behind, even in another process group) and wait until
    they are gone."""
    deadline = time.monotonic() + wait_seconds
    while True:
        pid = os.fork()
        if pid == 0:
            try:
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)  # every process this user may signal, except the caller
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not living_processes(range(uid, uid + 1)) or time.monotonic() > deadline:
            return
        time.sleep(0.05)


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


def apply_limits(limits: Limits, view: FileView | None = None, workdir: str = "", uid: int | None = None) -> None:
    """preexec_fn of the student's process: runs in the child after fork, before exec."""
    detach_and_die_with_parent()
    if view is not None:
        isolate(view, workdir, uid)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC (isolate has switched to an unprivileged user when it can)
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
