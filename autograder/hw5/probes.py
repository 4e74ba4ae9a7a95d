"""Glue the grader runs inside a notebook's process (the student's or the solution's) to call homework 5's functions.

Executed by autograder/grading/runner.py with `answer(namespace, name)` predefined; the shared helpers come from
autograder/grading/probe_helpers.py. Probes only compute: inputs arrive as NumPy arrays and plain numbers, outputs leave
as dicts of arrays; all judging happens in the test modules. Values are computed in float64. Where a student function
calls another one the homework asks for (the VQ-VAE's loss calls the practice 4 functions), the probe puts a trusted
version in its place for the call, so that a bug costs points in one task only.
"""

import numpy as np
import torch
import torch.nn.functional as F
from probe_helpers import F64, _fresh_state, _gradient, _load, _state, _tensor, _trusted


def _value(result):
    """A student function's result (a tensor, a NumPy value or a float) as a float64 tensor without its graph."""
    if isinstance(result, torch.Tensor):
        return result.detach().to(F64)
    return torch.as_tensor(np.asarray(result, dtype=np.float64))


# --- P1 the Inception Score, feature statistics, the Fréchet distance ---------------------------------------------
def inception_score(ns, probs):
    """The notebook's inception_score of the grader's probabilities (N, C), in float64."""
    with torch.no_grad():
        return {"score": _value(answer(ns, "inception_score")(_tensor(probs)))}


def feature_statistics(ns, features):
    """The notebook's feature_statistics (mean, covariance) of the grader's features, in float64."""
    with torch.no_grad():
        mean, covariance = answer(ns, "feature_statistics")(_tensor(features))
    return {"mean": _value(mean), "covariance": _value(covariance)}


def frechet_distance(ns, mu1, sigma1, mu2, sigma2):
    """The notebook's frechet_distance of the grader's statistics, in float64."""
    with torch.no_grad():
        value = answer(ns, "frechet_distance")(_tensor(mu1), _tensor(sigma1), _tensor(mu2), _tensor(sigma2))
    return {"distance": _value(value)}


# --- P2 precision and recall ---------------------------------------------------------------------------------------
def knn_radii(ns, features, k):
    """The notebook's knn_radii, in float64."""
    with torch.no_grad():
        return {"radii": _value(answer(ns, "knn_radii")(_tensor(features), int(k)))}


def precision_recall(ns, real, fake, k):
    """The notebook's precision_recall, in float64."""
    with torch.no_grad():
        precision, recall = answer(ns, "precision_recall")(_tensor(real), _tensor(fake), int(k))
    return {"precision": _value(precision), "recall": _value(recall)}


# --- P3 the truncation trick -----------------------------------------------------------------------------------------
def truncated_normal(ns, n, dim, threshold):
    """The notebook's truncated_normal(n, dim, threshold), drawn after the grader seeded PyTorch."""
    with torch.no_grad():
        return {"z": _value(answer(ns, "truncated_normal")(int(n), int(dim), float(threshold)))}


# --- P4 vector quantisation ------------------------------------------------------------------------------------------
def quantize(ns, z_e, codebook, weights):
    """The notebook's quantize: the indices, z_q, and the gradients of sum(weights * z_q) with respect to the
    codebook and to z_e."""
    z_e, codebook = _tensor(z_e).requires_grad_(True), _tensor(codebook).requires_grad_(True)
    with torch.enable_grad():
        indices, z_q = answer(ns, "quantize")(z_e, codebook)
        if not isinstance(indices, torch.Tensor) or not isinstance(z_q, torch.Tensor):
            raise TypeError("quantize must return two tensors, the indices and z_q")
        scalar = (z_q * _tensor(weights)).sum()
        return {"indices": indices.detach().to(torch.int64), "z_q": z_q.detach(),
                "codebook_gradient": _gradient([codebook], scalar),
                "z_e_gradient": _gradient([z_e], scalar)}


def vq_losses(ns, z_e, z_q):
    """The notebook's vq_losses: each loss's value and its gradients with respect to z_e and z_q."""
    z_e, z_q = _tensor(z_e).requires_grad_(True), _tensor(z_q).requires_grad_(True)
    outputs = {}
    with torch.enable_grad():
        losses = answer(ns, "vq_losses")(z_e, z_q)
        for name in ("codebook", "commitment"):
            value = losses[name]
            outputs[name] = _value(value)
            outputs[f"{name}_gradient"] = _gradient([z_e, z_q], value)
    return outputs


def straight_through(ns, z_e, z_q, weights):
    """The notebook's straight_through: its value and the gradients of sum(weights * output) with respect to z_e and
    z_q."""
    z_e, z_q = _tensor(z_e).requires_grad_(True), _tensor(z_q).requires_grad_(True)
    with torch.enable_grad():
        output = answer(ns, "straight_through")(z_e, z_q)
        scalar = (output * _tensor(weights)).sum()
        return {"value": output.detach(), "gradient": _gradient([z_e, z_q], scalar)}


# --- P5 Gumbel-softmax ---------------------------------------------------------------------------------------------
def gumbel_softmax(ns, logits, uniform, tau, hard, weights=None):
    """The notebook's gumbel_softmax for the grader's logits and uniform noise: the sample, and with `weights` the
    gradient of sum(weights * sample) with respect to the logits."""
    logits = _tensor(logits).requires_grad_(weights is not None)
    with torch.enable_grad():
        sample = answer(ns, "gumbel_softmax")(logits, _tensor(uniform), float(tau), hard=bool(hard))
        if weights is None:
            return {"sample": sample.detach()}
        return {"sample": sample.detach(), "gradient": _gradient([logits], (sample * _tensor(weights)).sum())}


# --- P6 the VQ-VAE -------------------------------------------------------------------------------------------------
def _trusted_vq():
    def quantize(z_e, codebook):
        distances = torch.cdist(z_e.reshape(-1, z_e.shape[-1]), codebook)
        indices = distances.argmin(dim=1)
        return indices.reshape(z_e.shape[:-1]), codebook[indices].reshape(z_e.shape)

    return {"quantize": quantize,
            "vq_losses": lambda z_e, z_q: {"codebook": ((z_e.detach() - z_q) ** 2).mean(),
                                           "commitment": ((z_e - z_q.detach()) ** 2).mean()},
            "straight_through": lambda z_e, z_q: z_e + (z_q - z_e).detach()}


def _vqvae(ns, codes, code_dim, hidden, state, dtype=F64):
    return _load(answer(ns, "DigitsVQVAE")(codes=int(codes), code_dim=int(code_dim), hidden=int(hidden)), state, dtype)


def vqvae_parameters(ns, codes, code_dim, hidden, init_seed):
    """A fresh DigitsVQVAE's parameters, initialised from init_seed (asked of the reference process only)."""
    return _fresh_state(init_seed, lambda: answer(ns, "DigitsVQVAE")(codes=int(codes), code_dim=int(code_dim),
                                                                      hidden=int(hidden)))


def vqvae_loss(ns, x, codes, code_dim, hidden, beta, **state):
    """The notebook's DigitsVQVAE.loss for the grader's weights, commitment weight beta and images with trusted
    practice 4 functions: each term and each term's gradient with respect to all parameters."""
    model = _vqvae(ns, codes, code_dim, hidden, state)
    model.beta = float(beta)
    parameters = list(model.parameters())
    outputs = {}
    with torch.enable_grad(), _trusted(ns, **_trusted_vq()):
        terms = model.loss(_tensor(x))
        for name in ("total", "reconstruction", "codebook", "commitment"):
            outputs[name] = _value(terms[name])
            outputs[f"{name}_gradient"] = _gradient(parameters, terms[name])
    return outputs


def train_vqvae(ns, x, epochs, lr, batch_size, codes, code_dim, hidden, **initial):
    """The notebook's DigitsVQVAE with trusted practice 4 functions, started from the grader's `initial` state and
    trained with dgmlib's fit: its state after training."""
    from dgmlib.train import fit

    model = _vqvae(ns, codes, code_dim, hidden, initial, torch.float32)
    with _trusted(ns, **_trusted_vq()):
        fit(model, _tensor(x, torch.float32), epochs=int(epochs), lr=float(lr), batch_size=int(batch_size),
            progress=False)
    return _state(model)


def vqvae_evaluation(ns, x, codes, code_dim, hidden, **state):
    """The reference architecture with the given weights on held-out images x: the mean squared reconstruction error
    through the quantiser and the code indices (asked of the reference process only)."""
    model = _vqvae(ns, codes, code_dim, hidden, state)
    x = _tensor(x)
    with torch.no_grad():
        indices, z_q = _trusted_vq()["quantize"](model.encode(x), model.codebook.weight)
        return {"mse": F.mse_loss(model.decode(z_q), x), "indices": indices}
