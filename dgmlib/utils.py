"""Seeding, device selection, parameter counts and timers."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch

DEVICE_ENV = "DGMLIB_DEVICE"


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and every CUDA device) and return a torch.Generator seeded the same way.

    Use the returned generator for anything that must not depend on how many random numbers other code drew
    (data shuffling, grader-chosen inputs).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def get_device(prefer: str | None = None) -> torch.device:
    """The device to compute on: `prefer`, else $DGMLIB_DEVICE, else CUDA when available, else the CPU."""
    choice = prefer or os.environ.get(DEVICE_ENV)
    if choice:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"device {choice!r} was asked for, but CUDA is not available on this machine")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def count_parameters(module: torch.nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters of `module` (only those with requires_grad when trainable_only)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


@dataclass
class Timer:
    """Wall-clock timer, usable as a context manager or with start()/stop().

    >>> with Timer() as t:
    ...     pass
    >>> t.seconds >= 0
    True
    """

    seconds: float = 0.0
    _started: float | None = field(default=None, repr=False)

    def start(self) -> Timer:
        self._started = time.perf_counter()
        return self

    def stop(self) -> float:
        if self._started is None:
            raise RuntimeError("Timer.stop() called before Timer.start()")
        self.seconds += time.perf_counter() - self._started
        self._started = None
        return self.seconds

    @property
    def elapsed(self) -> float:
        """Seconds so far, including a running interval."""
        running = 0.0 if self._started is None else time.perf_counter() - self._started
        return self.seconds + running

    def __enter__(self) -> Timer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
