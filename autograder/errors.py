"""Mistakes the instructor can fix (a wrong name, a missing file, the wrong folder), as opposed to bugs.

`dgm-grade` shows a UserError as one line, `dgm-grade <step>: <message>`, and exits with status 2; any other exception
keeps its traceback. The message says what is wrong, then after a semicolon what to do next.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected error of use; its message reads `<what is wrong>; <what to do next>`."""


class CourseNotFound(UserError, FileNotFoundError):
    """No course directory at or above the current folder (still a FileNotFoundError for older callers)."""
