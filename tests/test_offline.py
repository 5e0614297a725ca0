"""No network at run time: the CLI runs every feature with networking made impossible.

A ``sitecustomize`` module on ``PYTHONPATH`` installs an audit hook in every
Python process of the run (workers included) that refuses and logs any DNS
lookup or connection to an internet address. The test then requires that
nothing was attempted, not merely that nothing got through.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SEEDS, run_cli

GUARD = textwrap.dedent(
    """
    import os, socket, sys

    _LOG = os.environ["NORMALIZE_NET_LOG"]

    def _guard(event, args):
        if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                     "socket.gethostbyaddr"):
            hit = True
        elif event in ("socket.connect", "socket.connect_ex", "socket.sendto", "socket.sendmsg"):
            sock = args[0]
            hit = getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6)
        else:
            hit = False
        if hit:
            with open(_LOG, "a") as f:
                f.write(f"{os.getpid()} {event} {args[1:]!r}\\n")
            raise OSError("network access refused by the test guard")

    sys.addaudithook(_guard)
    """
)

HINDI = "पढ़ता लाता नीला पुराना नदी।"


@pytest.fixture()
def guarded(tmp_path: Path) -> tuple[dict[str, str], Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "net.log"
    env = {
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "NORMALIZE_NET_LOG": str(log),
        "NORMALIZE_PACKS_DIR": str(tmp_path / "packs"),
        "HOME": str(tmp_path / "home"),
    }
    return env, log


def test_guard_catches_a_connection(guarded, tmp_path: Path) -> None:
    """The guard itself works (a test that cannot fail proves nothing)."""
    env, log = guarded
    import subprocess
    import sys

    code = "import socket\ntry:\n    socket.create_connection(('example.org', 80), timeout=1)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True)
    assert "socket.getaddrinfo" in log.read_text()


def test_all_features_run_offline(guarded, tmp_path: Path) -> None:
    env, log = guarded
    for pack in sorted((FIXTURES / "packs").glob("*.argosmodel")):
        proc = run_cli("packs", "install", str(pack), env=env)
        assert proc.returncode == 0, proc.stderr.decode()
    listing = run_cli("packs", "list", env=env)
    assert listing.returncode == 0 and b"hi" in listing.stdout

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "hindi.txt").write_text(f"Toy news\n\n{HINDI}\n", encoding="utf-8")
    (inputs / "page.html").write_text(
        f"<html lang='hi'><head><title>t</title></head><body><nav><a href='/'>होम</a></nav>"
        f"<p>{HINDI}</p><p>An English paragraph that stays as it is in the output.</p></body></html>",
        encoding="utf-8",
    )
    # A page that is only a URL: the date finder (htmldate) downloads a string
    # that looks like one, so normalize must only ever give it a parsed tree.
    (inputs / "url.html").write_text("https://example.com/2020/01/02/story", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        str(SEEDS),
        str(inputs),
        "-o",
        str(out),
        "--jobs",
        "2",
        "--translate-to",
        "en",
        "--translate-boilerplate",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    hindi = next(r for r in recs if r["id"].endswith("hindi.txt"))
    assert "reads brings blue old river." in hindi["translated_text"]

    report = tmp_path / "report.html"
    proc = run_cli("report", str(out), "-o", str(report), env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert report.stat().st_size > 0

    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"network access attempted:\n{attempts}"
    assert not (tmp_path / "home").exists()  # nothing written in the user's home
