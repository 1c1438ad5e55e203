"""``python -m ui.cli`` runs the ``jointcheck`` command line."""

from ui.cli import main

main()
