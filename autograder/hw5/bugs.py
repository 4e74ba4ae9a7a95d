"""Realistic bugs and alternative correct solutions of homework 5, as patches of the reference submission.

tests/test_hw5_grading.py grades each one and checks that it loses points on exactly the tasks in `loses` (the VQ-VAE
of practice 6 is judged with trusted practice 4 functions, so a bug in practice 4 costs its own task only) and that
the alternatives get full marks.
"""

from autograder.pipeline.examples import Patch, Variant

IS_KL = "    kl = (torch.xlogy(probs, probs) - torch.xlogy(probs, marginal)).sum(dim=1)  # (N,)"
TRACE_ROOT = "    trace_root = torch.linalg.eigvalsh(product).clamp(min=0).sqrt().sum()"
DIAGONAL = "    distances.fill_diagonal_(float(\"inf\"))  # a row is not its own neighbour\n"
INSIDE_REAL = "    inside_real = distances <= knn_radii(real, k)[:, None]  # fake j inside the ball of real i"
INSIDE_FAKE = "    inside_fake = distances <= knn_radii(fake, k)[None, :]  # real i inside the ball of fake j"
PR_RETURN = "    return inside_real.any(dim=0).double().mean(), inside_fake.any(dim=1).double().mean()"
RESAMPLE = ("    outside = z.abs() > threshold\n    while outside.any():\n"
            "        z[outside] = torch.randn(int(outside.sum()))\n        outside = z.abs() > threshold\n")
DISTANCES = "    distances = (flat**2).sum(1, keepdim=True) - 2 * flat @ codebook.T + (codebook**2).sum(1)  # (B, K)"
VQ_RETURN = ('    return {"codebook": F.mse_loss(z_q, z_e.detach()), '
             '"commitment": F.mse_loss(z_e, z_q.detach())}')
GUMBELS = "    gumbels = -torch.log(-torch.log(uniform))"
SOFT = "    soft = torch.softmax((logits + gumbels) / tau, dim=-1)"
RECONSTRUCTION = "        reconstruction = F.mse_loss(self.decode(straight_through(z_e, z_q)), x)"
TOTAL = '        total = reconstruction + losses["codebook"] + self.beta * losses["commitment"]'

BUGS = {
    # --- practice 1: IS, statistics, the Fréchet distance
    "is_kl_reversed": Variant(
        "the KL inside the Inception Score reversed, KL(p(y) || p(y|x))",
        (Patch("fid_is_answer", IS_KL,
               "    kl = (torch.xlogy(marginal, marginal) - torch.xlogy(marginal, probs)).sum(dim=1)"),),
        frozenset({"fid_is"})),
    "is_without_the_exponential": Variant(
        "the score returned as the mean KL (log IS)",
        (Patch("fid_is_answer", "    return kl.mean().exp()", "    return kl.mean()"),),
        frozenset({"fid_is"})),
    "is_log_of_zero_probabilities": Variant(
        "p log p written with torch.log: 0 * log 0 is NaN for classes a sample never predicts",
        (Patch("fid_is_answer", IS_KL, "    kl = (probs * (probs.log() - marginal.log())).sum(dim=1)"),),
        frozenset({"fid_is"})),
    "is_marginal_over_classes": Variant(
        "p(y) averaged over the wrong axis (over classes, per sample)",
        (Patch("fid_is_answer", "marginal = probs.mean(dim=0, keepdim=True)", "marginal = probs.mean(dim=1, "
                                                                               "keepdim=True)"),),
        frozenset({"fid_is"})),
    "covariance_biased": Variant(
        "the covariance divided by N instead of N - 1",
        (Patch("fid_is_answer", "centred.T @ centred / (len(features) - 1)", "centred.T @ centred / len(features)"),),
        frozenset({"fid_is"})),
    "covariance_not_centred": Variant(
        "the covariance from the raw features (the second moment), not centred ones",
        (Patch("fid_is_answer", "centred.T @ centred / (len(features) - 1)",
               "features.T @ features / (len(features) - 1)"),),
        frozenset({"fid_is"})),
    "frechet_square_root_not_clamped": Variant(
        "the square roots of the eigenvalues without clamping: NaN for a singular covariance",
        (Patch("fid_is_answer", TRACE_ROOT, "    trace_root = torch.linalg.eigvalsh(product).sqrt().sum()"),),
        frozenset({"fid_is"})),
    "frechet_eigvalsh_of_a_non_symmetric_product": Variant(
        "eigvalsh of sigma1 @ sigma2, which is not symmetric (eigvalsh reads one triangle only)",
        (Patch("fid_is_answer", TRACE_ROOT,
               "    trace_root = torch.linalg.eigvalsh(sigma1 @ sigma2).clamp(min=0).sqrt().sum()"),),
        frozenset({"fid_is"})),
    "frechet_elementwise_square_root": Variant(
        "the matrix square root taken element by element (sqrt of the entries of sigma1 @ sigma2)",
        (Patch("fid_is_answer", TRACE_ROOT, "    trace_root = (sigma1 @ sigma2).abs().sqrt().trace()"),),
        frozenset({"fid_is"})),
    "frechet_without_the_factor_two": Variant(
        "the cross term without its factor 2",
        (Patch("fid_is_answer", "sigma2.trace() - 2 * trace_root", "sigma2.trace() - trace_root"),),
        frozenset({"fid_is"})),
    "frechet_mean_distance_not_squared": Variant(
        "the distance between the means, not its square",
        (Patch("fid_is_answer", "return ((mu1 - mu2) ** 2).sum() +", "return (mu1 - mu2).norm() +"),),
        frozenset({"fid_is"})),
    # --- practice 2: precision and recall
    "knn_counts_the_row_itself": Variant(
        "the k-th nearest row found among all rows, the row itself (at distance 0) included",
        (Patch("precision_recall_answer", DIAGONAL, ""),),
        frozenset({"precision_recall"})),
    "knn_drops_every_zero_distance": Variant(
        "the row itself removed as every distance equal to 0, which also removes its duplicates",
        (Patch("precision_recall_answer", DIAGONAL, "    distances[distances == 0] = float(\"inf\")\n"),),
        frozenset({"precision_recall"})),
    "knn_off_by_one": Variant(
        "the (k + 1)-th nearest other row ('the first one is the row itself')",
        (Patch("precision_recall_answer", "distances.kthvalue(k, dim=1)", "distances.kthvalue(k + 1, dim=1)"),),
        frozenset({"precision_recall"})),
    "precision_and_recall_swapped": Variant(
        "the two shares returned in the other order",
        (Patch("precision_recall_answer", PR_RETURN,
               "    return inside_fake.any(dim=1).double().mean(), inside_real.any(dim=0).double().mean()"),),
        frozenset({"precision_recall"})),
    "precision_as_a_share_of_pairs": Variant(
        "precision and recall as the share of (real, fake) pairs within a ball, not of samples within any ball",
        (Patch("precision_recall_answer", PR_RETURN,
               "    return inside_real.double().mean(), inside_fake.double().mean()"),),
        frozenset({"precision_recall"})),
    "precision_with_the_generated_radii": Variant(
        "the fakes tested against balls of the generated set's radii around the real samples",
        (Patch("precision_recall_answer", "inside_real = distances <= knn_radii(real, k)[:, None]",
               "inside_real = distances <= knn_radii(fake, k)[None, :]"),),
        frozenset({"precision_recall"})),
    # --- practice 3: the truncation trick
    "truncation_by_clipping": Variant(
        "out-of-range coordinates clipped to the bounds instead of resampled",
        (Patch("truncation_answer", RESAMPLE, "    z = z.clamp(-threshold, threshold)\n"),),
        frozenset({"truncation"})),
    "truncation_resampled_once": Variant(
        "out-of-range coordinates resampled once, not until they fall inside",
        (Patch("truncation_answer", RESAMPLE, "    outside = z.abs() > threshold\n"
                                              "    z[outside] = torch.randn(int(outside.sum()))\n"),),
        frozenset({"truncation"})),
    "truncation_by_rescaling": Variant(
        "samples rescaled so that the largest magnitude is the threshold",
        (Patch("truncation_answer", RESAMPLE, "    z = z * threshold / z.abs().max()\n"),),
        frozenset({"truncation"})),
    "truncation_of_the_norm": Variant(
        "whole rows resampled until their Euclidean norm is below the threshold",
        (Patch("truncation_answer", RESAMPLE,
               "    outside = z.norm(dim=1) > threshold\n    while outside.any():\n"
               "        z[outside] = torch.randn(int(outside.sum()), dim)\n"
               "        outside = z.norm(dim=1) > threshold\n"),),
        frozenset({"truncation"})),
    "truncation_one_coordinate_repeated": Variant(
        "one truncated coordinate per row, repeated across the dimensions",
        (Patch("truncation_answer", "    z = torch.randn(n, dim)\n", "    z = torch.randn(n, 1)\n"),
         Patch("truncation_answer", "    return z", "    return z.repeat(1, dim)")),
        frozenset({"truncation"})),
    # --- practice 4: vector quantisation
    "quantize_farthest_code": Variant(
        "argmax of the distances",
        (Patch("vq_answer", "indices = distances.argmin(dim=1)", "indices = distances.argmax(dim=1)"),),
        frozenset({"vq"})),
    "quantize_by_dot_product": Variant(
        "the nearest code as the largest dot product (the codes' norms forgotten)",
        (Patch("vq_answer", DISTANCES, "    distances = -flat @ codebook.T  # (B, K)"),),
        frozenset({"vq"})),
    "quantize_detached_codebook": Variant(
        "z_q read from a detached codebook: the codebook loss cannot move the codes",
        (Patch("vq_answer", "codebook[indices].reshape(z_e.shape)", "codebook.detach()[indices].reshape(z_e.shape)"),),
        frozenset({"vq"})),
    "quantize_flat_indices": Variant(
        "the indices returned flat, (B,) instead of z_e's leading shape",
        (Patch("vq_answer", "return indices.reshape(z_e.shape[:-1]), codebook", "return indices, codebook"),),
        frozenset({"vq"})),
    "vq_losses_detach_swapped": Variant(
        "the stop-gradients swapped: the codebook loss moves the encoder and the commitment loss the codes",
        (Patch("vq_answer", VQ_RETURN, '    return {"codebook": F.mse_loss(z_q.detach(), z_e), '
                                       '"commitment": F.mse_loss(z_e.detach(), z_q)}'),),
        frozenset({"vq"})),
    "vq_losses_without_stop_gradients": Variant(
        "no stop-gradients: both losses move both sides",
        (Patch("vq_answer", VQ_RETURN,
               '    return {"codebook": F.mse_loss(z_q, z_e), "commitment": F.mse_loss(z_e, z_q)}'),),
        frozenset({"vq"})),
    "vq_losses_summed": Variant(
        "the losses summed over elements instead of averaged",
        (Patch("vq_answer", VQ_RETURN, '    return {"codebook": ((z_e.detach() - z_q) ** 2).sum(), '
                                       '"commitment": ((z_e - z_q.detach()) ** 2).sum()}'),),
        frozenset({"vq"})),
    "straight_through_backwards": Variant(
        "z_q + (z_e - z_q).detach(): the values of z_e, the gradient to z_q",
        (Patch("vq_answer", "    return z_e + (z_q - z_e).detach()", "    return z_q + (z_e - z_q).detach()"),),
        frozenset({"vq"})),
    "straight_through_gradient_to_both": Variant(
        "z_q + z_e - z_e.detach(): the gradient reaches the codes as well",
        (Patch("vq_answer", "    return z_e + (z_q - z_e).detach()", "    return z_q + z_e - z_e.detach()"),),
        frozenset({"vq"})),
    # --- practice 5: Gumbel-softmax
    "gumbel_noise_sign": Variant(
        "g = log(-log u): the noise with the wrong sign",
        (Patch("gumbel_answer", GUMBELS, "    gumbels = torch.log(-torch.log(uniform))"),),
        frozenset({"gumbel"})),
    "gumbel_temperature_ignored": Variant(
        "softmax(logits + g) without the temperature",
        (Patch("gumbel_answer", SOFT, "    soft = torch.softmax(logits + gumbels, dim=-1)"),),
        frozenset({"gumbel"})),
    "gumbel_only_logits_tempered": Variant(
        "softmax(logits / tau + g): the noise not divided by the temperature",
        (Patch("gumbel_answer", SOFT, "    soft = torch.softmax(logits / tau + gumbels, dim=-1)"),),
        frozenset({"gumbel"})),
    "gumbel_softmax_by_hand": Variant(
        "the softmax written as exp / sum: it overflows for large logits over a small temperature",
        (Patch("gumbel_answer", SOFT, "    scaled = ((logits + gumbels) / tau).exp()\n"
                                      "    soft = scaled / scaled.sum(dim=-1, keepdim=True)"),),
        frozenset({"gumbel"})),
    "gumbel_noise_by_log1p_of_u_minus_one": Variant(
        "log u as log1p(u - 1) ('accurate near 1'): u - 1 rounds away most of u's digits when u is near 0",
        (Patch("gumbel_answer", GUMBELS, "    gumbels = -torch.log(-torch.log1p(uniform - 1))"),),
        frozenset({"gumbel"})),
    "gumbel_hard_without_gradient": Variant(
        "the hard sample as a plain one-hot vector: no gradient reaches the logits",
        (Patch("gumbel_answer", "    return one_hot + soft - soft.detach()", "    return one_hot"),),
        frozenset({"gumbel"})),
    "gumbel_softmax_over_the_first_dimension": Variant(
        "the softmax and argmax over the first dimension instead of the last",
        (Patch("gumbel_answer", SOFT, "    soft = torch.softmax((logits + gumbels) / tau, dim=0)"),),
        frozenset({"gumbel"})),
    # --- practice 6: the VQ-VAE
    "vqvae_decodes_z_q_without_straight_through": Variant(
        "the decoder gets z_q directly: the reconstruction never reaches the encoder",
        (Patch("vqvae_answer", RECONSTRUCTION, "        reconstruction = F.mse_loss(self.decode(z_q), x)"),),
        frozenset({"vqvae"})),
    "vqvae_decodes_z_e": Variant(
        "the decoder gets the encoder's output: no quantisation in the reconstruction",
        (Patch("vqvae_answer", RECONSTRUCTION, "        reconstruction = F.mse_loss(self.decode(z_e), x)"),),
        frozenset({"vqvae"})),
    "vqvae_beta_on_the_codebook_loss": Variant(
        "beta weighs the codebook loss instead of the commitment loss",
        (Patch("vqvae_answer", TOTAL,
               '        total = reconstruction + self.beta * losses["codebook"] + losses["commitment"]'),),
        frozenset({"vqvae"})),
    "vqvae_without_the_codebook_loss": Variant(
        "the codebook loss left out of the total: the codes never move",
        (Patch("vqvae_answer", TOTAL, '        total = reconstruction + self.beta * losses["commitment"]'),),
        frozenset({"vqvae"})),
}

ALTERNATIVES = {
    "scipy_and_library_routes": Variant(
        "IS from entropies, the covariance by torch.cov, FID by scipy.linalg.sqrtm of sigma1 @ sigma2 (pytorch-fid's "
        "route), radii by topk, truncation by torch.nn.init.trunc_normal_, quantisation by torch.cdist and a one-hot "
        "product, the losses written out, Gumbel noise by tensor methods, a log-softmax and a scattered one-hot",
        (Patch("fid_is_answer", "    marginal = probs.mean(dim=0, keepdim=True)  # (1, C)\n" + IS_KL + "\n"
                                "    return kl.mean().exp()",
               "    marginal = probs.mean(dim=0)\n    entropy = -torch.xlogy(marginal, marginal).sum()\n"
               "    conditional = -torch.xlogy(probs, probs).sum(dim=1).mean()\n"
               "    return torch.exp(entropy - conditional)"),
         Patch("fid_is_answer", "    mean = features.mean(dim=0)\n    centred = features - mean\n"
                                "    return mean, centred.T @ centred / (len(features) - 1)",
               "    return features.mean(dim=0), torch.cov(features.T)"),
         Patch("fid_is_answer", "    eigenvalues, eigenvectors = torch.linalg.eigh(sigma1)\n",
               "    import scipy.linalg\n\n"
               "    root = scipy.linalg.sqrtm(sigma1.numpy() @ sigma2.numpy()).real\n"
               "    return ((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - 2 * float(root.trace())\n"
               "    eigenvalues, eigenvectors = torch.linalg.eigh(sigma1)\n"),
         Patch("precision_recall_answer", "    distances = torch.cdist(features, features)\n" + DIAGONAL
               + "    return distances.kthvalue(k, dim=1).values",
               "    distances = ((features[:, None] - features[None]) ** 2).sum(-1).sqrt()\n"
               "    return distances.topk(k + 1, dim=1, largest=False).values[:, k]"),
         Patch("truncation_answer", "    z = torch.randn(n, dim)\n" + RESAMPLE,
               "    z = torch.empty(n, dim)\n    torch.nn.init.trunc_normal_(z, mean=0.0, std=1.0, a=-threshold, "
               "b=threshold)\n"),
         Patch("vq_answer", "    flat = z_e.reshape(-1, z_e.shape[-1])  # (B, D)\n" + DISTANCES + "\n"
                            "    indices = distances.argmin(dim=1)\n"
                            "    return indices.reshape(z_e.shape[:-1]), codebook[indices].reshape(z_e.shape)",
               "    indices = torch.cdist(z_e.reshape(-1, z_e.shape[-1]), codebook).argmin(dim=1)\n"
               "    z_q = F.one_hot(indices, len(codebook)).to(codebook.dtype) @ codebook\n"
               "    return indices.view(z_e.shape[:-1]), z_q.view(z_e.shape)"),
         Patch("vq_answer", VQ_RETURN, '    codebook_loss = ((z_e.detach() - z_q) ** 2).mean()\n'
                                       '    return {"commitment": ((z_q.detach() - z_e) ** 2).mean(), '
                                       '"codebook": codebook_loss}'),
         Patch("gumbel_answer", GUMBELS + "\n" + SOFT,
               "    gumbels = -(-uniform.log()).log()\n"
               "    soft = torch.log_softmax((logits + gumbels) / tau, dim=-1).exp()"),
         Patch("gumbel_answer", "    one_hot = F.one_hot(soft.argmax(dim=-1), soft.shape[-1]).to(soft.dtype)\n"
                                "    return one_hot + soft - soft.detach()",
               "    one_hot = torch.zeros_like(soft).scatter_(-1, soft.argmax(dim=-1, keepdim=True), 1.0)\n"
               "    return (one_hot - soft).detach() + soft")),
        frozenset()),
    "eigenvalues_of_the_product_and_loops": Variant(
        "FID from the eigenvalues of sigma1 @ sigma2 (similar to the symmetric product), precision and recall by "
        "comparing each sample's nearest ball margin, a VQ-VAE loss written with torch's mean (resampling whole rows "
        "for the truncation was here too: it is correct, but below a threshold of 0.1 a row of 8 coordinates falls "
        "inside with probability 2e-9, so it never ends)",
        (Patch("fid_is_answer", TRACE_ROOT,
               "    trace_root = torch.linalg.eigvals(sigma1 @ sigma2).real.clamp(min=0).sqrt().sum()"),
         Patch("precision_recall_answer", "    inside_real = distances <= knn_radii(real, k)[:, None]  # fake j "
                                          "inside the ball of real i\n"
                                          "    inside_fake = distances <= knn_radii(fake, k)[None, :]  # real i "
                                          "inside the ball of fake j\n" + PR_RETURN,
               "    precision = ((distances - knn_radii(real, k)[:, None]).min(dim=0).values <= 0).double().mean()\n"
               "    recall = ((distances - knn_radii(fake, k)[None, :]).min(dim=1).values <= 0).double().mean()\n"
               "    return precision, recall"),
         Patch("vqvae_answer", RECONSTRUCTION,
               "        reconstruction = ((self.decode(straight_through(z_e, z_q)) - x) ** 2).mean()")),
        frozenset()),
}
# Written blind, by a helper who had read neither this corpus nor the checks (all pass the visible checks)
BUGS |= {
    "is_mean_of_exp": Variant(
        'Inception Score as the mean of exp(KL_n) instead of exp of the mean KL (Jensen gap; equal only when all KL_n'
        ' agree, as in the visible checks) (written blind)',
        (Patch("fid_is_answer", '    return kl.mean().exp()',
               '    return kl.exp().mean()'),),
        frozenset({"fid_is"})),
    "fid_commuting_root_formula": Variant(
        'assumes (S1 S2)^(1/2) = S1^(1/2) S2^(1/2): trace term tr(S1^(1/2) S2^(1/2)), only right when the covariances'
        ' commute (written blind)',
        (Patch("fid_is_answer", '    trace_root = torch.linalg.eigvalsh(product).clamp(min=0).sqrt().sum()',
               '    values2, vectors2 = torch.linalg.eigh(sigma2)\n'
               '    root2 = vectors2 * values2.clamp(min=0).sqrt() @ vectors2.T\n'
               '    trace_root = (root1 @ root2).trace()'),),
        frozenset({"fid_is"})),
    "is_eps_smoothed_logs": Variant(
        'KL computed with log(p + 1e-6) to avoid log 0 instead of xlogy: biased by ~C * 1e-6 (passes the visible rtol'
        ' 1e-5, not a tight float64 comparison) (written blind)',
        (Patch("fid_is_answer", IS_KL,
               '    kl = (probs * (torch.log(probs + 1e-6) - torch.log(marginal + 1e-6))).sum(dim=1)  # (N,)'),),
        frozenset({"fid_is"})),
    "pr_recall_uses_real_radii": Variant(
        "recall counts real samples that have a fake inside their own (real) k-NN ball, i.e. uses the real manifold's"
        " radii for both metrics instead of the fakes' radii (written blind)",
        (Patch("precision_recall_answer", INSIDE_FAKE,
               '    inside_fake = distances <= knn_radii(real, k)[:, None]  # real i inside the ball of fake j'),),
        frozenset({"precision_recall"})),
    "pr_nearest_ball_only": Variant(
        'a sample counts as inside the other manifold only if it lies in the ball of its single nearest neighbour (a '
        'common shortcut), missing larger balls of farther samples that cover it (written blind)',
        (Patch("precision_recall_answer", PR_RETURN,
               '    nearest_real = distances.argmin(dim=0, keepdim=True)  # (1, M)\n'
               '    nearest_fake = distances.argmin(dim=1, keepdim=True)  # (N, 1)\n'
               '    precision = inside_real.gather(0, nearest_real).double().mean()\n'
               '    recall = inside_fake.gather(1, nearest_fake).double().mean()\n'
               '    return precision, recall'),),
        frozenset({"precision_recall"})),
    "truncation_fixed_rounds_then_clip": Variant(
        'resamples the outside coordinates a fixed 10 times, then clips what is left: fine for tau = 0.5 (0.6^11 at '
        'the bounds), a point mass at +-tau for small thresholds (written blind)',
        (Patch("truncation_answer", '    while outside.any():\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold\n'
               '    return z',
               '    for _ in range(10):\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold\n'
               '    return z.clamp(-threshold, threshold)'),),
        frozenset({"truncation"})),
    "truncation_fixed_oversampling": Variant(
        'draws a pool 10x too large and keeps the first n*dim values inside: crashes (reshape) when the acceptance '
        'rate is below 10 %, i.e. thresholds below about 0.126 (written blind)',
        (Patch("truncation_answer", '    z = torch.randn(n, dim)\n'
               '    outside = z.abs() > threshold\n'
               '    while outside.any():\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold\n'
               '    return z',
               '    pool = torch.randn(10 * n * dim)\n'
               '    kept = pool[pool.abs() <= threshold]\n'
               '    return kept[: n * dim].reshape(n, dim)'),),
        frozenset({"truncation"})),
    "vq_straight_through_leaks_to_codebook": Variant(
        'straight_through as z_q + (z_e - sg[z_e]): right value and gradient to z_e, but the gradient also flows into'
        ' z_q (and the codebook) (written blind)',
        (Patch("vq_answer", '    return z_e + (z_q - z_e).detach()',
               '    return z_q + (z_e - z_e.detach())'),),
        frozenset({"vq"})),
    "vq_hardcoded_leading_dims": Variant(
        'quantize reshapes the indices to (shape[0], -1): right for the visible 3-D input, wrong shape for 2-D or 4-D'
        " inputs such as the VQ-VAE's (B, 4, 4, D) (written blind)",
        (Patch("vq_answer", '    return indices.reshape(z_e.shape[:-1]), codebook[indices].reshape(z_e.shape)',
               '    return indices.reshape(z_e.shape[0], -1), codebook[indices].reshape(z_e.shape)'),),
        frozenset({"vq"})),
    "vq_l1_distance": Variant(
        'nearest code by the L1 distance sum |z_e - e_k| instead of the Euclidean one (same answers on the visible '
        'example) (written blind)',
        (Patch("vq_answer", DISTANCES,
               '    distances = (flat[:, None, :] - codebook[None, :, :]).abs().sum(-1)  # (B, K)'),),
        frozenset({"vq"})),
    "gumbel_hard_argmax_of_logits": Variant(
        'hard sample is the one-hot of argmax(logits), ignoring the noise: always the mode, not a categorical sample '
        '(written blind)',
        (Patch("gumbel_answer", '    one_hot = F.one_hot(soft.argmax(dim=-1), soft.shape[-1]).to(soft.dtype)',
               '    one_hot = F.one_hot(logits.argmax(dim=-1), soft.shape[-1]).to(soft.dtype)'),),
        frozenset({"gumbel"})),
    "gumbel_clamped_uniform": Variant(
        "'keep it finite' done by clamping the uniform noise to [1e-6, 1 - 1e-6]: g is then capped at 13.8 instead of"
        ' 27.6 (u = 1 - 1e-12) and floored at -2.6 instead of -3.3, so near-boundary noise is wrong (written blind)',
        (Patch("gumbel_answer", '    gumbels = -torch.log(-torch.log(uniform))',
               '    uniform = uniform.clamp(1e-6, 1 - 1e-6)  # keep the logs finite\n'
               '    gumbels = -torch.log(-torch.log(uniform))'),),
        frozenset({"gumbel"})),
    "gumbel_eps_in_logs": Variant(
        "the tutorial's g = -log(-log(u + 1e-10) + 1e-10): visibly harmless, but wrong noise for u near 0 (u = 1e-12 "
        'gives g = -3.14 instead of -3.32); small effect on the outputs, so tolerance-dependent (written blind)',
        (Patch("gumbel_answer", '    gumbels = -torch.log(-torch.log(uniform))',
               '    gumbels = -torch.log(-torch.log(uniform + 1e-10) + 1e-10)'),),
        frozenset({"gumbel"})),
    "vqvae_reconstruction_sum": Variant(
        'reconstruction error summed over the batch and pixels instead of averaged: wrong value, and the codebook and'
        ' commitment terms become negligible (written blind)',
        (Patch("vqvae_answer", '        reconstruction = F.mse_loss(self.decode(straight_through(z_e, z_q)), x)',
               '        reconstruction = F.mse_loss(self.decode(straight_through(z_e, z_q)), x, reduction="sum")'),),
        frozenset({"vqvae"})),
    "vqvae_quantize_under_no_grad": Variant(
        "quantisation wrapped in torch.no_grad() ('argmin has no gradient anyway'): z_q loses its graph, so the "
        'codebook loss never moves the codebook (written blind)',
        (Patch("vqvae_answer", '        _, z_q = quantize(z_e, self.codebook.weight)',
               '        with torch.no_grad():\n'
               '            _, z_q = quantize(z_e, self.codebook.weight)'),),
        frozenset({"vqvae"})),
}

ALTERNATIVES |= {
    "knn_expanded_distance_clamped": Variant(
        "squared distances as |a|^2 - 2 a.b + |b|^2 clamped at 0, as torch.cdist computes them for many rows",
        (Patch("precision_recall_answer", "    distances = torch.cdist(features, features)\n",
               "    squares = (features**2).sum(dim=1)\n"
               "    distances = (squares[:, None] - 2 * features @ features.T + squares[None, :])"
               ".clamp(min=0).sqrt()\n"),),
        frozenset()),
    "is_via_entropies": Variant(
        'log IS = H(marginal) - mean_n H(p(y|x_n)), both entropies with xlogy (written blind)',
        (Patch("fid_is_answer", IS_KL + '\n'
               '    return kl.mean().exp()',
               '    marginal_entropy = -torch.xlogy(marginal, marginal).sum()\n'
               '    conditional_entropy = -torch.xlogy(probs, probs).sum(dim=1).mean()\n'
               '    return (marginal_entropy - conditional_entropy).exp()'),),
        frozenset()),
    "cov_via_torch_cov": Variant(
        'feature statistics with torch.cov (unbiased by default), reshaped so that F = 1 stays (1, 1) (written blind)',
        (Patch("fid_is_answer", '    centred = features - mean\n'
               '    return mean, centred.T @ centred / (len(features) - 1)',
               '    covariance = torch.cov(features.T, correction=1).reshape(features.shape[1], features.shape[1])\n'
               '    return mean, covariance'),),
        frozenset()),
    "fid_nuclear_norm": Variant(
        'tr (S1^(1/2) S2 S1^(1/2))^(1/2) as the nuclear norm (sum of singular values) of S1^(1/2) S2^(1/2) (written '
        'blind)',
        (Patch("fid_is_answer", '    product = root1 @ sigma2 @ root1\n'
               '    product = (product + product.T) / 2  # symmetric up to rounding\n'
               '    trace_root = torch.linalg.eigvalsh(product).clamp(min=0).sqrt().sum()',
               '    values2, vectors2 = torch.linalg.eigh(sigma2)\n'
               '    root2 = vectors2 * values2.clamp(min=0).sqrt() @ vectors2.T\n'
               '    trace_root = torch.linalg.matrix_norm(root1 @ root2, ord="nuc")'),),
        frozenset()),
    "knn_topk_masked_diagonal": Variant(
        'k-NN radii with torch.where on an identity mask and topk(k, largest=False) instead of fill_diagonal_ and '
        'kthvalue (written blind)',
        (Patch("precision_recall_answer", DIAGONAL +
               '    return distances.kthvalue(k, dim=1).values',
               '    itself = torch.eye(len(features), dtype=torch.bool, device=features.device)\n'
               '    distances = torch.where(itself, torch.full_like(distances, float("inf")), distances)\n'
               '    return distances.topk(k, dim=1, largest=False).values[:, -1]'),),
        frozenset()),
    "pr_min_margin": Variant(
        'inside the manifold iff min over balls of (distance - radius) <= 0 (exact in floating point: x - y <= 0 iff '
        'x <= y) (written blind)',
        (Patch("precision_recall_answer", INSIDE_REAL + '\n' +
               INSIDE_FAKE + '\n' +
               PR_RETURN,
               '    margin_real = (distances - knn_radii(real, k)[:, None]).min(dim=0).values  # (M,)\n'
               '    margin_fake = (distances - knn_radii(fake, k)[None, :]).min(dim=1).values  # (N,)\n'
               '    return (margin_real <= 0).double().mean(), (margin_fake <= 0).double().mean()'),),
        frozenset()),
    "truncation_inverse_cdf": Variant(
        'inverse-CDF sampling of the truncated normal from torch.rand: ndtri(Phi(-t) + u (Phi(t) - Phi(-t))) (written'
        ' blind)',
        (Patch("truncation_answer", '    z = torch.randn(n, dim)\n'
               '    outside = z.abs() > threshold\n'
               '    while outside.any():\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold\n'
               '    return z',
               '    bound = torch.tensor(float(threshold), dtype=torch.float64)\n'
               '    low, high = torch.special.ndtr(-bound), torch.special.ndtr(bound)\n'
               '    u = torch.rand(n, dim, dtype=torch.float64)\n'
               '    z = torch.special.ndtri(low + u * (high - low))\n'
               '    return z.float().clamp(-threshold, threshold)'),),
        frozenset()),
    "truncation_where_loop": Variant(
        'rejection loop that draws a whole fresh (n, dim) tensor each round and keeps it only where needed '
        '(torch.where) (written blind)',
        (Patch("truncation_answer", '    while outside.any():\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold',
               '    while outside.any():\n'
               '        z = torch.where(outside, torch.randn(n, dim), z)\n'
               '        outside = z.abs() > threshold'),),
        frozenset()),
    "vq_broadcast_embedding": Variant(
        'quantize by broadcasting (..., 1, D) - (K, D), squared norm over D, argmin over K, and F.embedding for z_q '
        '(written blind)',
        (Patch("vq_answer", '    flat = z_e.reshape(-1, z_e.shape[-1])  # (B, D)\n' +
               DISTANCES + '\n'
               '    indices = distances.argmin(dim=1)\n'
               '    return indices.reshape(z_e.shape[:-1]), codebook[indices].reshape(z_e.shape)',
               '    distances = ((z_e.detach().unsqueeze(-2) - codebook) ** 2).sum(-1)  # (..., K)\n'
               '    indices = distances.argmin(dim=-1)\n'
               '    return indices, F.embedding(indices, codebook)'),),
        frozenset()),
    "straight_through_detached_zq": Variant(
        'straight-through as sg[z_q] + (z_e - sg[z_e]): the forward value is exactly z_q, gradient only to z_e '
        '(written blind)',
        (Patch("vq_answer", '    return z_e + (z_q - z_e).detach()',
               '    return z_q.detach() + (z_e - z_e.detach())'),),
        frozenset()),
    "gumbel_scatter_hard": Variant(
        'hard Gumbel-softmax with scatter_ on argmax(logits + g) (same argmax as the soft sample) and (hard - '
        'soft).detach() + soft (written blind)',
        (Patch("gumbel_answer", '    one_hot = F.one_hot(soft.argmax(dim=-1), soft.shape[-1]).to(soft.dtype)\n'
               '    return one_hot + soft - soft.detach()',
               '    index = (logits + gumbels).argmax(dim=-1, keepdim=True)\n'
               '    one_hot = torch.zeros_like(soft).scatter_(-1, index, 1.0)\n'
               '    return (one_hot - soft).detach() + soft'),),
        frozenset()),
    "vqvae_explicit_terms": Variant(
        'VQ-VAE loss with explicit squared errors ((.)**2).mean() and the detaches written out, not via vq_losses and'
        ' F.mse_loss (written blind)',
        (Patch("vqvae_answer", '        losses = vq_losses(z_e, z_q)\n'
               '        reconstruction = F.mse_loss(self.decode(straight_through(z_e, z_q)), x)\n'
               '        total = reconstruction + losses["codebook"] + self.beta * losses["commitment"]\n'
               '        return {"total": total, "reconstruction": reconstruction, **losses}',
               '        codebook_loss = ((z_q - z_e.detach()) ** 2).mean()\n'
               '        commitment_loss = ((z_e - z_q.detach()) ** 2).mean()\n'
               '        decoded = self.decode(z_e + (z_q - z_e).detach())\n'
               '        reconstruction = ((decoded - x) ** 2).mean()\n'
               '        total = reconstruction + codebook_loss + self.beta * commitment_loss\n'
               '        return {"total": total, "reconstruction": reconstruction, "codebook": codebook_loss,\n'
               '                "commitment": commitment_loss}'),),
        frozenset()),
    "truncation_scipy_rvs": Variant(
        "scipy.stats.truncnorm.rvs: the right distribution from NumPy's generator, in float64 (the grader's seed does"
        ' not fix it, and nothing asks it to; written blind as a bug)',
        (Patch("truncation_answer", '    z = torch.randn(n, dim)\n'
               '    outside = z.abs() > threshold\n'
               '    while outside.any():\n'
               '        z[outside] = torch.randn(int(outside.sum()))\n'
               '        outside = z.abs() > threshold\n'
               '    return z',
               '    return torch.from_numpy(stats.truncnorm.rvs(-threshold, threshold, size=(n, dim)))'),),
        frozenset()),
}
PARTIAL = ("covariance_biased", "gumbel_temperature_ignored")
SIGNATURE = "def truncated_normal(n, dim, threshold):"
INFINITE_LOOP = Patch("truncation_answer", SIGNATURE, SIGNATURE + "\n    while True:\n        pass")
