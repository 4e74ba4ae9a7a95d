"""Glue the grader runs inside a notebook's process (the student's or the solution's) to call homework 4's functions.

Executed by autograder/grading/runner.py with `answer(namespace, name)` predefined; the shared helpers come from
autograder/grading/probe_helpers.py. Probes only compute: inputs arrive as NumPy arrays and plain numbers, outputs leave
as dicts of arrays; all judging happens in the test modules. Values are computed in float64. Where a student function
calls another one the homework asks for (the surgery calls the aggregated posterior, the GAN models call the losses),
the probe puts a trusted version in its place for the call, so that a bug costs points in one task only.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from probe_helpers import F64, _fresh_state, _gradient, _load, _state, _tensor, _trusted


def _split(state, prefix):
    """The entries of `state` named `prefix.<name>`, as {name: value}."""
    return {name[len(prefix) + 1:]: value for name, value in state.items() if name.startswith(prefix + ".")}


# --- P1 the ELBO with any prior, the mixture prior ---------------------------------------------------------------
class _TrustedMixture(torch.nn.Module):
    """The task's mixture prior written out here, so that the ELBO's check depends on the notebook's ELBO alone."""

    def __init__(self, logits, means, log_stds):
        super().__init__()
        self.logits, self.means, self.log_stds = (torch.nn.Parameter(_tensor(p)) for p in (logits, means, log_stds))

    def log_prob(self, z):
        components = torch.distributions.Normal(self.means, self.log_stds.exp()).log_prob(z[:, None]).sum(-1)
        return torch.logsumexp(torch.log_softmax(self.logits, 0) + components, dim=1)


def vae_parameters(ns, hidden, init_seed):
    """The given GaussianVAE's fresh parameters (asked of the reference process only)."""
    return _fresh_state(init_seed, lambda: answer(ns, "GaussianVAE")(hidden=int(hidden)))


def _vae(ns, hidden, state):
    return _load(answer(ns, "GaussianVAE")(hidden=int(hidden)), state)


def elbo(ns, x, eps, hidden, prior_logits, prior_means, prior_log_stds, **vae_state):
    """The notebook's elbo_with_prior (B,) for the grader's VAE weights and a trusted mixture prior, and the mean
    ELBO's gradients with respect to the prior's and the encoder's parameters."""
    vae = _vae(ns, hidden, vae_state)
    prior = _TrustedMixture(prior_logits, prior_means, prior_log_stds)
    with torch.enable_grad():
        values = answer(ns, "elbo_with_prior")(_tensor(x), vae, prior, _tensor(eps))
        mean = values.mean()
        return {"elbo": values.detach(), "prior_gradient": _gradient(list(prior.parameters()), mean),
                "encoder_gradient": _gradient(list(vae.encoder.parameters()), mean)}


def mixture_parameters(ns, dim, components, init_seed):
    """A fresh MixturePrior's parameters (asked of the reference process only)."""
    return _fresh_state(init_seed, lambda: answer(ns, "MixturePrior")(int(dim), components=int(components)))


def mixture_log_prob(ns, z, **state):
    """The notebook's MixturePrior.log_prob (B,) for the grader's parameters, in float64."""
    components, dim = np.shape(state["means"])
    prior = _load(answer(ns, "MixturePrior")(int(dim), components=int(components)), state)
    with torch.no_grad():
        return {"log_prob": prior.log_prob(_tensor(z))}


def fit_prior(ns, x, steps, lr, hidden, **states):
    """The notebook's MixturePrior, started from the grader's `prior.*` state, fitted for `steps` Adam steps to
    maximise the notebook's ELBO of x under the grader's frozen VAE (`vae.*`): its state after fitting."""
    vae = _vae(ns, hidden, _split(states, "vae")).float().requires_grad_(False)
    initial = _split(states, "prior")
    components, dim = np.shape(initial["means"])
    prior = _load(answer(ns, "MixturePrior")(int(dim), components=int(components)), initial, torch.float32)
    optimizer = torch.optim.Adam(prior.parameters(), lr=float(lr))
    x = _tensor(x, torch.float32)
    for _ in range(int(steps)):
        loss = -answer(ns, "elbo_with_prior")(x, vae, prior, torch.randn(len(x), int(dim))).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return _state(prior)


def prior_gain(ns, x, eps, hidden, **states):
    """Per point, the ELBO under the mixture prior (`prior.*`) minus under N(0, I), for the frozen VAE (`vae.*`), with
    the grader's eps; and the marginal KL terms log q(z_n) - log N(z_n; 0, I) of ELBO surgery on the same points
    (asked of the reference process only)."""
    vae = _vae(ns, hidden, _split(states, "vae"))
    prior_state = _split(states, "prior")
    prior = _TrustedMixture(prior_state["logits"], prior_state["means"], prior_state["log_stds"])
    x, eps = _tensor(x), _tensor(eps)
    with torch.no_grad():
        mu, log_sigma = vae.encode(x)
        z = mu + log_sigma.exp() * eps
        log_standard = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
        log_aggregated = _aggregated(z, mu, log_sigma)
        return {"gain": prior.log_prob(z) - log_standard, "marginal_kl_terms": log_aggregated - log_standard}


# --- P2 ELBO surgery ---------------------------------------------------------------------------------------------
def _aggregated(z, mu, log_sigma):
    log_q = torch.distributions.Normal(mu, log_sigma.exp()).log_prob(z[:, None]).sum(-1)
    return torch.logsumexp(log_q, dim=1) - math.log(mu.shape[0])


def aggregated(ns, z, mu, log_sigma):
    """The notebook's aggregated_posterior_log_prob (M,), in float64."""
    with torch.no_grad():
        return {"log_q": answer(ns, "aggregated_posterior_log_prob")(_tensor(z), _tensor(mu), _tensor(log_sigma))}


def surgery(ns, mu, log_sigma, eps, trusted):
    """The notebook's elbo_surgery terms, in float64; with `trusted`, its aggregated posterior is the trusted one."""
    function = answer(ns, "elbo_surgery")
    helpers = {"aggregated_posterior_log_prob": _aggregated} if trusted else {}
    with torch.no_grad(), _trusted(ns, **helpers):
        terms = function(_tensor(mu), _tensor(log_sigma), _tensor(eps))
    return {name: terms[name] for name in ("average_kl", "mutual_information", "marginal_kl")}


# --- P3 GAN losses -----------------------------------------------------------------------------------------------
def gan_loss(ns, real, fake, part):
    """One of the notebook's GAN losses ("discriminator", "minimax" or "non_saturating") in float64, and its gradient
    with respect to the logits."""
    real, fake = _tensor(real).requires_grad_(True), _tensor(fake).requires_grad_(True)
    with torch.enable_grad():
        if part == "discriminator":
            value = answer(ns, "discriminator_loss")(real, fake)
        else:
            value = answer(ns, f"generator_loss_{part}")(fake)
        inputs = [real, fake] if part == "discriminator" else [fake]
        gradient = _gradient(inputs, value)
    return {"value": value.detach(), "gradient": gradient}


# --- P4 WGAN -----------------------------------------------------------------------------------------------------
def _critic(shape, hidden):
    """A small critic for inputs of `shape` (without the batch): flatten, then an MLP with smooth activations."""
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(int(np.prod(shape)), int(hidden)),
                               torch.nn.Softplus(), torch.nn.Linear(int(hidden), 1))


def critic_parameters(ns, shape, hidden, init_seed):
    """A fresh critic's parameters (asked of the reference process only)."""
    return _fresh_state(init_seed, lambda: _critic(shape, hidden))


def wgan_loss(ns, real, fake):
    """The notebook's wgan_critic_loss in float64, and its gradient with respect to the scores."""
    real, fake = _tensor(real).requires_grad_(True), _tensor(fake).requires_grad_(True)
    with torch.enable_grad():
        value = answer(ns, "wgan_critic_loss")(real, fake)
        return {"value": value.detach(), "gradient": _gradient([real, fake], value)}


def clip(ns, c, hidden, **state):
    """The critic's parameters after the notebook's clip_weights_(critic, c), and whether they are still the same
    parameter objects (what the optimiser holds)."""
    critic = _load(_critic((2,), hidden), state)
    before = list(critic.parameters())
    answer(ns, "clip_weights_")(critic, float(c))  # as training calls it: outside no_grad
    after = list(critic.parameters())
    same = len(before) == len(after) and all(a is b for a, b in zip(before, after, strict=True))
    return {**_state(critic), "same_objects": same}


def penalty(ns, real, fake, alpha, hidden, **state):
    """The notebook's gradient_penalty for the grader's critic, in float64, and its gradient with respect to the
    critic's parameters (a double backward)."""
    critic = _load(_critic(np.shape(real)[1:], hidden), state)
    with torch.enable_grad():
        value = answer(ns, "gradient_penalty")(critic, _tensor(real), _tensor(fake), _tensor(alpha))
        return {"value": value.detach(), "gradient": _gradient(list(critic.parameters()), value)}


# --- P5 spectral normalisation -----------------------------------------------------------------------------------
def power_iteration(ns, weight, u, iterations):
    """The notebook's spectral_norm: sigma, u, v in float64, and d sigma / d weight."""
    weight = _tensor(weight).requires_grad_(True)
    with torch.enable_grad():
        sigma, u, v = answer(ns, "spectral_norm")(weight, _tensor(u), int(iterations))
        gradient = _gradient([weight], sigma)
    return {"sigma": sigma.detach(), "u": u.detach(), "v": v.detach(), "gradient": gradient}


def spectral_layer(ns, x, iterations, training, **state):
    """The notebook's SpectralNormLinear with the grader's weights and u, in training or evaluation mode: its output,
    its buffer u afterwards, and d (sum of the outputs) / d weight."""
    out_features, in_features = np.shape(state["linear.weight"])
    layer = _load(answer(ns, "SpectralNormLinear")(int(in_features), int(out_features), int(iterations)), state)
    layer.train(bool(training))
    with torch.enable_grad():
        y = layer(_tensor(x))
        gradient = _gradient([layer.linear.weight], y.sum())
    return {"y": y.detach(), "u": layer.u.detach(), "gradient": gradient}


# --- P6 f-GAN ----------------------------------------------------------------------------------------------------
def f_gan_activation(ns, v, divergence):
    """The notebook's output_activation(divergence, v), in float64."""
    with torch.no_grad():
        return {"activation": answer(ns, "output_activation")(str(divergence), _tensor(v))}


def f_gan_conjugate(ns, t, divergence):
    """The notebook's fenchel_conjugate(divergence, t), in float64."""
    with torch.no_grad():
        return {"conjugate": answer(ns, "fenchel_conjugate")(str(divergence), _tensor(t))}


# --- P7 GAN and WGAN-GP training ---------------------------------------------------------------------------------
def _trusted_losses():
    softplus = F.softplus

    def gradient_penalty(critic, real, fake, alpha):
        x_hat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()

    return {"discriminator_loss": lambda real, fake: softplus(-real).mean() + softplus(fake).mean(),
            "generator_loss_minimax": lambda fake: -softplus(fake).mean(),
            "generator_loss_non_saturating": lambda fake: softplus(-fake).mean(),
            "wgan_critic_loss": lambda real, fake: fake.mean() - real.mean(),
            "gradient_penalty": gradient_penalty}


def two_player_parameters(ns, kind, hidden, init_seed):
    """A fresh GAN's or WGANGP's parameters (asked of the reference process only)."""
    return _fresh_state(init_seed, lambda: answer(ns, str(kind))(hidden=int(hidden)))


def _two_player(ns, kind, hidden, state, dtype=F64):
    return _load(answer(ns, str(kind))(hidden=int(hidden)), state, dtype)


def two_player_losses(ns, kind, x, z, alpha, hidden, **state):
    """The notebook's GAN or WGANGP with the grader's weights, noise z and mixing weights alpha (replacing
    model.noise and model.mixing), and trusted losses: the critic's and the generator's totals in float64, each with
    its gradient with respect to its own player's parameters (the only one fit_adversarial uses: a generator loss
    that turns the critic's requires_grad off is fine)."""
    model = _two_player(ns, kind, hidden, state)
    z, alpha = _tensor(z), _tensor(alpha)
    model.noise = lambda n: z[:n]
    model.mixing = lambda n: alpha[:n]
    outputs = {}
    with torch.enable_grad(), _trusted(ns, **_trusted_losses()):
        for role in ("critic", "generator"):
            total = getattr(model, f"{role}_loss")(_tensor(x))["total"]
            outputs[f"{role}_total"] = total.detach()
            outputs[f"{role}_gradient"] = _gradient(list(getattr(model, role).parameters()), total)
    return outputs


def train_two_player(ns, kind, x, epochs, lr, batch_size, critic_steps, beta2, hidden, **initial):
    """The notebook's GAN or WGANGP with trusted losses, started from the grader's `initial` state, trained with
    dgmlib's fit_adversarial: its state after training."""
    from dgmlib.train import fit_adversarial

    model = _two_player(ns, kind, hidden, initial, torch.float32)
    with _trusted(ns, **_trusted_losses()):
        fit_adversarial(model, _tensor(x, torch.float32), epochs=int(epochs), lr_generator=float(lr),
                        lr_critic=float(lr), betas=(0.5, float(beta2)), critic_steps=int(critic_steps),
                        batch_size=int(batch_size), progress=False)
    return _state(model)


def generate(ns, z, hidden, **generator_state):
    """The reference generator's samples for the grader's noise z (asked of the reference process only)."""
    model = answer(ns, "GAN")(hidden=int(hidden))
    generator = _load(model.generator, generator_state)
    with torch.no_grad():
        return {"samples": generator(_tensor(z))}
