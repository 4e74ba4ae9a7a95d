"""The check contract: how a hidden test declares what it grades, and what it may ask of a submission.

A hidden test is a pytest function in autograder/hwN/ decorated with `@check(task, points)`. It receives a
`grader` fixture and never touches student objects: it asks for the outputs of probes (glue in
autograder/hwN/probes.py that calls the student's functions) on inputs it draws from `grader.rng`, a stream seeded
by the grading run's secret seed, and compares them with the same probe run on the solution notebook. Scores are
decided here, in the grader's process.

    @check("made_masks", points=1)
    def test_masks_match_the_reference_for_random_orderings(grader):
        ordering = grader.rng.permutation(6)
        got = grader.student("made_masks", ordering=ordering, hidden=[7])
        want = grader.reference("made_masks", ordering=ordering, hidden=[7])
        grader.expect_close(got["masks_0"], want["masks_0"], "the input-to-hidden mask is wrong")

A failed check shows the student only the message its author wrote (never hidden inputs or reference values).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.student_process import StudentError, StudentProcess


class CheckFailed(AssertionError):
    """A check's verdict; its message is shown to the student verbatim."""


class GraderError(Exception):
    """The grader itself could not run a check (e.g. the reference solution failed): an instructor's problem."""


def check(task: str, points: float, timeout: float | None = None):
    """Mark a test as grading `points` points of notebook task `task` (an optional per-call `timeout` in s)."""
    if points <= 0:
        raise ValueError("a check must be worth a positive number of points")

    def mark(function):
        return pytest.mark.grade(task=task, points=float(points), timeout=timeout)(function)

    return mark


def _split_inputs(inputs: dict) -> tuple[dict[str, np.ndarray], dict]:
    arrays, kwargs = {}, {}
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        else:
            json.dumps(value)  # plain data only
            kwargs[name] = value
    return arrays, kwargs


def _key(probe: str, arrays: dict[str, np.ndarray], kwargs: dict, seed: int) -> str:
    digest = hashlib.sha256(json.dumps([probe, kwargs, seed], sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:32]


class ReferenceOutputs:
    """Probe outputs of the solution notebook, cached on disk across submissions of one grading run."""

    def __init__(self, process_factory, cache_dir: Path | None):
        self._factory, self._process = process_factory, None
        self.cache_dir = cache_dir
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)

    def call(self, probe: str, arrays, kwargs, seed: int, timeout: float | None) -> dict[str, np.ndarray]:
        path = None if self.cache_dir is None else self.cache_dir / f"{_key(probe, arrays, kwargs, seed)}.npz"
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        if self._process is None:
            self._process = self._factory()
        try:
            outputs = self._process.call(probe, arrays, kwargs, seed=seed, timeout=timeout)
        except StudentError as error:
            raise GraderError(f"the reference solution failed on probe {probe}: {error}") from None
        if path is not None:
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **outputs)
            os.replace(tmp, path)
        return outputs

    @property
    def process(self):
        """The reference's process, once started (None before)."""
        return self._process

    def close(self) -> None:
        if self._process is not None:
            self._process.close()


class Grader:
    """What a check may use: a secret random stream, the student's and the reference's probe outputs, verdicts."""

    def __init__(self, student: StudentProcess | None, reference: ReferenceOutputs, secret_seed: int, check_id: str,
                 timeout: float | None, fatal: str | None = None, memo: dict | None = None):
        self._student, self._reference, self._timeout, self._fatal = student, reference, timeout, fatal
        stream = int.from_bytes(hashlib.sha256(f"{secret_seed}:{check_id}".encode()).digest()[:8], "little")
        self.rng = np.random.default_rng(stream)
        self._memo = {} if memo is None else memo

    def once(self, key: str, compute):
        """compute(), computed once per graded submission and seed (e.g. a model the student's process trained,
        judged by several checks); `memo` is the grading session's store."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _seed(self) -> int:
        return int(self.rng.integers(2**31))

    def student(self, probe: str, seed: int | None = None, timeout: float | None = None,
                **inputs) -> dict[str, np.ndarray]:
        """Outputs of `probe` run on the student's notebook; a failure of the student's code fails the check."""
        if self._fatal is not None:
            raise CheckFailed(self._fatal)
        arrays, kwargs = _split_inputs(inputs)
        try:
            return self._student.call(probe, arrays, kwargs, seed=self._seed() if seed is None else seed,
                                      timeout=timeout or self._timeout)
        except StudentError as error:
            raise CheckFailed(str(error)) from None

    def reference(self, probe: str, seed: int | None = None, timeout: float | None = None,
                  **inputs) -> dict[str, np.ndarray]:
        """Outputs of `probe` run on the solution notebook (cached per grading run)."""
        arrays, kwargs = _split_inputs(inputs)
        return self._reference.call(probe, arrays, kwargs, seed=self._seed() if seed is None else seed,
                                    timeout=timeout or self._timeout)

    def both(self, probe: str, timeout: float | None = None,
             **inputs) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Student's and reference outputs of one probe with the same inputs and the same seed."""
        seed = self._seed()
        return (self.student(probe, seed=seed, timeout=timeout, **inputs),
                self.reference(probe, seed=seed, timeout=timeout, **inputs))

    @staticmethod
    def expect(condition: bool, message: str) -> None:
        if not condition:
            raise CheckFailed(message)

    @classmethod
    def expect_layout(cls, got: dict[str, np.ndarray], template: dict[str, np.ndarray], what: str) -> None:
        """`got` (arrays the student's process sent, e.g. trained weights) has exactly the names, shapes and kinds
        of `template` (the same arrays from the reference), so nothing else (a mask, a buffer, a probe's keyword)
        reaches the reference's code."""
        cls.expect(set(got) == set(template), f"{what}: expected the arrays {sorted(template)}, got {sorted(got)}")
        for name, want in template.items():
            cls.expect(got[name].shape == want.shape and got[name].dtype.kind in "f",
                       f"{what}: {name} should be a float array of shape {want.shape}, got {got[name].dtype} "
                       f"{got[name].shape}")

    @classmethod
    def expect_close(cls, got: np.ndarray, want: np.ndarray, message: str, rtol: float = 1e-4,
                     atol: float = 1e-5) -> None:
        """got has want's shape, is finite where want is, and matches it within tolerance (values not revealed)."""
        got, want = np.asarray(got), np.asarray(want)
        cls.expect(got.shape == want.shape, f"{message}: expected shape {want.shape}, got {got.shape}")
        cls.expect(got.dtype.kind in "biuf", f"{message}: expected real numbers, got dtype {got.dtype}")
        finite = np.isfinite(want)
        cls.expect(bool(np.isfinite(got[finite]).all()), f"{message}: the result contains NaN or infinity")
        close = np.isclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        cls.expect(bool(close.all()), f"{message} ({int((~close).sum())} of {close.size} values differ)")
