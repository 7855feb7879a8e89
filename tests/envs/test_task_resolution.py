"""Task resolution: which env a text is about, and which built-in task's fitness scores it.

The text is read by the same parser the offline designer uses (``envs/intent.py``), so these
tests pin that one reading: a built-in task's own text resolves to it, every way of saying
"backwards" resolves to the backwards task, and a forward text never does. A built-in fitness
scores a text only when it measures what was asked, qualifiers included (MATCHING_TABLE: texts
none of the built-in phrasings use), and a low pose that no task measures runs without early
termination.
"""

from __future__ import annotations

import pytest

from rewardsmith.envs.env_settings import observation_kwargs
from rewardsmith.envs.intent import ENV_WORDS, env_facts, env_named_in
from rewardsmith.envs.registry import all_tasks, env_ids, get_description, get_task
from rewardsmith.envs.task_resolution import (
    NO_FITNESS_NOTE,
    env_from_text,
    explain_matches,
    match_builtin_task,
    resolve_task,
)
from rewardsmith.errors import RewardsmithError

BACKWARDS_TEXTS = ["make the cheetah run back", "make the half cheetah run backwards",
                   "make the cheetah run in reverse", "make the cheetah go backwards"]
FORWARD_TEXTS = ["make the cheetah run", "make the half cheetah run forward",
                 "make the cheetah run forward as fast as possible", "make the hopper hop forward",
                 "make the walker walk", "make the walker walk forward", "make the ant run",
                 "make the hopper hop", "make the cheetah run ahead"]


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.id)
def test_every_built_in_task_text_resolves_to_that_task(task):
    resolved = resolve_task(task.text)
    assert resolved.env_id == task.env_id
    assert resolved.task is task
    assert resolved.env_kwargs == task.env_kwargs
    assert any(task.id in note for note in resolved.notes)


@pytest.mark.parametrize("text", BACKWARDS_TEXTS)
def test_run_back_backwards_and_in_reverse_all_resolve_to_the_backwards_task(text):
    assert resolve_task(text).task.id == "cheetah-run-backwards"


@pytest.mark.parametrize(("text", "task_id"), [
    ("make the walker walk back", "walker-walk-backwards"),
    ("make the hopper hop back", "hopper-hop-backwards"),
])
def test_walking_or_hopping_back_resolves_to_that_robots_backwards_task(text, task_id):
    assert resolve_task(text).task.id == task_id


@pytest.mark.parametrize("text", FORWARD_TEXTS)
def test_a_forward_text_never_resolves_to_a_backwards_task(text):
    resolved = resolve_task(text)
    assert resolved.task is not None, text
    assert "backwards" not in resolved.task.id


@pytest.mark.parametrize("text", ["make the ant run backwards", "make the humanoid walk back"])
def test_backwards_on_an_env_without_a_backwards_task_gets_no_fitness(text):
    resolved = resolve_task(text)
    assert resolved.task is None and not resolved.has_fitness
    assert resolved.env_kwargs == observation_kwargs(resolved.env_id)  # nothing else changed
    assert any(NO_FITNESS_NOTE in note for note in resolved.notes)
    assert any("the text asks for" in note for note in resolved.notes)


@pytest.mark.parametrize("text", [
    "make the ant run to the left",          # sideways is not the forward fitness
    "make the cheetah do a front flip",      # the flip task scores backflips
    "make the cheetah flip forward",
    "make the cheetah run slowly",           # cheetah-run scores "as fast as possible"
    "make the cheetah do a dance",           # no behaviour the parser knows
    "make the humanoid wave its arms",
    "make the humanoid stand up and raise its arms",  # no single task scores both
    "make the cheetah run forward and do a flip",
])
def test_a_text_that_asks_for_something_the_task_does_not_score_gets_no_fitness(text):
    assert resolve_task(text).task is None


def test_match_builtin_task_returns_a_task_or_none_and_only_on_the_given_env():
    assert match_builtin_task("make it run forward", "HalfCheetah-v5") is get_task("cheetah-run")
    assert match_builtin_task("make it run forward", "Walker2d-v5") is get_task("walker-walk")
    assert match_builtin_task("make it kneel", "HalfCheetah-v5") is None
    assert match_builtin_task("make the humanoid kneel", "InvertedPendulum-v5") is None


def test_a_text_with_no_env_word_gives_a_clear_error_listing_the_environments():
    with pytest.raises(RewardsmithError, match="could not tell which environment") as info:
        resolve_task("make it run forward")
    for env_id in env_ids():
        assert env_id in str(info.value)
    assert "--env" in str(info.value)


def test_an_explicit_env_overrides_the_text_and_is_not_announced_as_chosen():
    resolved = resolve_task("make it run backwards", env="Walker2d-v5")
    assert resolved.env_id == "Walker2d-v5" and resolved.task.id == "walker-walk-backwards"
    assert not any("named in the text" in note for note in resolved.notes)


def test_the_env_chosen_from_the_text_is_said_in_the_notes():
    resolved = resolve_task("make the hopper hop forward")
    assert resolved.env_id == "Hopper-v5"
    assert any("Hopper-v5" in note and "named in the text" in note for note in resolved.notes)


def test_an_unknown_env_is_an_error_listing_the_known_ones():
    with pytest.raises(RewardsmithError, match="unknown environment 'Cheetah-v9'") as info:
        resolve_task("make it run", env="Cheetah-v9")
    assert "HalfCheetah-v5" in str(info.value)


def test_task_with_a_mismatching_env_is_an_error():
    with pytest.raises(RewardsmithError, match="runs on HalfCheetah-v5, not Walker2d-v5"):
        resolve_task(None, env="Walker2d-v5", task="cheetah-run")


def test_task_alone_uses_the_task_text_and_its_env():
    resolved = resolve_task(None, task="cheetah-run-backwards")
    task = get_task("cheetah-run-backwards")
    assert (resolved.text, resolved.env_id, resolved.task) == (task.text, task.env_id, task)


def test_no_text_and_no_task_is_an_error():
    with pytest.raises(RewardsmithError, match="TEXT"):
        resolve_task(None)


@pytest.mark.parametrize(("text", "env_id"), [
    ("make the half cheetah run", "HalfCheetah-v5"),
    ("make the half_cheetah run", "HalfCheetah-v5"),
    ("a one-legged robot hops", "Hopper-v5"), ("make the biped walk", "Walker2d-v5"),
    ("make the ants run", "Ant-v5"), ("make the person kneel", "Humanoid-v5"),
    ("keep the pole up", "InvertedPendulum-v5"),
])
def test_robot_words_name_their_env(text, env_id):
    assert env_from_text(text) == env_id == env_named_in(text)


def test_env_words_stay_importable_from_task_resolution_for_the_cli():
    from rewardsmith.envs import task_resolution

    assert task_resolution.ENV_WORDS is ENV_WORDS
    assert env_named_in("make it run") is None


NO_TERMINATION = {"terminate_when_unhealthy": False}
ON_THE_KNEES = {"healthy_z_range": [0.49, 2.0]}  # Humanoid's knee height
LEANING_BACK = {"healthy_angle_range": [-1.0, 1.0]}  # Hopper moving backwards (0.2 by default)
# text, the built-in task whose fitness measures it (None: no built-in fitness does), the env
# kwargs the request needs (for a match, the task's own; every run on an env also gets what its
# policy observes, ``observation_kwargs``), and a phrase the reason must contain.
MATCHING_TABLE = [
    # speed targets
    ("make the half cheetah trot forward at a steady 1 m/s", None, {}, "asks for 1 m/s"),
    ("make the cheetah run forward slowly", None, {}, "asks for a slow pace"),
    ("make the hopper hop backwards at 0.5 m/s", None, LEANING_BACK, "asks for 0.5 m/s"),
    ("make the half cheetah sprint forward as fast as it can", "cheetah-run", {}, "measures"),
    ("make the ant run forward quickly", "ant-run", {"healthy_z_range": [0.31, 1.0]}, "measures"),
    # directions
    ("make the ant walk backwards", None, {}, "measures moving forward"),
    ("make the walker walk to the right", None, {}, "asks for moving to the right"),
    ("make the walker go back", "walker-walk-backwards", {}, "measures"),
    ("make the half cheetah do a backflip", "cheetah-flip", {}, "measures"),
    ("make the half cheetah do a front flip", None, {}, "asks for front flips"),
    # one limb, a side, both
    ("make the humanoid kneel on one knee", None, ON_THE_KNEES, "asks for one knee"),
    ("make the humanoid kneel down on both knees", "humanoid-kneel", ON_THE_KNEES, "measures"),
    ("make the humanoid raise its left arm", None, {}, "asks for the left arm"),
    ("make the humanoid raise one hand", None, {}, "asks for one hand"),
    ("make the humanoid put both hands up", "humanoid-raise-arms", {}, "measures"),
    ("make the humanoid stand on one leg", None, {}, "asks for one leg"),
    ("make the walker hop forward on one leg", None, {}, "asks for one leg"),
    ("make the hopper hop forward on its one leg", "hopper-hop", {}, "measures"),  # it has one
    ("make the walker walk forward keeping its knees straight", None, {}, "straight joints"),
    # poses
    ("make the humanoid sit down on the floor", None, NO_TERMINATION, "asks for sitting"),
    ("make the humanoid lie down on its back", None, NO_TERMINATION, "asks for lying down"),
    ("make the humanoid crouch", None, {"healthy_z_range": [0.49, 2.0]}, "asks for crouching"),
    ("make the walker squat down", None, {"healthy_z_range": [0.45, 2.0]}, "asks for crouching"),
    ("make the ant lie on its back", None, NO_TERMINATION, "asks for lying down"),
    ("make the humanoid get down on all fours", None, NO_TERMINATION, "no behaviour"),
    ("make the humanoid stand up tall", "humanoid-stand", {}, "measures"),
    # stillness and turning
    ("make the humanoid stand still", None, {}, "does not measure stillness"),
    ("make the humanoid freeze and don't move", None, {}, "does not measure stillness"),
    ("make the humanoid turn left", None, {}, "asks for turning"),
    ("make the ant spin clockwise in place", None, {}, "asks for turning"),
    # a flip on a robot whose healthy range includes the torso angle
    ("make the hopper do a front flip", None, NO_TERMINATION, "asks for flipping"),
]


@pytest.mark.parametrize(("text", "task_id", "env_kwargs", "reason"), MATCHING_TABLE,
                         ids=[row[0] for row in MATCHING_TABLE])
def test_a_built_in_fitness_scores_a_text_only_when_it_measures_what_was_asked(
        text, task_id, env_kwargs, reason):
    resolved = resolve_task(text)
    assert (resolved.task.id if resolved.task else None) == task_id
    assert resolved.env_kwargs == {**observation_kwargs(resolved.env_id), **env_kwargs}
    assert any(reason in m.reason for m in resolved.matches), [m.line for m in resolved.matches]
    if task_id is None:
        assert NO_FITNESS_NOTE in " ".join(resolved.notes)
    else:
        assert any(task_id in note and "measures what the text asks" in note
                   for note in resolved.notes)


def test_the_table_holds_texts_outside_the_built_in_phrasings():
    own = {t.text for t in all_tasks()}
    assert len(MATCHING_TABLE) >= 16 and not own & {row[0] for row in MATCHING_TABLE}


@pytest.mark.parametrize(("text", "line"), [
    ("make the humanoid kneel on one knee",
     "humanoid-kneel: measures both shins; the text asks for one knee"),
    ("make the humanoid raise its left arm",
     "humanoid-raise-arms: measures both arms; the text asks for the left arm"),
    ("make the half cheetah trot forward at a steady 1 m/s",
     "cheetah-run: measures top speed; the text asks for 1 m/s"),
])
def test_the_notes_say_why_each_near_miss_does_not_measure_the_text(text, line):
    assert f"  - {line}" in resolve_task(text).notes


def test_a_low_pose_no_task_measures_runs_without_early_termination_and_says_so():
    resolved = resolve_task("make the humanoid sit down on the floor")
    assert resolved.env_kwargs == NO_TERMINATION
    assert "terminate_when_unhealthy=False" in resolved.env_kwargs_reason
    assert resolved.env_kwargs_reason in resolved.notes
    assert resolved.intent.behaviours == ("sit",) and resolved.intent.low


def _is_healthy(env_id: str, kwargs: dict, torso_z: float, pitch: float = 0.0) -> bool:
    """gymnasium's own health rule for a torso at ``torso_z`` (and, planar bodies, ``pitch``)."""
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    inner = env.unwrapped
    qpos, qvel = inner.data.qpos.copy(), inner.data.qvel.copy()
    if env_id.startswith("Humanoid"):
        qpos[2] = torso_z
    else:
        qpos[1], qpos[2] = torso_z, pitch
    inner.set_state(qpos, qvel)
    result = bool(inner.is_healthy)
    env.close()
    return result


@pytest.mark.parametrize("env_word", ["walker", "hopper", "humanoid"])
def test_a_crouch_keeps_falls_terminal_but_lets_the_torso_down_to_the_knees(env_word):
    """A crouch on the feet runs with early termination: a torso on the floor ends the episode,
    a torso at crouch height (0.68 of standing, the offline designer's target) does not, where
    the env's default range would end it. Read from gymnasium's own health rule."""
    resolved = resolve_task(f"make the {env_word} crouch")
    assert "terminate_when_unhealthy" not in resolved.env_kwargs
    assert "still ends early at a fall" in resolved.env_kwargs_reason
    assert resolved.env_kwargs_reason in resolved.notes
    height = env_facts(get_description(resolved.env_id)).height  # the description's, standing

    def healthy(kwargs: dict, torso_z: float, pitch: float = 0.0) -> bool:
        return _is_healthy(resolved.env_id, kwargs, torso_z, pitch)

    crouched, deep = 0.68 * height, 0.36 * height + 0.1  # the pose's target; thighs past level
    assert healthy(resolved.env_kwargs, crouched, 0.5) and healthy(resolved.env_kwargs, deep, 0.5)
    assert not healthy(resolved.env_kwargs, 0.15)  # lying on the floor: a fall
    assert not healthy({}, deep, 0.5)  # what the default range would have done


# Torso heights of the humanoid's constructed poses (tests/envs/test_fitness_semantics.py).
KNEELING_TORSO_M = {"upright on both knees": 0.90, "back on the heels": 0.70,
                    "with a hand on the floor": 0.66}
LYING_TORSO_M = 0.10


@pytest.mark.parametrize("text", ["make the humanoid kneel on one knee",
                                  "make the humanoid kneel down on both knees"])
def test_a_kneel_keeps_falls_terminal_and_every_kneeling_pose_healthy(text):
    """Kneeling holds the torso at 0.66-0.90 m, below Humanoid's default healthy range (1.0 m),
    so the default would end every kneel; lying (0.1 m) must still end the episode."""
    resolved = resolve_task(text)
    assert "terminate_when_unhealthy" not in resolved.env_kwargs
    for pose, z in KNEELING_TORSO_M.items():
        assert _is_healthy("Humanoid-v5", resolved.env_kwargs, z), pose
        assert not _is_healthy("Humanoid-v5", {}, z), pose
    assert not _is_healthy("Humanoid-v5", resolved.env_kwargs, LYING_TORSO_M)


def test_the_kneeling_heights_above_are_the_constructed_poses():
    import test_fitness_semantics as poses

    humanoid = poses.Poser("humanoid-stand")
    try:
        for pose, z in {**{f"kneeling {k}": v for k, v in KNEELING_TORSO_M.items()},
                        "lying on the back": LYING_TORSO_M}.items():
            poses.POSES[pose][0](humanoid)
            assert float(humanoid.state().torso_height[0]) == pytest.approx(z, abs=0.01), pose
    finally:
        humanoid.env.close()


def test_a_match_keeps_the_tasks_own_env_kwargs_and_gives_the_tasks_note_as_its_reason():
    resolved = resolve_task("make the humanoid kneel down on both knees")
    kneel = get_task("humanoid-kneel")
    assert resolved.env_kwargs == kneel.env_kwargs
    assert resolved.env_kwargs_reason == kneel.env_note  # the task's, not a request's settings


def test_explain_matches_gives_every_task_on_the_env_a_reason():
    matches = explain_matches("make the humanoid sit down", "Humanoid-v5")
    assert {m.task.id for m in matches} == {t.id for t in all_tasks()
                                            if t.env_id == "Humanoid-v5"}
    assert not any(m.fits for m in matches) and all(m.reason for m in matches)


@pytest.mark.parametrize("text, task", [("make the half cheetah do backflips", None),
                                        (None, "cheetah-flip"),
                                        ("make the walker do a backflip", None)])
def test_a_flip_trains_with_wide_action_noise_whether_a_task_matches_or_not(text, task):
    # The built-in task carries the setting; a request no task measures gets it from its text.
    resolved = resolve_task(text, task=task)
    assert resolved.algo_kwargs == {"policy_kwargs": {"log_std_init": 0.0}}
    assert any("action noise starts at std 1" in note for note in resolved.notes)


def test_a_run_keeps_the_tuned_training_settings():
    resolved = resolve_task("make the half cheetah run forward as fast as possible")
    assert resolved.algo_kwargs == {}
    assert not any("action noise" in note for note in resolved.notes)


_TERMINATION_KWARGS = ("terminate_when_unhealthy", "healthy_z_range", "healthy_angle_range")


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.id)
def test_a_task_that_changes_when_episodes_end_says_so_to_the_designer(task):
    # The env's description states the default rule; a task that moves it (kneeling's knee
    # height, the ant's flip, the hopper's backward lean) must say how, or the designer is told
    # the wrong rule. Each changed setting is named with its value, as the env gets it.
    changed = {k: v for k, v in task.env_kwargs.items() if k in _TERMINATION_KWARGS}
    resolved = resolve_task(task.text)
    if not changed:
        assert task.env_note == "" and resolved.env_kwargs_reason == ""
        return
    for kwarg, value in changed.items():
        written = f"({', '.join(map(str, value))})" if isinstance(value, list) else str(value)
        assert f"{kwarg}={written}" in task.env_note, (kwarg, task.env_note)
    assert resolved.env_kwargs_reason == task.env_note
    assert task.env_note in resolved.notes
    by_id = resolve_task(None, task=task.id)
    assert by_id.env_kwargs_reason == task.env_note and task.env_note in by_id.notes
