"""Scripted LLM replies that several tests serve from the fake OpenAI server.

They exercise the client, designer and critic mechanics over real HTTP; they say nothing about
what a real LLM would write.
"""

from __future__ import annotations

PENDULUM_REWARD = """```python
import numpy as np

def compute_reward(state, action, next_state):
    upright = np.cos(next_state.pole_angle)
    centred = -0.1 * next_state.cart_position ** 2
    return upright + centred, {"upright": upright, "centred": centred}
```
"""
# The designer's usual shape: a short plan, then the module.
PENDULUM_REWARD_WITH_PLAN = "Plan: keep the pole upright and the cart centred.\n\n" \
    + PENDULUM_REWARD
CRITIC_ACCEPT = '{"verdict": "accept", "reasons": ["signs and scales look right"], "fix": ""}'
