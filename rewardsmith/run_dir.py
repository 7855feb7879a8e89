"""The run directory: every file and folder name of a run.

A design run is a folder that says everything it did (DESIGN.md). This module is the single
source of its layout: the other modules join the names below instead of spelling
``"metrics.json"`` themselves, so a name changes in one place and ``tests/test_run_dir.py``
fails when a literal spreads again. The layout, with who writes each file::

    runs/<time>-<name>/                  RunDir.create
        run.json          RUN_JSON          task, config, versions (run.api)
        fitness.py        FITNESS_PY        the written success measure, when no built-in one fits
        fitness.json      FITNESS_JSON      its threshold, who wrote it, its trial (run.fitness)
        state.json        STATE_JSON        best so far, its history, success (run.best)
        events.log        EVENTS_LOG        the run's events, one JSON object a line
        report.html       REPORT_HTML       ``rewardsmith report`` (results.report)
        llm/              LLM_DIR           one JSON file per LLM call (llm.record owns the names)
        best/             BEST_DIR          BEST_ARTIFACTS of the winner, report.md, README.md
        iter_<i>/         RunDir.iteration  one iteration = one evaluation folder
            candidates.json   CANDIDATES_JSON   every draft's fate (designers.candidates)
            halving.json      HALVING_JSON      successive halving's decisions (evaluator)
            report.json       REPORT_JSON       the evaluation's ranking and results (evaluator)
            events.log        EVENTS_LOG        the evaluation's events (evaluator.live)
            ranking_request.json, ranking.json  a preference query and its answer (feedback)
            feedback.md       FEEDBACK_MD       what the next prompt is told (run.loop)
            summary.json      SUMMARY_JSON      written last: the iteration is done (run.loop)
            refine.json       REFINE_JSON       ``rewardsmith refine``'s request (run.refine)
            cand_<j>/         RunDir.candidate  one candidate
                reward.py, candidate.json, critic.json, smoke_<k>/   (designers.candidates)
                status.json, rung_<r>.json, metrics.json, analysis.json,
                policy_weights.pt, vecnormalize.json, video.mp4   (evaluator)
                sandbox/rung_<r>/   the job's own folder: policy.zip, vecnormalize.pkl (pickles)

The files are written and read with :mod:`rewardsmith.safe_files`: writes are atomic
(:func:`~rewardsmith.safe_files.write_bytes`: temp file in the same folder, fsync, rename), so a
kill -9 never leaves half a file, and every step checks for its own output first, so
``rewardsmith resume`` never redoes work. :func:`~rewardsmith.safe_files.read_json` is the one
reader; its behaviour on every kind of bad file is in its docstring.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.safe_files import MAX_JSON_BYTES  # noqa: F401 - benchmarks read it from here

# The run's root ---------------------------------------------------------------------------------
RUN_JSON = "run.json"  # task, config, versions, start time; RunDir.open's marker (run.api)
FITNESS_PY = "fitness.py"  # a written success measure (compute_fitness), fixed for the run
FITNESS_JSON = "fitness.json"  # its threshold, origin, doc and smoke-test statistics (run.fitness)
STATE_JSON = "state.json"  # best so far, its history, re-evaluation, success (run.best)
EVENTS_LOG = "events.log"  # events as JSON lines, in the root and in each evaluation folder
REPORT_HTML = "report.html"  # the offline HTML page of ``rewardsmith report`` (results.report)
LLM_DIR = "llm"  # one JSON record per LLM call, also the reply cache (llm.record)
BEST_DIR = "best"  # the winning reward and its artifacts (run.best)
BEST_REPORT_MD = "report.md"  # in best/: what won and how well (run.best)

# An iteration: iter_<i>/ (in a design run), the same layout as any evaluator out_dir ------------
ITERATION_PREFIX = "iter_"
CANDIDATES_JSON = "candidates.json"  # every draft's fate before training (designers.candidates)
HALVING_JSON = "halving.json"  # successive halving's recorded decisions, for resume (evaluator)
REPORT_JSON = "report.json"  # the evaluation's ranking, results, best re-eval (evaluator)
RANKING_REQUEST_JSON = "ranking_request.json"  # a preference query waiting (feedback.sources)
RANKING_JSON = "ranking.json"  # the preference answer (feedback.ranking, ``rewardsmith rank``)
FEEDBACK_MD = "feedback.md"  # the feedback text the next iteration's prompt gets (run.loop)
SUMMARY_JSON = "summary.json"  # written last: the iteration is done (run.loop)
REFINE_JSON = "refine.json"  # ``rewardsmith refine``'s sentence and prompt (run.refine)

# A candidate: iter_<i>/cand_<j>/ (in a design run), <out_dir>/<id>/ for the evaluator ------------
CANDIDATE_PREFIX = "cand_"
REWARD_PY = "reward.py"  # the reward program (designers.candidates, evaluator)
CANDIDATE_JSON = "candidate.json"  # accepted or rejected, the repair attempts (designers)
CRITIC_JSON = "critic.json"  # the critic's last verdict (designers.candidates)
STATUS_JSON = "status.json"  # the evaluator's resume record: state, rungs, fingerprint
METRICS_JSON = "metrics.json"  # everything about the training, merged (evaluator; rl.training)
ANALYSIS_JSON = "analysis.json"  # the re-evaluation with per-episode traces (evaluator)
POLICY_ZIP = "policy.zip"  # the SB3 policy: a pickle, load it only in the sandbox (rl.training)
VECNORMALIZE_PKL = "vecnormalize.pkl"  # observation statistics: a pickle too (rl.training)
POLICY_WEIGHTS_PT = "policy_weights.pt"  # the policy's tensors only: safe to load (rl.safe_policy)
VECNORMALIZE_JSON = "vecnormalize.json"  # observation statistics as plain JSON (rl.safe_policy)
VIDEO_MP4 = "video.mp4"  # a rollout of the final policy (rl.video)
TENSORBOARD_DIR = "tensorboard"  # a training's TensorBoard logs (rl.training)
SANDBOX_DIR = "sandbox"  # the untrusted jobs' folders; read back only as bounded data
BEST_README_MD = "README.md"  # in best/: which files are safe to load, which are not (run.best)

# The policy in a form that loads without running code (rl.safe_policy.load_safe_policy).
SAFE_POLICY_FILES = (POLICY_WEIGHTS_PT, VECNORMALIZE_JSON)
# What a training leaves, copied from the sandbox into the candidate's folder (evaluator); the
# pickles (POLICY_ZIP, VECNORMALIZE_PKL) stay in the job's folder, sandbox/rung_<r>/.
TRAINING_ARTIFACTS = (*SAFE_POLICY_FILES, VIDEO_MP4)
# What ``best/`` gets from the winning candidate's folder (run.best).
BEST_ARTIFACTS = (REWARD_PY, *TRAINING_ARTIFACTS, METRICS_JSON)

def rung_json(r: int) -> str:
    """``rung_<r>.json``: a trusted copy of the metrics rung ``r`` trained to (evaluator)."""
    return f"rung_{r}.json"


def rung_dir(r: int) -> str:
    """``rung_<r>``: the sandbox job folder of rung ``r``, inside :data:`SANDBOX_DIR`."""
    return f"rung_{r}"


def smoke_dir(attempt: int) -> str:
    """``smoke_<k>``: the sandbox folder of the critic's smoke test of attempt ``k``."""
    return f"smoke_{attempt}"


def iteration_name(i: int) -> str:
    """``iter_<i>``: the folder name of iteration ``i``."""
    return f"{ITERATION_PREFIX}{i}"


def candidate_id(j: int) -> str:
    """``cand_<j>``: candidate ``j``'s id, which is also its folder name."""
    return f"{CANDIDATE_PREFIX}{j}"


def candidate_index(cid: str) -> int:
    """``j`` of a ``cand_<j>`` id (the inverse of :func:`candidate_id`)."""
    return int(cid.removeprefix(CANDIDATE_PREFIX))


def versions() -> dict[str, str]:
    """Versions of what produced the run, for ``run.json``."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("rewardsmith", "gymnasium", "mujoco", "stable-baselines3", "torch", "openai",
                 "numpy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


class RunDir:
    """Paths inside one run directory (the file names are this module's constants)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def create(cls, runs_dir: str | Path, name: str) -> RunDir:
        """A new run folder ``<runs_dir>/<time>-<name>``."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root = Path(runs_dir) / f"{stamp}-{name}"
        suffix = 1
        while root.exists():
            suffix += 1
            root = Path(runs_dir) / f"{stamp}-{name}-{suffix}"
        root.mkdir(parents=True)
        return cls(root)

    @classmethod
    def open(cls, root: str | Path) -> RunDir:
        """An existing run; a clear error when it is not one."""
        run = cls(root)
        if not run.run_json.is_file():
            raise RewardsmithError(f"{root} is not a rewardsmith run (no {RUN_JSON})")
        return run

    # the root --------------------------------------------------------------------------------
    @property
    def run_json(self) -> Path:
        """Task, configuration and versions."""
        return self.root / RUN_JSON

    @property
    def fitness_py(self) -> Path:
        """``fitness.py``: the written success measure (absent when a built-in task scores)."""
        return self.root / FITNESS_PY

    @property
    def fitness_json(self) -> Path:
        """``fitness.json``: the written fitness's threshold, origin and smoke test."""
        return self.root / FITNESS_JSON

    @property
    def state_json(self) -> Path:
        """The loop's progress: finished iterations and the best so far."""
        return self.root / STATE_JSON

    @property
    def llm_dir(self) -> Path:
        """Every LLM request and reply."""
        return self.root / LLM_DIR

    @property
    def log_file(self) -> Path:
        """Events of the whole run, one JSON object per line."""
        return self.root / EVENTS_LOG

    @property
    def report_html(self) -> Path:
        """Where ``rewardsmith report`` writes its page by default."""
        return self.root / REPORT_HTML

    # best/ -----------------------------------------------------------------------------------
    @property
    def best_dir(self) -> Path:
        """The winning reward, its policy and a report."""
        return self.root / BEST_DIR

    @property
    def best_reward(self) -> Path:
        """``best/reward.py``: the winning reward program."""
        return self.best_dir / REWARD_PY

    @property
    def best_report(self) -> Path:
        """``best/report.md``: what won, how well, how the best changed."""
        return self.best_dir / BEST_REPORT_MD

    # iterations ------------------------------------------------------------------------------
    def iteration(self, i: int) -> Path:
        """Folder of iteration ``i`` (the evaluator's ``out_dir`` for that iteration).

        Raises:
            CorruptRunFile: the folder is a symbolic link (a resume would write through it).
        """
        return _not_a_link(self.root / iteration_name(i))

    def candidates_json(self, i: int) -> Path:
        """``iter_<i>/candidates.json``: every draft of iteration ``i`` and its fate."""
        return self.iteration(i) / CANDIDATES_JSON

    def report_json(self, i: int) -> Path:
        """``iter_<i>/report.json``: the evaluation of iteration ``i``."""
        return self.iteration(i) / REPORT_JSON

    def ranking_request_json(self, i: int) -> Path:
        """``iter_<i>/ranking_request.json``: a preference query waiting for an answer."""
        return self.iteration(i) / RANKING_REQUEST_JSON

    def ranking_json(self, i: int) -> Path:
        """``iter_<i>/ranking.json``: the preference answer of iteration ``i``."""
        return self.iteration(i) / RANKING_JSON

    def feedback_md(self, i: int) -> Path:
        """``iter_<i>/feedback.md``: the feedback iteration ``i`` gives the next prompt."""
        return self.iteration(i) / FEEDBACK_MD

    def summary_json(self, i: int) -> Path:
        """``iter_<i>/summary.json``: present once iteration ``i`` is done."""
        return self.iteration(i) / SUMMARY_JSON

    def refine_json(self, i: int) -> Path:
        """``iter_<i>/refine.json``: a ``rewardsmith refine`` request for iteration ``i``."""
        return self.iteration(i) / REFINE_JSON

    # candidates ------------------------------------------------------------------------------
    def candidate(self, i: int, j: int) -> Path:
        """Folder of candidate ``j`` of iteration ``i`` (its files: the ``*_JSON`` constants,
        :data:`REWARD_PY`, :data:`TRAINING_ARTIFACTS`)."""
        return _not_a_link(self.iteration(i) / candidate_id(j))

    def iterations(self) -> list[int]:
        """Iterations that have a folder, in order."""
        return _indices(self.root, ITERATION_PREFIX)

    def candidates(self, i: int) -> list[int]:
        """Candidates of iteration ``i`` that have a folder, in order."""
        return _indices(self.iteration(i), CANDIDATE_PREFIX)


def _not_a_link(folder: Path) -> Path:
    """``folder``, unless it is a symbolic link: rewardsmith writes there, never through a link."""
    if folder.is_symlink():
        raise CorruptRunFile(folder, "is a symbolic link; rewardsmith writes into this folder and "
                                     "never follows a link out of a run")
    return folder


def _indices(folder: Path, prefix: str) -> list[int]:
    """The ``<n>`` of the ``<prefix><n>`` folders in ``folder``, sorted; other names ignored."""
    # A symlinked folder is not the run's (a resume would write through it); "iter_01" is not
    # iteration 1 (two folders would claim it).
    found = [p.name.removeprefix(prefix) for p in folder.glob(f"{prefix}*")
             if p.is_dir() and not p.is_symlink()]
    return sorted(int(n) for n in found if n.isdigit() and str(int(n)) == n)
