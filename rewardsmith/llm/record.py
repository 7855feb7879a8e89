"""The on-disk record of every LLM call, which doubles as the reply cache.

A run's ``llm/`` folder holds one JSON file per :meth:`LLMClient.chat` call, named
``<seq>_<purpose>_<hash8>.json``: the request messages and parameters, the reply texts, usage,
cost and where its price came from, the transport (``openai`` or ``litellm``), latency and
timestamps. Reading the folder back gives a cache keyed by
:func:`cache_key`, so a resumed run that asks the same questions never pays twice, and a human
can read exactly what the LLM was told and answered.

Files are written with :func:`rewardsmith.safe_files.write_json` (a temporary name, fsync, rename),
so a crash never leaves a half-written record that a resume would trust.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile
from rewardsmith.llm.types import HTTPResult
from rewardsmith.safe_files import read_json, write_json

logger = logging.getLogger(__name__)

RECORD_VERSION = 1
_SEQ_RE = re.compile(r"^(\d+)_")


def cache_key(
    model: str,
    messages: list[dict[str, Any]],
    n: int,
    temperature: float,
    sample_key: str | None = None,
    max_tokens: int | None = None,
) -> str:
    """Return a stable SHA-256 hex digest identifying one request.

    ``sample_key`` lets a caller ask the same prompt several times and get distinct entries
    (e.g. ``"iter0/cand3"``); without it, an identical request is answered from the cache.
    """
    payload = {
        "model": model,
        "messages": messages,
        "n": n,
        "temperature": temperature,
        "sample_key": sample_key,
        "max_tokens": max_tokens,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def build_record(
    *,
    key: str,
    sample_key: str | None,
    model: str,
    endpoint: str,
    request: dict[str, Any],
    results: list[HTTPResult],
    n: int,
    notes: list[str],
    started_at: str,
    latency_s: float,
    error: BaseException | None,
    attempts: list[dict[str, Any]] | None = None,
    transport: str = "openai",
) -> dict[str, Any]:
    """Assemble the JSON record of one chat call from the HTTP requests it took.

    A failed call is recorded too (``status: "error"``) with whatever it already paid for, so a
    resume counts that spending, but it is never served from the cache. ``attempts`` holds one
    entry per HTTP attempt, failed ones included (``outcome`` is ``"ok"`` or the fault's name,
    e.g. ``"timeout"``, ``"html"``, ``"not_json"``, ``"no_content"``, ``"http_500"``), so the
    record shows what the endpoint did each time; tokens a broken reply still reported count.
    ``cost_source`` names where the prices came from (``"litellm"``, ``"rewardsmith-table"``,
    ``"config"``, ``"unknown"``; several joined by ``+``), or is None when nothing was billed.
    """
    attempts = list(attempts or [])
    failed = [a for a in attempts if a.get("outcome") != "ok"]
    prompt = sum(r.usage.prompt_tokens for r in results)
    prompt += sum(a.get("prompt_tokens", 0) for a in failed)
    completion = sum(r.usage.completion_tokens for r in results)
    completion += sum(a.get("completion_tokens", 0) for a in failed)
    sources = sorted({r.cost_source for r in results}
                     | {a["cost_source"] for a in failed if "cost_source" in a})
    return {
        "status": "ok" if error is None else "error",
        "error": None if error is None else str(error),
        "cache_key": key,
        "sample_key": sample_key,
        "model": model,
        "endpoint": endpoint,
        "transport": transport,
        "request": request,
        "texts": [t for r in results for t in r.texts][:n],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
        "cost_usd": sum(r.cost_usd for r in results) + sum(a.get("cost_usd", 0.0)
                                                             for a in failed),
        "cost_source": "+".join(sources) or None,
        "notes": list(notes),
        "latency_s": round(latency_s, 4),
        "started_at": started_at,
        "finished_at": now_iso(),
        "http_calls": [
            {
                "n_asked": r.n_asked,
                "n_returned": len(r.texts),
                "prompt_tokens": r.usage.prompt_tokens,
                "completion_tokens": r.usage.completion_tokens,
                "cost_usd": r.cost_usd,
                "cost_source": r.cost_source,
                "latency_s": r.latency_s,
                "retries": r.retries,
                "truncated_choices": r.truncated,
            }
            for r in results
        ],
        "attempts": attempts,
    }


def count(value: Any) -> float:
    """A token count or a cost from a record: 0 for anything that is not a finite number >= 0.

    Records are files a person (or a disk fault) may have changed; a resume must not stop on
    ``"cost_usd": "free"``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if 0 <= value < float("inf") else 0.0


def _cache_problem(record: dict[str, Any]) -> str | None:
    """Why a successful record cannot answer its request again, or None when it can."""
    texts = record.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return "its texts are not a list of strings"
    request = record.get("request")
    n = request.get("n") if isinstance(request, dict) else None
    if isinstance(n, int) and len(texts) < n:
        return f"it holds {len(texts)} texts for n={n}"
    return None


def now_iso() -> str:
    """Return the current UTC time as an ISO-8601 string, for records."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class RecordStore:
    """Writes call records into a folder and indexes the successful ones by cache key.

    Thread-safe: sequence numbers and the index are guarded by one lock, so parallel calls get
    distinct file names.
    """

    def __init__(self, record_dir: Path) -> None:
        """Create the folder if needed and index the records already in it."""
        self.record_dir = Path(record_dir)
        self.record_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, Any]] = {}
        self._next_seq = 0
        self.prior_cost_usd = 0.0
        self.prior_tokens = 0
        self._load()

    def _load(self) -> None:
        """Index existing records; skip (with a warning) files that are not valid records."""
        for path in sorted(self.record_dir.glob("*.json")):
            match = _SEQ_RE.match(path.name)
            if match:
                self._next_seq = max(self._next_seq, int(match.group(1)) + 1)
            try:
                record = read_json(path)
            except (CorruptRunFile, OSError) as exc:
                # A bad record is only a cache miss: the call is made (and paid) again, which
                # beats stopping a resume on a file nothing else depends on.
                logger.warning("ignoring an unreadable LLM record (its call is made again): %s",
                               exc)
                continue
            if not isinstance(record, dict):
                logger.warning("ignoring %s: it holds a JSON %s, not an LLM record (its call "
                               "is made again)", path, type(record).__name__)
                continue
            usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
            self.prior_cost_usd += count(record.get("cost_usd"))
            self.prior_tokens += int(count(usage.get("prompt_tokens")))
            self.prior_tokens += int(count(usage.get("completion_tokens")))
            if record.get("status") == "ok" and isinstance(record.get("cache_key"), str):
                problem = _cache_problem(record)
                if problem:
                    logger.warning("ignoring %s as a cached reply (%s); its call is made again",
                                   path, problem)
                    continue
                record["_path"] = str(path)
                self._index[record["cache_key"]] = record

    def __len__(self) -> int:
        """Return the number of cached (successful) records."""
        return len(self._index)

    def lookup(self, key: str) -> dict[str, Any] | None:
        """Return the successful record stored for ``key``, or ``None``."""
        with self._lock:
            return self._index.get(key)

    def write(self, record: dict[str, Any], purpose: str) -> Path:
        """Write ``record`` atomically under the next sequence number and index it if ok.

        Args:
            record: a JSON-serialisable dict with at least ``cache_key`` and ``status``.
            purpose: a short label ("designer", "critic") that goes into the file name.

        Returns:
            The path of the new file.
        """
        safe_purpose = re.sub(r"[^A-Za-z0-9-]+", "-", purpose).strip("-")[:40] or "call"
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
        name = f"{seq:05d}_{safe_purpose}_{record['cache_key'][:8]}.json"
        path = self.record_dir / name
        body = {"record_version": RECORD_VERSION, "seq": seq, "purpose": purpose, **record}
        write_json(path, body)
        if record.get("status") == "ok":
            with self._lock:
                self._index[record["cache_key"]] = {**body, "_path": str(path)}
        return path

