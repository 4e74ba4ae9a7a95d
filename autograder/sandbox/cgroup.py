"""A cap on everything one graded submission runs, summed over all of its processes: memory (its tmpfs folders
included) and the number of processes, through Linux control groups.

cgroup v2 where the memory and pids controllers are enabled for the children of the grader's own group (a delegated
subtree) or, as root, of the hierarchy's root; else the v1 memory and pids hierarchies, which root can write. Where
none is writable (an ordinary user without delegation), the per-process limits of isolation.py remain and the
sandbox's description says so.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "dgm-grade-"
_numbers = itertools.count()


def _mounts() -> dict[str, Path]:
    """Mount point of each cgroup hierarchy by controller ("unified" for v2), from /proc/self/mountinfo."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split(" - ")
        if len(fields) != 2:
            continue
        mount_point, (fstype, _, options) = line.split()[4], fields[1].split()[:3]
        if fstype == "cgroup2":
            found.setdefault("unified", Path(mount_point))
        elif fstype == "cgroup":
            for controller in options.split(","):
                found.setdefault(controller, Path(mount_point))
    return found


def _own_groups() -> dict[str, str]:
    """This process's group per controller ("unified" for v2), from /proc/self/cgroup."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else ["unified"]:
            groups[controller] = path
    return groups


def _parent(mount: Path, path: str) -> Path:
    folder = mount / path.lstrip("/")
    return folder if folder.is_dir() else mount  # (a container may show its group as the hierarchy's root)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


@dataclass
class SubmissionGroup:
    """The control groups (one per hierarchy) that hold every process of one graded submission."""

    folders: list[Path]
    version: int

    def describe(self) -> str:
        return f"cgroup v{self.version} memory and process caps"

    def procs_files(self) -> list[str]:
        """Where a process writes its pid to join (before it drops root)."""
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def kill_and_remove(self, wait_seconds: float = 5.0) -> None:
        """SIGKILL every process still in the group, then remove it."""
        deadline = time.monotonic() + wait_seconds
        for folder in self.folders:
            while time.monotonic() < deadline:
                try:
                    pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    except PermissionError:  # another user's group: not ours to clean
                        return
                time.sleep(0.02)
            try:
                folder.rmdir()
            except OSError:
                pass


def submission_group(memory_bytes: int, processes: int) -> SubmissionGroup | None:
    """A new group capped at `memory_bytes` and `processes`, or None where no cgroup hierarchy is writable."""
    try:
        return _submission_group(memory_bytes, processes)
    except OSError:  # an unreadable /proc entry, a hierarchy that changed under us: no caps, never a failed grading
        return None


def _submission_group(memory_bytes: int, processes: int) -> SubmissionGroup | None:
    mounts, groups = _mounts(), _own_groups()
    name = f"{PREFIX}{os.getpid()}-{next(_numbers)}"
    if "unified" in mounts and "unified" in groups:
        # cgroup v2 lets a group pass controllers to children only while it holds no process itself: the grader's
        # own group qualifies only when delegated that way; root can use the hierarchy's root, which is exempt
        parents = [_parent(mounts["unified"], groups["unified"])] + ([mounts["unified"]] if os.geteuid() == 0 else [])
        for parent in parents:
            try:
                delegated = set((parent / "cgroup.subtree_control").read_text().split())
            except OSError:
                continue
            if {"memory", "pids"} <= delegated:
                group = _create([parent / name], {"memory.max": memory_bytes, "pids.max": processes}, version=2)
                if group is not None:
                    return group
    if "memory" in mounts and "pids" in mounts:
        folders = [_parent(mounts[c], groups.get(c, "/")) / name for c in ("memory", "pids")]
        return _create(folders, {"memory.limit_in_bytes": memory_bytes, "pids.max": processes}, version=1)
    return None


def _create(folders: list[Path], settings: dict[str, int], version: int) -> SubmissionGroup | None:
    for folder in folders:
        _remove_stale(folder.parent)
    group = SubmissionGroup([], version)
    try:
        for folder in folders:
            folder.mkdir()
            group.folders.append(folder)
            for setting, value in settings.items():
                if (folder / setting).exists():
                    (folder / setting).write_text(str(value))
    except OSError:
        group.kill_and_remove()
        return None
    return group


def _remove_stale(parent: Path) -> None:
    """Remove the groups that graders which are gone left behind (a killed grader cannot clean up)."""
    for folder in parent.glob(f"{PREFIX}*"):
        pid = folder.name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            SubmissionGroup([folder], 0).kill_and_remove()
