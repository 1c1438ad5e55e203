"""What every benchmark prints first: the command that ran and the machine it ran on."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["cpu_model", "print_header", "write_results"]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_header() -> str:
    """Print the command, the machine (platform, CPU, core count, versions) and the load average; return the
    same text, for the result files that quote it."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    program = ["-m", spec.name] if spec is not None and spec.name else sys.argv[:1]  # `python -m benchmarks.x`
    lines = [
        "command: " + " ".join([Path(sys.executable).name, *program, *sys.argv[1:]]),
        f"machine: {platform.platform()} | {cpu_model()} | cpu_count={os.cpu_count()}"
        f" | python {platform.python_version()} | numpy {np.__version__} | polars {pl.__version__}",
    ]
    try:
        lines.append("loadavg: " + " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    except OSError:
        pass
    header = "\n".join(lines) + "\n"
    print(header, end="", flush=True)
    return header


def write_results(out: Path, name: str, lines: list[str], data: dict) -> None:
    """Write ``<name>.md`` (the table a reader quotes) and ``<name>.json`` (the figures behind it) into ``out``."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")
    (out / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {out / (name + '.md')}")
