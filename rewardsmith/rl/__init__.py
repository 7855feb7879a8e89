"""Reinforcement learning around a reward: wrappers, vec envs, training, evaluation, video."""
