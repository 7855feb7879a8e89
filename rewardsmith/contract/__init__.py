"""The reward contract and the state object: what both sides of the sandbox import."""
