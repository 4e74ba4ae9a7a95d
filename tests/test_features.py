"""dgmlib's feature extractors for sample-based metrics: accuracy, reproducibility, the cache, and how the Fréchet
distance (the homework's reference implementation) behaves on purpose-built good and bad sample sets of digits."""

import importlib.util

import nbformat
import numpy as np
import pytest
import torch
from conftest import REPO

from dgmlib.data import load_digits, read_idx
from dgmlib.metrics import digits_extractor, load_extractor
from dgmlib.metrics.features import digits_split, trained_extractor, weights_digest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DGMLIB_DATA", str(tmp_path))
    return tmp_path / "features"


def test_the_digits_extractor_is_accurate_and_reproducible_bit_for_bit(cache):
    first = digits_extractor(cache=False)
    assert first.accuracy >= 0.97, "the digits classifier's held-out accuracy fell (it was 0.98)"
    assert weights_digest(digits_extractor(cache=False).classifier) == weights_digest(first.classifier), \
        "the recipe is not deterministic"
    torch.manual_seed(123)
    torch.rand(7)  # the global generator's state must not matter
    assert weights_digest(digits_extractor(cache=False).classifier) == weights_digest(first.classifier)
    images, _ = load_digits("grey")
    assert first(images[:5]).shape == (5, 64) and first.probabilities(images[:5]).shape == (5, 10)
    assert torch.allclose(first.probabilities(images[:5]).sum(1), torch.ones(5))
    assert torch.equal(first(images[:3, 0]), first(images[:3])), "(N, H, W) images are (N, 1, H, W) ones"


def test_the_cache_is_used_and_a_damaged_file_is_retrained(cache):
    trained = digits_extractor()
    (path,) = cache.glob("digits-*.pt")
    assert weights_digest(digits_extractor().classifier) == weights_digest(trained.classifier)
    state = torch.load(path, weights_only=True)
    state["state"]["head.bias"] += 1.0  # weights that no longer match their checksum
    torch.save(state, path)
    assert weights_digest(digits_extractor().classifier) == weights_digest(trained.classifier)
    path.write_bytes(b"not a checkpoint")
    assert weights_digest(digits_extractor().classifier) == weights_digest(trained.classifier)
    assert torch.load(path, weights_only=True)["sha256"] == weights_digest(trained.classifier), "the file was replaced"


def test_a_read_only_cache_trains_in_memory_and_the_callers_random_state_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("DGMLIB_DATA", str(tmp_path / "file"))
    (tmp_path / "file").write_text("a file where the cache folder would be")
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    extractor = digits_extractor()
    assert torch.equal(torch.rand(3), expected), "training the extractor changed the caller's random numbers"
    assert extractor.accuracy >= 0.97 and extractor(torch.zeros(0, 1, 8, 8)).shape == (0, 64)


def test_bad_images_and_names_get_a_clear_error(cache):
    extractor = digits_extractor(cache=False)
    with pytest.raises(ValueError, match="images must be"):
        extractor(torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="unknown feature extractor"):
        load_extractor("inceptionv4")


@pytest.mark.skipif(importlib.util.find_spec("pytorch_fid") is not None, reason="pytorch-fid is installed here")
def test_the_inception_extractor_says_what_it_needs():
    with pytest.raises(ImportError, match="pytorch-fid"):
        load_extractor("inception")


def test_an_mnist_classifier_trains_on_the_real_test_set(shared_mnist, cache):
    images = torch.as_tensor(read_idx(shared_mnist / "t10k-images-idx3-ubyte.gz")[:, None].copy()).float() / 255
    labels = torch.as_tensor(read_idx(shared_mnist / "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    extractor = trained_extractor("mnist-test-split", images[:8000], labels[:8000], images[8000:], labels[8000:],
                                  epochs=3, cache=False)
    assert extractor.accuracy >= 0.93, f"an MLP on 8,000 MNIST digits should reach 0.93, got {extractor.accuracy}"
    assert extractor(images[:3]).shape == (3, 64)


def solution_functions(names):
    """The homework 5 reference's functions (its answer cells run in a namespace with the setup's imports)."""
    notebook = nbformat.read(REPO / "solutions" / "hw5" / "hw5.ipynb", as_version=4)
    namespace = {"torch": torch, "F": torch.nn.functional, "np": np}
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ("fid_is_answer", "precision_recall_answer"):
            exec(compile(cell.source, "hw5", "exec"), namespace)
    return [namespace[name] for name in names]


def test_fid_on_digit_features_orders_purpose_built_sample_sets(cache):
    """Against 297 held-out digits (the classifier never saw them): other real digits are closest, then noisy or
    blurred ones, then sets collapsed onto one or two classes (autograder/hw5/README.md, The feature extractor)."""
    frechet_distance, feature_statistics = solution_functions(["frechet_distance", "feature_statistics"])
    extractor = digits_extractor()
    images, labels = load_digits("grey")
    train, test = digits_split()
    generator = torch.Generator().manual_seed(0)
    seen = images[train][:297]
    blurred = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(seen, (1, 1, 1, 1), mode="replicate"), 3, 1)
    sets = {"real": seen, "noisy": (seen + 0.3 * torch.randn(seen.shape, generator=generator)).clamp(0, 1),
            "blurred": blurred, "collapsed": images[train][labels[train] <= 1][:297]}
    reference = feature_statistics(extractor(images[test]).double())
    fid = {name: float(frechet_distance(*feature_statistics(extractor(x).double()), *reference))
           for name, x in sets.items()}
    assert fid["real"] < min(fid["noisy"], fid["blurred"]) and max(fid["noisy"], fid["blurred"]) < fid["collapsed"], fid


@pytest.mark.skipif(importlib.util.find_spec("pytorch_fid") is None,
                    reason="pytorch-fid is not installed (it needs torchvision, which does not import beside the "
                           "pinned CPU torch)")
def test_our_frechet_distance_equals_pytorch_fids_on_the_same_features():
    from pytorch_fid.fid_score import calculate_frechet_distance

    frechet_distance, feature_statistics = solution_functions(["frechet_distance", "feature_statistics"])
    rng = np.random.default_rng(0)
    for rows in (500, 40):  # well conditioned, and fewer samples than features
        a, b = rng.normal(size=(rows, 64)), rng.normal(size=(rows, 64)) @ rng.normal(size=(64, 64)) * 0.3 + 0.1
        ours = float(frechet_distance(*feature_statistics(torch.tensor(a)), *feature_statistics(torch.tensor(b))))
        theirs = calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-6)


def test_our_frechet_distance_equals_the_scipy_route_of_the_reference_fid_code(cache):
    """pytorch-fid's formula (scipy.linalg.sqrtm of sigma1 @ sigma2, real part) on digit features, without the
    package: the homework's eigen-route gives the same number."""
    import scipy.linalg

    frechet_distance, feature_statistics = solution_functions(["frechet_distance", "feature_statistics"])
    extractor = digits_extractor()
    images, _ = load_digits("grey")
    for rows in (600, 40):  # 64 features: the second has singular covariances
        mu1, sigma1 = (t.numpy() for t in feature_statistics(extractor(images[:rows]).double()))
        mu2, sigma2 = (t.numpy() for t in feature_statistics(extractor(images[-rows:]).double()))
        root = scipy.linalg.sqrtm(sigma1 @ sigma2).real
        scipy_route = ((mu1 - mu2) ** 2).sum() + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(root)
        ours = float(frechet_distance(*(torch.tensor(v) for v in (mu1, sigma1, mu2, sigma2))))
        assert ours == pytest.approx(scipy_route, rel=1e-6, abs=1e-6 * (np.trace(sigma1) + np.trace(sigma2)))
