"""A wheel built from the checkout, installed elsewhere, normalizes as the checkout does.

The language packs are package data (``normalize.lang_packs``): without them
an install would run with no chrome phrases, stopwords or priors and give
other output, which is what this test would catch. Slow (a wheel build and
two CLI runs): about half a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NORMALIZE_LANG_PACKS", "PYTHONPATH")}
    return {**env, **extra}


def test_an_installed_wheel_gives_the_checkouts_output(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-v", "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    # Quiet packaging: no package left undeclared, no deprecated table.
    noisy = [
        line
        for line in (build.stdout + build.stderr).splitlines()
        if "Warning" in line and "byte-compil" not in line
    ]
    assert not noisy, noisy
    [wheel] = (tmp_path / "dist").glob("normalize-*.whl")
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check"]
        + ["-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    assert (site / "normalize" / "lang_packs" / "en" / "chrome.txt").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed_env = _env(PYTHONPATH=str(site))
    where = subprocess.run(
        [sys.executable, "-c", "import normalize, sys; print(normalize.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=installed_env,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout
    # Each extension of the compiled core is installed with its .py and .pxd, and
    # loads: without the .pxd it could not be vouched for (normalize.compiled.stale)
    # and its module would run interpreted.
    package = site / "normalize"
    built = [
        ".".join(so.relative_to(package).parts).split(".cpython")[0]
        for so in sorted(package.rglob("*.so"))
    ]
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from normalize import compiled; print(*("
            "compiled.is_compiled(compiled.load(n)) for n in sys.argv[1:]))",
            *built,
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=installed_env,
        check=True,
    )
    assert loaded.stdout.split() == ["True"] * len(built), (built, loaded.stdout, loaded.stderr)

    outputs = {}
    for name, cwd, env in (("installed", elsewhere, installed_env), ("checkout", ROOT, _env())):
        out = tmp_path / f"{name}.jsonl"
        run = subprocess.run(
            [sys.executable, "-m", "normalize", str(SEEDS), "-o", str(out), "--jobs", "1", "-q"],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        assert "language packs" not in run.stderr, run.stderr
        outputs[name] = out.read_bytes()
    assert outputs["installed"] and outputs["installed"] == outputs["checkout"]
