"""Realistic bugs and alternative correct solutions of homework 4, as patches of the reference submission.

tests/test_hw4_grading.py grades each one and checks that it loses points on exactly the tasks in `loses` (the GAN
models of practice 7 are judged with trusted losses, so a bug in practices 3-4 costs its own task only) and that the
alternatives get full marks.
"""

from autograder.pipeline.examples import Patch, Variant

ELBO_RETURN = ("    log_q = D.Normal(mu, log_sigma.exp()).log_prob(z).sum(1)\n"
               "    return vae.decoder_log_prob(x, z) + prior.log_prob(z) - log_q")
NO_GRAD_ITERATION = ("    with torch.no_grad():\n        for _ in range(iterations):\n"
                     "            v = F.normalize(weight.T @ u, dim=0)\n"
                     "            u = F.normalize(weight @ v, dim=0)\n")

BUGS = {
    # --- practice 1: the ELBO with any prior, the mixture prior
    "elbo_closed_form_kl_to_the_standard_normal": Variant(
        "the ELBO keeps the closed-form KL to N(0, I) of the lectures, so the prior never enters it (nor learns)",
        (Patch("prior_answer", ELBO_RETURN,
               "    kl = 0.5 * (mu**2 + (2 * log_sigma).exp() - 1 - 2 * log_sigma).sum(1)\n"
               "    return vae.decoder_log_prob(x, z) - kl"),),
        frozenset({"prior"})),
    "elbo_z_sampled_without_gradient": Variant(
        "z drawn under no_grad ('sampling is not differentiable'): the encoder gets no gradient through z",
        (Patch("prior_answer", "    z = mu + log_sigma.exp() * eps\n    log_q",
               "    with torch.no_grad():\n        z = mu + log_sigma.exp() * eps\n    log_q"),),
        frozenset({"prior"})),
    "mixture_weights_not_normalised": Variant(
        "the mixture uses the raw logits as log-weights (no log-softmax): it does not integrate to 1",
        (Patch("prior_answer", "log_weights = torch.log_softmax(self.logits, dim=0)", "log_weights = self.logits"),),
        frozenset({"prior"})),
    "mixture_log_of_a_sum_of_exponentials": Variant(
        "log p(z) as the log of a sum of exponentials: -inf far from every component",
        (Patch("prior_answer", "return torch.logsumexp(log_weights + log_components, dim=1)",
               "return torch.log((log_weights + log_components).exp().sum(1))"),),
        frozenset({"prior"})),
    # --- practice 2: ELBO surgery
    "aggregated_posterior_without_log_n": Variant(
        "log q(z) sums the posteriors' densities without dividing by N",
        (Patch("surgery_answer", "return torch.logsumexp(log_q, dim=1) - math.log(mu.shape[0])",
               "return torch.logsumexp(log_q, dim=1)"),),
        frozenset({"surgery"})),
    "aggregated_posterior_mean_of_log_densities": Variant(
        "log q(z) as the average of the posteriors' log-densities (the log moved inside the mean)",
        (Patch("surgery_answer", "return torch.logsumexp(log_q, dim=1) - math.log(mu.shape[0])",
               "return log_q.mean(dim=1)"),),
        frozenset({"surgery"})),
    "average_kl_without_the_half": Variant(
        "the closed-form KL without its factor 1/2",
        (Patch("surgery_answer", "average_kl = 0.5 * (mu**2", "average_kl = (mu**2"),),
        frozenset({"surgery"})),
    "aggregated_posterior_at_the_means": Variant(
        "log q is evaluated at the posteriors' means instead of the samples z_n",
        (Patch("surgery_answer", "log_aggregated = aggregated_posterior_log_prob(z, mu, log_sigma)",
               "log_aggregated = aggregated_posterior_log_prob(mu, mu, log_sigma)"),),
        frozenset({"surgery"})),
    # --- practice 3: GAN losses
    "discriminator_loss_one_mean_over_both_batches": Variant(
        "binary cross-entropy over the concatenated real and fake logits: one mean over both batches, which weighs "
        "them by their sizes",
        (Patch("gan_losses_answer", "return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
               "logits = torch.cat([real_logits, fake_logits])\n"
               "    labels = torch.cat([torch.ones_like(real_logits), torch.zeros_like(fake_logits)])\n"
               "    return 2 * F.binary_cross_entropy_with_logits(logits, labels)"),),
        frozenset({"gan_losses"})),
    "minimax_loss_from_a_rounded_sigmoid": Variant(
        "the minimax generator loss as log(1 - sigmoid(l)): log 0 for large logits, digits lost for small ones",
        (Patch("gan_losses_answer", "return -F.softplus(fake_logits).mean()",
               "return torch.log(1 - torch.sigmoid(fake_logits)).mean()"),),
        frozenset({"gan_losses"})),
    "non_saturating_loss_with_the_wrong_sign": Variant(
        "the non-saturating loss returns mean log D(G(z)), which the generator then minimises",
        (Patch("gan_losses_answer", "return F.softplus(-fake_logits).mean()",
               "return -F.softplus(-fake_logits).mean()"),),
        frozenset({"gan_losses"})),
    "non_saturating_loss_from_a_rounded_sigmoid": Variant(
        "the non-saturating loss as -log(sigmoid(l)): exact in float64 until sigmoid underflows to 0 (logits below "
        "about -745), then infinite (found by a review)",
        (Patch("gan_losses_answer", "return F.softplus(-fake_logits).mean()",
               "return -torch.log(torch.sigmoid(fake_logits)).mean()"),),
        frozenset({"gan_losses"})),
    # --- practice 4: WGAN
    "wgan_critic_loss_reversed": Variant(
        "the critic loss mean f(x) - mean f(G(z)): the critic learns to score fakes as real",
        (Patch("wgan_answer", "return fake_scores.mean() - real_scores.mean()",
               "return real_scores.mean() - fake_scores.mean()"),),
        frozenset({"wgan"})),
    "clipping_rebinds_the_loop_variable": Variant(
        "clipping assigns the clamped tensor to the loop variable: the critic's parameters never change",
        (Patch("wgan_answer", "            parameter.clamp_(-c, c)",
               "            parameter = parameter.clamp(-c, c)"),),
        frozenset({"wgan"})),
    "clipping_without_no_grad": Variant(
        "clamp_ on parameters that require grad, outside no_grad: PyTorch refuses an in-place change of a leaf",
        (Patch("wgan_answer", "    with torch.no_grad():\n        for parameter in critic.parameters():\n"
                              "            parameter.clamp_(-c, c)",
               "    for parameter in critic.parameters():\n        parameter.clamp_(-c, c)"),),
        frozenset({"wgan"})),
    "penalty_norm_over_the_second_dimension": Variant(
        "the gradient's norm over dim=1 only: right for 2-D points, wrong for images",
        (Patch("wgan_answer", "gradient.flatten(1).norm(dim=1)", "gradient.norm(dim=1)"),),
        frozenset({"wgan"})),
    "penalty_without_create_graph": Variant(
        "the input gradient without create_graph: the penalty's value is right, but it does not train the critic",
        (Patch("wgan_answer", "x_hat, create_graph=True)", "x_hat)"),),
        frozenset({"wgan"})),
    # --- practice 5: spectral normalisation
    "power_iteration_differentiated": Variant(
        "the power iteration runs with gradients: d sigma / dW flows through u and v",
        (Patch("spectral_answer", NO_GRAD_ITERATION,
               "    for _ in range(iterations):\n        v = F.normalize(weight.T @ u, dim=0)\n"
               "        u = F.normalize(weight @ v, dim=0)\n"),),
        frozenset({"spectral"})),
    "power_iteration_without_normalising_v": Variant(
        "v = W^T u is not normalised: u is still right, sigma = u^T W v is off by |W^T u|",
        (Patch("spectral_answer", "v = F.normalize(weight.T @ u, dim=0)", "v = weight.T @ u"),),
        frozenset({"spectral"})),
    "spectral_layer_updates_u_in_eval_mode": Variant(
        "the buffer u is updated in evaluation mode too",
        (Patch("spectral_answer", "        if self.training:\n            self.u.copy_(u)",
               "        self.u.copy_(u)"),),
        frozenset({"spectral"})),
    # --- practice 6: f-GAN
    "reverse_kl_activation_without_the_minus": Variant(
        "reverse KL's activation -exp(v): in the domain t < 0, but decreasing in v",
        (Patch("fgan_answer", "return -torch.exp(-v)", "return -torch.exp(v)"),),
        frozenset({"fgan"})),
    "jensen_shannon_conjugate_of_the_gan_divergence": Variant(
        "Jensen-Shannon's conjugate taken from the GAN divergence's row of the table, -log(1 - e^t)",
        (Patch("fgan_answer", "return -torch.log(2 - torch.exp(t))", "return -torch.log(1 - torch.exp(t))"),),
        frozenset({"fgan"})),
    "pearson_conjugate_without_the_linear_term": Variant(
        "Pearson chi^2's conjugate t^2 / 4 (the + t dropped)",
        (Patch("fgan_answer", "return t**2 / 4 + t", "return t**2 / 4"),),
        frozenset({"fgan"})),
    # --- practice 7: the models
    "gan_trained_with_the_minimax_generator": Variant(
        "GAN.generator_loss uses the minimax loss, which saturates early in training",
        (Patch("training_answer", "generator_loss_non_saturating(self.critic(fake).squeeze(1))",
               "generator_loss_minimax(self.critic(fake).squeeze(1))"),),
        frozenset({"training"})),
    "gan_critic_on_probabilities": Variant(
        "GAN.critic_loss passes sigmoid(critic(x)) to the loss that expects logits",
        (Patch("training_answer",
               "discriminator_loss(self.critic(x).squeeze(1), self.critic(fake).squeeze(1))",
               "discriminator_loss(torch.sigmoid(self.critic(x)).squeeze(1), "
               "torch.sigmoid(self.critic(fake)).squeeze(1))"),),
        frozenset({"training"})),
    "wgan_gp_penalty_weight_ignored": Variant(
        "WGANGP.critic_loss adds the penalty with weight 1, not self.penalty",
        (Patch("training_answer", "distance + self.penalty * gp", "distance + gp"),),
        frozenset({"training"})),
    "wgan_gp_generator_loss_sign": Variant(
        "WGANGP.generator_loss returns +mean f(G(z)): the generator runs away from the data",
        (Patch("training_answer", 'return {"total": -self.critic(self.generator(self.noise(len(x)))).mean()}',
               'return {"total": self.critic(self.generator(self.noise(len(x)))).mean()}'),),
        frozenset({"training"})),
}

ALTERNATIVES = {
    "library_distributions_and_losses": Variant(
        "torch.distributions' MixtureSameFamily for both mixtures, binary cross-entropy with logits for the GAN "
        "losses, sigma as |W v| and clipping through .data",
        (Patch("prior_answer",
               "        log_weights = torch.log_softmax(self.logits, dim=0)  # (K,)\n"
               "        log_components = D.Normal(self.means, self.log_stds.exp()).log_prob(z[:, None]).sum(-1)"
               "  # (B, K)\n"
               "        return torch.logsumexp(log_weights + log_components, dim=1)",
               "        components = D.Independent(D.Normal(self.means, self.log_stds.exp()), 1)\n"
               "        return D.MixtureSameFamily(D.Categorical(logits=self.logits), components).log_prob(z)"),
         Patch("surgery_answer",
               "    log_q = D.Normal(mu, log_sigma.exp()).log_prob(z[:, None]).sum(-1)  # (M, N)\n"
               "    return torch.logsumexp(log_q, dim=1) - math.log(mu.shape[0])",
               "    components = D.Independent(D.Normal(mu, log_sigma.exp()), 1)\n"
               "    uniform = D.Categorical(logits=torch.zeros(mu.shape[0], dtype=mu.dtype, device=mu.device))\n"
               "    return D.MixtureSameFamily(uniform, components).log_prob(z)"),
         Patch("gan_losses_answer", "return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
               "real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))\n"
               "    return real + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))"),
         Patch("gan_losses_answer", "return -F.softplus(fake_logits).mean()",
               "return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))"),
         Patch("gan_losses_answer", "return F.softplus(-fake_logits).mean()",
               "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))"),
         Patch("wgan_answer", "    with torch.no_grad():\n        for parameter in critic.parameters():\n"
                              "            parameter.clamp_(-c, c)",
               "    for parameter in critic.parameters():\n        parameter.data.clamp_(-c, c)"),
         Patch("spectral_answer", "    return u @ weight @ v, u, v", "    return (weight @ v).norm(), u, v")),
        frozenset()),
    "by_hand_formulas_and_other_activations": Variant(
        "log-densities written by hand, the KL from its definition, the penalty's norm from squares, u and v "
        "detached after an iteration with gradients, and other valid f-GAN activations (reverse KL -softplus(-v), "
        "squared Hellinger 1 - softplus(-v), Jensen-Shannon log 2 + logsigmoid(v))",
        (Patch("prior_answer", "    log_q = D.Normal(mu, log_sigma.exp()).log_prob(z).sum(1)",
               "    log_q = (-0.5 * eps**2 - log_sigma - 0.5 * math.log(2 * math.pi)).sum(1)"),
         Patch("surgery_answer", "    average_kl = 0.5 * (mu**2 + sigma**2 - 1 - 2 * log_sigma).sum(1).mean()",
               "    prior = D.Independent(D.Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)\n"
               "    average_kl = D.kl_divergence(D.Independent(D.Normal(mu, sigma), 1), prior).mean()"),
         Patch("wgan_answer", "return ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()",
               "norm = gradient.pow(2).sum(dim=tuple(range(1, gradient.dim()))).sqrt()\n"
               "    return (norm - 1).pow(2).mean()"),
         Patch("spectral_answer", NO_GRAD_ITERATION,
               "    for _ in range(iterations):\n        v = F.normalize(weight.T @ u, dim=0)\n"
               "        u = F.normalize(weight @ v, dim=0)\n    u, v = u.detach(), v.detach()\n"),
         Patch("fgan_answer", "return -torch.exp(-v)", "return -F.softplus(-v)"),
         Patch("fgan_answer", "return 1 - torch.exp(-v)", "return 1 - F.softplus(-v)"),
         Patch("fgan_answer", "return math.log(2) - F.softplus(-v)", "return math.log(2) + F.logsigmoid(v)")),
        frozenset()),
}
# Written blind, by a helper who had read neither this corpus nor the checks (all pass the visible checks)
BUGS |= {
    "mixture_max_instead_of_logsumexp": Variant(
        "log p(z) keeps only the best component, a 'stable' stand-in for logsumexp: exact when one component "
        "dominates (the visible check), wrong where components overlap (written blind)",
        (Patch("prior_answer", "return torch.logsumexp(log_weights + log_components, dim=1)",
               "return (log_weights + log_components).max(dim=1).values"),),
        frozenset({"prior"})),
    "average_kl_by_monte_carlo": Variant(
        "the average KL estimated from the same single sample instead of the closed form: the identity then holds "
        "exactly (written blind)",
        (Patch("surgery_answer", "average_kl = 0.5 * (mu**2 + sigma**2 - 1 - 2 * log_sigma).sum(1).mean()",
               "average_kl = (D.Normal(mu, sigma).log_prob(z) - D.Normal(0.0, 1.0).log_prob(z)).sum(1).mean()"),),
        frozenset({"surgery"})),
    "minimax_loss_with_an_epsilon": Variant(
        "log(1 - sigmoid(l) + 1e-8): finite, with the right gradient where D(G(z)) is near 0, but capped at "
        "log 1e-8 for large logits (written blind)",
        (Patch("gan_losses_answer", "return -F.softplus(fake_logits).mean()",
               "return torch.log(1 - torch.sigmoid(fake_logits) + 1e-8).mean()"),),
        frozenset({"gan_losses"})),
    "one_sided_penalty": Variant(
        "the one-sided penalty max(0, ||grad|| - 1)^2: the same whenever the norm exceeds 1, as in the visible check "
        "(written blind)",
        (Patch("wgan_answer", "return ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()",
               "return ((gradient.flatten(1).norm(dim=1) - 1).clamp(min=0) ** 2).mean()"),),
        frozenset({"wgan"})),
    "spectral_layer_sigma_detached": Variant(
        "W / sigma.detach(), over-reading 'u and v are constants': the outputs are right, the weight's gradient is not "
        "(written blind)",
        (Patch("spectral_answer", "return F.linear(x, self.linear.weight / sigma, self.linear.bias)",
               "return F.linear(x, self.linear.weight / sigma.detach(), self.linear.bias)"),),
        frozenset({"spectral"})),
    "jensen_shannon_activation_overflows": Variant(
        "Jensen-Shannon's activation as log 2 - log(1 + exp(-v)): -inf for large negative outputs (written blind)",
        (Patch("fgan_answer", "return math.log(2) - F.softplus(-v)",
               "return math.log(2) - torch.log(1 + torch.exp(-v))"),),
        frozenset({"fgan"})),
}
ALTERNATIVES |= {
    "critic_frozen_in_the_generator_step": Variant(
        "the pix2pix idiom: generator_loss turns the critic's requires_grad off and critic_loss turns it back on "
        "(found by a review: the methods' check once compared the generator loss's gradient for the critic too)",
        (Patch("training_answer", "        fake = self.generator(self.noise(len(x))).detach()\n"
                                  "        return {\"total\": discriminator_loss(",
               "        self.critic.requires_grad_(True)\n"
               "        fake = self.generator(self.noise(len(x))).detach()\n"
               "        return {\"total\": discriminator_loss("),
         Patch("training_answer", "        fake = self.generator(self.noise(len(x)))\n"
                                  "        return {\"total\": generator_loss_non_saturating(",
               "        self.critic.requires_grad_(False)\n"
               "        fake = self.generator(self.noise(len(x)))\n"
               "        return {\"total\": generator_loss_non_saturating(")),
        frozenset()),
    "expm1_activation_and_log1p_conjugate": Variant(
        "reverse KL's activation -softplus(-v), squared Hellinger's -expm1(-v), and Jensen-Shannon's conjugate as "
        "-log 2 - log1p(-e^t / 2) (written blind)",
        (Patch("fgan_answer", "return -torch.exp(-v)", "return -F.softplus(-v)"),
         Patch("fgan_answer", "return 1 - torch.exp(-v)", "return -torch.expm1(-v)"),
         Patch("fgan_answer", "return -torch.log(2 - torch.exp(t))",
               "return -math.log(2) - torch.log1p(-0.5 * torch.exp(t))")),
        frozenset()),
}
PARTIAL = ("mixture_weights_not_normalised", "penalty_without_create_graph")
SIGNATURE = "def fenchel_conjugate(divergence, t):"
INFINITE_LOOP = Patch("fgan_answer", SIGNATURE, SIGNATURE + "\n    while True:\n        pass")
