"""`dgm-grade publish`: the student repository — what students clone, install and open, and nothing else.

    <output>/
        README.md          install, open, submit (student_readme.md, with the course's public URL)
        pyproject.toml     the distribution `dgmlib`: the course's dependencies, with any torch >= TORCH_FLOOR
        .gitignore
        dgmlib/            the library the notebooks import
        homeworks/hwN/     the current nbgrader release (run `dgm-grade release` first)
        seminars/          one notebook per lecture

No file from solutions/, autograder/, .grading/ or the gradebook goes in: the bundle is built from an allowlist
(BUNDLED), and tests/test_publish.py proves it file by file. The course's own environment keeps its pinned CPU torch;
the student distribution accepts any recent torch, so pip keeps a hosted notebook service's own CUDA build instead of
replacing it. Only committed files are published (in a git checkout), never a scratch file lying next to them.
Re-running is safe: the published paths are replaced and everything else in the folder (.git, a LICENSE) stays; a
folder that is neither empty nor a student repository is refused.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

from autograder.errors import UserError
from autograder.layout import LIBRARY_DIRECTORY, RELEASE_DIRECTORY, SEMINARS_DIRECTORY, assignments, release_notebook
from autograder.pipeline.setup_cell import starts_with_setup_cell
from autograder.settings import load_settings

LIBRARY, SEMINARS = LIBRARY_DIRECTORY, SEMINARS_DIRECTORY
BUNDLED = (RELEASE_DIRECTORY, SEMINARS, LIBRARY, "README.md", "pyproject.toml", ".gitignore")
TORCH_FLOOR = "torch>=2.4"  # tested here on 2.13 (CPU) and 2.11 (CUDA); older hosted builds may work but are untested
JUPYTER = ("jupyterlab", "ipywidgets")  # for a local install only: hosted services bring their own Jupyter
README_TEMPLATE = Path(__file__).with_name("student_readme.md")


class PublishError(UserError):
    """The bundle cannot be written where asked; the message says why and what to do."""


def student_dependencies(root: Path) -> tuple[list[str], list[str]]:
    """(dependencies, the `jupyter` extra) of the student distribution, from the course's own pyproject.toml: the
    same packages, with torch relaxed to TORCH_FLOOR and Jupyter moved to an extra."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]
    required, jupyter = [TORCH_FLOOR], []
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
        if name == "torch":
            continue
        (jupyter if name in JUPYTER else required).append(requirement.split("#")[0].strip())
    return required, jupyter


def student_pyproject(root: Path) -> str:
    required, jupyter = student_dependencies(root)
    version = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]

    def listing(items):
        return "".join(f'    "{item}",\n' for item in items)

    return (f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{LIBRARY}"\nversion = "{version}"\n'
            f'description = "The library of the Deep Generative Models course: data, models\' interface, training '
            f'loops, plots, metrics."\nrequires-python = ">=3.10"\n'
            f"# Any recent torch: pip keeps the one a hosted notebook service already has.\n"
            f"dependencies = [\n{listing(required)}]\n\n"
            f"[project.optional-dependencies]\njupyter = [\n{listing(jupyter)}]\n\n"
            f'[tool.setuptools.packages.find]\ninclude = ["{LIBRARY}*"]\n')


def _committed_files(root: Path, folder: str) -> list[str]:
    """The files of `folder` to publish, relative to the course: in a git repository the tracked ones only (never a
    scratch notebook or a local cache lying next to them), elsewhere every file but caches."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)

    if git("rev-parse", "--show-toplevel").stdout.strip() == str(Path(root).resolve()):
        return [f for f in git("ls-files", "-z", "--", folder).stdout.split("\0") if f and (Path(root) / f).is_file()]
    return [str(p.relative_to(root)) for p in sorted((Path(root) / folder).rglob("*"))
            if p.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts) and p.suffix != ".pyc"]


def _earlier_bundle(folder: Path) -> bool:
    """A clone of the student repository, or what an earlier publish wrote."""
    project = folder / "pyproject.toml"
    return (folder / ".git").exists() or (project.exists() and f'name = "{LIBRARY}"' in project.read_text())


def publish(root: Path, output: Path) -> list[Path]:
    """Write the student repository into `output`; returns the files written (relative to `output`)."""
    root, output = Path(root), Path(output).resolve()
    if output == root.resolve() or root.resolve() in output.parents:
        raise PublishError(f"{output} is inside the course directory; publish to a folder outside it")
    names = assignments(root)
    missing = [name for name in names if not release_notebook(root, name).exists()]
    if missing:
        raise PublishError(f"no release of {', '.join(missing)}: run `dgm-grade release` first")
    url = load_settings(root).public_url
    stale = [str(p.relative_to(root)) for p in (*(root / RELEASE_DIRECTORY).glob("*/*.ipynb"), *(root / SEMINARS).glob(
        "*.ipynb")) if not starts_with_setup_cell(p, url)]
    if stale:
        raise PublishError(f"{', '.join(stale[:3])} do not start with the setup cell for {url}: run `dgm-grade "
                           "release` first (it writes the cell from course.toml)")
    if output.exists() and any(output.iterdir()) and not _earlier_bundle(output):
        raise PublishError(f"{output} is neither empty nor a student repository (no .git, no dgmlib pyproject.toml); "
                           "publish to an empty folder or to a clone of the student repository")
    staging = output.with_name(f".{output.name}.publishing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for folder in (*(f"{RELEASE_DIRECTORY}/{name}" for name in names), SEMINARS, LIBRARY):
        for relative in _committed_files(root, folder):
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, staging / relative)
    unpublished = [name for name in names if not (staging / release_notebook(Path(), name)).exists()]
    if unpublished:
        shutil.rmtree(staging)
        raise PublishError(f"the release of {', '.join(unpublished)} is not committed; commit homeworks/ first")
    (staging / "README.md").write_text(README_TEMPLATE.read_text().format(public_url=url, homeworks=", ".join(names)))
    (staging / "pyproject.toml").write_text(student_pyproject(root))
    (staging / ".gitignore").write_text("__pycache__/\n.ipynb_checkpoints/\n*.egg-info/\n.venv/\n")
    output.mkdir(parents=True, exist_ok=True)
    for name in BUNDLED:  # anything else in the folder (.git, LICENSE, .github/) stays as it is
        target = output / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        (staging / name).rename(target)
    staging.rmdir()
    return sorted(p.relative_to(output) for p in output.rglob("*") if p.is_file() and ".git" not in p.parts)
