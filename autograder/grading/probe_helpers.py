"""Helpers a homework's probes.py may import (`from probe_helpers import ...`): plain arrays to float64 tensors,
loading the grader's weights strictly, gradients as one flat vector, and trusted stand-ins for notebook names while a
probe runs. The grader copies this file next to probes.py into each grading's job folder (a probes.py cannot import
the autograder there); homeworks 1-3 predate it and define their own."""

import contextlib

import numpy as np
import torch

F64 = torch.float64


def _tensor(array, dtype=F64):
    return torch.as_tensor(np.asarray(array), dtype=dtype)


def _load(module, state, dtype=F64):
    """`module` in `dtype` with the grader's `state` loaded by name (strict: nothing missing, nothing extra)."""
    module.to(dtype).load_state_dict({name: _tensor(value, dtype) for name, value in state.items()}, strict=True)
    return module


def _state(module):
    return {name: value.detach() for name, value in module.state_dict().items()}


def _fresh_state(init_seed, build):
    """The parameters of the module `build()` makes, initialised from `init_seed` (the grader's starting states)."""
    torch.manual_seed(int(init_seed))
    return _state(build())


def _gradient(parameters, scalar):
    """d scalar / d (each of `parameters`), flattened and concatenated (zeros where none reaches a parameter, and all
    zeros where the scalar depends on nothing that requires a gradient)."""
    if not scalar.requires_grad:
        return torch.zeros(sum(p.numel() for p in parameters), dtype=F64)
    grads = torch.autograd.grad(scalar, parameters, allow_unused=True, retain_graph=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).flatten()
                      for g, p in zip(grads, parameters, strict=True)])


@contextlib.contextmanager
def _trusted(ns, **functions):
    """Names of the notebook's namespace bound to trusted functions while the block runs (its functions look their
    helpers up there when called)."""
    missing = object()
    saved = {name: ns.get(name, missing) for name in functions}
    ns.update(functions)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                ns.pop(name, None)
            else:
                ns[name] = value
