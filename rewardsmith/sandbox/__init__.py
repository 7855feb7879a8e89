"""Running untrusted reward code: the runner, OS isolation, static checks, the smoke test."""
