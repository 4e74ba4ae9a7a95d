"""The full MNIST, FashionMNIST and CIFAR-10 for users who are online: download once to the cache, verify, parse.

Parsed with NumPy from the original formats (IDX for MNIST and FashionMNIST, the binary version of CIFAR-10), so
no pickle is ever loaded and torchvision is not needed.
"""

from __future__ import annotations

import gzip
import os
import tarfile
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from .download import RemoteFile, cache_dir, fetch

Split = Literal["train", "test"]

MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist", "https://storage.googleapis.com/cvdf-datasets/mnist")
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",)
CIFAR10_MIRRORS = ("https://www.cs.toronto.edu/~kriz",)

# Published MD5s of the original .gz files.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
CIFAR10_FILE = RemoteFile("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", CIFAR10_MIRRORS)

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzipped): 2 zero bytes, a dtype code, the number of dimensions, then each
    dimension as a big-endian int32, then the data in C order (LeCun et al., the MNIST file format)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but holds {data.size} values")
    return data.reshape(shape)


def _load_idx_pair(md5s: dict[str, str], mirrors, split: Split, root, download: bool, subdir: str):
    prefix = {"train": "train", "test": "t10k"}[split]
    directory = cache_dir(root) / subdir
    directory.mkdir(parents=True, exist_ok=True)
    paths = [
        fetch(RemoteFile(name, md5s[name], mirrors), directory, download)
        for name in (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
    ]
    return idx_images_and_labels(*paths)


def idx_images_and_labels(images_path, labels_path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, H, W) uint8 and labels (N,) int64 from a pair of IDX files."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{images_path} / {labels_path}: expected (N, H, W) images and (N,) labels")
    return torch.from_numpy(images.copy())[:, None], torch.from_numpy(labels.astype(np.int64))


def load_mnist(split: Split = "train", root=None, download: bool = True, mirrors=MNIST_MIRRORS):
    """MNIST: images (N, 1, 28, 28) uint8 in 0..255 and labels (N,) int64; 60,000 train, 10,000 test."""
    return _load_idx_pair(MNIST_MD5, tuple(mirrors), split, root, download, "mnist")


def load_fashion_mnist(split: Split = "train", root=None, download: bool = True, mirrors=FASHION_MIRRORS):
    """FashionMNIST: images (N, 1, 28, 28) uint8 and labels (N,) int64; 60,000 train, 10,000 test."""
    return _load_idx_pair(FASHION_MNIST_MD5, tuple(mirrors), split, root, download, "fashion_mnist")


CIFAR10_RECORD = 1 + 3 * 32 * 32  # label byte, then 1024 red, 1024 green, 1024 blue bytes


def read_cifar10_archive(path: str | os.PathLike, split: Split) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 from cifar-10-binary.tar.gz, read without extracting."""
    members = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    chunks = []
    with tarfile.open(path, "r:gz") as archive:
        by_name = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
        for name in members:
            if name not in by_name:
                raise ValueError(f"{path} has no member {name}: not the CIFAR-10 binary archive")
            raw = archive.extractfile(by_name[name]).read()
            if len(raw) % CIFAR10_RECORD:
                raise ValueError(f"{path}:{name} is not a whole number of CIFAR-10 records")
            chunks.append(np.frombuffer(raw, dtype=np.uint8).reshape(-1, CIFAR10_RECORD))
    records = np.concatenate(chunks)
    images = torch.from_numpy(records[:, 1:].reshape(-1, 3, 32, 32).copy())
    return images, torch.from_numpy(records[:, 0].astype(np.int64))


def load_cifar10(split: Split = "train", root=None, download: bool = True, mirrors=CIFAR10_MIRRORS):
    """CIFAR-10: images (N, 3, 32, 32) uint8 and labels (N,) int64; 50,000 train, 10,000 test."""
    directory = cache_dir(root) / "cifar10"
    directory.mkdir(parents=True, exist_ok=True)
    remote = RemoteFile(CIFAR10_FILE.filename, CIFAR10_FILE.md5, tuple(mirrors))
    return read_cifar10_archive(fetch(remote, directory, download), split)
