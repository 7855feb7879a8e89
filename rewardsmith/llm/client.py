"""The one door to the LLM: chat with retries, accounting, budgets, a record and a cache.

Every component that talks to an LLM (designer, critic, analyzer, feedback) goes through
:class:`LLMClient.chat`, so a run's spending, its caps and its on-disk record are complete. The
official ``openai`` SDK does the HTTP; it works against OpenAI and any OpenAI-compatible server
(vLLM, Ollama, llama.cpp server).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import openai

from rewardsmith.llm.budget import check_budget
from rewardsmith.llm.config import LLMConfig
from rewardsmith.llm.errors import LLMError
from rewardsmith.llm.pricing import estimate_cost
from rewardsmith.llm.record import RecordStore, build_record, cache_key, now_iso
from rewardsmith.llm.transport import (
    backoff_delay,
    is_retryable,
    make_sdk_client,
    to_llm_error,
)
from rewardsmith.llm.types import ChatRequest, HTTPResult, LLMReply, LLMTotals, LLMUsage

logger = logging.getLogger(__name__)


class LLMClient:
    """Chat with an OpenAI-compatible endpoint, counting, capping and recording every call.

    Thread-safe: the designer may ask for K candidates from several threads; at most
    ``config.max_concurrency`` HTTP requests are in flight at once.
    """

    def __init__(self, config: LLMConfig, record_dir: Path | None = None) -> None:
        """Index ``record_dir`` (if given) so earlier replies are served from the cache.

        The HTTP client is created on the first request that misses the cache, so a resumed run
        whose answers are all on disk needs no endpoint at all.
        """
        self.config = config
        self._store = RecordStore(record_dir) if record_dir is not None else None
        self._sem = threading.BoundedSemaphore(config.max_concurrency)
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._totals = LLMTotals()
        if self._store is not None:
            self._totals.prior_cost_usd = self._store.prior_cost_usd
            self._totals.prior_tokens = self._store.prior_tokens
        self._sdk: openai.OpenAI | None = None
        self._server_max_n: int | None = None  # learned: most choices the server gives per call
        self._price = config.price_override()

    @property
    def totals(self) -> LLMTotals:
        """A snapshot of tokens, dollars, calls, cache hits and retries so far."""
        with self._lock:
            return dataclasses.replace(self._totals, notes=list(self._totals.notes))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._sdk is not None:
            self._sdk.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def chat(
        self,
        messages: list[dict[str, str]],
        n: int = 1,
        temperature: float | None = None,
        purpose: str = "designer",
        sample_key: str | None = None,
        max_tokens: int | None = None,
    ) -> LLMReply:
        """Ask for ``n`` completions of ``messages``; serve them from the record if known.

        Args:
            messages: OpenAI chat messages, ``[{"role": "system"|"user"|..., "content": str}]``.
            n: samples wanted. Servers that ignore ``n`` are topped up with parallel requests.
            temperature: sampling temperature; ``config.temperature`` when ``None``.
            purpose: a label for the record file name ("designer", "critic", "analyzer").
            sample_key: makes an otherwise identical request a distinct cache entry, so the K
                samples for one prompt are not all answered by the first one.
            max_tokens: cap on completion tokens per sample, when set.

        Returns:
            The reply; ``reply.cached`` tells whether anything was sent.

        Raises:
            LLMBudgetExceeded: a cost or token cap was already reached.
            LLMConfigError: no endpoint or key is configured and the reply is not cached.
            LLMError: the endpoint failed after all retries.
        """
        temp = self.config.temperature if temperature is None else float(temperature)
        req = ChatRequest(messages, n, temp, max_tokens, sample_key)
        key = cache_key(self.config.model, messages, n, temp, sample_key, max_tokens)
        with self._key_lock(key):
            hit = self._store.lookup(key) if self._store is not None else None
            if hit is not None:
                return self._reply_from_record(hit)
            return self._fetch(req, purpose, key)

    def _fetch(self, req: ChatRequest, purpose: str, key: str) -> LLMReply:
        """Send the request(s), then record the outcome (success or failure) and count it."""
        self._check_budget()
        self._client()  # a missing endpoint is a config error, not a failed call to record
        started_at, t0 = now_iso(), time.monotonic()
        results: list[HTTPResult] = []
        error: LLMError | None = None
        try:
            self._sample(req, results)
        except LLMError as exc:
            error = exc
        record = build_record(
            key=key,
            sample_key=req.sample_key,
            model=self.config.model,
            endpoint=self.config.endpoint(),
            request={
                "messages": req.messages,
                "n": req.n,
                "temperature": req.temperature,
                "max_tokens": req.max_tokens,
            },
            results=results,
            n=req.n,
            notes=self.totals.notes,
            started_at=started_at,
            latency_s=time.monotonic() - t0,
            error=error,
        )
        path = self._store.write(record, purpose) if self._store is not None else None
        with self._lock:
            self._totals.calls += 1
            self._totals.failures += int(error is not None)
        if error is not None:
            raise error
        return LLMReply(
            texts=record["texts"],
            usage=LLMUsage(record["usage"]["prompt_tokens"], record["usage"]["completion_tokens"]),
            cost_usd=record["cost_usd"],
            cached=False,
            model=self.config.model,
            latency_s=record["latency_s"],
            record_path=path,
            notes=tuple(record["notes"]),
        )

    def _sample(self, req: ChatRequest, results: list[HTTPResult]) -> None:
        """Collect ``req.n`` choices into ``results``, topping up when the server ignores ``n``.

        The first request asks for all ``n``; if fewer come back, the client remembers the most
        this server gives per request and sends the rest as parallel requests.
        """
        while (have := sum(len(r.texts) for r in results)) < req.n:
            need = req.n - have
            per_call = need if self._server_max_n is None else min(need, self._server_max_n)
            batch = [per_call] * (need // per_call) + ([need % per_call] if need % per_call else [])
            if len(batch) == 1:
                outcomes: list[HTTPResult | LLMError] = [self._request(req, batch[0])]
            else:
                with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                    futures = [pool.submit(self._request, req, k) for k in batch]
                    outcomes = [_result_or_error(f) for f in futures]
            for outcome in outcomes:
                if isinstance(outcome, HTTPResult):
                    results.append(outcome)
            for outcome in outcomes:
                if isinstance(outcome, LLMError):
                    raise outcome
            for outcome in outcomes:
                got = len(outcome.texts)
                if got == 0:
                    raise LLMError(
                        f"The LLM endpoint {self.config.endpoint()} returned a reply with no "
                        f"choices for model {self.config.model!r}; check the server's logs.",
                        endpoint=self.config.endpoint(),
                    )
                if got < outcome.n_asked:
                    self._learn_max_n(got, outcome.n_asked)

    def _request(self, req: ChatRequest, n: int) -> HTTPResult:
        """One logical HTTP request with our retry loop; raises :class:`LLMError` at the end."""
        cfg = self.config
        params = req.sdk_params(cfg.model, n)
        sdk = self._client()
        last_exc: BaseException | None = None
        for attempt in range(cfg.max_retries + 1):
            self._check_budget()
            with self._sem:
                t0 = time.monotonic()
                with self._lock:
                    self._totals.http_calls += 1
                try:
                    response = sdk.chat.completions.create(**params)
                except openai.OpenAIError as exc:
                    last_exc = exc
                else:
                    return self._account(response, n, time.monotonic() - t0, attempt)
            if not is_retryable(last_exc) or attempt == cfg.max_retries:
                raise to_llm_error(
                    last_exc,
                    endpoint=cfg.endpoint(),
                    model=cfg.model,
                    timeout_s=cfg.timeout_s,
                    attempts=attempt + 1,
                ) from None
            delay = backoff_delay(attempt, cfg.backoff_base_s, cfg.backoff_max_s, last_exc)
            logger.warning(
                "LLM request to %s failed (%s); retry %d/%d in %.1fs",
                cfg.endpoint(),
                type(last_exc).__name__,
                attempt + 1,
                cfg.max_retries,
                delay,
            )
            with self._lock:
                self._totals.retries += 1
            time.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _account(self, response: Any, n: int, latency_s: float, retries: int) -> HTTPResult:
        """Turn an SDK response into texts, usage and cost, and add them to the totals."""
        texts = [(choice.message.content or "") for choice in response.choices][:n]
        raw = response.usage
        usage = LLMUsage(
            int(getattr(raw, "prompt_tokens", 0) or 0),
            int(getattr(raw, "completion_tokens", 0) or 0),
        )
        cost, note = estimate_cost(
            self.config.model, usage.prompt_tokens, usage.completion_tokens, self._price
        )
        if raw is None:
            note = "the server reported no token usage: tokens and cost are counted as 0."
        with self._lock:
            self._totals.prompt_tokens += usage.prompt_tokens
            self._totals.completion_tokens += usage.completion_tokens
            self._totals.cost_usd += cost
            if note and note not in self._totals.notes:
                self._totals.notes.append(note)
                logger.info("%s", note)
        return HTTPResult(texts, n, usage, cost, round(latency_s, 4), retries)

    def _reply_from_record(self, record: dict[str, Any]) -> LLMReply:
        """Serve a reply from disk; count it as a cache hit that cost nothing now."""
        with self._lock:
            self._totals.cache_hits += 1
        usage = record.get("usage") or {}
        return LLMReply(
            texts=list(record["texts"]),
            usage=LLMUsage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
            cost_usd=0.0,
            cached=True,
            model=record.get("model", self.config.model),
            record_path=Path(record["_path"]),
            notes=tuple(record.get("notes") or ()),
        )

    def _check_budget(self) -> None:
        """Raise :class:`LLMBudgetExceeded` when a cap is already reached (before a request)."""
        with self._lock:
            spent = self._totals.prior_cost_usd + self._totals.cost_usd
            tokens = self._totals.prior_tokens + self._totals.total_tokens
        record_dir = self._store.record_dir if self._store is not None else None
        check_budget(self.config, spent, tokens, record_dir)

    def _client(self) -> openai.OpenAI:
        """Create the SDK client on first use (a cache-only resume never needs one)."""
        with self._lock:
            if self._sdk is None:
                self._sdk = make_sdk_client(self.config)
            return self._sdk

    def _key_lock(self, key: str) -> threading.Lock:
        """One lock per cache key, so two identical requests in flight are paid only once."""
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _learn_max_n(self, got: int, asked: int) -> None:
        """Remember that the server gives at most ``got`` choices per request."""
        with self._lock:
            if self._server_max_n is None or got < self._server_max_n:
                self._server_max_n = got
                logger.info(
                    "%s returned %d choice(s) for n=%d; topping up with parallel requests",
                    self.config.endpoint(),
                    got,
                    asked,
                )


def _result_or_error(future: Any) -> HTTPResult | LLMError:
    """Return a future's result, or its :class:`LLMError` so sibling results are kept."""
    try:
        return future.result()
    except LLMError as exc:
        return exc
