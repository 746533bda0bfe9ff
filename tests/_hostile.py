"""A hostile NAIF-like HTTP server on 127.0.0.1: what a flaky network or a bad mirror does.

Serves byte strings held in memory under archive paths, and for chosen paths
misbehaves on purpose:

- ``trickle``: the promised body one byte at a time, ``interval`` seconds apart;
- ``stall``: half the body, then silence (the connection stays open);
- ``oversize``: a body of ``size`` bytes (with ``Content-Length`` when
  ``announce``), far more than any listing said;
- ``flip``: the body with one bit flipped at ``offset``;
- ``redirect``: a 302 to another URL (another port: another host to requests);
- ``page``: an HTML page (a directory listing, possibly with hostile names).

Every request is counted.  Closing the server ends the silences.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def _head(self, status: int, length: int | None, ctype="application/octet-stream", **extra):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()

    def do_GET(self):  # noqa: N802 - http.server's naming
        h: Hostile = self.server.hostile
        path = self.path.split("?", 1)[0].lstrip("/")
        with h.lock:
            h.requests.append(path)
        how = h.behave.get(path)
        body = h.files.get(path)
        try:
            if how is None:
                if body is None:
                    self._head(404, 0)
                    return
                self._head(200, len(body))
                self.wfile.write(body)
                return
            kind = how[0]
            if kind == "page":
                data = how[1].encode()
                self._head(200, len(data), "text/html; charset=utf-8")
                self.wfile.write(data)
            elif kind == "redirect":
                self._head(302, 0, Location=how[1])
            elif kind == "flip":
                data = bytearray(body)
                data[how[1]] ^= 0x01
                self._head(200, len(data))
                self.wfile.write(bytes(data))
            elif kind == "trickle":
                self._head(200, len(body))
                for i in range(len(body)):
                    if h.closed.is_set():
                        return
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(how[1])
            elif kind == "stall":
                self._head(200, len(body))
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                h.closed.wait(how[1])
            elif kind == "oversize":
                size, announce = how[1], how[2]
                self._head(200, size if announce else None,
                           **({} if announce else {"Connection": "close"}))
                block = b"\0" * 65536
                sent = 0
                while sent < size and not h.closed.is_set():
                    n = min(len(block), size - sent)
                    self.wfile.write(block[:n])
                    sent += n
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should


class Hostile:
    """A running hostile server.

    Attributes
    ----------
    url : str
        Base URL, ending in ``/``.
    files : dict
        Archive path -> bytes served.
    behave : dict
        Archive path -> misbehaviour tuple (see the module docstring).
    requests : list of str
        Paths requested, in order.
    """

    def __init__(self, files: dict[str, bytes] | None = None):
        self.files = dict(files or {})
        self.behave: dict[str, tuple] = {}
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hostile = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def count(self, suffix: str = "") -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.endswith(suffix))

    def close(self) -> None:
        self.closed.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
