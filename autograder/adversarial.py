"""Hostile submissions that must earn nothing their code did not earn: the adversarial corpus.

Most attacks are a code cell appended after the answer cells (so what it defines replaces them); some edit the
notebook's structure. The attacker is assumed to know where the course and the grader live: `{course}` and `{repo}`
in an attack's source are replaced by the real paths. Built on the untouched release, an attack must still score 0
(nothing it reads, patches, fakes, writes or returns can add a point). Built on the reference, an attack that only
disrupts its own process must cost at most the checks it breaks, and never another student's grade.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STEAL_SOLUTIONS = """
import glob, json, os, sqlite3
stolen = []
for path in glob.glob('{course}/solutions/*/*.ipynb') + glob.glob('{repo}/solutions/*/*.ipynb'):
    try:
        cells = json.load(open(path))['cells']
    except OSError:
        continue
    for cell in cells:
        if cell['cell_type'] == 'code':
            try:
                exec(''.join(cell['source']), globals())
                stolen.append(path)
            except BaseException:
                pass
for path in ['{course}/.grading/hw1/secret_seed', '{repo}/autograder/hw1/test_made.py', '/proc/1/environ']:
    try:
        print(open(path).read()[:200])
        stolen.append(path)
    except OSError:
        pass
print('stolen:', stolen)
"""

FORGE_GRADES = """
import glob, json, os, sqlite3
for path in glob.glob('{course}/.grading/hw1/results/*.json'):
    try:
        document = json.load(open(path))
        document['earned'] = 8.0
        json.dump(document, open(path, 'w'))
    except OSError:
        pass
try:
    with sqlite3.connect('{course}/gradebook.db') as db:
        db.execute('UPDATE grade SET auto_score = 100')
except Exception:
    pass
for path in glob.glob('{course}/submitted/*/hw1/hw1.ipynb'):
    try:
        open(path, 'w').write('{{}}')
    except OSError:
        pass
"""

ODD_OUTPUTS = """
import numpy as np, torch

class Liar(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(torch.as_tensor(other), dtype=torch.bool)

def made_masks(ordering, hidden_sizes):
    return [torch.full((3, 3), float('nan'), requires_grad=True)]

def receptive_field(kernel_size, dilations):
    return torch.tensor([1.0, 2.0]).as_subclass(Liar)

def pixelcnn_mask(kernel_size, mask_type, in_channels=1, out_channels=1):
    return torch.zeros(out_channels, in_channels, kernel_size, kernel_size, device='meta')

def sample_autoregressive(logits_fn, n, shape, device=None):
    return np.array([['x']] * n, dtype=object)
"""

FORK_BOMB = """
import os, time
children = 0
try:
    while children < 100_000:
        if os.fork() == 0:
            os.setsid()  # leave the process group, so only killing the whole sandbox user reaches it
            time.sleep(3600)
            os._exit(0)
        children += 1
except OSError as error:
    print('fork refused after', children, 'children:', error)
"""

CODE_ATTACKS = {
    "patch-comparisons": (
        "import numpy, torch\n"
        "numpy.allclose = numpy.array_equal = lambda *a, **k: True\n"
        "numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)\n"
        "torch.allclose = torch.equal = lambda *a, **k: True\n"
        "import builtins\n"
        "builtins.all = lambda *a: True\n"
    ),
    "fake-grader-modules": (
        "import sys, types\n"
        "for name in ('autograder', 'autograder.contract', 'autograder.stats', 'scipy.stats', 'pytest'):\n"
        "    fake = types.ModuleType(name)\n"
        "    fake.check = lambda *a, **k: (lambda f: f)\n"
        "    fake.chisquare = lambda *a, **k: (0.0, 1.0)\n"
        "    sys.modules[name] = fake\n"
        "sys.path.insert(0, '.')\n"
        "open('autograder.py', 'w').write('raise SystemExit')\n"
    ),
    "equal-to-anything": (
        "import numpy as np, torch\n"
        "class Anything(np.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return np.ones(np.shape(other), bool)\n"
        "    __ne__ = lambda self, other: np.zeros(np.shape(other), bool)\n"
        "def receptive_field(kernel_size, dilations):\n"
        "    return np.zeros(1).view(Anything)\n"
        "def pixelcnn_mask(kernel_size, mask_type, in_channels=1, out_channels=1):\n"
        "    return torch.full((out_channels, in_channels, kernel_size, kernel_size), float('nan'))\n"
    ),
    "odd-outputs": ODD_OUTPUTS,
    "steals-solutions-and-secrets": STEAL_SOLUTIONS,
    "forges-grades-and-overwrites-others": FORGE_GRADES,
    "exit-and-interrupt": (
        "import sys\n"
        "try:\n"
        "    sys.exit(0)\n"
        "finally:\n"
        "    raise KeyboardInterrupt\n"
    ),
    "kills-its-process-in-a-check": (
        "def receptive_field(kernel_size, dilations):\n"
        "    import os, signal\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    ),
    "memory-bomb": "hoard = bytearray(1 << 40)\n",
    "fork-bomb": FORK_BOMB,
    "gigabyte-of-output": "for _ in range(1 << 20):\n    print('x' * 1023)\n",
    "network": (  # reaching the network would show up as the MADE points it throws away
        "import socket\n"
        "for host, port in (('pypi.org', 443), ('1.1.1.1', 53)):\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=3).close()\n"
        "        del made_masks\n"
        "        break\n"
        "    except OSError as error:\n"
        "        print(host, error)\n"
    ),
}


def _edit_locked_and_check_cells(notebook: dict) -> dict:
    """Rewrite the given (locked) cells and the check cells, claim 100 points per check, change every cell id."""
    for number, cell in enumerate(notebook["cells"]):
        cell["id"] = f"changed-{number}"
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if grading.get("grade") and cell["cell_type"] == "code":
            cell["source"], grading["points"] = "pass", 100
        elif grading.get("locked") and cell["cell_type"] == "code":
            cell["source"] = cell["source"] + "\nraise SystemExit('the setup cell is mine now')\n"
    return notebook


def _delete_check_cells(notebook: dict) -> dict:
    """Delete every check cell and every given cell (the grader restores them from the source)."""
    notebook["cells"] = [c for c in notebook["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("locked")]
    return notebook


@dataclass(frozen=True)
class Attack:
    base: str  # "release" or "reference": the submission the attack is built on
    loses: str | frozenset  # "all" (every practice point) or the tasks it must lose, on the reference
    source: str = ""  # a code cell appended after the answers
    edit: Callable[[dict], dict] | None = None  # or an edit of the notebook's cells


ATTACKS = {
    "patch-comparisons": Attack("release", "all", CODE_ATTACKS["patch-comparisons"]),
    "fake-grader-modules": Attack("release", "all", CODE_ATTACKS["fake-grader-modules"]),
    "equal-to-anything": Attack("release", "all", CODE_ATTACKS["equal-to-anything"]),
    "odd-outputs": Attack("release", "all", CODE_ATTACKS["odd-outputs"]),
    "steals-solutions-and-secrets": Attack("release", "all", CODE_ATTACKS["steals-solutions-and-secrets"]),
    "forges-grades-and-overwrites-others": Attack("release", "all",
                                                  CODE_ATTACKS["forges-grades-and-overwrites-others"]),
    "edits-locked-and-check-cells": Attack("release", "all", edit=_edit_locked_and_check_cells),
    "deletes-check-and-given-cells": Attack("reference", frozenset(), edit=_delete_check_cells),
    "exit-and-interrupt": Attack("reference", frozenset(), CODE_ATTACKS["exit-and-interrupt"]),
    "kills-its-process-in-a-check": Attack("reference", frozenset({"wavenet"}),
                                           CODE_ATTACKS["kills-its-process-in-a-check"]),
    "memory-bomb": Attack("reference", frozenset(), CODE_ATTACKS["memory-bomb"]),
    "fork-bomb": Attack("reference", frozenset(), CODE_ATTACKS["fork-bomb"]),
    "gigabyte-of-output": Attack("reference", frozenset(), CODE_ATTACKS["gigabyte-of-output"]),
    "network": Attack("reference", frozenset(), CODE_ATTACKS["network"]),
}


def hostile_notebook(attack: Attack, base: dict, course: Path, repository: Path) -> dict:
    """A copy of `base` with `attack` applied, aimed at the real paths of the course and the grader."""
    notebook = copy.deepcopy(base)
    for cell in notebook["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    if attack.edit is not None:
        return attack.edit(notebook)
    source = attack.source.replace("{course}", str(course)).replace("{repo}", str(repository))
    source = source.replace("{{", "{").replace("}}", "}")
    notebook["cells"].append({"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                              "execution_count": None, "id": "attack"})
    return notebook
