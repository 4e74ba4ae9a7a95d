"""Realistic bugs and alternative correct solutions of homework 3, as patches of the reference submission.

tests/test_hw3_grading.py grades each one and checks that it loses points on exactly the tasks in `loses` (a bug in
the coupling layer or the LU flow also costs RealNVP, which is built from them, as the notebook tells students) and
that the alternatives get full marks.
"""

from autograder.pipeline.examples import Patch, Variant

SIGNED_DIAGONAL = "torch.diag(self.sign * self.log_s.exp())"

BUGS = {
    "lu_log_det_from_the_diagonal_of_w": Variant(
        "log|det W| as the log of W's diagonal, as if W itself were triangular",
        (Patch("lu_answer", "return x @ self.weight().T + self.bias, self.log_s.sum().expand(x.shape[0])",
               "return x @ self.weight().T + self.bias, "
               "self.weight().diagonal().abs().log().sum().expand(x.shape[0])"),),
        frozenset({"lu", "realnvp"})),
    "lu_inverse_solves_in_the_wrong_order": Variant(
        "inverse solves U first, then L",
        (Patch("lu_answer", "y = torch.linalg.solve_triangular(lower, rhs, upper=False, unitriangular=True)\n"
                            "        return torch.linalg.solve_triangular(upper, y, upper=True).T",
               "y = torch.linalg.solve_triangular(upper, rhs, upper=True)\n"
               "        return torch.linalg.solve_triangular(lower, y, upper=False, unitriangular=True).T"),),
        frozenset({"lu"})),
    "lu_upper_used_whole": Variant(
        "W uses all of `upper` (no triu(1)): its diagonal and lower entries leak into W once they are not zero, and "
        "the triangular solves of the inverse ignore them (written blind, by a helper who had not seen the checks)",
        tuple(Patch("lu_answer", f"upper = self.upper.triu(1) + {SIGNED_DIAGONAL}\n        {after}",
                    f"upper = self.upper + {SIGNED_DIAGONAL}\n        {after}")
              for after in ("return self.permutation", "rhs =")),
        frozenset({"lu", "realnvp"})),
    "lu_permutation_transposed": Variant(
        "W = P^T L U instead of P L U",
        (Patch("lu_answer", "return self.permutation @ lower @ upper", "return self.permutation.T @ lower @ upper"),),
        frozenset({"lu", "realnvp"})),  # RealNVP's 64-D permutations are not their own inverses: the reference reads
                                        # the trained weights through P
    "coupling_log_det_over_every_coordinate": Variant(
        "the log-determinant sums the raw s over every coordinate, kept ones included",
        (Patch("coupling_answer", "return x * log_scale.exp() + shift * free, log_scale.sum(1)",
               "return x * log_scale.exp() + shift * free, (self.scale * torch.tanh(raw)).sum(1)"),),
        frozenset({"coupling", "realnvp"})),
    "coupling_log_det_detached": Variant(
        "the log-determinant detached ('to save memory'): right values, but training never pushes on s through it "
        "(written blind)",
        (Patch("coupling_answer", "return x * log_scale.exp() + shift * free, log_scale.sum(1)",
               "return x * log_scale.exp() + shift * free, log_scale.sum(1).detach()"),),
        frozenset({"coupling", "realnvp"})),
    "coupling_scale_unbounded": Variant(
        "s = raw scale in forward, without c * tanh (RealNVP loses too: weights trained for this s mean something else "
        "in the reference's layer)",
        (Patch("coupling_answer", "log_scale = self.scale * torch.tanh(raw) * free\n"
                                  "        return x * log_scale.exp()",
               "log_scale = raw * free\n        return x * log_scale.exp()"),),
        frozenset({"coupling", "realnvp"})),
    "coupling_inverse_conditions_on_all_of_z": Variant(
        "inverse feeds the whole z (not the kept half) to the network",
        (Patch("coupling_answer", "shift, raw = self.net(z * self.mask)", "shift, raw = self.net(z)"),),
        frozenset({"coupling"})),
    "maf_log_det_sign": Variant(
        "MAF density adds sum(alpha) instead of subtracting it",
        (Patch("autoregressive_answer", "return D.Normal(0.0, 1.0).log_prob(u).sum(1) - alpha.sum(1)\n",
               "return D.Normal(0.0, 1.0).log_prob(u).sum(1) + alpha.sum(1)\n"),),
        frozenset({"autoregressive"})),
    "maf_log_det_without_alpha_0": Variant(
        "MAF density leaves alpha_0 out ('output 0 depends on nothing, a constant'): the given conditioner starts it "
        "at 0, so the visible check passes (written blind)",
        (Patch("autoregressive_answer", "return D.Normal(0.0, 1.0).log_prob(u).sum(1) - alpha.sum(1)\n",
               "return D.Normal(0.0, 1.0).log_prob(u).sum(1) - alpha[:, 1:].sum(1)\n"),),
        frozenset({"autoregressive"})),
    "maf_sample_conditions_on_the_noise": Variant(
        "MAF sampling computes mu and alpha from u instead of the x built so far (that is IAF)",
        (Patch("autoregressive_answer", "        mu, alpha = conditioner(x)\n        x = torch.cat(",
               "        mu, alpha = conditioner(u)\n        x = torch.cat("),),
        frozenset({"autoregressive"})),
    "iaf_scales_by_exp_minus_alpha": Variant(
        "IAF divides by sigma: x = mu + exp(-alpha) u",
        (Patch("autoregressive_answer", "return mu + alpha.exp() * u,", "return mu + torch.exp(-alpha) * u,"),),
        frozenset({"autoregressive"})),
    "logistic_bins_half_as_wide": Variant(
        "bins of half-width 0.5/255 (as if the values were 0..255 scaled to [0, 1])",
        (Patch("logistic_answer", "plus, minus = inv_s * (centred + 1 / 255), inv_s * (centred - 1 / 255)",
               "plus, minus = inv_s * (centred + 0.5 / 255), inv_s * (centred - 0.5 / 255)"),),
        frozenset({"logistic"})),
    "logistic_edges_swapped": Variant(
        "the bin of 0 takes everything above, the bin of 255 everything below",
        (Patch("logistic_answer", "torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, "
                                  "log_one_minus_cdf_minus, interior))",
               "torch.where(x < -0.999, log_one_minus_cdf_minus, torch.where(x > 0.999, log_cdf_plus, interior))"),),
        frozenset({"logistic"})),
    "logistic_naive_edges": Variant(
        "edge bins as log(sigmoid(a)) and log(1 - sigmoid(b)): -inf where a component sits far from the edge with a "
        "small scale, NaN gradients through torch.where (written blind)",
        (Patch("logistic_answer", "log_cdf_plus = plus - F.softplus(plus)",
               "log_cdf_plus = torch.log(torch.sigmoid(plus))"),
         Patch("logistic_answer", "log_one_minus_cdf_minus = -F.softplus(minus)",
               "log_one_minus_cdf_minus = torch.log(1 - torch.sigmoid(minus))")),
        frozenset({"logistic"})),
    "logistic_without_the_mid_bin_fallback": Variant(
        "log of the CDF difference everywhere: -27.6 (the clamp) where a tiny scale leaves a bin no mass",
        (Patch("logistic_answer", "interior = torch.where(cdf_delta > 1e-5, torch.log(cdf_delta.clamp_min(1e-12)), "
                                  "log_pdf_mid + math.log(2 / 255))",
               "interior = torch.log(cdf_delta.clamp_min(1e-12))"),),
        frozenset({"logistic"})),
    "noise_without_the_sigmoid_jacobian": Variant(
        "log q(u | x) of the Gaussian before the sigmoid",
        (Patch("dequantization_answer", "log_q = D.Normal(0.0, 1.0).log_prob(eps) - beta - F.logsigmoid(a) - "
                                        "F.logsigmoid(-a)",
               "log_q = D.Normal(0.0, 1.0).log_prob(eps) - beta"),),
        frozenset({"dequantization"})),
    "bound_detaches_the_noise": Variant(
        "log p(x + u.detach()) - log q: right values, but only -log q trains the noise, which then only grows its "
        "entropy; a short fit beat the uniform bound anyway on some seeds, so the bound's gradient is checked "
        "(written blind)",
        (Patch("dequantization_answer", "return log_p(x + u) - log_q", "return log_p(x + u.detach()) - log_q"),),
        frozenset({"dequantization"})),
    "bound_without_log_q": Variant(
        "the bound forgets - log q(u | x) (a uniform-noise habit)",
        (Patch("dequantization_answer", "return log_p(x + u) - log_q", "return log_p(x + u)"),),
        frozenset({"dequantization"})),
}

ALTERNATIVES = {
    "torch_distributions_and_row_solves": Variant(
        "MAF/IAF densities and the noise through torch.distributions (a sigmoid-transformed Normal); the LU inverse "
        "solved for rows (x^T U^T L^T = r^T, left=False)",
        (Patch("lu_answer", "y = torch.linalg.solve_triangular(lower, rhs, upper=False, unitriangular=True)\n"
                            "        return torch.linalg.solve_triangular(upper, y, upper=True).T",
               "y = torch.linalg.solve_triangular(lower.T, rhs.T, upper=True, left=False, unitriangular=True)\n"
               "        return torch.linalg.solve_triangular(upper.T, y, upper=False, left=False)"),
         Patch("autoregressive_answer", "    mu, alpha = conditioner(x)\n    u = (x - mu) * torch.exp(-alpha)\n"
                                        "    return D.Normal(0.0, 1.0).log_prob(u).sum(1) - alpha.sum(1)",
               "    mu, alpha = conditioner(x)\n    return D.Normal(mu, alpha.exp()).log_prob(x).sum(1)"),
         Patch("dequantization_answer",
               "        a = mu + beta.exp() * eps\n"
               "        log_q = D.Normal(0.0, 1.0).log_prob(eps) - beta - F.logsigmoid(a) - F.logsigmoid(-a)\n"
               "        return torch.sigmoid(a), log_q.sum(1)",
               "        q = D.TransformedDistribution(D.Normal(mu, beta.exp()), [D.transforms.SigmoidTransform()])\n"
               "        u = torch.sigmoid(mu + beta.exp() * eps)\n"
               "        return u, q.log_prob(u).sum(1)")),
    ),
    "coupling_with_torch_where": Variant(
        "the coupling layer selects kept and transformed coordinates with torch.where instead of multiplying by masks",
        (Patch("coupling_answer",
               "        shift, raw = self.net(x * self.mask)\n        free = 1 - self.mask\n"
               "        log_scale = self.scale * torch.tanh(raw) * free\n"
               "        return x * log_scale.exp() + shift * free, log_scale.sum(1)",
               "        shift, raw = self.net(x * self.mask)\n        keep = self.mask.bool()\n"
               "        s = torch.where(keep, torch.zeros_like(raw), self.scale * torch.tanh(raw))\n"
               "        return torch.where(keep, x, x * torch.exp(s) + shift), s.sum(dim=-1)"),
         Patch("coupling_answer",
               "        free = 1 - self.mask\n        log_scale = self.scale * torch.tanh(raw) * free\n"
               "        return (z - shift * free) * torch.exp(-log_scale)",
               "        keep = self.mask.bool()\n"
               "        s = torch.where(keep, torch.zeros_like(raw), self.scale * torch.tanh(raw))\n"
               "        return torch.where(keep, z, (z - shift) * torch.exp(-s))")),
    ),
    "maf_sampler_by_full_passes": Variant(
        "MAF sampling by D passes that each recompute every coordinate (pass i makes coordinate i final), and the "
        "Gaussian's log-density by hand (written blind)",
        (Patch("autoregressive_answer",
               "    u = (x - mu) * torch.exp(-alpha)\n    return D.Normal(0.0, 1.0).log_prob(u).sum(1) - alpha.sum(1)",
               "    u = (x - mu) / torch.exp(alpha)\n"
               "    return -0.5 * (u ** 2).sum(-1) - 0.5 * u.shape[-1] * math.log(2 * math.pi) - alpha.sum(-1)"),
         Patch("autoregressive_answer",
               "    for i in range(u.shape[1]):\n        mu, alpha = conditioner(x)\n"
               "        x = torch.cat([x[:, :i], (mu[:, i] + alpha[:, i].exp() * u[:, i])[:, None], x[:, i + 1:]], "
               "dim=1)\n",
               "    for _ in range(u.shape[1]):\n        mu, alpha = conditioner(x)\n"
               "        x = mu + torch.exp(alpha) * u\n")),
    ),
    "by_hand_sampler_and_logistic": Variant(
        "MAF sampling into a preallocated tensor with clone(); the logistic with F.logsigmoid and a log-density by "
        "hand",
        (Patch("autoregressive_answer",
               "        x = torch.cat([x[:, :i], (mu[:, i] + alpha[:, i].exp() * u[:, i])[:, None], x[:, i + 1:]], "
               "dim=1)",
               "        x = x.clone()\n        x[:, i] = mu[:, i] + alpha[:, i].exp() * u[:, i]"),
         Patch("logistic_answer", "log_cdf_plus = plus - F.softplus(plus)", "log_cdf_plus = F.logsigmoid(plus)"),
         Patch("logistic_answer", "log_one_minus_cdf_minus = -F.softplus(minus)",
               "log_one_minus_cdf_minus = F.logsigmoid(-minus)"),
         Patch("logistic_answer", "log_pdf_mid = mid - log_scales - 2 * F.softplus(mid)",
               "log_pdf_mid = F.logsigmoid(mid) + F.logsigmoid(-mid) - log_scales")),
    ),
}
PARTIAL = ("lu_permutation_transposed", "bound_without_log_q")
SIGNATURE = "def discretized_logistic_mixture_log_prob(x, logit_weights, means, log_scales):"
INFINITE_LOOP = Patch("logistic_answer", SIGNATURE, SIGNATURE + "\n"
                      "    while True:\n        pass")
