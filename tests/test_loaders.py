import pytest
import torch

from dgmlib.data import make_loader, split_indices, train_val_test_split


def test_split_is_a_deterministic_partition():
    parts = split_indices(1000, (0.8, 0.1, 0.1), seed=5)
    assert [len(p) for p in parts] == [800, 100, 100]
    assert torch.equal(torch.cat(parts).sort().values, torch.arange(1000))
    torch.rand(10)  # other draws from the global generator must not change the split
    assert all(torch.equal(a, b) for a, b in zip(parts, split_indices(1000, (0.8, 0.1, 0.1), seed=5), strict=True))
    assert not torch.equal(parts[0], split_indices(1000, (0.8, 0.1, 0.1), seed=6)[0])


def test_split_keeps_tensors_aligned_and_rejects_bad_fractions():
    x, y = torch.arange(50).float()[:, None], torch.arange(50)
    (xtr, ytr), (xva, yva) = train_val_test_split(x, y, fractions=(0.7, 0.3), seed=0)
    assert torch.equal(xtr[:, 0].long(), ytr) and torch.equal(xva[:, 0].long(), yva)
    with pytest.raises(ValueError):
        split_indices(10, (0.5, 0.6))
    with pytest.raises(ValueError):
        train_val_test_split(x, y[:10])


def test_loader_shuffles_reproducibly():
    x = torch.arange(100)
    order = lambda seed: torch.cat([b[0] for b in make_loader(x, batch_size=32, seed=seed)])  # noqa: E731
    assert torch.equal(order(1), order(1))
    assert not torch.equal(order(1), order(2))
    assert torch.equal(torch.cat([b[0] for b in make_loader(x, batch_size=32, shuffle=False)]), x)
