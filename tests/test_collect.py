"""Importing submissions: names tell the student; odd names and duplicates are reported, never guessed."""

import json
import zipfile

from autograder.grading.notebook import MAX_CELLS
from autograder.pipeline.collect import collect


def notebooks(folder, names):
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "name": name}))


def imported(root, student, assignment="hw1"):
    return root / "submitted" / student / assignment / f"{assignment}.ipynb"


def test_folder_with_files_and_student_folders(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["alice.ipynb", "bob/hw1.ipynb", "carol_2.ipynb", ".ipynb_checkpoints/alice-checkpoint.ipynb"])
    report = collect(tmp_path, "hw1", inbox)
    assert sorted(report.imported) == ["alice", "bob", "carol_2"] and report.problems == []
    assert '"bob/hw1.ipynb"' in imported(tmp_path, "bob").read_text()
    assert (imported(tmp_path, "alice").parent / "timestamp.txt").exists()


def test_odd_names_and_duplicates_are_reported_not_guessed(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["alice (1).ipynb", "Copy of bob.ipynb", "dave.ipynb", "dave/hw1.ipynb", "Eve.ipynb",
                      "eve.ipynb", "a/b/c.ipynb", "frank.ipynb"])
    report = collect(tmp_path, "hw1", inbox)
    assert report.imported == ["frank"]
    text = "\n".join(report.problems)
    for fragment in ("alice (1).ipynb", "Copy of bob.ipynb", "dave: 2 notebooks", "Eve, eve differ only in case",
                     "a/b/c.ipynb"):
        assert fragment in text
    assert not (tmp_path / "submitted" / "dave").exists()


def test_zip_members_are_read_by_name_and_never_extracted(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice.ipynb", '{"cells": []}')
        z.writestr("../../evil.ipynb", '{"cells": []}')
        z.writestr("/abs/olute.ipynb", '{"cells": []}')
        z.writestr("__MACOSX/._alice.ipynb", "junk")
    report = collect(tmp_path / "course", "hw1", archive)
    assert report.imported == ["alice"]
    assert len(report.problems) == 3 and any("alice: hw1.ipynb is valid JSON but not a" in p for p in report.problems)
    assert not (tmp_path / "evil.ipynb").exists() and not list(tmp_path.rglob("evil*"))


def test_notebooks_past_the_caps_are_imported_and_reported(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "many.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "source": "x", "metadata": {}}] * (MAX_CELLS + 1)}))
    (inbox / "deep.ipynb").write_text('{"nbformat": 4, "cells": [], "metadata": ' + '{"a": ' * 100_000 + "1"
                                      + "}" * 100_001)
    report = collect(tmp_path / "course", "hw1", inbox)
    assert report.imported == ["deep", "many"]
    assert any("nested too deeply" in p for p in report.problems)
    assert any(f"more than the {MAX_CELLS}" in p for p in report.problems)


def test_symbolic_links_and_odd_characters_are_never_imported(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["alice.ipynb"])
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (inbox / "mallory.ipynb").symlink_to(secret)
    (inbox / "bob\n.ipynb").write_text((inbox / "alice.ipynb").read_text())
    report = collect(tmp_path, "hw1", inbox)
    assert report.imported == ["alice"]
    assert any("mallory.ipynb: a symbolic link, skipped" in p for p in report.problems)
    assert not (tmp_path / "submitted" / "mallory").exists() and not (tmp_path / "submitted" / "bob\n").exists()
