"""Where everything of the course lives: the one owner of its paths.

The repository root is an nbgrader course directory; nbgrader_config.py takes its folder names from here, so nbgrader
and dgm-grade agree by construction:

    solutions/<hw>/<hw>.ipynb                 source notebooks (nbgrader's source_directory)
    seminars/, dgmlib/                        what students get besides the release (`dgm-grade publish`)
    homeworks/<hw>/<hw>.ipynb                 the student release (release_directory)
    submitted/<student>/<hw>/<hw>.ipynb       collected submissions (nbgrader's layout)
    submitted/<student>/<hw>/timestamp.txt    when the student submitted (from the source, never collection time)
    feedback/<student>/<hw>/<hw>.html         feedback pages
    gradebook.db                              nbgrader's gradebook
    .grading/<hw>/                            private grading state: secret_seed, results/, reference-<seed>-<hash>/,
                                              recorded/ (what the gradebook holds)
    autograder/<hw>/                          the hidden suite: test_*.py, probes.py (and the corpora)
    .grading/exam.csv                         imported exam scores
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from autograder.errors import CourseNotFound

COURSE_ROOT_ENV = "DGM_COURSE_ROOT"
SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "homeworks"
SUBMITTED_DIRECTORY = "submitted"
FEEDBACK_DIRECTORY = "feedback"
GRADING_DIRECTORY = ".grading"
GRADEBOOK = "gradebook.db"
SEMINARS_DIRECTORY = "seminars"  # one notebook per lecture, for students
LIBRARY_DIRECTORY = "dgmlib"  # the library the notebooks import, for students


def course_root(start: str | os.PathLike | None = None) -> Path:
    """The course directory: $DGM_COURSE_ROOT, else the nearest folder at or above `start` (default: the current
    directory) holding nbgrader_config.py."""
    if os.environ.get(COURSE_ROOT_ENV):
        return Path(os.environ[COURSE_ROOT_ENV]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").exists():
            return folder
    raise CourseNotFound(f"{here} is not in a course directory (no nbgrader_config.py here or above); run from "
                         f"the course directory, or pass --course or set ${COURSE_ROOT_ENV}")


def assignments(root: Path) -> list[str]:
    """Names of the assignments in solutions/ (folders holding at least one notebook), sorted."""
    source = root / SOURCE_DIRECTORY
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.exists() else []


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course directory, with this interpreter's bin/ first on PATH (nbgrader calls
    `alembic` from PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    env = os.environ | {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, check=check,
                          capture_output=True, text=True)


def grading_dir(root: Path, assignment: str) -> Path:
    """Private grading state of one assignment (secret seed, reference cache, results); never committed."""
    path = root / GRADING_DIRECTORY / assignment
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_seed(root: Path, assignment: str) -> int:
    """The assignment's secret seed, drawn once from the OS on first use and kept (so re-grading is repeatable).

    Delete .grading/<assignment>/secret_seed to draw new hidden inputs for the next grading run.
    """
    path = grading_dir(root, assignment) / "secret_seed"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return int(path.read_text().strip())
    with os.fdopen(fd, "w") as f:
        seed = int.from_bytes(os.urandom(8), "little") >> 1
        f.write(str(seed))
    return seed


def source_notebook(root: Path, assignment: str) -> Path:
    return Path(root) / SOURCE_DIRECTORY / assignment / f"{assignment}.ipynb"


def release_notebook(root: Path, assignment: str) -> Path:
    return Path(root) / RELEASE_DIRECTORY / assignment / f"{assignment}.ipynb"


def submitted_root(root: Path) -> Path:
    return Path(root) / SUBMITTED_DIRECTORY


def submitted_notebook(root: Path, student: str, assignment: str) -> Path:
    return submitted_root(root) / student / assignment / f"{assignment}.ipynb"


def submission_timestamp(root: Path, student: str, assignment: str) -> Path:
    """When the student submitted (nbgrader's timestamp.txt next to the submitted notebook)."""
    return submitted_root(root) / student / assignment / "timestamp.txt"


def submission_secret(root: Path, student: str, assignment: str) -> Path:
    """nbgrader's submission_secret.txt next to the submitted notebook (release_feedback names pages after it)."""
    return submitted_root(root) / student / assignment / "submission_secret.txt"


def feedback_page(root: Path, student: str, assignment: str) -> Path:
    return Path(root) / FEEDBACK_DIRECTORY / student / assignment / f"{assignment}.html"


def results_dir(root: Path, assignment: str) -> Path:
    """One results file per submission (autograder/grading/results.py)."""
    return grading_dir(Path(root), assignment) / "results"


def reference_cache(root: Path, assignment: str, seed: int) -> Path:
    """The reference's probe outputs for one secret seed (autograder/grading/contract.py ReferenceOutputs), in a
    folder named after what they are computed from — the solution notebook, the probes (and the helpers they import)
    and dgmlib — so editing any of them starts a new cache instead of serving stale outputs."""
    return grading_dir(Path(root), assignment) / f"reference-{seed}-{reference_fingerprint(Path(root), assignment)}"


def reference_fingerprint(root: Path, assignment: str) -> str:
    """A short hash of the files the reference's outputs depend on (besides a probe's inputs and seed)."""
    digest = hashlib.sha256()
    library = Path(importlib.util.find_spec(LIBRARY_DIRECTORY).origin).parent  # the dgmlib the reference imports
    for path in (source_notebook(root, assignment), probes_file(root, assignment), PROBE_HELPERS,
                 *sorted(library.rglob("*.py"))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def suite_dir(root: Path, assignment: str) -> Path:
    """The hidden checks of one homework (pytest runs this folder)."""
    return Path(root) / "autograder" / assignment


PROBE_HELPERS = Path(__file__).parent / "grading" / "probe_helpers.py"  # copied next to every probes.py


def probes_file(root: Path, assignment: str) -> Path:
    """The glue that runs inside a notebook's process."""
    return suite_dir(root, assignment) / "probes.py"


def exam_csv(root: Path) -> Path:
    return Path(root) / GRADING_DIRECTORY / "exam.csv"


def gradebook_path(root: Path) -> Path:
    return Path(root) / GRADEBOOK
