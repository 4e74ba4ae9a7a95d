"""Glue the grader runs inside a notebook's process (the student's or the solution's) to call homework 3's functions.

Executed by autograder/grading/runner.py with `answer(namespace, name)` predefined. Probes only compute: inputs arrive
as NumPy arrays and plain numbers, outputs leave as dicts of arrays; all judging happens in the test modules.
Parameters are chosen by the grader (from the reference's fresh initialisation, then changed) and loaded by name, so
the student's and the reference's layers compute with the same numbers.
"""

import numpy as np
import torch


def _tensor(array, dtype=torch.float32):
    return torch.as_tensor(np.asarray(array), dtype=dtype)


def _plain(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def _load(module, state, dtype=torch.float32):
    """`module` in `dtype` with the grader's `state` loaded by name (strict: nothing missing, nothing extra)."""
    module.to(dtype).load_state_dict({name: _tensor(value, dtype) for name, value in state.items()}, strict=True)
    return module


def _state(module):
    return {name: value.detach() for name, value in module.state_dict().items()}


def _gradient(module, scalar):
    """d scalar / d (every parameter of `module`), flattened in the order of named_parameters (zeros where none
    reaches a parameter); `scalar` was computed under torch.enable_grad()."""
    module.zero_grad(set_to_none=True)
    scalar.backward()
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).flatten()
                      for _, p in module.named_parameters()])


# --- P1 LU linear flow ------------------------------------------------------------------------------------------
def _lu(ns, dim, state):
    return _load(answer(ns, "LULinearFlow")(int(dim)), state, torch.float64)


def lu_weight(ns, dim, **state):
    """weight(), in float64, for the grader's parameters."""
    with torch.no_grad():
        return {"weight": _lu(ns, dim, state).weight()}


def lu_flow(ns, x, **state):
    """forward(x) -> z, log_det, in float64, for the grader's parameters."""
    with torch.no_grad():
        out, log_det = _lu(ns, x.shape[1], state)(_tensor(x, torch.float64))
        return {"z": out, "log_det": log_det}


def lu_inverse(ns, z, **state):
    """inverse(z), in float64, for the grader's parameters."""
    with torch.no_grad():
        return {"inverse": _lu(ns, z.shape[1], state).inverse(_tensor(z, torch.float64))}


# --- P2 affine coupling -----------------------------------------------------------------------------------------
def coupling_parameters(ns, mask, hidden):
    """A fresh layer's parameters (asked of the reference process only)."""
    return _state(answer(ns, "AffineCoupling")(_tensor(mask), hidden=int(hidden)))


def _coupling(ns, mask, hidden, state):
    layer = answer(ns, "AffineCoupling")(_tensor(mask), hidden=int(hidden))
    return _load(layer, dict(state, mask=mask), torch.float64)


def coupling(ns, x, mask, hidden, **state):
    """forward: z and log|det|, and the summed log-det's gradient for the parameters."""
    layer = _coupling(ns, mask, hidden, state)
    with torch.enable_grad():
        out, log_det = layer(_tensor(x, torch.float64))
    return {"z": out.detach(), "log_det": log_det.detach(), "log_det_gradient": _gradient(layer, log_det.sum())}


def coupling_autograd(ns, x, mask, hidden, **state):
    """forward, and log|det| of autograd's Jacobian of the forward at each row (one row at a time, as the notebook's
    visible check does: no vmap, which some correct forwards cannot run under)."""
    layer = _coupling(ns, mask, hidden, state)
    x64 = _tensor(x, torch.float64)
    with torch.no_grad():
        out, log_det = layer(x64)
    jacobians = torch.stack([torch.func.jacrev(lambda v: layer(v[None])[0][0])(row) for row in x64])
    return {"z": out, "log_det": log_det, "autograd_log_det": torch.linalg.slogdet(jacobians).logabsdet.detach()}


def coupling_inverse(ns, z, mask, hidden, **state):
    layer = _coupling(ns, mask, hidden, state)
    with torch.no_grad():
        return {"inverse": layer.inverse(_tensor(z, torch.float64))}


# --- P3 Gaussian autoregressive flows ---------------------------------------------------------------------------
def conditioner_parameters(ns, dim, hidden):
    """The given conditioner's fresh parameters (asked of the reference process only)."""
    return _state(answer(ns, "AutoregressiveConditioner")(int(dim), hidden=int(hidden)))


def autoregressive(ns, x, u, hidden, part, **state):
    """One of the notebook's functions for the grader's conditioner weights, in float64: `part` is "maf_log_prob"
    (of x), "maf_sample" or "iaf" (of u), so that a function left unanswered costs only its own checks."""
    conditioner = _load(answer(ns, "AutoregressiveConditioner")(int(x.shape[1]), hidden=int(hidden)), state,
                        torch.float64)
    x64, u64 = _tensor(x, torch.float64), _tensor(u, torch.float64)
    with torch.no_grad():
        if part == "maf_log_prob":
            return {"maf_log_prob": answer(ns, "maf_log_prob")(x64, conditioner)}
        if part == "maf_sample":
            return {"maf_sample": answer(ns, "maf_sample")(u64, conditioner)}
        iaf_x, iaf_log_q = answer(ns, "iaf_sample_and_log_prob")(u64, conditioner)
        return {"iaf_x": iaf_x, "iaf_log_q": iaf_log_q}


# --- P4 discretized logistic mixture ----------------------------------------------------------------------------
def logistic_mixture(ns, x, logit_weights, means, log_scales, dtype="float32", gradients=0):
    """log P(x) in float32 (as in training) or float64; with `gradients`, also its gradients with respect to the
    parameters."""
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    params = [_tensor(p, dtype).requires_grad_(bool(gradients)) for p in (logit_weights, means, log_scales)]
    log_p = answer(ns, "discretized_logistic_mixture_log_prob")(_tensor(x, dtype), *params)
    if not gradients:
        return {"log_prob": _plain(log_p)}
    log_p.sum().backward()
    return {"log_prob": _plain(log_p), "grad_weights": params[0].grad, "grad_means": params[1].grad,
            "grad_log_scales": params[2].grad}


# --- P5 variational dequantization ------------------------------------------------------------------------------
def noise_parameters(ns, dim, hidden, init_seed=0):
    """LogitNormalNoise's fresh parameters, initialised from `init_seed` (asked of the reference process only)."""
    torch.manual_seed(int(init_seed))
    return _state(answer(ns, "LogitNormalNoise")(int(dim), hidden=int(hidden)))


def noise(ns, x, eps, hidden, **state):
    """The notebook's LogitNormalNoise: u and log q(u | x), one row per (x, eps) row."""
    module = _load(answer(ns, "LogitNormalNoise")(int(x.shape[1]), hidden=int(hidden)), state, torch.float64)
    with torch.no_grad():
        u, log_q = module(_tensor(x, torch.float64), _tensor(eps, torch.float64))
    return {"u": u, "log_q": log_q}


class _TrustedLogitNormal(torch.nn.Module):
    """The task's q(u | x) written out here, so that the bound's check depends on the notebook's bound alone."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2 * dim))

    def forward(self, x, eps):
        mu, beta = self.net(x).chunk(2, dim=1)
        a = mu + beta.exp() * eps
        log_sigmoid = torch.nn.functional.logsigmoid
        log_q = -0.5 * eps**2 - 0.5 * np.log(2 * np.pi) - beta - log_sigmoid(a) - log_sigmoid(-a)
        return torch.sigmoid(a), log_q.sum(1)


def bound(ns, x, eps, hidden, density_mean, density_scale, **state):
    """The notebook's bound for a fixed Gaussian density of x + u and the trusted noise with the grader's weights, one
    row per (x, eps) row; the mean bound's gradient with respect to the noise's parameters."""
    trusted = _load(_TrustedLogitNormal(int(x.shape[1]), int(hidden)), state, torch.float64)
    base = torch.distributions.Normal(_tensor(density_mean, torch.float64), _tensor(density_scale, torch.float64))
    x64, eps64 = _tensor(x, torch.float64), _tensor(eps, torch.float64)
    with torch.enable_grad():
        values = answer(ns, "variational_dequantization_bound")(x64, lambda y: base.log_prob(y).sum(1), trusted, eps64)
    return {"bound": values.detach(), "bound_gradient": _gradient(trusted, values.mean())}


def fit_noise(ns, x, steps, hidden, density_mean, density_scale, **initial):
    """The notebook's LogitNormalNoise, started from the grader's `initial` state, trained for `steps` Adam steps to
    maximise the notebook's bound for a fixed Gaussian density of x + u: its state after training."""
    module = _load(answer(ns, "LogitNormalNoise")(int(x.shape[1]), hidden=int(hidden)), initial)
    base = torch.distributions.Normal(_tensor(density_mean), _tensor(density_scale))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-2)
    x = _tensor(x)
    for _ in range(int(steps)):
        value = answer(ns, "variational_dequantization_bound")(x, lambda y: base.log_prob(y).sum(1), module,
                                                               torch.randn_like(x))
        optimizer.zero_grad()
        (-value.mean()).backward()
        optimizer.step()
    return _state(module)


# --- P6 RealNVP training ----------------------------------------------------------------------------------------
def realnvp_parameters(ns, dim, blocks, hidden, init_seed):
    """A fresh RealNVP's parameters and buffers, initialised from `init_seed` (asked of the reference process only)."""
    torch.manual_seed(int(init_seed))
    return _state(answer(ns, "RealNVP")(int(dim), blocks=int(blocks), hidden=int(hidden)))


def _realnvp(ns, dim, blocks, hidden, state):
    """The notebook's RealNVP (the given assembly of the student's layers) with the grader's state loaded."""
    model = answer(ns, "RealNVP")(int(dim), blocks=int(blocks), hidden=int(hidden))
    return _load(model, state)


def train_realnvp(ns, train, blocks, hidden, epochs, lr, batch_size, **initial):
    """The notebook's RealNVP, started from the grader's `initial` state, trained with dgmlib's fit: its state."""
    from dgmlib.train import fit

    model = _realnvp(ns, train.shape[1], blocks, hidden, initial)
    fit(model, _tensor(train), epochs=int(epochs), lr=float(lr), batch_size=int(batch_size), progress=False)
    return _state(model)


def realnvp_log_prob(ns, x, blocks, hidden, **state):
    """log p(x) (B,) of the notebook's RealNVP with the given weights."""
    model = _realnvp(ns, x.shape[1], blocks, hidden, state).eval()
    with torch.no_grad():
        return {"log_prob": model.log_prob(_tensor(x))}


def train_realnvp_dequantized(ns, train, levels, blocks, hidden, epochs, lr, batch_size, **initial):
    """The notebook's RealNVP, started from the grader's `initial` state, trained on y = (x + u) / levels with fresh
    uniform noise u in every batch: its state."""
    from dgmlib.train import fit

    x = _tensor(train)
    model = _realnvp(ns, x.shape[1], blocks, hidden, initial)

    class Dequantized(torch.utils.data.Dataset):
        def __len__(self):
            return len(x)

        def __getitem__(self, i):
            return (x[i] + torch.rand(x.shape[1])) / float(levels)

    loader = torch.utils.data.DataLoader(Dequantized(), batch_size=int(batch_size), shuffle=True)
    fit(model, loader, epochs=int(epochs), lr=float(lr), progress=False)
    return _state(model)
