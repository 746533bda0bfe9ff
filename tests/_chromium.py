"""Drive a headless Debian ``chromium`` over the DevTools protocol (for the browser test).

Chromium is started with ``--remote-debugging-pipe``: it reads DevTools
commands from file descriptor 3 and writes replies and events to descriptor
4, each message a JSON text ended by a NUL byte.  No network port, no
websocket library.

:class:`Chromium` loads a page with networking disabled and records what a
user's browser would complain about: uncaught exceptions, console errors, log
errors, and every request for something other than the page itself.
:func:`png_pixels` decodes the screenshots (PNG, 8-bit RGB/RGBA) with zlib and
numpy so the test needs no imaging library.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
import zlib

import numpy as np

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars",
         # Plotly's 3-D view needs WebGL; without a GPU that is SwiftShader,
         # which Chromium only uses when asked (trusted, local content here).
         "--enable-unsafe-swiftshader", "--use-angle=swiftshader")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# Resolves, within 30 s, to [id, has a layout, svg count, canvas count] for every
# plotly figure of the page once all are drawn (pages draw them asynchronously,
# after unpacking plotly.js).
RENDERED = """new Promise(done => { const t0 = Date.now(); (function poll() {
  const divs = [...document.querySelectorAll("div.plotly-graph-div")];
  const ok = divs.every(d => d._fullLayout && d.querySelector(".main-svg"));
  if (ok || Date.now() - t0 > 30000) done(divs.map(d => [d.id, !!d._fullLayout,
      d.querySelectorAll(".main-svg").length, d.querySelectorAll("canvas").length]));
  else setTimeout(poll, 100); })(); })"""


class ChromiumError(RuntimeError):
    pass


class Chromium:
    """One headless browser, one page; use as a context manager."""

    def __init__(self, exe: str, user_data_dir: str, width: int = 1300, height: int = 900,
                 timeout: float = 120.0):
        self.exe, self.timeout = exe, timeout
        self.width, self.height = width, height
        self._id = 0
        self._buf = b""
        self.events: list[dict] = []
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        # Move the child's ends above 4 so that placing them on 3 and 4 cannot
        # overwrite one with the other.
        high_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(res_w)

        def child_fds():
            # Chromium expects the command pipe on fd 3 and the reply pipe on fd 4.
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [exe, *FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "about:blank"]
        # Chromium logs a lot; a file, unlike an unread pipe, never blocks it.
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log, preexec_fn=child_fds,
                                     pass_fds=(3, 4))
        os.close(high_r)
        os.close(high_w)
        self.session = None

    # -- protocol ------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("timed out waiting for chromium")
            ready, _, _ = select.select([self._res_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._res_r, 1 << 20)
            if not chunk:
                err = self.log()[-2000:]
                raise ChromiumError(f"chromium closed the DevTools pipe\n{err}")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, *, session: bool = True,
             timeout: float | None = None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float | None = None) -> dict:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def log(self) -> str:
        """What chromium wrote to stderr so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def evaluate(self, expression: str, timeout: float | None = None):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in res:
            raise ChromiumError(f"evaluation failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    # -- page ----------------------------------------------------------------------------
    def open(self, url: str) -> None:
        """Open ``url`` in a fresh tab with the network cut off, and wait for its load."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        # Belt and braces: the page must not need the network at all.
        self.send("Network.emulateNetworkConditions",
                  {"offline": True, "latency": 0, "downloadThroughput": -1,
                   "uploadThroughput": -1})
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1,
                   "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def problems(self, page_url: str) -> list[str]:
        """What went wrong so far: exceptions, console/log errors, outside requests."""
        out = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("uncaught: " + (d.get("exception", {}).get("description")
                                           or d.get("text", "")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log error: " + p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if url != page_url and not url.startswith(("data:", "blob:", "about:")):
                    out.append("request: " + url)
        return out

    def check_page(self, path, timeout: float = 120.0) -> dict:
        """Open a flyplan page (a file) in a fresh tab and wait until every figure is drawn.

        Returns
        -------
        dict
            ``problems`` (:meth:`problems` of this page only), ``figures``
            (per ``div.plotly-graph-div``: id, has a layout, svg count, canvas
            count) and ``errors_box`` (the text of the page's own error box).
        """
        from pathlib import Path

        url = Path(path).resolve().as_uri()
        self.events.clear()
        self.open(url)
        figures = self.evaluate(RENDERED, timeout=timeout)
        box = self.evaluate("(document.getElementById('flyplan-errors') || {}).textContent")
        return {"problems": self.problems(url), "figures": figures, "errors_box": box}

    def screenshot(self, clip: dict | None = None) -> bytes:
        """PNG of the viewport, or of ``clip`` (page coordinates, CSS px) anywhere on the page."""
        params = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": clip.get("scale", 1)}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close", session=False, timeout=10)
                except (ChromiumError, OSError):
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            for fd in (self._cmd_w, self._res_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- PNG ---------------------------------------------------------------------------------
def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter_row(ftype, row, prev, bpp):
    if ftype == 0:
        return row
    if ftype == 2:
        return (row.astype(np.int32) + prev).astype(np.uint8)
    if ftype == 1:
        # Sub: a running sum along the row, per channel.
        out = row.reshape(-1, bpp).astype(np.int64).cumsum(axis=0) % 256
        return out.astype(np.uint8).reshape(-1)
    # Average and Paeth depend on the pixel just decoded: sequential.
    out = bytearray(len(row))
    r, p = row.tolist(), prev.tolist()
    for i in range(len(r)):
        left = out[i - bpp] if i >= bpp else 0
        up = p[i]
        if ftype == 3:
            out[i] = (r[i] + ((left + up) >> 1)) & 0xFF
        elif ftype == 4:
            ul = p[i - bpp] if i >= bpp else 0
            out[i] = (r[i] + _paeth(left, up, ul)) & 0xFF
        else:
            raise ValueError(f"bad PNG filter type {ftype}")
    return np.frombuffer(bytes(out), dtype=np.uint8)


def colour_count(px: np.ndarray) -> int:
    """Number of distinct RGB colours in an (h, w, channels) image."""
    rgb = px[..., :3].astype(np.uint32)
    return len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))


def png_pixels(data: bytes) -> np.ndarray:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG into an (h, w, channels) array."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h = int.from_bytes(hdr[0:4], "big"), int.from_bytes(hdr[4:8], "big")
    depth, ctype, interlace = hdr[8], hdr[9], hdr[12]
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    stride = w * bpp + 1
    rows = raw.reshape(h, stride)
    out = np.empty((h, w * bpp), dtype=np.uint8)
    prev = np.zeros(w * bpp, dtype=np.uint8)
    for y in range(h):
        prev = out[y] = _unfilter_row(int(rows[y, 0]), rows[y, 1:], prev, bpp)
    return out.reshape(h, w, bpp)
