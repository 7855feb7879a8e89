"""The evaluator's events.log is appended to without following a planted symlink."""

from __future__ import annotations

import os

import pytest

from rewardsmith.errors import CorruptRunFile
from rewardsmith.evaluator.live import EventLog


def test_an_events_log_symlink_is_refused_and_its_target_left_alone(tmp_path):
    target = tmp_path / "bashrc"
    target.write_text("alias ls=ls\n")
    (tmp_path / "events.log").symlink_to(target)
    with pytest.raises(CorruptRunFile, match="events.log is a symbolic link"):
        EventLog(tmp_path / "events.log")
    assert target.read_text() == "alias ls=ls\n"


def test_an_events_log_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "events.log")
    with pytest.raises(CorruptRunFile, match="not a regular file"):
        EventLog(tmp_path / "events.log")


def test_a_regular_events_log_is_appended_to(tmp_path):
    (tmp_path / "events.log").write_text('{"event": "earlier"}\n')
    log = EventLog(tmp_path / "events.log")
    log.write({"event": "start", "candidate": "cand_0"})
    log.close()
    lines = (tmp_path / "events.log").read_text().splitlines()
    assert lines[0] == '{"event": "earlier"}' and '"start"' in lines[1]
