"""Task "vqvae" (1.5 points): the VQ-VAE's loss against the reference for the grader's weights, commitment weight and
images with trusted practice 4 functions (each term and its gradients with respect to every parameter); and the model
trained by the student's process with the student's loss from starting weights the grader seeds, on digits the grader
chooses: the weights come back, the reference architecture encodes, quantises and decodes held-out digits the student's
process never receives, and the reconstruction error and the codebook's perplexity are judged on the trusted side.

Thresholds: calibrated over 20 seeds of the reference (autograder/hw5/README.md):
    python -m autograder.tools.calibrate hw5 test_vqvae held_out_mse \
        --check test_a_trained_vqvae_reconstructs_held_out_digits --seeds 20
    python -m autograder.tools.calibrate hw5 test_vqvae code_perplexity \
        --check test_a_trained_vqvae_uses_its_codebook --seeds 20"""

import numpy as np

from autograder.grading.contract import check

MODEL = {"codes": 32, "code_dim": 4, "hidden": 32}
BUDGET = {"epochs": 25, "lr": 2e-3, "batch_size": 64, "train": 1400}
# 20 reference runs (README): held-out MSE 0.0064-0.0140 (mean 0.0083), perplexity 8.9-30.1 of 32 (mean 25.9; one
# run in 20 loses codes early, as seed 7 does). Margins: 1.8x on the error, 2.2x on the perplexity
THRESHOLDS = {"mse": 0.025, "perplexity": 4.0}


@check("vqvae", points=0.5)
def test_loss_matches_the_reference_with_its_gradients(grader):
    small = {"codes": int(grader.rng.integers(4, 12)), "code_dim": int(grader.rng.integers(2, 5)), "hidden": 8}
    state = grader.reference("vqvae_parameters", **small, init_seed=int(grader.rng.integers(2**31)))
    state = {**state, "codebook.weight": grader.rng.normal(0, 0.5, np.shape(state["codebook.weight"]))}
    x = grader.rng.uniform(size=(int(grader.rng.integers(3, 12)), 1, 8, 8))
    got, want = grader.both("vqvae_loss", x=x, beta=float(grader.rng.uniform(0.1, 2)), **small, **state)
    for name in ("total", "reconstruction", "codebook", "commitment"):
        grader.expect_close(got[name], want[name], f"the VQ-VAE's {name} term is wrong (total = reconstruction + "
                            "codebook + beta * commitment; reconstruction = the mean squared error of the decoded "
                            "straight-through codes)", rtol=1e-9, atol=1e-12)
        grader.expect_close(got[f"{name}_gradient"], want[f"{name}_gradient"], f"the gradients of the VQ-VAE's "
                            f"{name} term are wrong (does the decoder get the straight-through codes, so that the "
                            "reconstruction reaches the encoder?)", rtol=1e-7, atol=1e-10)


def trained(grader):
    """The state the student's process trained from the grader's start, and the held-out digits, once per grading."""
    def train():
        from dgmlib.data import load_digits

        images = load_digits("grey")[0].numpy()
        order = grader.rng.permutation(len(images))
        train_images, held_out = images[order[:BUDGET["train"]]], images[order[BUDGET["train"]:]]
        initial = grader.reference("vqvae_parameters", **MODEL, init_seed=int(grader.rng.integers(2**31)))
        state = grader.student("train_vqvae", x=train_images, epochs=BUDGET["epochs"], lr=BUDGET["lr"],
                               batch_size=BUDGET["batch_size"], **MODEL, timeout=100, **initial)
        grader.expect_layout(state, initial, "the trained VQ-VAE")
        grader.expect(all(np.isfinite(v).all() for v in state.values()), "training the VQ-VAE produced NaN weights")
        return grader.reference("vqvae_evaluation", x=held_out, **MODEL, **state)

    return grader.once("vqvae_trained", train)


def held_out_mse(grader):
    return float(trained(grader)["mse"])


def code_perplexity(grader):
    usage = np.bincount(np.asarray(trained(grader)["indices"]).ravel(), minlength=MODEL["codes"]).astype(float)
    usage /= usage.sum()
    used = usage[usage > 0]
    return float(np.exp(-(used * np.log(used)).sum()))


@check("vqvae", points=0.5, timeout=150)
def test_a_trained_vqvae_reconstructs_held_out_digits(grader):
    mse = held_out_mse(grader)
    grader.expect(mse <= THRESHOLDS["mse"], f"trained with your loss, your VQ-VAE reconstructs held-out digits with a "
                  f"mean squared error of {mse:.4f}; a correct one reaches at most {THRESHOLDS['mse']} within this "
                  "budget")


@check("vqvae", points=0.5, timeout=150)
def test_a_trained_vqvae_uses_its_codebook(grader):
    perplexity = code_perplexity(grader)
    grader.expect(perplexity >= THRESHOLDS["perplexity"], f"trained with your loss, your VQ-VAE's codes on held-out "
                  f"digits have a perplexity of {perplexity:.1f} of {MODEL['codes']}; a correct one reaches at least "
                  f"{THRESHOLDS['perplexity']:.0f} (does the codebook loss move the codes?)")
