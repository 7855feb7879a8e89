"""A local web page where a person watches the candidates' rollouts and picks the best and worst.

ICPL-style preference feedback needs a human to *watch* the K rollout videos side by side. A tiny
stdlib HTTP server is enough for that and adds no dependency: it binds to the loopback interface
only, serves one static page (no CDN, works offline), the videos (with HTTP Range so browsers can
loop and seek), the candidate list as JSON and one submit endpoint
(:mod:`rewardsmith.feedback.page_http`). The first valid submission
ends the session and becomes a :class:`~rewardsmith.feedback.ranking.Ranking`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
import warnings
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

from rewardsmith.feedback.page_http import PageHTTPServer
from rewardsmith.feedback.ranking import (
    Ranking,
    RankingCandidate,
    RankingError,
    check_unique_ids,
    ranking_from_json,
)

logger = logging.getLogger(__name__)

# Served this long after the answer: a request the browser already opened is then not reset.
ANSWER_LINGER_S = 0.3

class RankingPageServer:
    """The ranking page served from a background thread.

    Use it directly when the caller must keep working while the page is open (e.g. to print the
    URL, or to drive it from a test); otherwise :func:`serve_ranking_page` wraps the whole
    start / wait / stop cycle.

    Args:
        candidates: the candidates to show, in display order (ids unique).
        title: page heading, e.g. the task and the iteration.
        context_text: optional paragraph above the videos (the task text, what to look for).
        host: a loopback address; anything else is refused, since the page accepts answers
            without authentication.
        port: TCP port; 0 picks a free one.

    Raises:
        RankingError: no candidates or repeated ids.
        ValueError: ``host`` is not a loopback address.
    """

    def __init__(
        self,
        candidates: Sequence[RankingCandidate],
        *,
        title: str,
        context_text: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not candidates:
            raise RankingError("there are no candidates to rank")
        check_unique_ids(candidates)
        _check_loopback(host)
        self.candidates = list(candidates)
        self.title = title
        self.context_text = context_text
        self.host = host
        self.port = port
        self.videos: dict[int, Path] = {}
        for index, cand in enumerate(self.candidates):
            if cand.video is None:
                continue
            if Path(cand.video).is_file():
                self.videos[index] = Path(cand.video).resolve()
            else:
                warnings.warn(
                    f"candidate {cand.id!r}: video {cand.video} does not exist; "
                    "the page shows 'no video' for it",
                    stacklevel=2,
                )
        self._result: Ranking | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._httpd: PageHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address; only known once :meth:`start` has bound the port."""
        if self._httpd is None:
            raise RuntimeError("the ranking page is not started: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._httpd.server_address[1]}/"

    @property
    def result(self) -> Ranking | None:
        """The submitted ranking, or ``None`` while nobody has answered."""
        return self._result

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread; returns ``self`` for chaining."""
        if self._httpd is not None:
            raise RuntimeError("the ranking page is already started")
        self._httpd = PageHTTPServer((self.host, self.port), self)
        self._thread = threading.Thread(  # a short poll: stop() returns the run promptly
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="rewardsmith-ranking-page",
            daemon=True,
        )
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> Ranking:
        """Block until a valid answer is submitted.

        Args:
            timeout: seconds to wait; ``None`` waits forever.

        Returns:
            The submitted ranking.

        Raises:
            TimeoutError: nobody answered within ``timeout`` seconds.
        """
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"no ranking was submitted on {self.url} within {timeout} s; "
                "open the page and submit, or use --feedback synthetic"
            )
        assert self._result is not None
        return self._result

    def stop(self) -> None:
        """Stop serving and release the port; safe to call more than once."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- called by the request handler -------------------------------------------------------

    def candidates_payload(self) -> dict:
        """What ``GET /api/candidates`` returns: everything the page script renders."""
        return {
            "title": self.title,
            "context": self.context_text,
            "submitted": self._done.is_set(),
            "candidates": [
                {
                    "number": index + 1,
                    "id": cand.id,
                    "label": cand.label,
                    "summary": cand.summary,
                    "video": f"/video/{index}" if index in self.videos else None,
                }
                for index, cand in enumerate(self.candidates)
            ],
        }

    def submit(self, body: bytes) -> tuple[int, dict]:
        """Validate a ``POST /api/submit`` body; on success record the ranking.

        Returns:
            ``(http_status, json_reply)``; 200 once, 400 for a bad answer, 409 after the first
            valid answer (a second tab or a double click must not overwrite it).
        """
        try:
            ranking = ranking_from_json(
                self.candidates, json.loads(body or b"null"), source="human"
            )
        except ValueError as e:  # bad JSON, bad encoding or a RankingError
            return 400, {"error": str(e)}
        with self._lock:
            if self._result is not None:
                return 409, {"error": "a ranking was already submitted for this iteration"}
            self._result = ranking
        return 200, {"ok": True, "message": "Thanks — the run continues."}

    def mark_done(self) -> None:
        """Release :meth:`wait`; the handler calls it after the 200 reply is on the wire."""
        if self._result is not None:
            self._done.set()


def serve_ranking_page(
    candidates: Sequence[RankingCandidate],
    *,
    title: str,
    context_text: str = "",
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    timeout_s: float | None = None,
    on_ready: Callable[[str], object] | None = None,
) -> Ranking:
    """Serve the ranking page until a person submits the best and the worst candidate.

    Args:
        candidates, title, context_text, host, port: as for :class:`RankingPageServer`.
        open_browser: also open the page in the default browser.
        timeout_s: give up after this many seconds; ``None`` waits forever.
        on_ready: called with the URL once the page is up, e.g. to print it; by default the URL
            is logged at INFO level.

    Returns:
        The submitted ranking (``source="human"``, ``queries=1``).

    Raises:
        TimeoutError: nobody answered within ``timeout_s``.
    """
    server = RankingPageServer(
        candidates, title=title, context_text=context_text, host=host, port=port
    )
    server.start()
    try:
        if on_ready is not None:
            on_ready(server.url)
        else:
            logger.info("rank the candidates at %s", server.url)
        if open_browser and not webbrowser.open(server.url):
            logger.warning("could not open a browser; open %s yourself", server.url)
        ranking = server.wait(timeout_s)
        time.sleep(ANSWER_LINGER_S)
        return ranking
    finally:
        server.stop()


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"the ranking page only binds to a loopback address (127.0.0.1, ::1 or localhost), "
            f"got {host!r}: it accepts answers without authentication. To rank from another "
            "machine, forward the port over SSH (ssh -L 8765:127.0.0.1:8765 host)."
        )
