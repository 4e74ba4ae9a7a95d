"""Realistic bugs and alternative correct solutions of homework 2, as patches of the reference submission.

tests/test_hw2_grading.py grades each one and checks that it loses points on exactly the tasks in `loses` (a bug in
a building block also costs the tasks built on it, as the notebook tells students) and that the alternatives get full
marks.
"""

from autograder.pipeline.examples import Patch, Variant

BUGS = {
    "e_step_unnormalised": Variant(
        "E-step returns pi_k N(x | mu_k, S_k) without normalising over k",
        (Patch("em_answer", "return torch.softmax(gmm_log_joint(x, weights, means, covariances), dim=1)",
               "return torch.exp(gmm_log_joint(x, weights, means, covariances))"),),
        frozenset({"em"})),
    "log_likelihood_underflows": Variant(
        "log-likelihood as log(sum(exp(.))): -inf for points far from every component",
        (Patch("em_answer", "return torch.logsumexp(gmm_log_joint(x, weights, means, covariances), dim=1).sum()",
               "return torch.log(torch.exp(gmm_log_joint(x, weights, means, covariances)).sum(dim=1)).sum()"),),
        frozenset({"em"})),
    "m_step_covariance_over_n": Variant(
        "M-step covariance divided by N instead of N_k",
        (Patch("em_answer", "centred, centred) / counts[:, None, None]", "centred, centred) / len(x)"),),
        frozenset({"em"})),
    "kl_sign_of_log_ratio": Variant(
        "KL with the log-variance ratio the wrong way round (logvar_q - logvar_p)",
        (Patch("gaussian_answer", "return 0.5 * (logvar_p - logvar_q + torch.exp(logvar_q - logvar_p)",
               "return 0.5 * (logvar_q - logvar_p + torch.exp(logvar_q - logvar_p)"),),
        frozenset({"gaussian", "vae_loss", "training"})),
    "kl_divides_exponentials": Variant(
        "KL forms exp(logvar_q) / exp(logvar_p): NaN when both overflow",
        (Patch("gaussian_answer", "torch.exp(logvar_q - logvar_p)", "torch.exp(logvar_q) / torch.exp(logvar_p)"),),
        frozenset({"gaussian"})),
    "gaussian_nll_mean_over_dimensions": Variant(
        "Gaussian NLL averages over dimensions instead of summing",
        (Patch("gaussian_answer", "(x - mu) ** 2 * torch.exp(-logvar)).sum(dim=-1)",
               "(x - mu) ** 2 * torch.exp(-logvar)).mean(dim=-1)"),),
        frozenset({"gaussian", "training"})),
    "bernoulli_log_of_sigmoid": Variant(
        "Bernoulli NLL through log(sigmoid): infinite for logits of +-200",
        (Patch("gaussian_answer", 'return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)',
               "p = torch.sigmoid(logits)\n    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=-1)"),),
        frozenset({"gaussian"})),
    "reparam_logvar_as_std": Variant(
        "reparameterisation uses exp(logvar) as the standard deviation",
        (Patch("reparam_answer", "torch.exp(0.5 * logvar)", "torch.exp(logvar)"),),
        frozenset({"reparam", "training"})),
    "reparam_without_gradient": Variant(
        "sampling with Normal(...).sample(): no gradient reaches the encoder",
        (Patch("reparam_answer", "return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)",
               "return torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).sample()"),),
        frozenset({"reparam", "training"})),
    "iwae_mean_instead_of_logsumexp": Variant(
        "IWAE bound averages the log-weights (that is the ELBO) instead of log-mean-exp",
        (Patch("iwae_answer", "return torch.logsumexp(log_weights, dim=0) - math.log(log_weights.shape[0])",
               "return log_weights.mean(dim=0)"),),
        frozenset({"iwae", "training"})),
    "active_units_wrong_axis": Variant(
        "active units from the variance over latent dimensions instead of over the batch",
        (Patch("collapse_answer", "return int((mu.var(dim=0) > threshold).sum())",
               "return int((mu.var(dim=1) > threshold).sum())"),),
        frozenset({"collapse"})),
    "free_bits_on_the_total": Variant(
        "free bits clamp the total KL instead of each dimension",
        (Patch("collapse_answer", "return torch.clamp(kl_per_dimension(mu, logvar), min=free_bits).sum()",
               "return torch.clamp(kl_per_dimension(mu, logvar).sum(), min=free_bits)"),),
        frozenset({"collapse"})),
    "reparam_noise_shared_across_dimensions": Variant(
        "one noise value per example, shared by every latent dimension",
        (Patch("reparam_answer", "torch.randn_like(mu)", "torch.randn_like(mu[..., :1])"),),
        frozenset({"reparam", "training"})),
    "iwae_without_log_k": Variant(
        "IWAE bound log sum_i w_i without the - log k (not an average)",
        (Patch("iwae_answer", "return torch.logsumexp(log_weights, dim=0) - math.log(log_weights.shape[0])",
               "return torch.logsumexp(log_weights, dim=0)"),),
        frozenset({"iwae", "training"})),
    "vae_loss_decodes_the_mean": Variant(
        "VAE.loss decodes the posterior mean instead of a sample z ~ q(z | x)",
        (Patch("vae_answer", "return vae_loss(x, self.decoder(reparameterize(mu, logvar)), mu, logvar)",
               "return vae_loss(x, self.decoder(mu), mu, logvar)"),),
        frozenset({"training"})),
    "vae_elbo_without_kl": Variant(
        "VAE.elbo returns the reconstruction term only (log p(x | z), no prior or posterior)",
        (Patch("vae_answer", "return self.log_weights(x, 1)[0]",
               "x = x.flatten(1).float()\n        mu, logvar = self.encode(x)\n"
               "        return -bernoulli_nll(x, self.decoder(reparameterize(mu, logvar)))"),),
        frozenset({"training"})),
    "vae_sample_returns_probabilities": Variant(
        "VAE.sample returns sigmoid(decoder(z)) instead of drawing x ~ Bernoulli",
        (Patch("vae_answer", "return torch.bernoulli(torch.sigmoid(self.decoder(z)))",
               "return torch.sigmoid(self.decoder(z))"),),
        frozenset({"training"})),
    "vae_sample_one_z_for_all": Variant(
        "VAE.sample draws one z and decodes it n times",
        (Patch("vae_answer", "z = torch.randn(n, self.latent_dim, device=self.device)",
               "z = torch.randn(1, self.latent_dim, device=self.device).expand(n, -1)"),),
        frozenset({"training"})),
}

ALTERNATIVES = {
    "elbo_with_analytic_kl_and_sampling_by_comparison": Variant(
        "VAE.elbo with the closed-form KL instead of log p(z) - log q(z | x) at the sample, and VAE.sample by "
        "comparing uniform noise with the probabilities: other noise, the same distributions",
        (Patch("vae_answer", "return self.log_weights(x, 1)[0]",
               "x = x.flatten(1).float()\n        mu, logvar = self.encode(x)\n"
               "        reconstruction = -bernoulli_nll(x, self.decoder(reparameterize(mu, logvar)))\n"
               "        return reconstruction - kl_diag_gaussians(mu, logvar, torch.zeros_like(mu), "
               "torch.zeros_like(logvar))"),
         Patch("vae_answer", "return torch.bernoulli(torch.sigmoid(self.decoder(z)))",
               "probabilities = torch.sigmoid(self.decoder(z))\n"
               "        return (torch.rand_like(probabilities) < probabilities).float()"),)),
    "torch_distributions_everywhere": Variant(
        "KL, likelihoods, reparameterisation and free bits through torch.distributions",
        (Patch("gaussian_answer", "return 0.5 * (logvar_p - logvar_q + torch.exp(logvar_q - logvar_p)\n"
                                  "                  + (mu_q - mu_p) ** 2 * torch.exp(-logvar_p) - 1).sum(dim=-1)",
               "normal = torch.distributions.Normal\n"
               "    q, p = normal(mu_q, torch.exp(0.5 * logvar_q)), normal(mu_p, torch.exp(0.5 * logvar_p))\n"
               "    return torch.distributions.kl_divergence(q, p).sum(dim=-1)"),
         Patch("reparam_answer", "return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)",
               "return torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).rsample()"),
         Patch("collapse_answer", "return torch.clamp(kl_per_dimension(mu, logvar), min=free_bits).sum()",
               "kl = kl_per_dimension(mu, logvar)\n    return torch.where(kl > free_bits, kl, "
               "torch.full_like(kl, free_bits)).sum()")),
    ),
    "by_hand_loops_and_max_shift": Variant(
        "EM with Cholesky log-densities by hand and a loop over components; IWAE with an explicit max shift",
        (Patch("em_answer",
               "    components = torch.distributions.MultivariateNormal(means, covariance_matrix=covariances)\n"
               "    return torch.log(weights) + components.log_prob(x[:, None, :])",
               "    columns = []\n"
               "    for k in range(len(weights)):\n"
               "        chol = torch.linalg.cholesky(covariances[k])\n"
               "        white = torch.linalg.solve_triangular(chol, (x - means[k]).T, upper=False)\n"
               "        log_det = 2 * torch.log(torch.diagonal(chol)).sum()\n"
               "        log_n = -0.5 * (white ** 2).sum(dim=0) - 0.5 * log_det - 0.5 * x.shape[1] * math.log(2 * "
               "math.pi)\n"
               "        columns.append(torch.log(weights[k]) + log_n)\n"
               "    return torch.stack(columns, dim=1)"),
         Patch("iwae_answer", "return torch.logsumexp(log_weights, dim=0) - math.log(log_weights.shape[0])",
               "top = log_weights.max(dim=0).values\n"
               "    return top + torch.log(torch.exp(log_weights - top).mean(dim=0))"),
         Patch("em_answer", "    counts = responsibilities.sum(dim=0)\n"
                            "    means = responsibilities.T @ x / counts[:, None]\n"
                            "    centred = x[None, :, :] - means[:, None, :]\n"
                            "    covariances = torch.einsum(\"nk,kni,knj->kij\", responsibilities, centred, centred) "
                            "/ counts[:, None, None]\n"
                            "    return counts / len(x), means, covariances",
               "    weights, means, covariances = [], [], []\n"
               "    for k in range(responsibilities.shape[1]):\n"
               "        r = responsibilities[:, k:k + 1]\n"
               "        mean = (r * x).sum(dim=0) / r.sum()\n"
               "        covariances.append((r * (x - mean)).T @ (x - mean) / r.sum())\n"
               "        weights.append(r.mean())\n"
               "        means.append(mean)\n"
               "    return torch.stack(weights), torch.stack(means), torch.stack(covariances)")),
    ),
}
PARTIAL = ("m_step_covariance_over_n", "iwae_mean_instead_of_logsumexp")
INFINITE_LOOP = Patch("em_answer", "def m_step(x, responsibilities):",
                      "def m_step(x, responsibilities):\n    while True:\n        pass")
