"""A NAIF-archive mirror served over HTTP on 127.0.0.1 for the kernel-manager tests.

It serves a directory (``../shared/naif`` or a copy under a test's tmp_path)
with Python's own ``http.server``, counts the requests it answers, and can
misbehave on purpose: cut a body short, answer slowly, or serve a hand-made
directory listing.
"""

from __future__ import annotations

import socket
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    mirror: "Mirror"

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        m = self.server.mirror
        path = self.path.split("?", 1)[0]
        with m._lock:
            m.requests.append(self.path)
        if path in m.pages:
            body = m.pages[path].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path in m.cut or path in m.slow:
            file = Path(self.translate_path(path))
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if path in m.cut:
                # Half the promised bytes, then hang up.
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            step = max(1, len(data) // 20)
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(m.slow[path] / 20)
            return
        super().do_GET()


class Mirror:
    """A running HTTP mirror of ``root``.

    Attributes
    ----------
    url : str
        Base URL, ending in ``/``.
    requests : list of str
        Request paths answered so far, in order.
    cut : set of str
        Paths whose body is cut off after half the promised bytes.
    slow : dict
        Path -> seconds the body takes to send.
    pages : dict
        Path -> HTML served instead of the file system (e.g. a listing).
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        self.cut: set[str] = set()
        self.slow: dict[str, float] = {}
        self.pages: dict[str, str] = {}
        self._lock = threading.Lock()
        handler = partial(_Handler, directory=str(self.root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.mirror = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def count(self, suffix: str = "") -> int:
        """Requests whose path ends with ``suffix`` (all when empty)."""
        with self._lock:
            return sum(1 for r in self.requests if r.endswith(suffix))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
