"""A small HTTP server on 127.0.0.1 for download tests: serves files from memory, honours Range
requests, and can break a response part-way to imitate a dropped connection."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    files: dict[str, bytes]
    break_after: dict[str, int] = field(default_factory=dict)  # name → bytes sent, once
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range)


class _Handler(BaseHTTPRequestHandler):
    served: Served

    def do_GET(self) -> None:
        name = self.path.lstrip("/")
        served = self.server.served
        served.requests.append((name, self.headers.get("Range")))
        data = served.files.get(name)
        if data is None:
            self.send_error(404)
            return
        start = 0
        ranged = self.headers.get("Range")
        if ranged and ranged.startswith("bytes="):
            start = int(ranged[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = served.break_after.pop(name, None)
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class LocalServer:
    """`with LocalServer(files) as server:` … `server.url` is the base URL ending in '/'."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.served = Served(dict(files))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.served = self.served
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
