"""Obtain the demo footage (PETS 2009 S2.L1, vtest.avi) with no hub: shared folder or Debian."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from vigie.errors import SourceError

__all__ = ["VTEST_SHA256", "obtain_vtest"]

VTEST_SHA256 = "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"
_DEB_MEMBER = "./usr/share/doc/opencv-doc/examples/data/vtest.avi"


def obtain_vtest(cache_dir: Path, shared_dirs: list[Path] | None = None) -> Path:
    """Path of a verified vtest.avi: the cache, a shared data folder, or Debian's opencv-doc.

    Args:
        cache_dir: Where the footage is kept once obtained.
        shared_dirs: Folders that may hold ``pets09_s2l1/vtest.avi`` (e.g. ../shared/data).

    Raises:
        SourceError: none of the ways worked; the message says what to do.
    """
    target = cache_dir / "vtest.avi"
    if _verified(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    for folder in shared_dirs or []:
        candidate = folder / "pets09_s2l1" / "vtest.avi"
        if _verified(candidate):
            shutil.copyfile(candidate, target)
            return target
    _extract_from_debian(target)
    if not _verified(target):
        target.unlink(missing_ok=True)
        raise SourceError("vtest.avi from Debian's opencv-doc does not have the expected sha256")
    return target


def _verified(path: Path) -> bool:
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == VTEST_SHA256


def _extract_from_debian(target: Path) -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SourceError("demo footage missing: put vtest.avi (PETS 2009 S2.L1, from OpenCV's "
                          f"samples) at {target}, or run on a Debian machine with apt-get")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        got = _apt_download(tmp, env)
        if got.returncode != 0 and os.geteuid() == 0:  # a fresh machine has no package lists
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
            got = _apt_download(tmp, env)
        debs = list(Path(tmp).glob("opencv-doc_*.deb"))
        if got.returncode != 0 or not debs:
            raise SourceError("could not download Debian's opencv-doc for the demo footage "
                              f"(apt-get said: {got.stderr.strip()[-300:]}); try "
                              "'apt-get update' first")
        with target.open("wb") as out:
            tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])],
                                   stdout=subprocess.PIPE)
            extracted = subprocess.run(["tar", "-x", "-O", _DEB_MEMBER], stdin=tar.stdout,
                                       stdout=out, check=False)
            tar.wait()
        if extracted.returncode != 0:
            raise SourceError(f"opencv-doc package has no {_DEB_MEMBER}")


def _apt_download(folder: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["apt-get", "download", "opencv-doc"], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)
