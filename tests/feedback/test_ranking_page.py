"""The ranking page, driven through a real headless Chromium, plus its HTTP API and data model."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from queue import Queue

import pytest

from rewardsmith.feedback.ranking import Ranking, RankingCandidate, RankingError
from rewardsmith.feedback.ranking_page import RankingPageServer, serve_ranking_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COLOURS = [(220, 40, 40), (40, 200, 60), (40, 80, 230)]


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three tiny real H.264 mp4 clips (10 frames of a solid colour, 64x64)."""
    imageio = pytest.importorskip("imageio.v2", reason="imageio[ffmpeg] makes the test videos")
    np = pytest.importorskip("numpy")
    folder = tmp_path_factory.mktemp("videos")
    paths = []
    for i, colour in enumerate(COLOURS):
        path = folder / f"cand_{i}.mp4"
        with imageio.get_writer(
            path, fps=10, codec="libx264", pixelformat="yuv420p", macro_block_size=16
        ) as writer:
            for t in range(10):
                frame = np.full((64, 64, 3), colour, dtype=np.uint8)
                frame[:, : 6 * t] //= 2  # a moving edge, so it is a real video, not a still
                writer.append_data(frame)
        paths.append(path)
    return paths


@pytest.fixture()
def candidates(videos: list[Path]) -> list[RankingCandidate]:
    return [
        RankingCandidate(
            id=f"iter_0/cand_{i}",
            label=f"Candidate {i}",
            video=path,
            summary=f"success 0.{i}  ·  episode length {100 * (i + 1)}",
        )
        for i, path in enumerate(videos)
    ]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (launching costs about a second)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []  # a CSP violation or a script error shows up here
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.expected_errors = []  # a test that provokes an error names it here
    yield page
    context.close()
    errors = [e for e in errors if not any(x in e for x in page.expected_errors)]
    assert errors == [], errors


def serve_in_thread(candidates, **kwargs) -> tuple[Future, str]:
    """Run ``serve_ranking_page`` in a thread; return its future and the page URL."""
    urls: Queue[str] = Queue()
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(
        serve_ranking_page,
        candidates,
        title="Humanoid: stand up, iteration 2",
        context_text="Task: stand up and stay up.",
        on_ready=urls.put,
        timeout_s=30,
        **kwargs,
    )
    pool.shutdown(wait=False)
    return future, urls.get(timeout=10)


def wait_until(page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll a JS expression until it is truthy.

    Playwright's ``wait_for_function`` polls through ``eval``, which the page's strict CSP
    forbids (as it should); ``page.evaluate`` goes through the debugger protocol instead.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def post(
    url: str,
    payload: object,
    content_type: str = "application/json",
    origin: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict]:
    headers = {"Content-Type": content_type, **(headers or {})}
    if origin is not None:
        headers["Origin"] = origin
    request = urllib.request.Request(
        url + "api/submit", data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    with response:
        return response.status, response.headers, response.read()


# ---- in the browser -------------------------------------------------------------------------


def test_page_plays_videos_and_submits_by_mouse(page, candidates) -> None:
    future, url = serve_in_thread(candidates)
    page.goto(url)
    # The page fills the title, the context and the cards from one fetch after it loads: wait
    # for the cards before reading the title (read at once, it can still be the placeholder).
    wait_until(page, "document.querySelectorAll('video').length === 3")
    assert page.locator("#title").inner_text() == "Humanoid: stand up, iteration 2"
    assert "stand up and stay up" in page.locator("#context").inner_text()
    assert page.locator(".card .label").all_inner_texts() == [c.label for c in candidates]
    wait_until(
        page, "[...document.querySelectorAll('video')].some(v => v.readyState >= 2 || !v.paused)"
    )
    assert page.evaluate("[...document.querySelectorAll('video')].every(v => v.muted && v.loop)")

    submit = page.locator("#submit")
    assert submit.is_disabled()
    page.locator("#card-2 button.best").click()
    assert submit.is_disabled()  # a best alone is not an answer
    page.locator("#card-3 button.worst").click()
    assert submit.is_enabled()
    page.locator("#why").fill("2 stands up; 3 falls over at once.")
    submit.click()
    page.get_by_text("Thanks — the run continues").wait_for()

    ranking = future.result(timeout=10)
    assert ranking == Ranking(
        best="iter_0/cand_1",
        worst="iter_0/cand_2",
        why="2 stands up; 3 falls over at once.",
        source="human",
        queries=1,
    )


def test_keyboard_shortcuts_select_mark_and_submit(page, candidates) -> None:
    future, url = serve_in_thread(candidates)
    page.goto(url)
    wait_until(page, "document.querySelectorAll('.card').length === 3")
    for key in ["1", "w", "3", "b"]:
        page.keyboard.press(key)
    assert page.locator("#card-3").get_attribute("class").split().count("is-best") == 1
    assert "is-worst" in page.locator("#card-1").get_attribute("class")
    page.keyboard.press("3")
    page.keyboard.press("w")  # the best becomes the worst: best is cleared, submit disabled
    assert page.locator("#submit").is_disabled()
    for key in ["2", "b"]:
        page.keyboard.press(key)
    # Typing in the text box must not trigger shortcuts.
    page.locator("#why").click()
    page.keyboard.type("b w 1 2")
    page.keyboard.press("Escape")
    assert "is-best" in page.locator("#card-2").get_attribute("class")
    page.keyboard.press("Enter")
    page.get_by_text("Thanks — the run continues").wait_for()

    ranking = future.result(timeout=10)
    assert (ranking.best, ranking.worst, ranking.why) == (
        "iter_0/cand_1",
        "iter_0/cand_2",
        "b w 1 2",
    )


def test_single_candidate_is_both_best_and_worst(page, candidates) -> None:
    future, url = serve_in_thread(candidates[:1])
    page.goto(url)
    wait_until(page, "document.querySelectorAll('.card').length === 1")
    for key in ["1", "b", "Enter"]:
        page.keyboard.press(key)
    page.get_by_text("Thanks — the run continues").wait_for()
    ranking = future.result(timeout=10)
    assert (ranking.best, ranking.worst, ranking.order) == (
        "iter_0/cand_0",
        "iter_0/cand_0",
        ["iter_0/cand_0"],
    )


def test_videos_stop_before_the_answer_goes_and_return_if_it_is_refused(page, candidates):
    # The server stops once it has the answer: a video still loading then had its connection
    # reset (seen under load). The page unloads them before it posts.
    future, url = serve_in_thread(candidates)
    page.goto(url)
    wait_until(page, "document.querySelectorAll('video').length === 3")
    page.route("**/api/submit", lambda route: route.fulfill(
        status=400, content_type="application/json", body='{"error": "refused here"}'))
    page.expected_errors.append("status of 400 (Bad Request)")
    for key in ["1", "b", "2", "w", "Enter"]:
        page.keyboard.press(key)
    page.get_by_text("Not accepted: refused here").wait_for()
    wait_until(page, "[...document.querySelectorAll('video')].every(v => v.getAttribute('src'))")
    page.unroute("**/api/submit")
    posted = []
    page.on("request", lambda r: posted.append(page.evaluate(
        "[...document.querySelectorAll('video')].filter(v => v.getAttribute('src')).length"))
        if r.url.endswith("/api/submit") else None)
    page.keyboard.press("Enter")
    page.get_by_text("Thanks — the run continues").wait_for()
    assert posted == [0]  # no video was loading when the answer went
    assert (future.result(timeout=10).best, future.result().worst) == (
        "iter_0/cand_0", "iter_0/cand_1")


def test_page_shows_a_placeholder_for_a_missing_video(page, candidates) -> None:
    no_video = [*candidates[:2], RankingCandidate(id="crashed", label="Crashed", video=None)]
    with RankingPageServer(no_video, title="t") as server:
        page.goto(server.url)
        wait_until(page, "document.querySelectorAll('.card').length === 3")
        assert page.locator("video").count() == 2
        assert "no video" in page.locator("#card-3").inner_text()
        page.goto("about:blank")  # leave before the server stops: its videos loop on


# ---- the HTTP API ---------------------------------------------------------------------------


def test_direct_post_rejects_bad_answers_then_accepts_one(candidates) -> None:
    server = RankingPageServer(candidates, title="t").start()
    try:
        status, reply = post(server.url, {"best": "iter_0/cand_0", "worst": "iter_0/cand_0"})
        assert status == 400 and "pick two different candidates" in reply["error"]
        status, reply = post(server.url, {"best": "nope", "worst": "iter_0/cand_0"})
        assert status == 400 and "unknown best candidate 'nope'" in reply["error"]
        status, reply = post(server.url, ["not", "an", "object"])
        assert status == 400
        status, _ = post(server.url, {"best": "iter_0/cand_0"}, content_type="text/plain")
        assert status == 415
        answer = {"best": "iter_0/cand_2", "worst": "iter_0/cand_0", "why": "  steady  "}
        port = server.url.rsplit(":", 1)[1].strip("/")
        assert post(server.url, answer, origin="http://evil.example")[0] == 403
        assert post(server.url, answer, origin="http://localhost:1")[0] == 403
        assert post(server.url, answer, headers={"Host": "evil.example"})[0] == 421
        assert get(server.url, {"Host": f"rebound.example:{port}"})[0] == 421
        assert server.result is None
        with pytest.raises(TimeoutError, match="no ranking was submitted"):
            server.wait(0.05)

        # The same page opened as http://localhost:<port>/ is same-origin and may submit.
        assert post(server.url, answer, origin=f"http://localhost:{port}")[0] == 200
        assert server.wait(5) == Ranking(
            best="iter_0/cand_2", worst="iter_0/cand_0", why="steady", source="human", queries=1
        )
        assert post(server.url, answer)[0] == 409  # the first answer stands
    finally:
        server.stop()


def test_candidates_api_and_videos_with_range_requests(candidates) -> None:
    with pytest.warns(UserWarning, match="does not exist"):
        server = RankingPageServer(
            [
                *candidates,
                RankingCandidate(id="gone", label="Gone", video=Path("/nonexistent.mp4")),
            ],
            title="Title",
        )
    with server:
        status, _, body = get(server.url + "api/candidates")
        data = json.loads(body)
        assert status == 200 and data["title"] == "Title" and not data["submitted"]
        assert [c["video"] for c in data["candidates"]] == [
            "/video/0",
            "/video/1",
            "/video/2",
            None,
        ]
        size = candidates[0].video.stat().st_size
        status, headers, body = get(server.url + "video/0")
        assert status == 200 and headers["Content-Type"] == "video/mp4"
        assert headers["Accept-Ranges"] == "bytes" and len(body) == size
        assert body == candidates[0].video.read_bytes()
        status, headers, body = get(server.url + "video/0", {"Range": "bytes=0-99"})
        assert status == 206 and body == candidates[0].video.read_bytes()[:100]
        assert headers["Content-Range"] == f"bytes 0-99/{size}"
        status, headers, body = get(server.url + "video/0", {"Range": "bytes=-10"})
        assert status == 206 and len(body) == 10
        assert get(server.url + "video/0", {"Range": f"bytes={size}-"})[0] == 416
        assert get(server.url + "video/3")[0] == 404  # the missing file is not served
        assert get(server.url + "video/../../etc/passwd")[0] == 404
        status, headers, _ = get(server.url)
        assert status == 200 and "default-src 'self'" in headers["Content-Security-Policy"]


def test_timeout_raises_and_releases_the_port(candidates) -> None:
    urls: list[str] = []
    with pytest.raises(TimeoutError):
        serve_ranking_page(candidates, title="t", timeout_s=0.1, on_ready=urls.append)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(urls[0], timeout=2)


def test_only_loopback_addresses_are_allowed(candidates) -> None:
    with pytest.raises(ValueError, match="loopback"):
        RankingPageServer(candidates, title="t", host="0.0.0.0")
    with pytest.raises(RankingError, match="unique"):
        RankingPageServer([candidates[0], candidates[0]], title="t")


def test_page_assets_are_local_only() -> None:
    static = Path(__file__).parents[2] / "rewardsmith" / "feedback" / "static"
    for name in ["rank.html", "rank.js", "rank.css"]:
        text = (static / name).read_text()
        assert "http://" not in text and "https://" not in text, name


# ---- the data model -------------------------------------------------------------------------


def test_ranking_save_load_round_trip(tmp_path: Path) -> None:
    ranking = Ranking(best="a", worst="c", order=["a", "b", "c"], source="synthetic", queries=3)
    path = ranking.save(tmp_path / "iter_0" / "ranking.json")
    assert Ranking.load(path) == ranking
    path.write_text('{"best": "a"}')
    with pytest.raises(RankingError, match="is not a valid ranking"):
        Ranking.load(path)


def test_ranking_validation(candidates) -> None:
    with pytest.raises(ValueError, match="must differ unless there was only one"):
        Ranking(best="a", worst="a", source="human", queries=1)
    with pytest.raises(ValueError, match="order must run from best to worst"):
        Ranking(best="a", worst="b", order=["b", "a"], source="synthetic", queries=1)
    single = Ranking.from_choice(candidates[:1], "iter_0/cand_0", "iter_0/cand_0", source="human")
    assert single.order == ["iter_0/cand_0"]
    with pytest.raises(RankingError, match="unknown worst candidate"):
        Ranking.from_choice(candidates, "iter_0/cand_0", "x", source="human")
