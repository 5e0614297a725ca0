"""The Ray Data engine gives the same records as the local engine (Ray local cluster)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEEDS, run_cli

pytest.importorskip("ray", reason="the [ray] extra is not installed (make test installs it)")


def test_ray_engine_matches_local(tmp_path: Path) -> None:
    local = tmp_path / "local.jsonl"
    ray_out = tmp_path / "ray.jsonl"
    assert run_cli(str(SEEDS), "-o", str(local), "-q").returncode == 0
    proc = run_cli(
        str(SEEDS),
        str(tmp_path / "missing.txt"),
        "-o",
        str(ray_out),
        "--engine",
        "ray",
        "--jobs",
        "2",
        env={"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"},
    )
    assert proc.returncode == 1, proc.stderr.decode()[-3000:]  # the missing file
    lines = ray_out.read_bytes().splitlines(keepends=True)
    assert b"".join(lines[:-1]) == local.read_bytes()
    assert b'"code":"not_found"' in lines[-1]
