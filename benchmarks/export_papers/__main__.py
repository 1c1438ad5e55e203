"""``python -m benchmarks.export_papers``: time every paper in every format."""

from benchmarks.export_papers import main

main()
