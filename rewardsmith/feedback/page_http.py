"""The ranking page's HTTP layer: routes, the video Range replies, and what keeps it local.

Requests go to the static page, the videos and the JSON API of one
:class:`~rewardsmith.feedback.ranking_page.RankingPageServer`. A foreign Host header (DNS
rebinding), a cross-origin submit, a non-JSON or oversized answer are refused; every reply says
``nosniff`` and a same-origin Content-Security-Policy.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

__all__ = ["STATIC_DIR", "PageHTTPServer", "ServedPage"]

logger = logging.getLogger("rewardsmith.feedback.ranking_page")  # one logger for the page

STATIC_DIR = Path(__file__).parent / "static"


class ServedPage(Protocol):
    """What the handlers read of the page they serve (a ``RankingPageServer``)."""

    host: str
    videos: dict[int, Path]

    @property
    def url(self) -> str: ...

    def candidates_payload(self) -> dict: ...

    def submit(self, body: bytes) -> tuple[int, dict]: ...

    def mark_done(self) -> None: ...


class PageHTTPServer(ThreadingHTTPServer):
    """The HTTP server, carrying a reference to the page state its handlers serve."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], page: ServedPage) -> None:
        self.page = page
        super().__init__(address, _PageHandler)

    def handle_error(self, request, client_address) -> None:
        """Stay quiet when a browser drops a video connection; that is routine, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            logger.exception("ranking page: error while serving %s", client_address)


_STATIC = {  # URL path -> (file in static/, content type); nothing else on disk is reachable
    "/": ("rank.html", "text/html; charset=utf-8"),
    "/static/rank.js": ("rank.js", "text/javascript; charset=utf-8"),
    "/static/rank.css": ("rank.css", "text/css; charset=utf-8"),
}
_VIDEO_PATH = re.compile(r"/video/(\d+)")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Everything is same-origin, so the page provably loads nothing from the network.
_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"


class _PageHandler(BaseHTTPRequestHandler):
    """Routes requests to the static page, the videos and the JSON API of one page server."""

    server: PageHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("ranking page: " + format, *args)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0]
        if path in _STATIC:
            name, ctype = _STATIC[path]
            self._send_bytes(200, (STATIC_DIR / name).read_bytes(), ctype)
        elif path == "/api/candidates":
            self._send_json(200, self.server.page.candidates_payload())
        elif (match := _VIDEO_PATH.fullmatch(path)) and int(match[1]) in self.server.page.videos:
            self._send_video(self.server.page.videos[int(match[1])])
        elif path == "/favicon.ico":
            self._send_bytes(204, b"", "image/x-icon")
        else:
            self._send_json(404, {"error": f"no such page: {path}"})

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        page = self.server.page
        if self.path != "/api/submit":
            return self._send_json(404, {"error": f"no such endpoint: {self.path}"})
        # A JSON content type forces a CORS preflight, which this server never grants, and the
        # Origin check covers browsers that send one: other web sites cannot post answers.
        origin = urlsplit(self.headers.get("Origin") or page.url)
        if origin.hostname not in self._local_names() or origin.port != self.server.server_port:
            return self._send_json(403, {"error": "cross-origin submit refused"})
        if self.headers.get_content_type() != "application/json":
            return self._send_json(415, {"error": "send the answer as application/json"})
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > 64 * 1024:
            return self._send_json(413, {"error": "send a Content-Length of at most 64 KiB"})
        status, reply = page.submit(self.rfile.read(int(length)))
        try:
            self._send_json(status, reply)
        finally:
            if status == 200:
                page.mark_done()

    def _local_names(self) -> set[str]:
        return {"127.0.0.1", "localhost", "::1", self.server.page.host}

    def _host_ok(self) -> bool:
        """Refuse foreign Host headers, so a DNS-rebinding page cannot talk to this server."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if host in self._local_names():
            return True
        self._send_json(421, {"error": f"unexpected Host header {host!r}"})
        return False

    def _send_json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._send_bytes(status, body, "application/json", extra={"Cache-Control": "no-store"})

    def _send_bytes(
        self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self._common_headers(ctype, len(body))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)

    def _common_headers(self, ctype: str, length: int) -> None:
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _CSP)

    def _send_video(self, path: Path) -> None:
        """Serve an mp4, honouring a single ``Range: bytes=a-b`` (browsers need it to loop/seek)."""
        size = path.stat().st_size
        start, end = 0, size - 1
        status = 200
        header = self.headers.get("Range")
        match = _RANGE.fullmatch(header.strip()) if header else None
        if match and (match[1] or match[2]):  # multi-range or junk: ignore it, send it all (RFC)
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:  # suffix form "bytes=-N": the last N bytes
                start = max(size - int(match[2]), 0)
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self._common_headers("video/mp4", end - start + 1)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        with path.open("rb") as f:  # rollout clips are small: one read per request is fine
            f.seek(start)
            self.wfile.write(f.read(end - start + 1))
