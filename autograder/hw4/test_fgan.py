"""Task "fgan" (1 point): for KL, reverse KL, Pearson chi^2, squared Hellinger and Jensen-Shannon (Nowozin et al.
2016, Table 2). Output activations are judged by what they must do, so that any valid choice passes: finite,
increasing, strictly inside the domain of f* for |v| <= 30, and by v = +-200 within 1e-3 of a finite end or past +-5
for an infinite one (as the notebook states); Jensen-Shannon's also finite for outputs of +-1000. Fenchel conjugates
are judged against the reference on points of their domains, by the Fenchel-Young inequality f(u) + f*(t) >= u t on
random pairs, with equality at t = f'(u), all with f computed on the trusted side."""

import numpy as np

from autograder.grading.contract import check

LOG2 = np.log(2)
# f, f' and the domain of f* (lower, upper; the upper end excluded when finite), on the trusted side
DIVERGENCES = {
    "kl": (lambda u: u * np.log(u), lambda u: np.log(u) + 1, (-np.inf, np.inf)),
    "reverse_kl": (lambda u: -np.log(u), lambda u: -1 / u, (-np.inf, 0.0)),
    "pearson": (lambda u: (u - 1) ** 2, lambda u: 2 * (u - 1), (-np.inf, np.inf)),
    "squared_hellinger": (lambda u: (np.sqrt(u) - 1) ** 2, lambda u: 1 - 1 / np.sqrt(u), (-np.inf, 1.0)),
    "jensen_shannon": (lambda u: -(u + 1) * np.log((1 + u) / 2) + u * np.log(u), lambda u: np.log(2 * u / (1 + u)),
                       (-np.inf, LOG2)),
}
REACH = 5.0  # by v = +-200 an unbounded end is passed by this much; a bounded one is approached within 1e-3
FINITE_EVERYWHERE = ("jensen_shannon",)  # the notebook asks for a form finite for outputs of any size (softplus)


@check("fgan", points=0.5)
def test_output_activations_map_onto_the_domain_of_the_conjugate(grader):
    v = np.sort(np.concatenate([grader.rng.normal(0, 3, 60), [-30.0, 30.0]]))
    for name, (_, _, (lower, upper)) in DIVERGENCES.items():
        t = np.asarray(grader.student("f_gan_activation", v=v, divergence=name)["activation"], np.float64)
        grader.expect(t.shape == v.shape and bool(np.isfinite(t).all()), f"{name}: g_f(v) must be finite, one value "
                      "per v")
        grader.expect(bool((np.diff(t) > 0).all()), f"{name}: g_f must be increasing in v (the critic's larger output "
                      "must mean 'more real')")
        grader.expect(bool((t < upper).all()), f"{name}: g_f(v) must lie in the domain of f*, below {upper:.4g}")
        ends = np.asarray(grader.student("f_gan_activation", v=np.array([-200.0, 200.0]), divergence=name)
                          ["activation"], np.float64)  # at +-200 a bounded end may round onto the bound itself
        reaches_top = ends[1] >= REACH if np.isinf(upper) else upper - 1e-3 < ends[1] <= upper
        grader.expect(bool(ends[0] <= -REACH and reaches_top), f"{name}: g_f must map the real line onto the whole "
                      f"domain of f* (({lower}, {upper:.4g})): g_f(-200) = {ends[0]:.3g}, g_f(200) = {ends[1]:.3g}")
        if name in FINITE_EVERYWHERE:
            far = grader.student("f_gan_activation", v=np.array([-1000.0, 1000.0]), divergence=name)["activation"]
            grader.expect(bool(np.isfinite(np.asarray(far, np.float64)).all()), f"{name}: g_f(v) must stay finite "
                          "for critic outputs of any size (log(1 + exp(-v)) overflows, softplus does not)")


@check("fgan", points=0.5)
def test_conjugates_match_the_reference_and_satisfy_fenchel_young(grader):
    u = grader.rng.uniform(0.05, 6, 40)
    for name, (f, derivative, (_, upper)) in DIVERGENCES.items():
        t_domain = np.minimum(upper, 6) - grader.rng.exponential(1.0, 40)
        got, want = grader.both("f_gan_conjugate", t=t_domain, divergence=name)
        grader.expect_close(got["conjugate"], want["conjugate"], f"{name}: f*(t) is wrong on its domain", rtol=1e-9,
                            atol=1e-12)
        tangent = derivative(u)
        pairs = grader.student("f_gan_conjugate", t=np.concatenate([t_domain, tangent]), divergence=name)
        conjugate = np.asarray(pairs["conjugate"], np.float64)
        gap = f(u)[:, None] + conjugate[None, :40] - u[:, None] * t_domain[None, :]
        grader.expect(bool(gap.min() > -1e-9), f"{name}: f(u) + f*(t) < u t for some u > 0: f* is not the "
                      "conjugate of f")
        equality = f(u) + conjugate[40:] - u * tangent
        grader.expect(bool(np.abs(equality).max() < 1e-8), f"{name}: f(u) + f*(f'(u)) must equal u f'(u) (the "
                      "supremum is attained at u)")
