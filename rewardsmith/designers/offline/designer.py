"""The offline designer: K reward candidates per iteration without a language model.

Iteration 0 composes the sensible default reward for the task text (candidate 0) and varies its
optional terms and weights for the others. Later iterations treat the ranked history as a
cross-entropy-method population: the next centre is the rank-weighted (geometric) mean of the top
candidates' weights, terms found mostly in badly ranked candidates are dropped, and samples are
drawn around the centre. The score may be fitness or a rank derived from preferences; only the
order matters here. Plain-language feedback edits the centre through the keywords it understands.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.designers.offline.composer import Plan, TermChoice, compose, usable
from rewardsmith.designers.offline.feedback_edits import apply_feedback
from rewardsmith.designers.offline.program import read_header, render_source
from rewardsmith.designers.offline.terms import get_term, round_sig
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import parse_feedback, parse_task

_SEARCHABLE_IN_TASK = {"width", "sharpness", "offset"}  # a user-given speed or height stays put
# A component under this share of an episode's total reward magnitude paid nothing to speak of
# (the reflection reports it as "0% of the total magnitude").
SILENT_SHARE = 0.01


@dataclass
class CandidateOutcome:
    """What the loop learned about one earlier candidate (history is ranked best first).

    Attributes:
        source: the candidate's ``reward.py`` text (offline ones carry their recipe header).
        score: fitness, or a rank-derived preference score; None when it was never scored.
        failed: it broke in the critic, the smoke test or training.
        component_returns: mean episode return of each reward component.
    """

    source: str
    score: float | None
    failed: bool = False
    component_returns: dict[str, float] = field(default_factory=dict)


@dataclass
class Proposal:
    """One candidate reward: its source, its recipe, and why it was chosen."""

    source: str
    params: dict[str, Any]
    rationale: str


def _summary(terms: list[TermChoice]) -> str:
    return ", ".join(f"{t.name}={t.weight:g}" for t in terms)


class OfflineDesigner:
    """Composes rewards from the term library; deterministic given its seed and its inputs.

    Args:
        seed: seeds every random choice (with a digest of the inputs mixed in).
        sigma: standard deviation of the log-normal weight perturbations.
        elite_fraction: share of the scored history that forms the next centre.
        accept_approximation: compose the nearest reward for a request the vocabulary cannot
            fully express (the rationale names what was dropped) instead of refusing it.
    """

    name = "offline"

    def __init__(self, seed: int = 0, sigma: float = 0.4, elite_fraction: float = 0.5,
                 accept_approximation: bool = False):
        self.seed = int(seed)
        self.accept_approximation = bool(accept_approximation)
        self.sigma = float(sigma)
        self.elite_fraction = float(elite_fraction)

    def describe(self) -> str:
        """The line the CLI prints, so nobody mistakes this for an LLM."""
        return "offline designer (no LLM in use): composes rewards from a term library"

    def propose(self, task_text: str, description: EnvDescription | str, k: int,
                history: list[CandidateOutcome] | None = None,
                feedback_text: str | None = None) -> list[Proposal]:
        """Propose ``k`` distinct reward programs.

        Args:
            task_text: what the user asked for.
            description: the env description (or its env id); the only thing known of the env.
            k: number of candidates.
            history: earlier candidates ranked best first; empty or None on iteration 0.
            feedback_text: plain-language feedback on the latest rollouts, if any.

        Returns:
            ``k`` proposals whose sources differ from each other and from the history.

        Raises:
            OfflineDesignError: the request asks for something outside the vocabulary
                (:data:`~rewardsmith.designers.offline.composer.VOCABULARY`) and approximation
                was not accepted; the message lists what it understands.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if isinstance(description, str):
            from rewardsmith.envs.registry import get_description

            description = get_description(description)
        history = list(history or [])
        intent = parse_task(task_text, description)
        plan = compose(intent, description, task_text, self.accept_approximation)
        rng = self._rng(task_text, description.env_id, history, feedback_text)
        centre, notes, sigmas, extras = self._centre(plan, history, description)
        notes = plan.notes + notes
        if feedback_text:
            centre, fb_notes = apply_feedback(centre, parse_feedback(feedback_text, description),
                                              intent, description)
            notes += fb_notes
        seen = {h.source for h in history}
        proposals: list[Proposal] = []

        context = f" ({'; '.join(notes)})" if notes else ""

        def offer(terms: list[TermChoice], why: str) -> None:
            terms = usable(terms, description)
            if not terms or len(proposals) >= k:
                return
            source = render_source(terms, description.env_id)
            if source not in seen:
                seen.add(source)
                proposals.append(Proposal(source, read_header_dict(source), why + context))

        head = "refined centre" if history and sigmas else "default composition"
        offer(centre, f"{head}: {_summary(centre)}")
        if not (history and sigmas):
            minimal = [t for t in centre if t.role != "shaping"]
            offer(minimal, f"minimal: task terms and costs only: {_summary(minimal)}")
            rich = centre + extras
            offer(rich, f"with every optional term: {_summary(rich)}")
        for attempt in range(50 * k):
            if len(proposals) >= k:
                break
            widen = 1.0 + attempt / (5.0 * k)  # stuck on duplicates: search wider
            terms = self._sample(centre, extras, sigmas, rng, widen, anchor=attempt < 25 * k)
            offer(terms, f"sample around the centre: {_summary(terms)}")
        if len(proposals) < k:
            raise RuntimeError(f"could only make {len(proposals)} distinct rewards of {k}")
        return proposals

    def _rng(self, task_text: str, env_id: str, history: list[CandidateOutcome],
             feedback_text: str | None) -> np.random.Generator:
        payload = json.dumps([task_text, env_id, feedback_text,
                              [[h.source, h.score, h.failed] for h in history]])
        digest = int(hashlib.sha256(payload.encode()).hexdigest()[:12], 16)
        return np.random.default_rng([self.seed, digest])

    def _centre(self, plan: Plan, history: list[CandidateOutcome], description: EnvDescription
                ) -> tuple[list[TermChoice], list[str], dict[str, float], list[TermChoice]]:
        """The centre to sample around, notes, per-term log sigmas, and terms worth trying.

        With no usable history the centre is the default plan (empty sigmas). Otherwise the
        centre is the rank-weighted mean of the elite candidates (CEM).
        """
        parsed = []
        for h in history:
            recipe = read_header(h.source)
            if recipe is not None and recipe[0] == description.env_id:
                parsed.append((h, recipe[1]))
        scored = [(h, terms) for h, terms in parsed if not h.failed and h.score is not None]
        if not scored:
            why = ["no scored offline candidate in the history: starting over"] if history else []
            return [t.copy() for t in plan.terms], why, {}, plan.extras
        ranked = scored + [(h, terms) for h, terms in parsed if h.failed or h.score is None]
        n_elite = max(1, math.ceil(len(scored) * self.elite_fraction))
        raw = [math.log(n_elite + 0.5) - math.log(i + 1) for i in range(n_elite)]
        weights = [w / sum(raw) for w in raw]
        elites = [terms for _, terms in scored[:n_elite]]
        centre, sigmas, notes = [], {}, []
        order = list(dict.fromkeys(t.name for terms in elites for t in terms))
        for name in order:
            members = [(w, t) for w, terms in zip(weights, elites, strict=True)
                       for t in terms if t.name == name]
            if sum(w for w, _ in members) < 0.5:
                continue  # a term most of the elite mass does without
            best = members[0][1]
            members = [(w, t) for w, t in members if t.term == best.term]
            ws = np.array([w for w, _ in members])
            ws /= ws.sum()
            logs = np.array([math.log(max(t.weight, 1e-9)) for _, t in members])
            mean = float(ws @ logs)
            sigmas[name] = float(np.clip(math.sqrt(ws @ (logs - mean) ** 2), 0.15, 0.6))
            params = {p: float(ws @ np.array([t.params.get(p, v) for _, t in members]))
                      for p, v in best.params.items()}
            centre.append(best.copy(weight=math.exp(mean), params=params))
        notes.append(f"rank-weighted mean of the top {n_elite} of {len(scored)} scored")
        dropped = self._bad_terms(ranked, centre)
        if dropped:
            centre = [t for t in centre if t.name not in dropped]
            notes.append(f"dropped {', '.join(sorted(dropped))} (found in badly ranked ones)")
        notes += self._rebalance(centre, scored[0][0].component_returns)
        notes += self._widen_silent(centre, scored[0][0].component_returns)
        names = {t.name for t in centre} | dropped
        extras = [e for e in plan.extras + plan.terms if e.name not in names]
        return centre, notes, sigmas, list({e.name: e for e in extras}.values())

    @staticmethod
    def _bad_terms(ranked: list[tuple[CandidateOutcome, list[TermChoice]]],
                   centre: list[TermChoice]) -> set[str]:
        """Optional terms whose presence goes with clearly worse ranks (rank utility 1..-1)."""
        n = len(ranked)
        if n < 3:
            return set()
        utility = [1.0 - 2.0 * i / (n - 1) for i in range(n)]
        bad = set()
        for t in centre:
            if t.role == "task":
                continue
            present = [any(x.name == t.name for x in terms) for _, terms in ranked]
            has = [u for u, p in zip(utility, present, strict=True) if p]
            lacks = [u for u, p in zip(utility, present, strict=True) if not p]
            if has and lacks and np.mean(has) - np.mean(lacks) < -0.5:
                bad.add(t.name)
        return bad

    @staticmethod
    def _rebalance(centre: list[TermChoice], returns: dict[str, float]) -> list[str]:
        """Halve the costs when, in the best candidate, they outweigh what the task pays."""
        if not returns:
            return []
        task = sum(returns.get(t.name, 0.0) for t in centre if t.role == "task")
        cost = sum(abs(returns.get(t.name, 0.0)) for t in centre if t.role == "cost")
        if cost > abs(task) > 0 or (cost > 0 and task <= 0):
            for t in centre:
                if t.role == "cost":
                    t.weight = round_sig(t.weight * 0.5)
            return ["costs outweighed the task terms in the best candidate: costs halved"]
        return []

    @staticmethod
    def _widen_silent(centre: list[TermChoice], returns: dict[str, float]) -> list[str]:
        """Widen a bump-shaped task term that paid nothing in the best candidate.

        A bump around a target far from where training starts has no slope there: at rest, a
        3 m/s target with a 0.75 m/s tolerance pays exp(-16), about 1e-7, so no policy finds it
        and the shaping terms make the whole return (seen in a held-out run, #15). Doubling the
        tolerance was not enough there (1.5 m/s still pays 0.02 at rest, and four policies
        stayed still for 75k steps), so a speed bump's tolerance becomes at least the distance
        from rest to the target speed (exp(-1) at rest); a height bump's doubles. The bump
        still peaks at the asked target. A target speed composed today has the 'approach'
        shape, uphill from rest (:mod:`.terms`), and is left alone: only a 'bump' widens.
        """
        total = sum(abs(v) for v in returns.values())
        notes = []
        for t in centre:
            bump = (t.term == "target_speed" and t.options.get("shape") == "bump") or (
                t.term == "height" and t.options.get("shape", "gaussian") == "gaussian")
            if not bump or t.role != "task" or t.name not in returns or total <= 0:
                continue
            if abs(returns[t.name]) >= SILENT_SHARE * total:
                continue
            reach = abs(t.params["speed"]) if t.term == "target_speed" else 0.0
            width = get_term(t.term).params["width"].clip(
                round_sig(max(t.params["width"] * 2.0, reach)))
            if width > t.params["width"]:
                notes.append(f"{t.name} paid {abs(returns[t.name]) / total:.1%} of the best "
                             f"candidate's reward: its tolerance widened "
                             f"{t.params['width']:g} -> {width:g}")
                t.params["width"] = width
        return notes

    def _sample(self, centre: list[TermChoice], extras: list[TermChoice],
                sigmas: dict[str, float], rng: np.random.Generator, widen: float,
                anchor: bool) -> list[TermChoice]:
        """One candidate around the centre: log-normal weights, jittered params, term toggles."""
        terms = []
        for t in centre:
            if t.role == "shaping" and rng.random() < 0.15:
                continue
            fixed = t.role == "task" and anchor  # the task terms set the reward's scale
            sigma = sigmas.get(t.name, self.sigma) * widen
            weight = t.weight if fixed else t.weight * math.exp(rng.normal(0.0, sigma))
            terms.append(t.copy(weight=weight, params=self._jitter(t, rng, widen)))
        for e in extras:
            if rng.random() < 0.3:
                terms.append(e.copy(weight=e.weight * math.exp(rng.normal(0.0, self.sigma))))
        return terms

    @staticmethod
    def _jitter(t: TermChoice, rng: np.random.Generator, widen: float) -> dict[str, float]:
        spec = get_term(t.term).params
        out = dict(t.params)
        for name, value in t.params.items():
            if name not in spec or (t.role == "task" and name not in _SEARCHABLE_IN_TASK):
                continue
            p = spec[name]
            if p.low > 0:
                out[name] = p.clip(value * math.exp(rng.normal(0.0, 0.2 * widen)))
            else:
                out[name] = p.clip(value + rng.normal(0.0, 0.05 * widen * (p.high - p.low)))
        return out


def read_header_dict(source: str) -> dict[str, Any]:
    """The recipe of an offline source as plain JSON data (``{"env": ..., "terms": [...]}``)."""
    recipe = read_header(source)
    if recipe is None:
        return {}
    return {"env": recipe[0], "terms": [t.to_json() for t in recipe[1]]}


__all__ = ["CandidateOutcome", "OfflineDesigner", "Proposal", "read_header_dict"]
