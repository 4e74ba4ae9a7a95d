"""Downloading files into a cache directory, with checksum verification and a clear error when offline."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

CACHE_ENV = "DGMLIB_DATA"


class DatasetUnavailableError(RuntimeError):
    """A dataset file is neither in the cache nor downloadable (offline, or every mirror failed)."""


class ChecksumError(RuntimeError):
    """A file's checksum differs from the published one (a truncated download or a different file)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name, the published MD5 and the base URLs it can be fetched from."""

    filename: str
    md5: str
    mirrors: tuple[str, ...]


def cache_dir(root: str | os.PathLike | None = None) -> Path:
    """Where datasets are kept: `root`, else $DGMLIB_DATA, else ~/.cache/dgmlib."""
    path = Path(root or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dgmlib")
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_md5(path: str | os.PathLike) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, md5: str) -> None:
    actual = file_md5(path)
    if actual != md5:
        raise ChecksumError(
            f"{path} has MD5 {actual}, expected {md5}: the file is damaged or not the published one. "
            f"Delete it and try again."
        )


def fetch(remote: RemoteFile, directory: Path, download: bool = True, timeout: float = 30.0) -> Path:
    """Path of `remote` inside `directory`, downloading it first when missing; always checksum-verified.

    A download goes to a temporary file that is renamed only after its checksum matched, so an interrupted or
    corrupt download never leaves a file in the cache.
    """
    target = directory / remote.filename
    if target.exists():
        verify(target, remote.md5)
        return target
    if not download:
        raise DatasetUnavailableError(f"{target} is missing and download=False")
    errors = []
    for base in remote.mirrors:
        url = base.rstrip("/") + "/" + remote.filename
        try:
            _download(url, target, timeout)
        except (urllib.error.URLError, OSError, ValueError) as error:
            errors.append(f"{url}: {error}")
            continue
        try:
            verify(target, remote.md5)
        except ChecksumError as error:
            target.unlink()
            errors.append(f"{url}: {error}")
            continue
        return target
    raise DatasetUnavailableError(
        f"could not download {remote.filename} (are you offline?). Tried:\n  " + "\n  ".join(errors)
        + f"\nPut the file at {target} by hand, or work offline with dgmlib.data.load_digits()."
    )


def _download(url: str, target: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, leave=False) as bar:
                while block := response.read(1 << 16):
                    tmp.write(block)
                    bar.update(len(block))
    shutil.move(tmp.name, target)
