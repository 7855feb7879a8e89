"""The run directory: every file and folder name of a run, and the one way to write and read them.

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

Writes are atomic (:func:`write_bytes`: temp file in the same folder, fsync, rename), so a kill -9
never leaves half a file, and every step checks for its own output first, so
``rewardsmith resume`` never redoes work. :func:`read_json` is the one reader; its behaviour on
every kind of bad file is in its docstring.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import secrets
import stat
import time
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile, RewardsmithError

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

# The largest JSON file read_json accepts: run folders hold files written by sandboxed code, and
# the biggest legitimate one (a metrics.json with episode traces) is well under a megabyte.
MAX_JSON_BYTES = 32 << 20


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


# Writing -----------------------------------------------------------------------------------------
def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half.

    The bytes go to a new temp file in the same folder (same filesystem, so the rename is atomic),
    are fsynced, and the temp file is renamed over ``path``; then the folder is fsynced so the
    rename itself survives a power cut. On any failure, Ctrl-C included, the temp file is removed
    and ``path`` is untouched. A symlink at ``path`` is replaced, never followed.

    Args:
        path: the file to write; missing parent folders are created.
        data: the new content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_temp(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`write_bytes`).

    Values JSON has no type for are written as their ``str`` (paths, numpy scalars), non-ASCII
    text stays readable, and NaN is written as ``NaN`` (which :func:`read_json` reads back). A
    lone surrogate (from a decoded LLM reply) is written as its ``\\uXXXX`` escape, so the file is
    always valid UTF-8 and reads back to the same string.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"
    write_bytes(path, text.encode("utf-8", "backslashreplace"))


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new, empty temp file next to ``path`` (permissions as ``open()`` gives: 0o666 - umask)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(path.parent))


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; best effort (some filesystems refuse it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# Reading -----------------------------------------------------------------------------------------
def read_json(path: Path) -> Any:
    """Read a JSON file of a run: its value, None when it is missing, a clear error when bad.

    One behaviour for every caller, because "missing" means "this step has not run yet" (the
    caller runs it) while a bad file must not be mistaken for either:

    ======================================================  ======================================
    ``path`` is                                              result
    ======================================================  ======================================
    missing (or a parent folder is)                          ``None``
    a regular file holding valid UTF-8 JSON                  the parsed value (``NaN`` allowed)
    a file holding JSON ``null``                             ``None``, as if missing (never written)
    empty, truncated, not JSON, not UTF-8, nested too deep   :class:`CorruptRunFile`
    a folder, a FIFO, a device, a socket                     :class:`CorruptRunFile`
    a symlink (to anything, dangling included)               :class:`CorruptRunFile`
    larger than :data:`MAX_JSON_BYTES`                       :class:`CorruptRunFile`
    below a path component that is a file                    :class:`CorruptRunFile`
    unreadable for another reason (permissions, I/O)         the ``OSError``, unchanged
    ======================================================  ======================================

    Symlinks are not followed and the size is capped because run folders hold files written by
    sandboxed code: a planted link must not make rewardsmith read (and echo) a file elsewhere,
    and a huge file must not exhaust memory. Callers for which a bad file only means "redo this
    step" (the evaluator's resume records, the LLM cache) catch :class:`CorruptRunFile` and say
    so where they do.

    Raises:
        CorruptRunFile: the file exists but is not JSON rewardsmith could have written; the
            message names it and says how to recover.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        problem = _OPEN_PROBLEMS.get(exc.errno)
        if problem is None:
            raise
        raise CorruptRunFile(path, problem) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise CorruptRunFile(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise CorruptRunFile(path, "is not a regular file")
        if info.st_size > MAX_JSON_BYTES:
            raise CorruptRunFile(path, f"is {info.st_size:,} bytes, more than the "
                                       f"{MAX_JSON_BYTES:,} a run file may have")
        data = _read_at_most(fd, MAX_JSON_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_JSON_BYTES:  # it grew after fstat
        raise CorruptRunFile(path, f"is more than the {MAX_JSON_BYTES:,} bytes a run file may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptRunFile(path, f"is not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = "is empty" if not text.strip() else f"is not valid JSON ({exc.msg}: line " \
                                                   f"{exc.lineno}, column {exc.colno})"
        raise CorruptRunFile(path, what) from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5000 digits, [[[[...
        raise CorruptRunFile(path, f"is not JSON rewardsmith writes ({exc})") from exc


_OPEN_PROBLEMS = {
    errno.ELOOP: "is a symbolic link (rewardsmith never writes one and does not follow them in "
                 "a run folder)",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "has a file where its path needs a folder",
}


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(limit - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


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
