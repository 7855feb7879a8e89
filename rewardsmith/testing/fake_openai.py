"""A real local HTTP server that speaks the OpenAI chat-completions wire format, for tests.

Tests and offline demos point the real ``openai`` SDK at it, so the whole client path (HTTP,
JSON, retries, timeouts, ``n``) is exercised without a network or a model. Replies are
scripted with :class:`Rule` objects; failures can be injected for the next k requests: an HTTP
error status (500, 429, 401), a slow answer, or a broken answer (:data:`BROKEN_REPLIES`: a 200
whose body is cut off, an HTML page, ``choices: null``, a choice without a message or without
content, a connection reset); every request received is kept for assertions.

It binds to 127.0.0.1 only, on a free port, and never forwards anything.

Example:
    >>> with FakeOpenAIServer([Rule("def compute_reward(...): ...", match="reward")]) as srv:
    ...     client = openai.OpenAI(base_url=srv.base_url, api_key="x")  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from rewardsmith.testing.fake_openai_rules import ReceivedRequest, Rule, count_tokens

__all__ = ["BROKEN_REPLIES", "FakeOpenAIServer", "ReceivedRequest", "Rule"]

_HOST = "127.0.0.1"

# What :meth:`FakeOpenAIServer.break_next` can send instead of a good answer: the ways a real
# endpoint, or a proxy in front of it, has been seen to answer badly.
BROKEN_REPLIES = {
    "truncated": "a 200 whose JSON body stops in the middle (the connection closed early)",
    "html": "a 200 with an HTML page (a login page, a proxy's error page)",
    "null_choices": "a 200 with JSON whose choices is null",
    "null_message": "a 200 with JSON whose choice has message: null",
    "null_content": "a 200 with JSON whose choice's message has content: null",
    "reset": "the connection reset (TCP RST) before any answer",
    "cut_off": "a 200 that announces its whole body and closes the connection half way",
    "drip": "a 200 whose body comes one byte every 0.2 s (until the client gives up, or 30 s)",
}
_DRIP_EVERY_S = 0.2
_DRIP_FOR_S = 30.0


@dataclass
class _Fault:
    """An injected failure for one request: an HTTP error status, a delay, a broken reply."""

    status: int | None = None
    delay_s: float = 0.0
    retry_after: float | None = None
    broken: str | None = None


class FakeOpenAIServer:
    """A threaded HTTP server on 127.0.0.1 implementing ``/v1/chat/completions`` and ``/v1/models``.

    Args:
        rules: scripted replies, tried in order for each choice; the first rule that matches
            and is not used up answers. A plain string is shorthand for ``Rule(text, times=1)``,
            so a list of strings is a script answered one after another.
        default_reply: the answer when no rule fits.
        honor_n: when False, behave like servers that ignore ``n`` and return one choice.
        cycle: when every rule is used up, reset them and start the script again.
        latency_s: extra delay on every chat request (to observe concurrency).
        models: model ids listed by ``GET /v1/models``.
        report_usage: when False, omit ``usage`` from replies like some local servers do.
    """

    def __init__(
        self,
        rules: Sequence[Rule | str] = (),
        *,
        default_reply: str = "This is the fake OpenAI server's default reply.",
        honor_n: bool = True,
        cycle: bool = False,
        latency_s: float = 0.0,
        models: Sequence[str] = ("fake-model",),
        report_usage: bool = True,
    ) -> None:
        self.rules = [Rule(r, times=1) if isinstance(r, str) else r for r in rules]
        self.default_reply = default_reply
        self.honor_n = honor_n
        self.cycle = cycle
        self.latency_s = latency_s
        self.models = list(models)
        self.report_usage = report_usage
        self.requests: list[ReceivedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._httpd is not None:
            return self
        self._stop.clear()
        self._httpd = _Server((_HOST, 0), _make_handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers, and close the socket."""
        if self._httpd is None:
            return
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client, ending in ``/v1``."""
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not running: use `with FakeOpenAIServer()`")
        return f"http://{_HOST}:{self._httpd.server_address[1]}/v1"

    # -- scripting ------------------------------------------------------------------------------

    def fail_next(self, k: int = 1, status: int = 500, retry_after: float | None = None) -> None:
        """Answer the next ``k`` chat requests with HTTP ``status`` (e.g. 500, 429, 401)."""
        with self._lock:
            self._faults.extend(_Fault(status=status, retry_after=retry_after) for _ in range(k))

    def delay_next(self, k: int = 1, seconds: float = 1.0) -> None:
        """Make the next ``k`` chat requests sleep ``seconds`` first, to provoke timeouts.

        The sleep is bounded: it ends at ``seconds`` or when the server stops, whichever is
        first, so a test that hangs its client never hangs itself.
        """
        with self._lock:
            self._faults.extend(_Fault(delay_s=seconds) for _ in range(k))

    def break_next(self, k: int = 1, kind: str = "truncated") -> None:
        """Answer the next ``k`` chat requests with a broken reply of ``kind``.

        Args:
            k: how many requests get it.
            kind: one of :data:`BROKEN_REPLIES` (``"truncated"``, ``"html"``, ``"null_choices"``,
                ``"null_message"``, ``"null_content"``, ``"reset"``, ``"cut_off"``,
                ``"drip"``).

        Raises:
            ValueError: ``kind`` is not one of them.
        """
        if kind not in BROKEN_REPLIES:
            raise ValueError(f"break_next: unknown kind {kind!r}; expected one of "
                             f"{', '.join(BROKEN_REPLIES)}")
        with self._lock:
            self._faults.extend(_Fault(broken=kind) for _ in range(k))

    @property
    def chat_requests(self) -> list[ReceivedRequest]:
        """The chat-completion requests received so far, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- request handling (called from handler threads) -----------------------------------------

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _choose_reply(self, request: dict[str, Any]) -> str:
        """Pick the reply text for one choice, consuming the rule that answers it."""
        with self._lock:
            rule = self._find_rule(request)
            if rule is None and self.cycle and self.rules:
                for r in self.rules:
                    r.used = 0
                rule = self._find_rule(request)
            if rule is not None:
                rule.used += 1
        if rule is None:
            return self.default_reply
        return rule.reply(request) if callable(rule.reply) else rule.reply

    def _find_rule(self, request: dict[str, Any]) -> Rule | None:
        return next((r for r in self.rules if r.matches(request)), None)

    def _completion(self, request: dict[str, Any]) -> dict[str, Any]:
        """Build an OpenAI ``chat.completion`` object for ``request``."""
        n = int(request.get("n") or 1) if self.honor_n else 1
        texts = [self._choose_reply(request) for _ in range(max(1, n))]
        prompt_tokens = sum(
            count_tokens(str(m.get("content") or "")) for m in request.get("messages") or []
        )
        completion_tokens = sum(count_tokens(t) for t in texts)
        body: dict[str, Any] = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model") or self.models[0],
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
                for i, text in enumerate(texts)
            ],
        }
        if self.report_usage:
            body["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
        return body


class _Server(ThreadingHTTPServer):
    """Threaded server whose handler threads never keep the process alive."""

    daemon_threads = True
    request_queue_size = 64


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    """Bind a request-handler class to one :class:`FakeOpenAIServer`."""

    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 closes each connection after its response, so no keep-alive thread lingers
        # at shutdown waiting for a next request from the client's connection pool.
        protocol_version = "HTTP/1.0"
        timeout = 10

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: test output should not fill with access logs."""

        def do_GET(self) -> None:
            self._record(None)
            if self.path.rstrip("/") == "/v1/models":
                data = [
                    {"id": m, "object": "model", "created": 0, "owned_by": "rewardsmith-fake"}
                    for m in server.models
                ]
                self._send(200, {"object": "list", "data": data})
            else:
                self._error(404, f"no route GET {self.path}", "not_found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except json.JSONDecodeError:
                body = None
            self._record(body if isinstance(body, dict) else None)
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._error(404, f"no route POST {self.path}", "not_found")
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return self._error(400, "body must be JSON with a 'messages' list", "bad_request")
            with server._lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._answer_chat(body)
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _answer_chat(self, body: dict[str, Any]) -> None:
            fault = server._next_fault()
            delay = server.latency_s + (fault.delay_s if fault else 0.0)
            if delay and server._stop.wait(delay):
                return self._error(503, "the fake server is shutting down", "server_stopping")
            if fault is not None and fault.status is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                return self._error(fault.status, "injected failure", "fake_error", headers)
            if fault is not None and fault.broken is not None:
                return self._send_broken(fault.broken, server._completion(body))
            self._send(200, server._completion(body))

        def _send_broken(self, kind: str, good: dict[str, Any]) -> None:
            """Answer with the broken reply ``kind`` (see :data:`BROKEN_REPLIES`)."""
            if kind == "reset":
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return None
            if kind == "html":
                page = (b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
                        b"<body><h1>Please sign in</h1></body></html>")
                return self._send_bytes(200, page, "text/html; charset=utf-8")
            if kind == "truncated":
                data = json.dumps(good).encode("utf-8")
                return self._send_bytes(200, data[: len(data) // 2], "application/json")
            if kind in ("cut_off", "drip"):
                return self._send_slowly(json.dumps(good).encode("utf-8"), kind == "drip")
            first = good["choices"][0]
            if kind == "null_choices":
                good["choices"] = None
            elif kind == "null_message":
                first["message"] = None
            else:  # null_content
                first["message"]["content"] = None
            return self._send(200, good)

        def _send_slowly(self, data: bytes, drip: bool) -> None:
            """Announce all of ``data``; then send half and close (cut_off), or drip it."""
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not drip:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    return
                deadline = time.monotonic() + _DRIP_FOR_S
                for i in range(len(data)):
                    if time.monotonic() > deadline or server._stop.wait(_DRIP_EVERY_S):
                        return
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up: that is what a drip is for
            finally:
                self.close_connection = True

        def _record(self, body: dict[str, Any] | None) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            with server._lock:
                server.requests.append(ReceivedRequest(self.command, self.path, headers, body))

        def _error(
            self, status: int, message: str, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
            self._send(status, payload, headers)

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            self._send_bytes(status, json.dumps(payload).encode("utf-8"), "application/json",
                             headers)

        def _send_bytes(
            self, status: int, data: bytes, content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. its timeout fired): nothing to answer

    return Handler
