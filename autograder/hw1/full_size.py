"""Homework 1's models at full size: MADE and PixelCNN from the solution notebook on real 28x28 binarized MNIST.

    python -m autograder.hw1.full_size --mnist ../shared/data/mnist --made-epochs 20 --pixelcnn-epochs 2

Uses the MNIST test set's IDX files (10,000 images): trains on the first 8,000, reports the NLL of the last 2,000 in
nats/dim next to deepul's published numbers on binarized MNIST (MADE 0.1106, PixelCNN 0.0756; trained on the full
60,000 images), and the time taken. For the instructor's docs, not a test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from IPython.core.interactiveshell import InteractiveShell

from autograder.grading.notebook import plan, read_notebook
from autograder.layout import course_root, source_notebook
from dgmlib.data import idx_images_and_labels
from dgmlib.metrics import bits_per_dim
from dgmlib.train import fit
from dgmlib.utils import get_device

PUBLISHED = {"MADE": 0.1106, "PixelCNN": 0.0756}


def solution_namespace() -> dict:
    """The solution notebook's definitions (its code cells except checks and skip-grading cells)."""
    source = read_notebook(source_notebook(course_root(), "hw1"))
    shell = InteractiveShell.instance()
    for cell in plan(source, source).cells:
        result = shell.run_cell(cell.source)
        result.raise_error()
    return shell.user_ns


@torch.no_grad()
def held_out_nll(model, images: torch.Tensor, batch_size: int = 500) -> float:
    """Mean -log p(x) in nats per image, each batch moved to the model's device (fit puts it on CUDA if present)."""
    nll = [-model.log_prob(batch.to(model.device)).cpu() for batch in images.split(batch_size)]
    return torch.cat(nll).mean().item()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", type=Path, default=Path("../shared/data/mnist"))
    parser.add_argument("--made-epochs", type=int, default=20)
    parser.add_argument("--pixelcnn-epochs", type=int, default=2)
    parser.add_argument("--pixelcnn-channels", type=int, default=32)
    args = parser.parse_args(argv)
    images, _ = idx_images_and_labels(args.mnist / "t10k-images-idx3-ubyte.gz",
                                      args.mnist / "t10k-labels-idx1-ubyte.gz")
    binary = (images.float() / 255 > 0.5).float()
    train, test = binary[:8000], binary[8000:]
    ns = solution_namespace()
    torch.manual_seed(0)
    models = {
        "MADE": (ns["MADE"](784, [512, 512]), train.flatten(1), test.flatten(1), args.made_epochs),
        "PixelCNN": (ns["PixelCNN"](image_size=28, channels=args.pixelcnn_channels, layers=5), train, test,
                     args.pixelcnn_epochs),
    }
    for name, (model, x_train, x_test, epochs) in models.items():
        started = time.perf_counter()
        model.to(get_device())  # fit returns a model to where it came from: train and evaluate on the GPU
        fit(model, x_train, epochs=epochs, lr=1e-3, batch_size=128, seed=0)
        seconds = time.perf_counter() - started
        nll = held_out_nll(model, x_test)
        print(f"{name:9s} {epochs:3d} epochs on 8,000 images, {seconds:6.0f} s: {nll / 784:.4f} nats/dim "
              f"({bits_per_dim(nll, 784):.4f} bits/dim) on 2,000 held-out; deepul (60,000 images): "
              f"{PUBLISHED[name]:.4f} nats/dim", flush=True)


if __name__ == "__main__":
    main()
