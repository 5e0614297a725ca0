"""bench/compare_outputs.py cleans up after itself even when a signal ends it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "compare_outputs.py"

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists() or shutil.which("git") is None,
    reason="needs a git checkout (the script adds a worktree of the reference revision)",
)


def _worktrees() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    ("signum", "when"),
    [
        (signal.SIGTERM, "ref-tree/.git"),  # while git adds the worktree
        (signal.SIGTERM, "ref"),  # while the reference tree's CLI runs
        (signal.SIGHUP, "ref"),
    ],
)
def test_a_signal_removes_the_reference_worktree(tmp_path: Path, signum: int, when: str) -> None:
    """Killed once its reference worktree exists (a timeout's SIGTERM, a closed
    terminal's SIGHUP), the run removes the worktree and its temporary folder:
    a stale registered worktree would make the next run's ``worktree add`` fail."""
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--ref", "HEAD", "--quick"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(f"normalize-compare-*/{when}")):
            assert proc.poll() is None, f"the script ended before {when} existed"
            assert time.monotonic() < deadline, f"no {when} after 120 s"
            time.sleep(0.02)
        assert str(tmp_path) in _worktrees()
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 128 + signum
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert str(tmp_path) not in _worktrees()
    assert not list(tmp_path.glob("normalize-compare-*"))
