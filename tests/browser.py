"""A headless Chromium driven over the DevTools protocol, for tests of HTML output.

Chromium speaks the DevTools protocol (CDP) over a pair of pipes when started
with ``--remote-debugging-pipe``: it reads commands from file descriptor 3
and writes replies and events on file descriptor 4, as JSON messages ended by
a NUL byte. That needs nothing beyond the standard library (no selenium, no
chromedriver, no websocket package), and opens no port.

The flags keep a root, offline CI machine happy: ``--no-sandbox`` because
the sandbox refuses to run as root, and the ``--disable-*`` flags because
Chromium otherwise tries to reach the (closed) network on start. Each
browser gets a fresh profile directory so runs cannot see each other.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any, Self

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or answered a command with an error."""


def find_chromium() -> str | None:
    """Path of the Chromium executable, or None when it is not installed."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless Chromium with one page, used as a context manager::

    with Chromium() as browser:
        browser.open(Path("report.html"))
        title = browser.evaluate("document.title")
        browser.screenshot(Path("report.png"))
    """

    def __init__(self, executable: str | None = None, timeout: float = 30.0):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("chromium is not installed: run `make test`, which installs it")
        self.timeout = timeout
        self._next_id = 0
        self._events: deque[dict[str, Any]] = deque()
        #: Console and browser log entries of the page (CSP violations land here).
        self.log: list[dict[str, Any]] = []
        self._buffer = b""
        self._session: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self._profile = tempfile.mkdtemp(prefix="normalize-chromium-")
        # Move our pipe ends well above 4 so that the dup2 to 3 and 4 in the
        # child cannot overwrite one of them before it is copied.
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        child_in = os.dup2(to_child_r, 100, inheritable=True)
        child_out = os.dup2(from_child_w, 101, inheritable=True)
        os.close(to_child_r)
        os.close(from_child_w)

        def wire_pipes() -> None:  # runs in the child, before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            self.executable,
            *CHROMIUM_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile}",
            "--window-size=1280,1600",
            "about:blank",
        ]
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                preexec_fn=wire_pipes,  # noqa: PLW1509 (tests start no threads)
                pass_fds=(3, 4),
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        self._write_fd, self._read_fd = to_child_w, from_child_r
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            pages = [t for t in targets if t.get("type") == "page"]
            target = pages[0]["targetId"] if pages else None
            if target is None:
                target = self.send("Target.createTarget", url="about:blank")["targetId"]
            attached = self.send("Target.attachToTarget", targetId=target, flatten=True)
            self._session = attached["sessionId"]
            self.send("Page.enable")
            self.send("Runtime.enable")
            self.send("Log.enable")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            try:
                if self._proc.poll() is None:
                    self._session = None
                    self.send("Browser.close")
                    self._proc.wait(timeout=10)
            except (BrowserError, OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        for fd in (getattr(self, "_write_fd", None), getattr(self, "_read_fd", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._write_fd = self._read_fd = None
        shutil.rmtree(getattr(self, "_profile", ""), ignore_errors=True)

    def stderr_tail(self) -> str:
        """The end of Chromium's stderr, to explain a failure."""
        self._stderr.seek(0)
        return self._stderr.read()[-3000:].decode("utf-8", "replace")

    # -- protocol ---------------------------------------------------------

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its reply, queueing events seen meanwhile."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session is not None and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self._session
        os.write(self._write_fd, json.dumps(msg).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        """Wait for the next event named ``method`` (e.g. ``Page.loadEventFired``)."""
        deadline = time.monotonic() + self.timeout
        while True:
            while self._events:
                event = self._events.popleft()
                if event.get("method") == method:
                    return event.get("params", {})
            self._events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"chromium did not answer in time:\n{self.stderr_tail()}")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if ready:
                chunk = os.read(self._read_fd, 1 << 20)
                if not chunk:
                    raise BrowserError(f"chromium closed the pipe:\n{self.stderr_tail()}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        data = json.loads(message)
        if data.get("method") == "Log.entryAdded":
            self.log.append(data["params"]["entry"])
        elif data.get("method") == "Runtime.consoleAPICalled":
            args = data["params"].get("args", [])
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in args)
            self.log.append({"source": "console", "level": data["params"]["type"], "text": text})
        return data

    # -- page -------------------------------------------------------------

    def open(self, path: Path) -> None:
        """Load a local file and wait until its load event (the log starts afresh)."""
        self._events.clear()
        self.log.clear()
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (from the test, not the page) and return its value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page by default)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        data = self.send("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
