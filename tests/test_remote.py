"""The full-dataset loaders, tested on small files written here in the real formats and served from file:// URLs
(and on the real MNIST test set where ../shared/data has it)."""

import gzip
import io
import shutil
import struct
import tarfile

import numpy as np
import pytest
import torch

from dgmlib.data import (
    ChecksumError,
    DatasetUnavailableError,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    read_idx,
    remote,
)
from dgmlib.data.download import file_md5


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: 0, 0, dtype code 0x08 (uint8), ndim, big-endian int32 dims, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_pair(folder, prefix, n=12, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    names = {}
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        path = folder / f"{prefix}-{kind}-ubyte.gz"
        path.write_bytes(gzip.compress(idx_bytes(array)))
        names[path.name] = file_md5(path)
    return images, labels, names


LOADERS = [(load_mnist, "MNIST_MD5", "mnist"), (load_fashion_mnist, "FASHION_MNIST_MD5", "fashion_mnist")]


def test_read_idx_round_trips_and_rejects_garbage(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(idx_bytes(array))
    assert np.array_equal(read_idx(tmp_path / "a.idx"), array)
    (tmp_path / "bad.idx").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(idx_bytes(array)[:-5])
    with pytest.raises(ValueError, match="header says shape"):
        read_idx(tmp_path / "short.idx")


@pytest.mark.parametrize("loader, md5_table, subdir", LOADERS)
@pytest.mark.parametrize("split, prefix", [("train", "train"), ("test", "t10k")])
def test_idx_loader_downloads_verifies_parses_and_caches(tmp_path, monkeypatch, loader, md5_table, subdir, split,
                                                         prefix):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    images, labels, md5s = write_idx_pair(mirror, prefix)
    for name, md5 in md5s.items():
        monkeypatch.setitem(getattr(remote, md5_table), name, md5)
    cache = tmp_path / "cache"
    x, y = loader(split, root=cache, mirrors=("file:///nonexistent-mirror", mirror.as_uri()))
    assert x.shape == (12, 1, 28, 28) and x.dtype == torch.uint8 and y.dtype == torch.int64
    assert np.array_equal(x[:, 0].numpy(), images) and np.array_equal(y.numpy(), labels)
    assert sorted(p.name for p in (cache / subdir).iterdir()) == sorted(md5s)
    shutil.rmtree(mirror)
    x2, _ = loader(split, root=cache, download=False)  # from the cache, no mirror needed
    assert torch.equal(x, x2)


def test_a_download_with_the_wrong_checksum_is_rejected_and_not_cached(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _, _, md5s = write_idx_pair(mirror, "t10k")
    monkeypatch.setitem(remote.MNIST_MD5, "t10k-images-idx3-ubyte.gz", "0" * 32)
    with pytest.raises(DatasetUnavailableError, match="MD5"):
        load_mnist("test", root=tmp_path / "cache", mirrors=(mirror.as_uri(),))
    assert not (tmp_path / "cache" / "mnist" / "t10k-images-idx3-ubyte.gz").exists()


def test_a_damaged_cached_file_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    _, _, md5s = write_idx_pair(folder, "t10k")
    for name, md5 in md5s.items():
        monkeypatch.setitem(remote.MNIST_MD5, name, md5)
    with open(folder / "t10k-images-idx3-ubyte.gz", "ab") as f:
        f.write(b"junk")
    with pytest.raises(ChecksumError, match="damaged"):
        load_mnist("test", root=tmp_path / "cache", download=False)


def test_offline_gives_a_clear_error_quickly(tmp_path):
    # Port 9 on loopback has no server: the same immediate refusal as a machine without a network.
    with pytest.raises(DatasetUnavailableError, match="are you offline") as error:
        load_mnist("test", root=tmp_path, mirrors=("http://127.0.0.1:9/mnist",))
    assert "load_digits" in str(error.value)
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        load_mnist("test", root=tmp_path, download=False)


def write_cifar_archive(path, seed=0):
    rng = np.random.default_rng(seed)
    batches = {}
    with tarfile.open(path, "w:gz") as archive:
        for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
            records = rng.integers(0, 256, size=(3, remote.CIFAR10_RECORD), dtype=np.uint8)
            records[:, 0] %= 10
            batches[name] = records
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = records.nbytes
            archive.addfile(info, io.BytesIO(records.tobytes()))
    return batches


def test_cifar10_loader_reads_the_binary_archive(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    batches = write_cifar_archive(mirror / "cifar-10-binary.tar.gz")
    monkeypatch.setattr(remote, "CIFAR10_FILE",
                        remote.RemoteFile("cifar-10-binary.tar.gz", file_md5(mirror / "cifar-10-binary.tar.gz"), ()))
    x, y = load_cifar10("train", root=tmp_path / "cache", mirrors=(mirror.as_uri(),))
    assert x.shape == (15, 3, 32, 32) and x.dtype == torch.uint8
    first = batches["data_batch_1.bin"][0]
    assert y[0].item() == first[0]
    assert np.array_equal(x[0].numpy().reshape(-1), first[1:]), "channels come as 1024 red, green, blue bytes"
    x_test, y_test = load_cifar10("test", root=tmp_path / "cache", download=False)
    assert np.array_equal(y_test.numpy(), batches["test_batch.bin"][:, 0])


def test_the_real_mnist_test_set_loads_with_the_published_class_counts(shared_mnist, tmp_path, monkeypatch):
    cache = tmp_path / "mnist"
    cache.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(shared_mnist / name, cache / name)
        # the copy in ../shared is not byte-identical to the published .gz (other gzip bytes), so trust its own MD5
        monkeypatch.setitem(remote.MNIST_MD5, name, file_md5(cache / name))
    images, labels = load_mnist("test", root=tmp_path, download=False)
    assert images.shape == (10_000, 1, 28, 28) and images.dtype == torch.uint8
    assert torch.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert images.max() == 255 and images.float().mean().item() == pytest.approx(33.8, abs=1.0)
