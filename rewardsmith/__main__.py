"""``python -m rewardsmith`` runs the CLI."""

from rewardsmith.cli import main

main()
