"""``python -m flyplan`` runs the command-line interface."""

from flyplan.cli import main

main()
