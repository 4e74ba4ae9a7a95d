"""The student repository (`dgm-grade publish`): nothing private in it, file by file; safe to re-run; and it installs
and runs as a student's would, beside a hosted service's own torch, without the grader."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from student_machine import run_given_cells, student_machine

from autograder.layout import RELEASE_DIRECTORY, assignments
from autograder.pipeline.publish import BUNDLED, PublishError, publish, student_dependencies
from autograder.pipeline.setup_cell import is_setup_cell, setup_source, sync_setup_cells
from autograder.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
PRIVATE = ("solutions", "autograder", ".grading")
PRIVATE_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "secret_seed", "autograder.")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("student") / "repository"
    publish(REPO, output)
    return output


def test_the_bundle_holds_only_what_students_get(bundle):
    private = {digest(p) for folder in PRIVATE if (REPO / folder).exists()
               for p in (REPO / folder).rglob("*") if p.is_file() and p.stat().st_size > 64}
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) >= 10
    for path in files:
        relative = path.relative_to(bundle)
        assert relative.parts[0] in BUNDLED, f"{relative} is not part of the student repository"
        assert not set(relative.parts) & {*PRIVATE, "__pycache__", "gradebook.db"}, relative
        assert digest(path) not in private, f"{relative} is a copy of a private file"
        text = path.read_text(errors="replace")
        for marker in PRIVATE_MARKERS:
            assert marker not in text, f"{relative} contains {marker!r}"


def test_the_bundle_carries_the_current_release_the_library_and_the_seminars(bundle):
    for name in assignments(REPO):
        assert digest(bundle / RELEASE_DIRECTORY / name / f"{name}.ipynb") == digest(
            REPO / RELEASE_DIRECTORY / name / f"{name}.ipynb")
    for path in (REPO / "dgmlib").rglob("*.py"):
        assert digest(bundle / path.relative_to(REPO)) == digest(path)
    assert sorted(p.name for p in (bundle / "seminars").glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "seminars").glob("*.ipynb"))
    readme = (bundle / "README.md").read_text()
    assert load_settings(REPO).public_url in readme and "pip install" in readme and "Submit" in readme


def test_the_student_distribution_accepts_any_recent_torch_and_no_grader():
    required, jupyter = student_dependencies(REPO)
    torch = [r for r in required if r.startswith("torch")]
    assert torch == ["torch>=2.4"], "a pinned torch would replace a hosted service's own build"
    assert not {"nbgrader", "pytest", "nbclient", "distributed"} & {r.split(">")[0].split("=")[0] for r in required}
    assert "jupyterlab>=4" in jupyter


def test_every_homework_and_seminar_starts_with_the_setup_cell_for_the_public_url():
    import nbformat

    source = setup_source(load_settings(REPO).public_url)
    for path in (*REPO.glob("solutions/*/*.ipynb"), *REPO.glob(f"{RELEASE_DIRECTORY}/*/*.ipynb"),
                 *REPO.glob("seminars/*.ipynb")):
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert code[0].source == source, f"{path.relative_to(REPO)}: run `dgm-grade release`"
        assert sum(map(is_setup_cell, code)) == 1


def test_publishing_again_keeps_git_and_refuses_folders_it_did_not_write(tmp_path):
    output = tmp_path / "student"
    publish(REPO, output)
    (output / ".git").mkdir()
    (output / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (output / "dgmlib" / "stale.py").write_text("")
    publish(REPO, output)
    assert (output / ".git" / "HEAD").exists() and not (output / "dgmlib" / "stale.py").exists()
    (output / "LICENSE").write_text("mine")
    publish(REPO, output)
    assert (output / "LICENSE").read_text() == "mine", "what publish does not write stays"
    elsewhere = tmp_path / "someone's folder"
    elsewhere.mkdir()
    (elsewhere / "README.md").write_text("theirs")
    with pytest.raises(PublishError, match="neither empty nor a student repository"):
        publish(REPO, elsewhere)
    assert (elsewhere / "README.md").read_text() == "theirs"
    with pytest.raises(PublishError, match="inside the course"):
        publish(REPO, REPO / "student")


def test_only_committed_files_are_published(tmp_path):
    scratch = REPO / "dgmlib" / "scratch_of_the_instructor.py"
    scratch.write_text("API_KEY = 'secret'\n")
    try:
        written = publish(REPO, tmp_path / "student")
    finally:
        scratch.unlink()
    assert written and Path("dgmlib/scratch_of_the_instructor.py") not in written
    assert Path("dgmlib/train.py") in written


def test_a_new_public_url_reaches_every_notebook_once_and_publish_waits_for_the_release(tmp_path):
    course = tmp_path / "course"
    for name in ("solutions", "seminars", RELEASE_DIRECTORY, "dgmlib"):
        shutil.copytree(REPO / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copy(REPO / name, course / name)
    (course / "course.toml").write_text('[course]\npublic_url = "https://example.org/dgm/student"\n')
    with pytest.raises(PublishError, match="dgm-grade release"):
        publish(course, tmp_path / "out")
    changed = sync_setup_cells(course)
    assert len(changed) == len(list(course.glob("solutions/*/*.ipynb"))) + len(list(course.glob("seminars/*.ipynb")))
    assert sync_setup_cells(course) == [], "a second run must change nothing"
    assert "https://example.org/dgm/student" in (course / "seminars" / changed[-1].name).read_text()


@pytest.mark.slow
def test_a_student_installs_the_bundle_and_runs_the_notebooks_beside_a_hosted_torch(bundle, tmp_path):
    run, script = student_machine(bundle, tmp_path)
    seminar = sorted((bundle / "seminars").glob("*.ipynb"))[0]
    result = run(str(script), str(seminar), "all", timeout=600)
    assert result.returncode == 0, f"{seminar.name}: {result.stderr[-2000:]}"
    for name in assignments(REPO):
        run_given_cells(run, script, bundle / RELEASE_DIRECTORY / name / f"{name}.ipynb")

    # A hosted service without the library: the setup cell installs it from the public URL (here a local git
    # repository standing for it) and the next cells import it; a URL that cannot be reached says what to do.
    assert run("-m", "pip", "uninstall", "--yes", "--quiet", "dgmlib").returncode == 0
    served = tmp_path / "served"
    shutil.copytree(bundle, served)
    git = ["git", "-c", "user.name=ta", "-c", "user.email=ta@example.org"]
    for command in (["init", "--quiet"], ["add", "."], ["commit", "--quiet", "-m", "bundle"]):
        subprocess.run([*git, *command], cwd=served, check=True)
    url = load_settings(REPO).public_url
    result = run(str(script), str(seminar), "2", url, served.as_uri(), timeout=600)
    assert result.returncode == 0 and "installing the course library" in result.stdout, result.stderr[-2000:]
    assert run("-c", "import torch, dgmlib; print(torch.__version__)").stdout.startswith("2.13.0")
    assert run("-m", "pip", "uninstall", "--yes", "--quiet", "dgmlib").returncode == 0
    result = run(str(script), str(seminar), "1", url, (tmp_path / "nowhere").as_uri(), timeout=600)
    assert result.returncode != 0 and "What to do" in result.stderr, result.stderr[-2000:]
