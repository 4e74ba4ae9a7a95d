"""Makes `pytest autograder/hwN --notebook ...` grade a notebook (see autograder/grading/plugin.py)."""

from autograder.grading.plugin import (  # noqa: F401  (pytest finds hooks and fixtures by name)
    grader,
    pytest_addoption,
    pytest_collection_finish,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_unconfigure,
)
