"""PrefPPO baseline: PPO on a reward model learned from segment preferences.

Why this file exists: issue 6 compares our LLM preference loop with reward learning from
preferences (Christiano et al. 2017; B-Pref's PrefPPO; imitation's ``PreferenceComparisons``).
imitation 1.0.1 was tried first in a separate venv (torch 2.13.0 CPU, then ``imitation==1.0.1``):
it installs, but pins gymnasium 0.29.1 and stable-baselines3 2.2.1, whose registry has no
``HalfCheetah-v5`` / ``InvertedPendulum-v5`` (v4 at most) and whose API predates the one our
``CaptureState`` / ``VecRewardWrapper`` are written for. It cannot run on the same envs and
versions, so the same method is written here on our stack (gymnasium 1.x, SB3 2.9, MuJoCo v5):

* query schedule as in imitation: ``initial_frac`` of the queries up front, the rest spread over
  ``n_iterations`` rounds by a ``hyperbolic`` (default) or ``constant`` schedule;
* each round: random pairs of ``segment_length``-step segments from the agent's latest rollouts
  (from the untrained policy in round 0), labelled by :class:`SyntheticOracle` comparing the
  TRUE task fitness summed over each segment (the same teacher our loop uses), appended to the
  preference dataset; the reward model (MLP over raw obs + action) is retrained with the
  Bradley-Terry cross-entropy until it fits the labels (B-Pref's 97% rule); then PPO
  (our tuned hyperparameters, ``VecNormalize``) trains on the model's reward for a share of the
  budget.
* Differences from imitation, on purpose: every env step counts against the budget (imitation
  does not count the steps it samples outside ``agent.learn``), segments may overlap when the
  latest rollouts are too short for the queries asked, and no ensemble.
* Early termination (InvertedPendulum) biases a learned reward (always-negative reward teaches
  the agent to fall). imitation sidesteps it with seals' fixed-horizon envs; here a segment that
  hits a termination is padded with an absorbing state whose reward is one learned scalar
  (the true fitness counts those steps as 0, as the task's fitness does), and the agent is paid
  ``r(s, a) - r_absorb``, so ending the episode is worth exactly what the model says it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecEnvWrapper

SCHEDULES = {"constant": lambda t: 1.0, "hyperbolic": lambda t: 1.0 / (1.0 + t),
             "inverse_quadratic": lambda t: 1.0 / (1.0 + t * t)}


def query_schedule(total: int, n_iterations: int, initial_frac: float = 0.1,
                   kind: str = "hyperbolic") -> list[int]:
    """Queries per round, ``n_iterations + 1`` rounds, summing to ``total`` (imitation's rule)."""
    initial = int(total * initial_frac)
    weights = np.array([SCHEDULES[kind](t) for t in np.linspace(0, 1, n_iterations)])
    shares = weights / weights.sum() * (total - initial)
    rounded = np.floor(shares).astype(int)  # largest remainder, so the total is exact
    order = np.argsort(rounded - shares)[: (total - initial) - int(rounded.sum())]
    rounded[order] += 1
    return [initial, *rounded.tolist()]


class RewardModel(torch.nn.Module):
    """``r(obs, action)``, an MLP over standardised inputs, plus a learned absorbing reward."""

    def __init__(self, dim: int, hidden: tuple[int, ...] = (64, 64)):
        super().__init__()
        self.register_buffer("mu", torch.zeros(dim))
        self.register_buffer("sigma", torch.ones(dim))
        layers: list[torch.nn.Module] = []
        for width in hidden:
            layers += [torch.nn.Linear(dim, width), torch.nn.ReLU()]
            dim = width
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(dim, 1))
        self.absorb = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mu) / self.sigma).squeeze(-1)

    def segment_return(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Sum over a padded segment ``(N, L, d)``: model reward alive, ``absorb`` after the end."""
        return (self(x) * mask).sum(-1) + (1 - mask).sum(-1) * self.absorb


def train_reward_model(model: RewardModel, xa: np.ndarray, ma: np.ndarray, xb: np.ndarray,
                       mb: np.ndarray, labels: np.ndarray, max_epochs: int = 200,
                       target_accuracy: float = 0.97, batch_size: int = 32, lr: float = 1e-3,
                       seed: int = 0) -> dict[str, float]:
    """Bradley-Terry fit: ``P(a > b) = sigmoid(R(a) - R(b))`` against labels in {0, 0.5, 1}.

    Trains in epochs until the training accuracy reaches ``target_accuracy`` (B-Pref's rule),
    at most ``max_epochs``: imitation's fixed few epochs per round left the model barely fitted
    on small datasets, which would make the baseline look worse than it is.
    """
    alive = np.concatenate([xa[ma > 0], xb[mb > 0]])
    model.mu.copy_(torch.as_tensor(alive.mean(0), dtype=torch.float32))
    model.sigma.copy_(torch.as_tensor(alive.std(0) + 1e-6, dtype=torch.float32))
    t = [torch.as_tensor(v, dtype=torch.float32) for v in (xa, ma, xb, mb, labels)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    n, decided = len(labels), labels != 0.5

    def accuracy() -> float:
        with torch.no_grad():
            diff = (model.segment_return(t[0], t[1]) - model.segment_return(t[2], t[3])).numpy()
        return float(np.mean((diff[decided] > 0) == (labels[decided] == 1))) \
            if decided.any() else 1.0

    acc, epoch, loss = accuracy(), 0, torch.zeros(())
    while epoch < max_epochs and (epoch == 0 or acc < target_accuracy):
        for idx in torch.randperm(n, generator=gen).split(batch_size):
            logits = model.segment_return(t[0][idx], t[1][idx]) \
                - model.segment_return(t[2][idx], t[3][idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, t[4][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        epoch += 1
        acc = accuracy()
    return {"loss": loss.item(), "train_accuracy": acc, "epochs": epoch}


class LearnedRewardVecEnv(VecEnvWrapper):
    """Pay the agent the model's reward; record (obs+action, true per-step fitness, ends).

    The wrapped env's reward must be the task's per-step fitness (see :func:`run_prefppo`); it is
    kept only in the recording, which the preference queries are drawn from.
    """

    def __init__(self, venv, model: RewardModel):
        super().__init__(venv)
        self.model, self.shift, self.scale = model, 0.0, 1.0
        self._obs: np.ndarray | None = None
        self.clear()

    def clear(self) -> None:
        self.x, self.fit, self.term, self.end = [], [], [], []

    def reset(self):
        if self.end:  # the stream is cut here: what was running counts as truncated
            self.end[-1] = np.ones_like(self.end[-1])
        self._obs = self.venv.reset()
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._act = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        self.venv.step_async(actions)

    def step_wait(self):
        obs, fitness, dones, infos = self.venv.step_wait()
        x = np.concatenate([self._obs, self._act], axis=1).astype(np.float32)
        with torch.no_grad():
            r = self.model(torch.as_tensor(x)).numpy()
        truncated = np.array([bool(i.get("TimeLimit.truncated", False)) for i in infos])
        self.x.append(x)
        self.fit.append(np.asarray(fitness, dtype=np.float64))
        self.term.append(dones & ~truncated)
        self.end.append(dones.copy())
        self._obs = obs
        return obs, ((r - self.shift) / self.scale).astype(np.float32), dones, infos

    def recording(self) -> tuple[np.ndarray, ...]:
        """``(x, fitness, terminated, ended)`` stacked as ``(T, n_envs, ...)``."""
        return tuple(np.stack(v) for v in (self.x, self.fit, self.term, self.end))


def sample_segment_pairs(x: np.ndarray, fit: np.ndarray, term: np.ndarray, end: np.ndarray,
                         n_pairs: int, length: int, rng: np.random.Generator) -> dict:
    """Random segment pairs from a recording, never crossing an episode boundary.

    A segment either has ``length`` steps in one episode, or reaches a termination and is padded
    (mask 0, fitness 0) from there. Returns padded features, masks and true fitness sums.
    """
    steps, n_envs = end.shape
    next_end = np.empty((steps, n_envs), dtype=int)
    cur = np.full(n_envs, steps - 1)
    for t in range(steps - 1, -1, -1):
        cur = np.where(end[t], t, cur)
        next_end[t] = cur
    terminal = term[next_end, np.arange(n_envs)]
    span = next_end - np.arange(steps)[:, None] + 1
    valid = np.argwhere((span >= length) | terminal)
    if len(valid) == 0:
        raise ValueError(f"no {length}-step segment in a recording of {steps} steps")
    pick = valid[rng.integers(len(valid), size=2 * n_pairs)]
    t0, env = pick[:, 0], pick[:, 1]
    seg_len = np.minimum(span[t0, env], length)
    offsets = np.arange(length)
    idx = np.minimum(t0[:, None] + offsets, steps - 1)
    mask = (offsets < seg_len[:, None]).astype(np.float32)
    feats = x[idx, env[:, None]] * mask[..., None]
    fitness = (fit[idx, env[:, None]] * mask).sum(1)
    return {"x": feats.reshape(n_pairs, 2, length, -1), "mask": mask.reshape(n_pairs, 2, length),
            "fitness": fitness.reshape(n_pairs, 2)}


@dataclass
class PrefPPOConfig:
    """The baseline's knobs (imitation's names where they exist)."""

    steps: int
    queries: int
    segment_length: int = 50
    n_iterations: int = 10
    initial_frac: float = 0.1
    schedule: str = "hyperbolic"
    max_epochs: int = 200
    target_accuracy: float = 0.97
    seed: int = 0
    n_envs: int = 4
    n_eval_episodes: int = 4
    algo_kwargs: dict[str, Any] | None = None


def run_prefppo(task: Any, cfg: PrefPPOConfig, oracle: Any = None, log=print) -> dict[str, Any]:
    """Train one PPO policy on a preference-learned reward; return queries, fitness, history."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import Logger
    from stable_baselines3.common.vec_env import VecNormalize

    from rewardsmith.envs.registry import get_task
    from rewardsmith.feedback.oracle import SyntheticOracle
    from rewardsmith.rl.evaluation import evaluate_policy
    from rewardsmith.rl.hyperparams import NORMALIZE, hyperparams
    from rewardsmith.rl.make_env import make_vec_env
    from rewardsmith.rl.wrappers import VecRewardWrapper

    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    task = get_task(task) if isinstance(task, str) else task
    oracle = oracle or SyntheticOracle(seed=cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    t_start = time.perf_counter()

    def fitness_program(state, action, next_state):
        f = np.asarray(task.fitness(state, action, next_state), dtype=np.float64)
        return f, {"fitness": f}

    base = VecRewardWrapper(make_vec_env(task.env_id, cfg.n_envs, cfg.seed, task.env_kwargs),
                            fitness_program)
    dim = base.observation_space.shape[0] + base.action_space.shape[0]
    reward_model = RewardModel(dim)
    learned = LearnedRewardVecEnv(base, reward_model)
    params = hyperparams("ppo", task.env_id, task.algo_kwargs, cfg.algo_kwargs)
    venv = VecNormalize(learned, gamma=params.get("gamma", 0.99), **NORMALIZE)
    agent = PPO("MlpPolicy", venv, seed=cfg.seed, verbose=0, device="cpu", **params)
    agent.set_logger(Logger(None, []))  # SB3's default makes an empty /tmp/SB3-<date> per learn()

    schedule = query_schedule(cfg.queries, cfg.n_iterations, cfg.initial_frac, cfg.schedule)
    rollout = agent.n_steps * cfg.n_envs
    init_steps = min(2 * cfg.segment_length * max(schedule[0], 1), cfg.steps // 10)
    init_steps = max(init_steps // cfg.n_envs, cfg.segment_length) * cfg.n_envs
    per_round, extra = divmod(max((cfg.steps - init_steps) // rollout, 1), len(schedule))
    chunks = [max(per_round + (i >= len(schedule) - extra), 1) * rollout
              for i in range(len(schedule))]  # whole PPO rollouts; the remainder goes last
    obs = venv.reset()
    for _ in range(init_steps // cfg.n_envs):  # round 0 queries the untrained policy's segments
        obs = venv.step(agent.predict(obs, deterministic=False)[0])[0]

    labelled: list[tuple[np.ndarray, np.ndarray, float]] = []  # (x, mask, answer) per pair
    asked, history = 0, []
    for i, n_pairs in enumerate(schedule):
        rec = learned.recording()
        if n_pairs:
            pairs = sample_segment_pairs(*rec, n_pairs, cfg.segment_length, rng)
            for x, mask, (fa, fb) in zip(pairs["x"], pairs["mask"], pairs["fitness"],
                                         strict=True):
                asked += 1
                answer = oracle.compare(float(fa), float(fb))
                if answer is not None:
                    labelled.append((x, mask, answer))
        answered, fit_stats = len(labelled), {}
        if labelled:
            x, mask, labels = (np.stack(v) for v in zip(*labelled, strict=True))
            fit_stats = train_reward_model(
                reward_model, x[:, 0], mask[:, 0], x[:, 1], mask[:, 1],
                labels.astype(np.float32), cfg.max_epochs, cfg.target_accuracy,
                seed=cfg.seed + i)
        with torch.no_grad():  # pay r - r_absorb, scaled to unit std on the latest rollouts
            xs = torch.as_tensor(rec[0].reshape(-1, dim))
            r_pred = reward_model(xs).numpy()
        learned.shift = reward_model.absorb.item()
        learned.scale = float(np.std(r_pred)) + 1e-8
        corr = float(np.corrcoef(r_pred, rec[1].ravel())[0, 1]) if np.std(rec[1]) > 0 else None
        learned.clear()
        agent.learn(chunks[i], reset_num_timesteps=i == 0)
        result = evaluate_policy(
            lambda o: agent.predict(o, deterministic=True)[0], task.env_id, fitness_program,
            fitness_fn=task.fitness, success_threshold=task.success_threshold,
            env_kwargs=task.env_kwargs, n_episodes=cfg.n_eval_episodes, seed=cfg.seed + 10_000,
            normalize_obs=venv.normalize_obs)
        history.append({"round": i, "queries": asked, "answered": answered,
                        "env_steps": init_steps + agent.num_timesteps,
                        "fitness": result.fitness_mean, "reward_fitness_corr": corr,
                        **fit_stats})
        log(f"  round {i}: queries {asked:5d}  steps {history[-1]['env_steps']:7d}  "
            f"fitness {result.fitness_mean:.3f}  acc {fit_stats.get('train_accuracy', 0):.2f}  "
            f"corr {corr if corr is None else round(corr, 2)}")
    venv.close()
    final = history[-1]["fitness"]
    return {"task": task.id, "seed": cfg.seed, "queries": asked, "answered": answered,
            "schedule": schedule, "segment_length": cfg.segment_length, "budget": cfg.steps,
            "env_steps": history[-1]["env_steps"], "fitness": final,
            "success": bool(final >= task.success_threshold),
            "threshold": task.success_threshold, "oracle": oracle.describe(),
            "wall_s": round(time.perf_counter() - t_start, 1), "history": history}
