"""Task "training" (1 point): the grader trains the student's MADE and PixelCNN and judges them on held-out digits.

The student's process receives only the training digits. Its trained weights, which must have exactly the names and
shapes of the reference's parameters (no masks, no buffers), are loaded into the *reference* architecture (with the
reference masks) and scored on held-out digits it never saw, so a model can pass only by
having learned a normalised, autoregressive density. Thresholds: see autograder/hw1/README.md (calibration over
20 seeds of the reference).
"""

import numpy as np

from autograder.grading.contract import check

MADE_CONFIG = dict(hidden=[512], epochs=40, lr=1e-3, batch_size=64)
PIXELCNN_CONFIG = dict(channels=32, layers=4, epochs=20, lr=2e-3, batch_size=64)
# held-out NLL thresholds in nats per image (64 pixels); calibration in README.md
MADE_MAX_NLL = 20.0
PIXELCNN_MAX_NLL = 20.0
HELD_OUT = 297


def grader_split(grader):
    """Binarized 8x8 digits split by the secret seed: (1500, 64) to train on, (297, 64) the student never sees.

    The digits come from dgmlib in the reference's process, which has torch loaded already (the grader's does not
    need it)."""
    flat = grader.reference("binary_digits", seed=0)["images"].astype(np.float32)
    order = grader.rng.permutation(len(flat))
    return flat[order[HELD_OUT:]], flat[order[:HELD_OUT]]


def made_held_out_nll(grader):
    train, held_out = grader_split(grader)
    weights = grader.student("train_made", train=train, timeout=90, **MADE_CONFIG)
    layout = grader.reference("made_parameters", input_dim=64, hidden=MADE_CONFIG["hidden"], ordering=np.arange(64))
    grader.expect_layout(weights, {k: v for k, v in layout.items() if not k.startswith("m")}, "the trained MADE")
    grader.expect(all(np.isfinite(v).all() for v in weights.values()), "training produced NaN weights")
    log_p = grader.reference("made_log_prob", input_dim=64, hidden=MADE_CONFIG["hidden"], ordering=np.arange(64),
                             x=held_out, **weights)["log_prob"]
    return float(-log_p.mean())


def pixelcnn_held_out_nll(grader):
    train, held_out = grader_split(grader)
    config = {k: PIXELCNN_CONFIG[k] for k in ("channels", "layers")}
    state = grader.student("train_pixelcnn", train=train.reshape(-1, 1, 8, 8), timeout=90, **PIXELCNN_CONFIG)
    grader.expect_layout(state, grader.reference("pixelcnn_parameters", image_size=8, **config), "the trained PixelCNN")
    grader.expect(all(np.isfinite(v).all() for v in state.values()), "training produced NaN weights")
    log_p = grader.reference("pixelcnn_log_prob", image_size=8, x=held_out.reshape(-1, 1, 8, 8), **config,
                             **state)["log_prob"]
    return float(-log_p.mean())


def expect_below(grader, model: str, nll: float, threshold: float) -> None:
    grader.expect(np.isfinite(nll) and nll < threshold, f"after training, {model}'s held-out NLL is {nll:.1f} nats "
                                                        f"per image; it should be below {threshold:.1f}")


@check("training", points=0.5, timeout=90)
def test_trained_made_reaches_the_held_out_nll(grader):
    expect_below(grader, "MADE", made_held_out_nll(grader), MADE_MAX_NLL)


@check("training", points=0.5, timeout=90)
def test_trained_pixelcnn_reaches_the_held_out_nll(grader):
    expect_below(grader, "PixelCNN", pixelcnn_held_out_nll(grader), PIXELCNN_MAX_NLL)
