"""Importing student notebooks into nbgrader's submitted/<student>/<assignment>/ layout.

Accepted: a folder or a .zip holding `<student_id>.ipynb` files, or `<student_id>/<anything>.ipynb` folders with one
notebook each. Student ids are letters, digits, '.', '_' and '-'. Anything else (odd names such as
"alice (1).ipynb" or "Copy of bob.ipynb", two notebooks for one student, ids differing only in case) is reported and
skipped, never guessed. Zip members are read by name and never extracted, so a hostile archive cannot write outside
submitted/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from autograder.grading.notebook import MAX_NOTEBOOK_BYTES, SubmissionError, read_notebook
from autograder.layout import submitted_notebook

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class CollectReport:
    imported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _candidates(source: Path) -> list[tuple[str, str, callable]]:
    """(display name, path inside the source, reader) for every notebook-looking file."""
    found = []
    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            rel = path.relative_to(source).as_posix()
            found.append((rel, rel, path.read_bytes if path.stat().st_size <= MAX_NOTEBOOK_BYTES else None))
    elif zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name or ".ipynb_checkpoints" in name:
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                found.append((name, name, None))
                continue
            found.append((name, name, lambda n=name: archive.read(n)))
    else:
        raise FileNotFoundError(f"{source} is neither a folder nor a zip file")
    return found


def _student_id(relative: str) -> str | None:
    parts = PurePosixPath(relative).parts
    if len(parts) == 1:
        return PurePosixPath(parts[0]).stem
    if len(parts) == 2:
        return parts[0]
    return None


def collect(root: Path, assignment: str, source: Path) -> CollectReport:
    """Copy the notebooks in `source` to submitted/<student>/<assignment>/<assignment>.ipynb with a timestamp."""
    report = CollectReport()
    by_student: dict[str, list[tuple[str, callable]]] = defaultdict(list)
    for display, relative, reader in _candidates(Path(source)):
        student = _student_id(relative)
        if reader is None:
            report.problems.append(f"{display}: larger than {MAX_NOTEBOOK_BYTES // 2**20} MB, skipped")
        elif student is None or not STUDENT_ID.match(student):
            report.problems.append(f"{display}: cannot tell the student id from this name (expected "
                                   f"<student_id>.ipynb or <student_id>/<name>.ipynb), skipped")
        else:
            by_student[student].append((display, reader))
    folded: dict[str, list[str]] = defaultdict(list)
    for student in by_student:
        folded[student.lower()].append(student)
    for variants in folded.values():
        if len(variants) > 1:
            report.problems.append(f"ids {', '.join(sorted(variants))} differ only in case: none imported")
            for student in variants:
                by_student.pop(student)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    for student, files in sorted(by_student.items()):
        if len(files) > 1:
            report.problems.append(f"{student}: {len(files)} notebooks ({', '.join(d for d, _ in files)}), none "
                                   f"imported; keep one")
            continue
        folder = submitted_notebook(root, student, assignment).parent
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_bytes(files[0][1]())
        (folder / "timestamp.txt").write_text(stamp)
        report.imported.append(student)
        try:
            read_notebook(folder / f"{assignment}.ipynb")
        except SubmissionError as error:  # imported all the same: the student is told why it scores nothing
            report.problems.append(f"{student}: {error}")
    return report


def collect_from_exchange(root: Path, assignment: str) -> str:
    """On JupyterHub: nbgrader's own `nbgrader collect` from its exchange."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", "collect", assignment], cwd=root,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stdout + result.stderr)
    return result.stdout + result.stderr

