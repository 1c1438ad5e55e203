"""python -m benchmarks.office_import: see :mod:`benchmarks.office_import`."""

from benchmarks.office_import.run import main

main()
