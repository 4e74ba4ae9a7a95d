import pytest
import torch

from dgmlib.data import load_digits


def test_grey_digits_are_offline_images_in_unit_range():
    images, labels = load_digits("grey")
    assert images.shape == (1797, 1, 8, 8) and images.dtype == torch.float32
    assert images.min() == 0 and images.max() == 1
    assert labels.shape == (1797,) and set(labels.tolist()) == set(range(10))


def test_binary_digits_threshold_the_grey_ones():
    grey, _ = load_digits("grey")
    binary, _ = load_digits("binary")
    assert set(binary.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(binary, (grey > 0.5).float())


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_quantized_digits_use_every_level_in_order(bits):
    grey, _ = load_digits("grey")
    q, _ = load_digits("quantized", bits=bits)
    assert q.dtype == torch.int64
    assert q.unique().tolist() == list(range(2**bits))
    # quantization is monotone: a brighter grey pixel never gets a lower level
    order = grey.flatten().argsort()
    assert (q.flatten()[order].diff() >= 0).all()


def test_resized_digits_keep_their_shape_and_range():
    images, _ = load_digits("binary", size=14)
    assert images.shape == (1797, 1, 14, 14)
    with pytest.raises(ValueError):
        load_digits("colour")
    with pytest.raises(ValueError):
        load_digits("quantized", bits=9)


def test_the_digits_are_scikit_learns_whether_read_from_its_file_or_through_its_loader(monkeypatch):
    import sklearn.datasets

    import dgmlib.data.digits as digits

    want, loader = sklearn.datasets.load_digits(), sklearn.datasets.load_digits
    for read_file in (True, False):
        if read_file:  # the fast path never needs scikit-learn's loader
            monkeypatch.setattr(sklearn.datasets, "load_digits", lambda: pytest.fail("read through the loader"))
        else:  # scikit-learn moved its file: its loader is used
            monkeypatch.setattr(sklearn.datasets, "load_digits", loader)
            monkeypatch.setattr(digits.importlib.util, "find_spec", lambda name: None)
        images, labels = load_digits("grey")
        assert torch.equal(images[:, 0] * 16, torch.as_tensor(want.images, dtype=torch.float32))
        assert torch.equal(labels, torch.as_tensor(want.target))
