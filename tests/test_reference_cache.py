"""The reference's outputs are cached per secret seed and per version of what computes them: the reference's process
starts only when an output is missing, and editing the solution notebook, the probes, their helpers or dgmlib starts a
new cache."""

import shutil
from pathlib import Path

import pytest

from autograder import layout
from autograder.grading.grade import grade_notebook
from autograder.layout import probes_file, reference_cache, source_notebook
from autograder.pipeline.demo import make_course

REPO = Path(__file__).resolve().parents[1]


def test_the_cache_folder_changes_with_the_solution_notebook_and_the_probes(tmp_path, monkeypatch):
    course = tmp_path / "demo" / "course"
    make_course(REPO, course)
    for folder in ("solutions", "autograder"):  # copies, to edit
        (course / folder).unlink()
        shutil.copytree(REPO / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__"))
    before = reference_cache(course, "hw1", 7)
    assert reference_cache(course, "hw1", 7) == before and reference_cache(course, "hw1", 8) != before
    notebook = source_notebook(course, "hw1")
    notebook.write_text(notebook.read_text().replace("computing on", "computing with"))
    after_notebook = reference_cache(course, "hw1", 7)
    with probes_file(course, "hw1").open("a") as probes:
        probes.write("\n# a new probe would go here\n")
    after_probes = reference_cache(course, "hw1", 7)
    helpers = tmp_path / "probe_helpers.py"  # the helpers probes import, edited
    helpers.write_text(layout.PROBE_HELPERS.read_text() + "\n# a new helper would go here\n")
    monkeypatch.setattr(layout, "PROBE_HELPERS", helpers)
    assert len({before, after_notebook, after_probes, reference_cache(course, "hw1", 7)}) == 4

@pytest.mark.slow
def test_the_reference_process_never_starts_when_its_outputs_are_cached(tmp_path):
    course = tmp_path / "demo" / "course"
    make_course(REPO, course)
    first = grade_notebook(course, "hw1", source_notebook(course, "hw1"), secret_seed=11)
    again = grade_notebook(course, "hw1", source_notebook(course, "hw1"), secret_seed=11)
    assert first.earned == again.earned == first.points == 8
    assert first.reference_started and not again.reference_started
    other_seed = grade_notebook(course, "hw1", source_notebook(course, "hw1"), secret_seed=12)
    assert other_seed.reference_started and other_seed.earned == 8
