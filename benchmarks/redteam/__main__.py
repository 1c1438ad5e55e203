"""``python -m benchmarks.redteam``: run the red-team pass and print its counts."""

from benchmarks.redteam import main

main()
