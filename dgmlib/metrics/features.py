"""Feature extractors for sample-based metrics (FID, Inception Score, precision and recall), offline on a CPU.

The metrics compare generated images with real ones in the feature space of a classifier (Salimans et al. 2016 and
Heusel et al. 2017 use InceptionV3 on ImageNet). InceptionV3's weights cannot be downloaded everywhere the course
runs, so the default extractor is a small classifier on the data the course's models are trained on, trained here
by a deterministic recipe in a few seconds and cached:

- `digits_extractor()`: scikit-learn's 8x8 digits (bundled, offline), trained on a fixed 1,500-image split.
- `mnist_extractor()`: 28x28 MNIST, where the dataset is in dgmlib's cache (or can be downloaded).
- `inception_extractor()`: InceptionV3's 2048 pool features through `pytorch-fid` where it and its weights are
  installed (it needs torchvision); the course never depends on it.

Every extractor maps images (N, 1, H, W) in [0, 1] to features (N, F) with `extractor(images)` and to class
probabilities (N, C) with `extractor.probabilities(images)`. The same recipe gives the same weights bit for bit on
the same CPU (training uses one thread); the cache file carries the SHA-256 of its weights, and a damaged file (one
whose weights no longer match it) is retrained. A change of the recipe must bump RECIPE_VERSION.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.download import cache_dir

RECIPE_VERSION = 1  # bump when the architecture or the training recipe changes: old cache files are then ignored


class Classifier(nn.Module):
    """An MLP on flattened images: features = the last hidden layer (`feature_dim` units), then class logits."""

    def __init__(self, pixels: int, feature_dim: int = 64, hidden: int = 256, classes: int = 10):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, feature_dim),
                                  nn.ReLU())
        self.head = nn.Linear(feature_dim, classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images (N, 1, H, W) -> logits (N, classes)."""
        return self.head(self.body(images))


@dataclass
class FeatureExtractor:
    """A trained classifier used as a feature map: `extractor(images)` -> features (N, F),
    `extractor.probabilities(images)` -> p(y | x) (N, C). `accuracy` is its held-out accuracy."""

    classifier: Classifier
    name: str
    accuracy: float
    batch_size: int = 1024

    @torch.no_grad()
    def _apply(self, images, function: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        images = torch.as_tensor(images, dtype=torch.float32).detach().cpu()
        if images.ndim == 3:
            images = images[:, None]
        if images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"images must be (N, 1, H, W) or (N, H, W) in [0, 1], got {tuple(images.shape)}")
        self.classifier.eval()
        return torch.cat([function(chunk) for chunk in images.split(self.batch_size)] or [function(images)])

    def __call__(self, images) -> torch.Tensor:
        """images (N, 1, H, W) in [0, 1] -> features (N, feature_dim), float32 on the CPU."""
        return self._apply(images, self.classifier.body)

    def probabilities(self, images) -> torch.Tensor:
        """images (N, 1, H, W) in [0, 1] -> class probabilities (N, classes), float32 on the CPU."""
        return self._apply(images, lambda x: self.classifier(x).softmax(1))


def weights_digest(module: nn.Module) -> str:
    """SHA-256 of a module's parameters and buffers (names, shapes and bytes, in state-dict order)."""
    digest = hashlib.sha256()
    for name, value in module.state_dict().items():
        digest.update(name.encode())
        digest.update(str(tuple(value.shape)).encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@contextmanager
def _one_thread():
    """Matrix products split across threads sum in a different order: one thread makes training reproducible."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 30, batch_size: int = 128,
                     lr: float = 2e-3, seed: int = 0) -> Classifier:
    """The recipe: Adam on cross-entropy with a seeded shuffle and initialisation, on one CPU thread, float32.

    images (N, 1, H, W) in [0, 1]; labels (N,) int64 in 0..9.
    """
    generator = torch.Generator().manual_seed(seed)
    with _one_thread(), torch.random.fork_rng(devices=[]):  # the caller's random state is left as it was
        torch.manual_seed(seed)
        classifier = Classifier(images[0].numel())
        optimizer = torch.optim.Adam(classifier.parameters(), lr=lr)
        for _ in range(epochs):
            for batch in torch.randperm(len(images), generator=generator).split(batch_size):
                loss = F.cross_entropy(classifier(images[batch]), labels[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return classifier.eval()


@torch.no_grad()
def accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    return float((classifier(images).argmax(1) == labels).double().mean())


def _cached(name: str, train: Callable[[], tuple[Classifier, float]], pixels: int, cache: bool) -> FeatureExtractor:
    """The extractor `name` from dgmlib's cache when its file is intact, else trained by `train` and cached (where
    the cache cannot be written, the extractor is kept in memory only)."""
    path = None
    if cache:
        try:
            path = cache_dir() / "features" / f"{name}-v{RECIPE_VERSION}.pt"
        except OSError:
            pass  # no writable cache folder: train in memory
    if path is not None and path.is_file():
        try:
            saved = torch.load(path, weights_only=True)
            classifier = Classifier(pixels)
            classifier.load_state_dict(saved["state"])
            if weights_digest(classifier) == saved["sha256"]:
                return FeatureExtractor(classifier.eval(), name, float(saved["accuracy"]))
        except (OSError, RuntimeError, KeyError, TypeError, AttributeError, ValueError, EOFError,
                pickle.UnpicklingError):
            pass  # a damaged or foreign file: train again and replace it
    classifier, held_out = train()
    if path is not None:
        buffer = io.BytesIO()
        torch.save({"state": classifier.state_dict(), "sha256": weights_digest(classifier), "accuracy": held_out},
                   buffer)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as partial:
                partial.write(buffer.getvalue())
            os.replace(partial.name, path)  # atomic: a reader never sees half a file, two writers never collide
        except OSError:
            pass  # a read-only cache: the weights stay in memory, and the next call trains again
    return FeatureExtractor(classifier, name, held_out)


DIGITS_TRAIN = 1500  # 1,500 of scikit-learn's 1,797 digits (a permutation seeded with 0) train it; 297 test it


def digits_split() -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (1500,) and (297,) of the digits the classifier is trained and tested on."""
    order = torch.randperm(1797, generator=torch.Generator().manual_seed(0))
    return order[:DIGITS_TRAIN], order[DIGITS_TRAIN:]


def digits_extractor(cache: bool = True) -> FeatureExtractor:
    """A classifier of the 8x8 digits (64 features, 10 classes), held-out accuracy 0.98; trains in a few
    seconds the first time, then loads from dgmlib's cache."""
    from ..data.digits import load_digits

    def train():
        images, labels = load_digits("grey")
        train_split, test_split = digits_split()
        classifier = train_classifier(images[train_split], labels[train_split], epochs=60)
        return classifier, accuracy(classifier, images[test_split], labels[test_split])

    return _cached("digits", train, 64, cache)


def trained_extractor(name: str, images: torch.Tensor, labels: torch.Tensor, test_images: torch.Tensor,
                      test_labels: torch.Tensor, epochs: int, cache: bool = True) -> FeatureExtractor:
    """An extractor trained by the recipe on (images, labels) and tested on (test_images, test_labels), cached under
    `name` (which must identify the data: a different data set needs a different name). Images (N, 1, H, W) in
    [0, 1], labels (N,) int64 in 0..9."""

    def train():
        classifier = train_classifier(images, labels, epochs=epochs)
        return classifier, accuracy(classifier, test_images, test_labels)

    return _cached(name, train, images[0].numel(), cache)


def mnist_extractor(root=None, download: bool = True, cache: bool = True) -> FeatureExtractor:
    """A classifier of 28x28 MNIST (64 features, 10 classes) trained on MNIST's training set for 5 epochs and tested
    on its test set; needs the dataset in dgmlib's cache or a download (dgmlib.data.load_mnist)."""
    from ..data.remote import load_mnist

    images, labels = load_mnist("train", root=root, download=download)
    test_images, test_labels = load_mnist("test", root=root, download=download)
    return trained_extractor("mnist", images.float() / 255, labels, test_images.float() / 255, test_labels, epochs=5,
                             cache=cache)


class InceptionExtractor:
    """InceptionV3's 2048 pool features and its 1008-way logits' softmax, through pytorch-fid (optional)."""

    def __init__(self):
        try:
            from pytorch_fid.inception import InceptionV3
        except ImportError as error:
            raise ImportError("the Inception extractor needs pytorch-fid (pip install pytorch-fid, which needs "
                              "torchvision and downloads InceptionV3's weights once); the course's default is "
                              "digits_extractor()") from error
        self.name, self.accuracy = "inception", float("nan")
        self.model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()

    @torch.no_grad()
    def __call__(self, images) -> torch.Tensor:
        images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        return self.model(images)[0].flatten(1)

    def probabilities(self, images) -> torch.Tensor:
        raise NotImplementedError("pytorch-fid ships the pool features only; use torch-fidelity for the Inception "
                                  "Score with InceptionV3")


def inception_extractor() -> InceptionExtractor:
    return InceptionExtractor()


EXTRACTORS = {"digits": digits_extractor, "mnist": mnist_extractor, "inception": inception_extractor}


def load_extractor(name: str = "digits", **kwargs):
    """The extractor `name` ("digits", "mnist" or "inception")."""
    if name not in EXTRACTORS:
        raise ValueError(f"unknown feature extractor {name!r}; choose one of {sorted(EXTRACTORS)}")
    return EXTRACTORS[name](**kwargs)
