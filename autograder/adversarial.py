"""Hostile submissions that must earn nothing their code did not earn (the start of the tamper-proofing corpus).

Each attack is a code cell appended to a submission, after the answer cells, so that what it defines replaces them.
Built on the untouched release, an attack must still score 0: scores are decided in the grader's process, so
nothing the student's process patches, fakes or returns can add a point. Built on the reference, an attack that
only disrupts its own process must cost at most the checks it breaks (grading survives exits and interrupts, and a
killed process is restarted for the remaining checks).
"""

from __future__ import annotations

import copy

ATTACKS = {
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
}
# attack -> (the submission it is added to, the tasks it must lose points on; "all" = every practice point)
EXPECTED = {
    "patch-comparisons": ("release", "all"),
    "fake-grader-modules": ("release", "all"),
    "equal-to-anything": ("release", "all"),
    "exit-and-interrupt": ("reference", frozenset()),
    "kills-its-process-in-a-check": ("reference", frozenset({"wavenet"})),
}


def with_attack(notebook, source: str):
    """A copy of `notebook` with `source` appended as a new code cell."""
    attacked = copy.deepcopy(notebook)
    attacked["cells"].append({"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                              "execution_count": None, "id": "attack"})
    return attacked
