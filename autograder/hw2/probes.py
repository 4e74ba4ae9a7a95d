"""Glue the grader runs inside a notebook's process (the student's or the solution's) to call homework 2's functions.

Executed by autograder/grading/runner.py with `answer(namespace, name)` predefined. Probes only compute: inputs arrive
as NumPy arrays and plain numbers, outputs leave as dicts of arrays; all judging happens in the test modules.
"""

import numpy as np
import torch


def _tensor(array, dtype=torch.float32):
    return torch.as_tensor(np.asarray(array), dtype=dtype)


def _plain(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


# --- EM -------------------------------------------------------------------------------------------------------
def e_step(ns, x, weights, means, covariances):
    """Responsibilities and the log-likelihood at the given parameters, in float64."""
    x, params = _tensor(x, torch.float64), [_tensor(p, torch.float64) for p in (weights, means, covariances)]
    return {"responsibilities": _plain(answer(ns, "e_step")(x, *params)),
            "log_likelihood": _plain(answer(ns, "gmm_log_likelihood")(x, *params))}


def m_step(ns, x, responsibilities):
    weights, means, covariances = answer(ns, "m_step")(_tensor(x, torch.float64),
                                                       _tensor(responsibilities, torch.float64))
    return {"weights": _plain(weights), "means": _plain(means), "covariances": _plain(covariances)}


def em_run(ns, x, weights, means, covariances, steps):
    """`steps` single iterations of the notebook's run_em from a start: the parameters after each, stacked (float64)."""
    x, params = _tensor(x, torch.float64), [_tensor(p, torch.float64) for p in (weights, means, covariances)]
    trace = []
    for _ in range(int(steps)):
        params, _ = answer(ns, "run_em")(x, *params, steps=1)
        trace.append([_plain(torch.as_tensor(p)) for p in params])
    return {name: torch.stack([step[i] for step in trace]) for i, name in enumerate(("weights", "means",
                                                                                    "covariances"))}


# --- KL and likelihoods ---------------------------------------------------------------------------------------
def kl(ns, mu_q, logvar_q, mu_p, logvar_p):
    args = [_tensor(a) for a in (mu_q, logvar_q, mu_p, logvar_p)]
    return {"kl": _plain(answer(ns, "kl_diag_gaussians")(*args))}


def nll(ns, x, mu, logvar, binary, logits):
    return {"gaussian": _plain(answer(ns, "gaussian_nll")(_tensor(x), _tensor(mu), _tensor(logvar))),
            "bernoulli": _plain(answer(ns, "bernoulli_nll")(_tensor(binary), _tensor(logits)))}


# --- reparameterisation ---------------------------------------------------------------------------------------
def reparameterized_gradients(ns, mu, logvar, weights):
    """z and the gradients of sum(weights * z) with respect to mu and logvar (NaN where no gradient arrives)."""
    mu, logvar = _tensor(mu).requires_grad_(True), _tensor(logvar).requires_grad_(True)
    z = answer(ns, "reparameterize")(mu, logvar)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        nan = torch.full_like(mu, float("nan"))
        return {"z": _plain(torch.as_tensor(z)), "grad_mu": nan, "grad_logvar": nan}
    (z * _tensor(weights)).sum().backward()
    missing = torch.full_like(mu, float("nan"))
    return {"z": z.detach(), "grad_mu": missing if mu.grad is None else mu.grad,
            "grad_logvar": missing if logvar.grad is None else logvar.grad}


def reparameterized_samples(ns, mu, logvar, n):
    """n samples for each row of mu, logvar: (n, B, L)."""
    mu, logvar = _tensor(mu), _tensor(logvar)
    with torch.no_grad():
        z = answer(ns, "reparameterize")(mu.expand(int(n), *mu.shape), logvar.expand(int(n), *logvar.shape))
    return {"z": _plain(z)}


# --- VAE loss, IWAE, collapse ---------------------------------------------------------------------------------
def vae_loss(ns, x, x_logits, mu, logvar):
    terms = answer(ns, "vae_loss")(_tensor(x), _tensor(x_logits), _tensor(mu), _tensor(logvar))
    return {name: _plain(terms[name]) for name in ("total", "recon", "kl")}


def iwae_bound(ns, log_weights):
    return {"bound": _plain(answer(ns, "iwae_bound")(_tensor(log_weights, torch.float64)))}


def collapse_diagnostics(ns, mu, logvar):
    """KL per dimension and active units (free bits is not called: its bugs are judged by its own check)."""
    return {"kl_per_dimension": _plain(answer(ns, "kl_per_dimension")(_tensor(mu), _tensor(logvar))),
            "active_units": np.array(int(answer(ns, "active_units")(_tensor(mu))))}


def free_bits(ns, mu, logvar, free_bits):
    """The free-bits KL and its gradients with respect to mu and logvar (NaN where none arrives)."""
    mu_t, logvar_t = _tensor(mu).requires_grad_(True), _tensor(logvar).requires_grad_(True)
    value = answer(ns, "free_bits_kl")(mu_t, logvar_t, float(free_bits))
    value.backward()
    missing = torch.full_like(mu_t, float("nan"))
    return {"free_bits": _plain(value), "grad_mu": missing if mu_t.grad is None else mu_t.grad,
            "grad_logvar": missing if logvar_t.grad is None else logvar_t.grad}


def toy_diagnostics(ns, mu, logvar):
    return {"active_units": np.array(int(answer(ns, "active_units")(_tensor(mu)))),
            "kl_per_dimension": _plain(answer(ns, "kl_per_dimension")(_tensor(mu), _tensor(logvar)))}


def toy_posterior_means(ns, train, held_out, free_bits, steps, toy_seed):
    """Train the notebook's toy VAE with free bits (or the plain KL when free_bits < 0); q(z | x) on held_out."""
    if free_bits < 0:
        kl_term = answer(ns, "plain_kl")
    else:
        student = answer(ns, "free_bits_kl")

        def kl_term(mu, logvar):
            return student(mu, logvar, float(free_bits))
    kl_term(torch.zeros(2, 2), torch.zeros(2, 2))  # a missing answer fails here, not after torch's first optimizer
    encode = answer(ns, "train_toy_vae")(_tensor(train), kl_term, steps=int(steps), seed=int(toy_seed))
    with torch.no_grad():
        mu, logvar = encode(_tensor(held_out))
    return {"mu": mu, "logvar": logvar}


# --- the VAE on digits ----------------------------------------------------------------------------------------
def binary_digits(ns):
    """The 1,797 binarized 8x8 digits, flattened: (1797, 64) (asked of the reference process only)."""
    from dgmlib.data import load_digits

    return {"images": load_digits("binary")[0].flatten(1)}


def train_vae(ns, train, latent_dim, hidden, epochs, lr, batch_size):
    from dgmlib.train import fit

    model = _vae(ns, train.shape[1], latent_dim, hidden)
    try:  # a missing answer fails here, not after torch's first optimizer (1 s); anything else, in training
        with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the same random numbers for training
            model.loss(_tensor(train[:2]))
    except NotImplementedError:
        raise
    except Exception:  # e.g. a loss that needs autograd: training shows what is wrong
        pass
    fit(model.train(), _tensor(train), epochs=int(epochs), lr=float(lr), batch_size=int(batch_size), progress=False)
    return {name: value for name, value in model.state_dict().items()}


def _vae(ns, input_dim, latent_dim, hidden, state=None):
    """The notebook's VAE, with the given weights when `state` is given."""
    model = answer(ns, "VAE")(int(input_dim), latent_dim=int(latent_dim), hidden=int(hidden))
    if state is not None:
        model.load_state_dict({name: _tensor(value) for name, value in state.items()})
    return model.eval()


def vae_parameters(ns, input_dim, latent_dim, hidden):
    """Freshly initialised weights of the notebook's VAE (asked of the reference process only)."""
    return dict(_vae(ns, input_dim, latent_dim, hidden).state_dict())


def vae_bounds(ns, x, k, latent_dim, hidden, **state):
    """Per-example ELBO and IWAE-k bounds (nats) of the notebook's VAE with the given weights."""
    model = _vae(ns, x.shape[1], latent_dim, hidden, state)
    with torch.no_grad():
        return {"elbo": model.elbo(_tensor(x)), "iwae": model.iwae(_tensor(x), int(k))}


def vae_loss_terms(ns, x, repeats, latent_dim, hidden, **state):
    """VAE.loss on the batch x, `repeats` times (fresh noise each time): "total", "recon", "kl" of shape (repeats,)."""
    model = _vae(ns, x.shape[1], latent_dim, hidden, state)
    with torch.no_grad():
        calls = [model.loss(_tensor(x)) for _ in range(int(repeats))]
    return {name: torch.stack([torch.as_tensor(c[name]).reshape(()) for c in calls]) for name in ("total", "recon",
                                                                                                   "kl")}


def vae_elbo(ns, x, latent_dim, hidden, **state):
    """VAE.elbo of each row of x: (B,)."""
    with torch.no_grad():
        return {"elbo": _plain(_vae(ns, x.shape[1], latent_dim, hidden, state).elbo(_tensor(x)))}


def vae_samples(ns, n, input_dim, latent_dim, hidden, **state):
    """VAE.sample(n): (n, D)."""
    return {"samples": _plain(_vae(ns, input_dim, latent_dim, hidden, state).sample(int(n)))}
