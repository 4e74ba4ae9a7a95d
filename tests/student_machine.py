"""A student's machine for the tests: a fresh virtualenv holding a hosted notebook service's torch and the student
repository (`dgm-grade publish`) installed as a student installs it, without the grader; and a runner that executes a
notebook's code cells there in order (IPython magics dropped, the kernel's namespace shared between cells)."""

import json
import os
import subprocess
import sys
from pathlib import Path

HOSTED_TORCH = "torch==2.13.0"  # what the service already has (the CPU build on this machine's disk)
RUN_CELLS = r'''
import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
stop = len(cells) if sys.argv[2] == "all" else int(sys.argv[2])
namespace = {"__name__": "__main__"}
for cell in cells[:stop]:
    source = "".join(cell["source"])
    if sys.argv[3:]:
        source = source.replace(sys.argv[3], sys.argv[4])
    exec(compile("\n".join(l for l in source.splitlines() if not l.lstrip().startswith("%")), "<cell>", "exec"),
         namespace)
print("ran", stop, "cells")
'''


def student_machine(bundle: Path, folder: Path):
    """(run, script): run(*args) runs the virtualenv's python in `folder`; script runs a notebook's cells:
    `run(script, notebook, "all" | N [, old, new])` (the first N code cells, with `old` replaced by `new`)."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")} | {"MPLBACKEND": "Agg"}

    def run(*args, **kwargs):
        return subprocess.run([str(venv / "bin" / "python"), *args], env=env, cwd=folder, capture_output=True,
                              text=True, **kwargs)

    for requirement in (HOSTED_TORCH, str(bundle)):
        result = run("-m", "pip", "install", "--quiet", requirement)
        assert result.returncode == 0, result.stderr[-2000:]
    versions = run("-c", "import torch, dgmlib; print(torch.__version__)")
    assert versions.stdout.startswith(HOSTED_TORCH.split("==")[1]), "installing the bundle replaced the torch"
    for grader_package in ("nbgrader", "pytest", "autograder"):
        assert run("-c", f"import {grader_package}").returncode != 0, f"{grader_package} came with the bundle"
    script = folder / "run_cells.py"
    script.write_text(RUN_CELLS)
    return run, script


def given_cells_before_the_first_answer(notebook: Path) -> int:
    code = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    return next(i for i, c in enumerate(code) if c["metadata"].get("nbgrader", {}).get("solution"))


def run_given_cells(run, script: Path, notebook: Path) -> None:
    """Run a release notebook's given cells up to the first answer cell (setup, imports, data)."""
    result = run(str(script), str(notebook), str(given_cells_before_the_first_answer(notebook)), timeout=600)
    assert result.returncode == 0, f"{notebook.name}: {result.stderr[-2000:]}"
