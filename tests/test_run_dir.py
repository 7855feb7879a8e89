"""The run directory's one writer, one reader and one list of names (rewardsmith.run_dir)."""

from __future__ import annotations

import ast
import errno
import json
import math
import os
from pathlib import Path

import pytest

from rewardsmith import run_dir, safe_files
from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.evaluator.candidate_dir import read_record
from rewardsmith.feedback.ranking import Ranking
from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import read_json, write_bytes, write_json, write_text

PACKAGE = Path(run_dir.__file__).parent


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---- the writer ---------------------------------------------------------------------------------


def test_written_json_reads_back_the_same_with_non_ascii_nan_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / run_dir.METRICS_JSON
    write_json(path, {"text": "café ✓", "nan": float("nan"), "path": Path("/x"),
                      "lone": "\ud800"})
    back = read_json(path)
    assert back["text"] == "café ✓" and back["path"] == "/x" and back["lone"] == "\ud800"
    assert math.isnan(back["nan"])
    assert "café" in path.read_text(encoding="utf-8")  # readable, not \\u-escaped


def test_a_write_leaves_no_temp_file_and_replaces_the_old_content(tmp_path: Path) -> None:
    path = tmp_path / run_dir.STATUS_JSON
    write_json(path, {"v": 1})
    write_json(path, {"v": 2})
    write_text(tmp_path / run_dir.FEEDBACK_MD, "hello\n")
    assert read_json(path) == {"v": 2}
    assert (tmp_path / run_dir.FEEDBACK_MD).read_text() == "hello\n"
    assert _leftovers(tmp_path) == []


def test_a_written_file_gets_the_permissions_open_would_give_it(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("fail_in", ["write", "fsync", "replace"])
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   KeyboardInterrupt()])
def test_a_write_that_fails_midway_keeps_the_old_file_whole_and_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_in: str,
        error: BaseException) -> None:
    path = tmp_path / run_dir.SUMMARY_JSON
    write_json(path, {"old": True})
    real_write = os.write

    def half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))  # half the bytes reach the disk
        raise error

    def fail(*args: object) -> None:
        raise error

    monkeypatch.setattr(os, fail_in, half_then_fail if fail_in == "write" else fail)
    with pytest.raises(type(error)):
        write_json(path, {"new": "x" * 10_000})
    monkeypatch.undo()
    assert read_json(path) == {"old": True}
    assert _leftovers(tmp_path) == []


def test_a_write_replaces_a_planted_symlink_instead_of_writing_through_it(
        tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    link = tmp_path / "run" / run_dir.METRICS_JSON
    link.parent.mkdir()
    link.symlink_to(outside)
    write_bytes(link, b"{}")
    assert outside.read_text() == "precious"
    assert not link.is_symlink() and read_json(link) == {}


# ---- the reader ---------------------------------------------------------------------------------


def test_read_json_returns_none_for_a_missing_file_or_a_missing_folder(tmp_path: Path) -> None:
    assert read_json(tmp_path / "nope.json") is None
    assert read_json(tmp_path / "no" / "such" / "folder.json") is None


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:  # what a crash mid-write left before writes were atomic
    path.write_text(json.dumps({"rungs": {"0": {"ok": True}}, "state": "done"})[:25])


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _latin1(path: Path) -> None:
    path.write_bytes('{"text": "café"}'.encode("latin-1"))


def _folder(path: Path) -> None:
    path.mkdir()


def _symlink_to_valid_json(path: Path) -> None:
    target = path.parent / "elsewhere.json"
    target.write_text('{"secret": 1}')
    path.symlink_to(target)


def _dangling_symlink(path: Path) -> None:
    path.symlink_to(path.parent / "gone.json")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _deeply_nested(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)


def _huge_integer(path: Path) -> None:
    path.write_text("1" * 10_000)


@pytest.mark.parametrize(("make", "problem"), [
    (_empty, "is empty"),
    (_truncated, "is not valid JSON"),
    (_binary, "is not UTF-8"),
    (_latin1, "is not UTF-8"),
    (_folder, "is a folder"),
    (_symlink_to_valid_json, "is a symbolic link"),
    (_dangling_symlink, "is a symbolic link"),
    (_fifo, "is not a regular file"),
    (_deeply_nested, "is not JSON rewardsmith writes"),
    (_huge_integer, "is not JSON rewardsmith writes"),
])
def test_read_json_raises_one_clear_error_for_every_kind_of_bad_file(
        tmp_path: Path, make, problem: str) -> None:
    path = tmp_path / run_dir.CANDIDATE_JSON
    make(path)
    with pytest.raises(CorruptRunFile) as caught:
        read_json(path)
    message = str(caught.value)
    assert problem in message
    assert message.startswith(str(path)) and "Delete it" in message
    assert "rewardsmith resume" in message
    assert caught.value.path == path


def test_read_json_refuses_a_file_larger_than_the_cap(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / run_dir.METRICS_JSON
    path.write_text(json.dumps({"evals": list(range(1000))}))
    monkeypatch.setattr(safe_files, "MAX_JSON_BYTES", 1000)
    with pytest.raises(CorruptRunFile, match="more than the 1,000"):
        read_json(path)


def test_read_json_names_a_file_where_the_path_needs_a_folder(tmp_path: Path) -> None:
    (tmp_path / "iter_0").write_text("not a folder")
    with pytest.raises(CorruptRunFile, match="has a file where its path needs a folder"):
        read_json(tmp_path / "iter_0" / run_dir.SUMMARY_JSON)


def test_a_corrupt_run_file_is_a_rewardsmith_error_so_the_cli_prints_one_line() -> None:
    assert issubclass(CorruptRunFile, RewardsmithError)


def test_the_evaluator_treats_a_corrupt_resume_record_as_not_done(tmp_path: Path) -> None:
    path = tmp_path / run_dir.STATUS_JSON
    path.write_text('{"state": "do')
    assert read_record(path) is None
    assert read_record(tmp_path / "missing.json") is None
    write_json(path, {"state": "done"})
    assert read_record(path) == {"state": "done"}


def test_a_ranking_is_written_atomically_and_a_corrupt_one_is_reported(tmp_path: Path) -> None:
    path = tmp_path / run_dir.RANKING_JSON
    Ranking(best="a", worst="b", source="human", queries=1).save(path)
    assert Ranking.load(path).best == "a" and _leftovers(tmp_path) == []
    path.write_text('{"best": "a", "wor')
    with pytest.raises(CorruptRunFile):
        Ranking.load(path)
    with pytest.raises(FileNotFoundError):
        Ranking.load(tmp_path / "missing.json")


# ---- the names ----------------------------------------------------------------------------------


def test_run_dir_paths_are_built_from_the_named_constants(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    assert run.summary_json(2) == tmp_path / "iter_2" / run_dir.SUMMARY_JSON
    assert run.candidate(2, 3) == tmp_path / "iter_2" / "cand_3"
    assert run.best_reward == tmp_path / run_dir.BEST_DIR / run_dir.REWARD_PY
    assert run_dir.candidate_index(run_dir.candidate_id(7)) == 7
    for name in ("iter_0", "iter_10", "iter_2", "iter_notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "iter_3").write_text("a file, not an iteration")
    assert run.iterations() == [0, 2, 10]


def _file_names() -> set[str]:
    """Every file name run_dir defines (its string constants that have a suffix)."""
    names = {value for key, value in vars(run_dir).items()
             if key.isupper() and isinstance(value, str) and "." in value}
    assert {"metrics.json", "summary.json", "status.json", "video.mp4"} <= names
    return names


# Files that may spell a name, and why. Only ever shrink this.
ALLOWED = {
    # The sandbox worker's own protocol (sandbox/worker.py reads its REWARD_FILE "reward.py").
    "sandbox/runner.py": {"reward.py", "fitness.py"},
    # A label for messages and tracebacks, not a path.
    "sandbox/static_check.py": {"reward.py"},
}
# Files being rewritten by their owner while run_dir.py got its names: remove each entry once the
# file uses the names from rewardsmith.run_dir.
PENDING: set[str] = set()  # files not converted yet (none)


def _string_constants(tree: ast.AST) -> list[ast.Constant]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_module_but_run_dir_spells_a_file_name_of_the_run_directory() -> None:
    names = _file_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "run_dir.py" or rel in PENDING:
            continue
        for node in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            for name in names - ALLOWED.get(rel, set()):
                if node.value == name or node.value.endswith("/" + name):
                    found.append(f"rewardsmith/{rel}:{node.lineno}: {node.value!r}")
    assert not found, ("use the names in rewardsmith/run_dir.py instead of these literals:\n"
                       + "\n".join(found))
