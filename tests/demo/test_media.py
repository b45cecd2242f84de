"""Demo footage: taken from a shared folder, verified by sha256, a corrupt copy replaced."""

from __future__ import annotations

import shutil
from pathlib import Path

from vigie.demo.media import VTEST_SHA256, obtain_vtest


def test_footage_comes_from_the_shared_folder_and_is_verified(vtest_avi: Path,
                                                              tmp_path: Path) -> None:
    shared = vtest_avi.parents[1]
    got = obtain_vtest(tmp_path / "media", [shared])
    assert got == tmp_path / "media" / "vtest.avi"
    assert got.read_bytes() == vtest_avi.read_bytes()
    assert len(VTEST_SHA256) == 64


def test_a_corrupt_cached_copy_is_replaced(vtest_avi: Path, tmp_path: Path) -> None:
    cache = tmp_path / "media"
    cache.mkdir()
    shutil.copyfile(vtest_avi, cache / "vtest.avi")
    with (cache / "vtest.avi").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 64)
    got = obtain_vtest(cache, [vtest_avi.parents[1]])
    assert got.read_bytes() == vtest_avi.read_bytes()
