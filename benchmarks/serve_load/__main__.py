"""``python -m benchmarks.serve_load``: load on the public 检查码 service."""

from benchmarks.serve_load import main

main()
