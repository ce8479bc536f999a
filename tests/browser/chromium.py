"""Headless Chromium driven over the DevTools protocol.

`find_or_install_chromium()` locates Debian's `chromium` (running `scripts/ensure-chromium` to
install it when missing). `Browser` starts it with a throw-away profile and remote debugging on a
free port; `Page` is one tab, spoken to over the DevTools WebSocket with `websocket-client`
(a 100 KB pure-Python package; Playwright would bring a 53 MB wheel and its own Node driver to
drive the same Debian Chromium).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import websocket

from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
ENSURE_SCRIPT = ROOT / "scripts" / "ensure-chromium"
CANDIDATES = ("chromium", "chromium-browser")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)


class ChromiumUnavailable(RuntimeError):
    """Chromium is not installed and could not be installed."""


class CDPError(RuntimeError):
    """An error answer from the DevTools protocol, or a JavaScript exception."""


def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM")
    if env and os.access(env, os.X_OK):
        return env
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def find_or_install_chromium() -> str:
    """Path of a chromium binary; installs it with scripts/ensure-chromium when missing."""
    path = find_chromium()
    if path:
        return path
    if not ENSURE_SCRIPT.exists():
        raise ChromiumUnavailable(f"chromium not found and {ENSURE_SCRIPT} is missing")
    proc = subprocess.run(
        [str(ENSURE_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    path = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not path or not os.access(path, os.X_OK):
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise ChromiumUnavailable(
            f"chromium not found and scripts/ensure-chromium failed (rc={proc.returncode}): "
            + " | ".join(tail)
        )
    return path


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium() -> str:
    """The chromium binary for browser tests; skips them (never fails) where none can be had.
    Shared by tests/browser and tests/sandbox through their conftest.py."""
    try:
        return find_or_install_chromium()
    except ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable, browser test not run: {exc}")


class Browser:
    """A headless Chromium process with its own temporary profile."""

    def __init__(self, binary: str | None = None, width: int = 1280, height: int = 860) -> None:
        self.binary = binary or find_or_install_chromium()
        self.profile = tempfile.mkdtemp(prefix="qb-chromium-")
        self.width, self.height = width, height
        self.stderr = open(os.path.join(self.profile, "stderr.log"), "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                self.binary,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            start_new_session=True,
        )
        self.port = self._wait_for_port()

    def _wait_for_port(self, timeout: float = 20.0) -> int:
        marker = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ChromiumUnavailable(f"chromium exited early: {self.log_tail()}")
            try:
                with open(marker) as fh:
                    first = fh.readline().strip()
                if first.isdigit():
                    return int(first)
            except OSError:
                pass
            time.sleep(0.05)
        raise ChromiumUnavailable(f"chromium did not open its DevTools port: {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            with open(os.path.join(self.profile, "stderr.log"), errors="replace") as fh:
                return " | ".join(fh.read().strip().splitlines()[-lines:])
        except OSError:
            return ""

    def _http(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode() or "null")

    def page(self) -> Page:
        """The first tab (created by `about:blank` on the command line)."""
        deadline = time.monotonic() + 10
        while True:
            targets = [t for t in self._http("/json/list") if t.get("type") == "page"]
            if targets:
                break
            if time.monotonic() > deadline:
                targets = [self._http("/json/new?about:blank", method="PUT")]
                break
            time.sleep(0.05)
        page = Page(targets[0]["webSocketDebuggerUrl"])
        page.set_viewport(self.width, self.height)
        return page

    def close(self) -> None:
        # Chromium runs in its own session (start_new_session), so its process group is ours to end:
        # that takes the renderer and zygote helpers with it.
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: navigation, JavaScript evaluation, waiting, input and screenshots."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=10)
        self._next_id = 0
        self.events: deque[dict[str, Any]] = deque(maxlen=2000)
        self.console: list[str] = []
        self.exceptions: list[str] = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    # -- protocol
    def _note(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            args = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            self.console.append(f"{params.get('type')}: {' '.join(args)}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception", {})
            self.exceptions.append(str(exc.get("description") or details.get("text")))

    def send(self, method: str, timeout: float = 15.0, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        call_id = self._next_id
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} within {timeout}s")
            self.ws.settimeout(left)
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise CDPError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._note(message)

    # -- helpers
    def set_viewport(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def navigate(self, url: str, timeout: float = 15.0) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout=timeout)

    def evaluate(self, expression: str, timeout: float = 15.0) -> Any:
        result = self.send(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
            userGesture=True,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"JavaScript error in {expression[:80]!r}: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 10.0, interval: float = 0.1) -> Any:
        """Evaluate `expression` until it is truthy; returns its value."""
        return wait_for(lambda: self.evaluate(expression), timeout, expression, interval)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element matched by `selector`."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
            }})()"""
        )
        if not box:
            raise CDPError(f"no element matches {selector!r}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box["x"],
                y=box["y"],
                button="left",
                clickCount=1,
            )

    def type_text(self, selector: str, text: str) -> None:
        """Focus the element and type `text` as keyboard input (fires input events)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        for ch in text:
            self.send("Input.dispatchKeyEvent", type="char", text=ch)

    def press_enter(self) -> None:
        common = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self.send("Input.dispatchKeyEvent", type="rawKeyDown", **common)
        self.send("Input.dispatchKeyEvent", type="char", text="\r", **common)
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    def screenshot(self, path: str | os.PathLike[str]) -> None:
        data = self.send("Page.captureScreenshot", timeout=30, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.ws.close()
