"""Reference reward for hopper-hop-backwards: move backwards, stay healthy, small action cost.

The alive bonus is 0.1 for the reason given in ``hopper_hop.py``: a bonus as large as the
backward term at the gait's speed makes standing still the safe optimum.

The task runs with the torso allowed to lean 1 rad before the episode ends (Hopper's default is
0.2; ``rewardsmith.envs.env_settings`` gives any request to move backwards the same). Hopper's
thigh swings the foot only backwards of the hip, so the foot gets ahead of the body, which a hop
backwards pushes off from, only when the torso leans back. With the default range this reward
learned a lunge backwards that ended each episode within ~45 steps (0.04 and
0.02 m/s over the horizon after 1M steps on 2 seeds); with 1 rad it reached 1.09 m/s at 350k
steps (seed 0; README, #12).
"""
import numpy as np


def compute_reward(state, action, next_state):
    backward = -next_state.torso_velocity[:, 0]
    alive = 0.1 * np.ones_like(backward)
    action_cost = -0.001 * np.sum(action ** 2, axis=1)
    return backward + alive + action_cost, {"backward": backward, "alive": alive,
                                            "action_cost": action_cost}
