"""The one text parser: the qualifiers that change what success means are read, and only those.

Task resolution refuses a built-in fitness that does not measure a qualifier the text carries,
so a qualifier read wrongly either hides a mismatch ("kneel on one knee" scored as both knees)
or invents one. These pin the reading of each qualifier, and that the parser reads text only.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from rewardsmith.envs import intent as intent_module
from rewardsmith.envs.intent import parse_limbs, parse_task


@pytest.mark.parametrize(("text", "expected"), [
    # one limb, a side, both
    ("make the humanoid kneel on one knee", {"limb": "knee", "limb_count": 1, "side": None}),
    ("make the humanoid raise its left arm", {"limb": "arm", "limb_count": 1, "side": "left"}),
    ("wave the right hand", {"limb": "hand", "limb_count": 1, "side": "right"}),
    ("make the walker stand on its left leg", {"limb": "leg", "limb_count": 1, "side": "left"}),
    ("make the humanoid stand on one leg",
     {"behaviours": ("stand",), "limb": "leg", "limb_count": 1}),
    ("raise both arms above its head", {"limb": "arm", "limb_count": 2, "side": None}),
    ("raise the left and right arms", {"limb": "arm", "limb_count": 2, "side": None}),
    ("make the humanoid raise its arms", {"limb": None, "limb_count": None}),
    ("a one-legged robot hops", {"limb_count": None}),  # an env word, not a qualifier
    # speeds
    ("make the cheetah trot forward at a steady 1.5 m/s",
     {"speed": "target", "target_speed": 1.5, "direction": 1}),
    ("make the walker walk slowly", {"speed": "slow"}),
    ("make the humanoid sit down gently", {"speed": "slow", "behaviours": ("sit",)}),
    # in place, stillness
    ("make the ant spin on the spot", {"in_place": True, "behaviours": ("spin",)}),
    ("make the humanoid stand still", {"still": True, "behaviours": ("stand",)}),
    ("make the ant stay still", {"still": True, "behaviours": ("stand",)}),
    ("make the hopper freeze", {"still": True, "behaviours": ("stand",)}),
    ("make the humanoid stay motionless", {"still": True, "behaviours": ("stand",)}),
    ("the walker should not move", {"still": True, "behaviours": ("stand",)}),
    ("make the humanoid lie still", {"still": True, "behaviours": ("lie",)}),
    ("walk forward without moving its arms", {"still": False, "behaviours": ("move",)}),
    # turning
    ("make the humanoid turn left", {"behaviours": ("spin",), "rotation": 1}),
    ("make the ant spin clockwise", {"behaviours": ("spin",), "rotation": -1}),
    ("spin clockwise on its left leg", {"rotation": -1, "side": "left"}),  # side is the leg's
    # poses and how low they are
    ("make the humanoid lie down on its back",
     {"behaviours": ("lie",), "lie_on": "back", "low": True}),
    ("make the humanoid lie on its belly", {"lie_on": "front", "low": True}),
    ("make the humanoid crouch", {"behaviours": ("crouch",), "low": True}),
    ("make the walker squat down", {"behaviours": ("crouch",), "low": True}),
    ("make the humanoid sit", {"behaviours": ("sit",), "low": True}),
    ("make the humanoid kneel", {"behaviours": ("kneel",), "low": True}),
    ("make the humanoid get down on all fours", {"behaviours": (), "low": True}),
    ("make the humanoid fall safely", {"low": True}),
    ("make the humanoid walk without falling over", {"low": False}),
    ("make the humanoid stand upright", {"low": False, "lie_on": None}),
    ("make the cheetah stand on its front legs", {"lie_on": None, "behaviours": ("stand",)}),
])
def test_qualifiers_are_read_from_the_text(text, expected):
    intent = parse_task(text)
    assert {key: getattr(intent, key) for key in expected} == expected


def test_the_old_fields_keep_their_meaning():
    intent = parse_task("make the hopper stand still")
    assert intent.behaviours == ("stand",) and intent.direction == 0 and intent.speed is None
    assert parse_task("make the cheetah run back").direction == -1
    assert parse_task("make the cheetah run as fast as possible").speed == "fast"


def test_parse_limbs_reads_a_fitness_doc_too():
    assert parse_limbs("both shins (the knees) on the floor") == ("shin", 2, None)
    assert parse_limbs("the centres of both hands above the head") == ("hand", 2, None)
    assert parse_limbs("mean forward speed (m/s)") == (None, None, None)


def test_the_parser_reads_text_only_and_never_imports_tasks_or_fitness():
    tree = ast.parse(inspect.getsource(intent_module))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert imported <= {"__future__", "re", "dataclasses", "rewardsmith.envs.descriptions"}
