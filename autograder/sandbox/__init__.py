"""Isolation of a student's process: the bubblewrap allowlist view and limits (isolation), control groups (cgroup).
THREATS.md in the parent folder lists what it defends against."""
