"""The setup cell that opens every homework and seminar notebook: one source, written into the notebooks by
`dgm-grade release` and `dgm-grade publish` from course.toml's [course] public_url.

Where the course's library is installed (a student's own clone, the course's virtualenv, the grader's sandbox) the
cell does nothing. On a hosted notebook service where only the notebook was uploaded, it installs the student
distribution (`dgm-grade publish`) from the public URL with pip, which keeps the service's own PyTorch (the
distribution accepts any recent torch), and a failed install stops with what to do next.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.layout import SEMINARS_DIRECTORY, SOURCE_DIRECTORY
from autograder.settings import load_settings

SETUP_GRADE_ID = "install"
SETUP_CELL_ID = "course-setup"
FIRST_LINE = "# Setup: the same first cell in every homework and seminar."
TEMPLATE = '''{first_line}
# Where the course library is installed (your clone: `pip install -e .`) it does nothing; on a hosted notebook
# service (Colab, Kaggle, ...) it installs the library from the course's public repository, keeping the service's
# own PyTorch.
import importlib
import importlib.util
import subprocess
import sys

COURSE_URL = "{url}"
if importlib.util.find_spec("dgmlib") is None:
    print("installing the course library from", COURSE_URL, "...")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "git+" + COURSE_URL],
                             capture_output=True, text=True)
    if install.returncode != 0:
        raise RuntimeError(
            "could not install the course library (dgmlib) from " + COURSE_URL + ":\\n" + install.stderr[-1500:]
            + "\\nWhat to do: on a hosted service, turn the runtime's internet access on and run this cell again; on "
            "your own machine, run `pip install -e .` in your clone of the course repository and restart the kernel.")
    importlib.invalidate_caches()'''


def setup_source(url: str) -> str:
    """The setup cell's code for a course published at `url`."""
    if '"' in url or "\\" in url or "\n" in url:
        raise ValueError(f"the public URL {url!r} cannot hold quotes, backslashes or line breaks")
    return TEMPLATE.format(first_line=FIRST_LINE, url=url)


def setup_cell(url: str, graded: bool) -> nbformat.NotebookNode:
    """The cell itself; in a homework it is a locked nbgrader cell (graded=True adds nbgrader's metadata)."""
    cell = nbformat.v4.new_code_cell(setup_source(url))
    if graded:
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": SETUP_GRADE_ID, "locked": True,
                                     "schema_version": 3, "solution": False, "task": False}
    return cell


def is_setup_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(FIRST_LINE)


def first_code_cell(notebook) -> int | None:
    return next((i for i, c in enumerate(notebook.cells) if c.cell_type == "code"), None)


def starts_with_setup_cell(path: Path, url: str) -> bool:
    """Whether the notebook's first code cell is the setup cell for `url`."""
    notebook = nbformat.read(path, as_version=4)
    first = first_code_cell(notebook)
    return first is not None and notebook.cells[first].source == setup_source(url)


def write_setup_cell(path: Path, url: str, graded: bool) -> bool:
    """Make the notebook at `path` start with the setup cell for `url` (replacing an older one); True if it changed.
    Notebooks are rewritten only when the cell differs, so committed notebooks stay byte-for-byte stable."""
    notebook = nbformat.read(path, as_version=4)
    wanted = setup_cell(url, graded)
    wanted.id = SETUP_CELL_ID  # a fixed id (nbformat 4.5): rewriting the cell never churns the notebook
    first = first_code_cell(notebook)
    if first is not None and is_setup_cell(notebook.cells[first]):
        current = notebook.cells[first]
        if current.source == wanted.source and current.metadata == wanted.metadata:
            return False
        notebook.cells[first] = wanted
    else:
        notebook.cells.insert(0 if first is None else first, wanted)
    nbformat.write(notebook, path)
    return True


def sync_setup_cells(root: Path) -> list[Path]:
    """Write the setup cell for course.toml's public URL into every solution and seminar notebook; the changed ones."""
    url = load_settings(root).public_url
    changed = []
    for path in sorted((Path(root) / SOURCE_DIRECTORY).glob("*/*.ipynb")):
        if write_setup_cell(path, url, graded=True):
            changed.append(path)
    for path in sorted((Path(root) / SEMINARS_DIRECTORY).glob("*.ipynb")):
        if write_setup_cell(path, url, graded=False):
            changed.append(path)
    return changed
