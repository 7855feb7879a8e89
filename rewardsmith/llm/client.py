"""The one door to the LLM: chat with retries, accounting, budgets, a record and a cache.

Every component that talks to an LLM (designer, critic, analyzer, feedback) goes through
:class:`LLMClient.chat`, so a run's spending, its caps and its on-disk record are complete. A
transport (:mod:`rewardsmith.llm.transport`) sends each attempt: the official ``openai`` SDK
against OpenAI and any OpenAI-compatible server (vLLM, Ollama, llama.cpp server), or litellm
for other providers (Anthropic, Gemini, Bedrock, Azure, ...); retries, caps, cost accounting and
the record are the same for both, because they live here.

No bad reply gets past this door: a broken answer (an HTML page, JSON cut off, ``choices: null``,
a null message or content), a timeout or a reset connection is retried with backoff, every
attempt goes into the call's record, and what is left in the end is one :class:`LLMError` that
names the endpoint, the fault and the fix. A reply text longer than ``max_reply_chars`` is cut
where it enters, so nothing downstream (a repair prompt) sends megabytes back.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

from rewardsmith.llm.budget import check_budget
from rewardsmith.llm.config import LLMConfig
from rewardsmith.llm.errors import LLMError
from rewardsmith.llm.failures import ReplyFault, backoff_delay, fault_name, is_retryable, is_timeout
from rewardsmith.llm.litellm_transport import LiteLLMTransport
from rewardsmith.llm.record import RecordStore, build_record, cache_key, count, now_iso
from rewardsmith.llm.transport import ATTEMPT_ERRORS, Completion, OpenAITransport, Transport
from rewardsmith.llm.types import ChatRequest, HTTPResult, LLMReply, LLMTotals, LLMUsage
from rewardsmith.plain_text import plain_text

logger = logging.getLogger(__name__)


class LLMClient:
    """Chat with an LLM endpoint, counting, capping and recording every call.

    Thread-safe: the designer may ask for K candidates from several threads; at most
    ``config.max_concurrency`` HTTP requests are in flight at once.
    """

    def __init__(self, config: LLMConfig, record_dir: Path | None = None) -> None:
        """Index ``record_dir`` (if given) so earlier replies are served from the cache.

        The transport (and its HTTP client) is created on the first request that misses the
        cache, so a resumed run whose answers are all on disk needs no endpoint at all.
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
        self._transport: Transport | None = None
        self._server_max_n: int | None = None  # learned: most choices the server gives per call

    @property
    def totals(self) -> LLMTotals:
        """A snapshot of tokens, dollars, calls, cache hits and retries so far."""
        with self._lock:
            return dataclasses.replace(self._totals, notes=list(self._totals.notes))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._transport is not None:
            self._transport.close()

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
        transport = self._client()  # a missing endpoint is a config error, not a failed call
        started_at, t0 = now_iso(), time.monotonic()
        results: list[HTTPResult] = []
        attempts: list[dict[str, Any]] = []
        error: LLMError | None = None
        try:
            self._sample(req, results, attempts)
        except LLMError as exc:
            error = exc
        notes = self.totals.notes + [
            f"choice {cut['choice']} of a reply was {cut['chars']:,} characters; only the "
            f"first {self.config.max_reply_chars:,} (max_reply_chars) were kept"
            for r in results for cut in r.truncated]
        record = build_record(
            key=key,
            sample_key=req.sample_key,
            model=self.config.model,
            endpoint=self.config.endpoint(),
            transport=transport.name,
            request={
                "messages": req.messages,
                "n": req.n,
                "temperature": req.temperature,
                "max_tokens": req.max_tokens,
            },
            results=results,
            n=req.n,
            notes=notes,
            started_at=started_at,
            latency_s=time.monotonic() - t0,
            error=error,
            attempts=attempts,
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

    def _sample(self, req: ChatRequest, results: list[HTTPResult],
                attempts: list[dict[str, Any]]) -> None:
        """Collect ``req.n`` choices into ``results``, topping up when the server ignores ``n``.

        The first request asks for all ``n``; if fewer come back, the client remembers the most
        this server gives per request and sends the rest as parallel requests. Every HTTP
        attempt, failed or not, is appended to ``attempts`` for the record.
        """
        while (have := sum(len(r.texts) for r in results)) < req.n:
            need = req.n - have
            per_call = need if self._server_max_n is None else min(need, self._server_max_n)
            batch = [per_call] * (need // per_call) + ([need % per_call] if need % per_call else [])
            if len(batch) == 1:
                outcomes: list[HTTPResult | LLMError] = [
                    self._request(req, batch[0], attempts)]
            else:
                with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                    futures = [pool.submit(self._request, req, k, attempts) for k in batch]
                    outcomes = [_result_or_error(f) for f in futures]
            for outcome in outcomes:
                if isinstance(outcome, HTTPResult):
                    results.append(outcome)
            for outcome in outcomes:
                if isinstance(outcome, LLMError):
                    raise outcome
            for outcome in outcomes:
                got = len(outcome.texts)  # at least 1: parse_completion refuses no choices
                if got < outcome.n_asked:
                    self._learn_max_n(got, outcome.n_asked)

    def _request(self, req: ChatRequest, n: int, attempts: list[dict[str, Any]]) -> HTTPResult:
        """One logical HTTP request with our retry loop; raises :class:`LLMError` at the end.

        An attempt fails on an HTTP error, a refused or reset connection, a timeout, or a
        reply that is no chat completion (:class:`ReplyFault`). Transient failures are retried
        after an exponential backoff, up to ``max_retries`` times, of which at most
        ``timeout_retries`` after a timeout (each costs a whole ``timeout_s``). Each attempt is
        appended to ``attempts``.
        """
        cfg = self.config
        params = req.sdk_params(cfg.model, n)
        transport = self._client()
        t_start = time.monotonic()
        timeouts = 0
        for attempt in range(cfg.max_retries + 1):
            self._check_budget()
            fault: BaseException | None = None
            with self._sem:
                started_at, t0 = now_iso(), time.monotonic()
                with self._lock:
                    self._totals.http_calls += 1
                try:
                    completion = transport.send(params, n=n)
                except ATTEMPT_ERRORS as exc:
                    fault = exc
                latency = time.monotonic() - t0
            entry: dict[str, Any] = {"attempt": attempt, "n_asked": n, "started_at": started_at,
                                     "latency_s": round(latency, 4)}
            if fault is None:
                result = self._account(completion, n, latency, attempt)
                self._log_attempt(attempts, entry | {"outcome": "ok",
                                                     "n_returned": len(result.texts)})
                return result
            billed = self._account_fault(fault)
            timeouts += int(is_timeout(fault))
            retry = (is_retryable(fault) and attempt < cfg.max_retries
                     and not (is_timeout(fault) and timeouts > cfg.timeout_retries))
            delay = (backoff_delay(attempt, cfg.backoff_base_s, cfg.backoff_max_s, fault)
                     if retry else None)
            self._log_attempt(attempts, entry | billed | {
                "outcome": fault_name(fault),
                "status": getattr(fault, "status_code", None),
                "error": plain_text(fault, 300), "retry_in_s": round(delay, 3) if retry else None})
            if not retry:
                raise transport.to_llm_error(
                    fault, attempts=attempt + 1, elapsed_s=time.monotonic() - t_start) from None
            logger.warning(
                "LLM request to %s failed (%s); retry %d/%d in %.1fs",
                cfg.endpoint(),
                fault_name(fault),
                attempt + 1,
                cfg.max_retries,
                delay,
            )
            with self._lock:
                self._totals.retries += 1
            time.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _log_attempt(self, attempts: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        """Add one attempt to the call's list (parallel top-up requests share it)."""
        with self._lock:
            attempts.append(entry)

    def _account(self, completion: Completion, n: int, latency_s: float,
                 retries: int) -> HTTPResult:
        """Turn a checked completion into texts, usage and cost, and add them to the totals."""
        texts = completion.texts[:n]
        raw = completion.usage
        usage = LLMUsage(raw["prompt_tokens"], raw["completion_tokens"]) if raw else LLMUsage()
        estimate = self._client().cost(usage.prompt_tokens, usage.completion_tokens,
                                       completion.model)
        cost, note = estimate.cost_usd, estimate.note
        if raw is None:
            note = "the server reported no token usage: tokens and cost are counted as 0."
        for cut in completion.truncated:
            logger.warning("%s sent a reply of %d characters; kept the first %d "
                           "(max_reply_chars)", self.config.endpoint(), cut["chars"],
                           self.config.max_reply_chars)
        with self._lock:
            self._totals.prompt_tokens += usage.prompt_tokens
            self._totals.completion_tokens += usage.completion_tokens
            self._totals.cost_usd += cost
            if note and note not in self._totals.notes:
                self._totals.notes.append(note)
                logger.info("%s", note)
        return HTTPResult(texts, n, usage, cost, round(latency_s, 4), retries,
                          [c for c in completion.truncated if c["choice"] < n], estimate.source)

    def _account_fault(self, fault: BaseException) -> dict[str, Any]:
        """Count the tokens a broken reply still reported (it may have been billed).

        Returns:
            The tokens and cost for the attempt's record entry (empty when none were reported).
        """
        raw = fault.usage if isinstance(fault, ReplyFault) else None
        if not raw:
            return {}
        estimate = self._client().cost(raw["prompt_tokens"], raw["completion_tokens"])
        cost = estimate.cost_usd
        with self._lock:
            self._totals.prompt_tokens += raw["prompt_tokens"]
            self._totals.completion_tokens += raw["completion_tokens"]
            self._totals.cost_usd += cost
        return {"prompt_tokens": raw["prompt_tokens"],
                "completion_tokens": raw["completion_tokens"], "cost_usd": cost,
                "cost_source": estimate.source}

    def _reply_from_record(self, record: dict[str, Any]) -> LLMReply:
        """Serve a reply from disk; count it as a cache hit that cost nothing now."""
        with self._lock:
            self._totals.cache_hits += 1
        usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
        notes = record.get("notes") if isinstance(record.get("notes"), list) else []
        model = record.get("model")
        return LLMReply(
            texts=list(record["texts"]),  # RecordStore checked: a list of strings
            usage=LLMUsage(int(count(usage.get("prompt_tokens"))),
                           int(count(usage.get("completion_tokens")))),
            cost_usd=0.0,
            cached=True,
            model=model if isinstance(model, str) else self.config.model,
            record_path=Path(record["_path"]),
            notes=tuple(str(note) for note in notes),
        )

    def _check_budget(self) -> None:
        """Raise :class:`LLMBudgetExceeded` when a cap is already reached (before a request)."""
        with self._lock:
            spent = self._totals.prior_cost_usd + self._totals.cost_usd
            tokens = self._totals.prior_tokens + self._totals.total_tokens
        record_dir = self._store.record_dir if self._store is not None else None
        check_budget(self.config, spent, tokens, record_dir)

    def _client(self) -> Transport:
        """Create the transport on first use (a cache-only resume never needs one)."""
        with self._lock:
            if self._transport is None:
                self._transport = make_transport(self.config)
            return self._transport

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


def make_transport(config: LLMConfig) -> Transport:
    """The transport ``config`` asks for; litellm itself is imported only when it is chosen.

    Raises:
        LLMConfigError: nothing to send to, or litellm is chosen but not installed.
    """
    if config.resolved_backend() == "litellm":
        return LiteLLMTransport(config)
    return OpenAITransport(config)


def _result_or_error(future: Any) -> HTTPResult | LLMError:
    """Return a future's result, or its :class:`LLMError` so sibling results are kept."""
    try:
        return future.result()
    except LLMError as exc:
        return exc
