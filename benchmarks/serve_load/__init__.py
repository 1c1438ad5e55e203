"""Load on the public 检查码 service over loopback: genuine look-ups from concurrent clients.

Plans ``changning-2024`` (seed 1) into a temporary district folder, starts ``jointcheck serve`` on a free loopback port
(``--workers`` as given), then ``--clients`` threads, each on its own keep-alive connection, ask
``/api/code/CODE`` for ``--lookups`` genuine codes in all (drawn from the plan's visits in a seeded order). Prints
errors, latency percentiles, throughput and the server's resident memory before, during and after the run.

Run: ``.venv/bin/python -m benchmarks.serve_load [--lookups 3000] [--clients 16] [--workers 1]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (uvicorn's workers), KiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "changning-2024"))
    args = parser.parse_args()
    from benchmarks.machine import print_header

    print_header()
    with tempfile.TemporaryDirectory(prefix="jointcheck-serve-load-") as tmp:
        env = {**os.environ, "JOINTCHECK_LEDGER": f"{tmp}/j.db", "JOINTCHECK_KEY_FILE": f"{tmp}/d.key"}
        plan = Path(tmp) / "plan"
        subprocess.run([sys.executable, "-m", "ui.cli", "plan", args.scenario, "--seed", "1", "--out", str(plan)],
                       cwd=REPO, env=env, check=True, capture_output=True)
        codes = pl.read_parquet(plan / "visits.parquet")["inspection_code"].to_list()
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", str(plan), args.scenario, "--port", str(port),
                                   "--workers", str(args.workers)], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            clock = time.monotonic()
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() - clock > 120:
                        raise TimeoutError("serve did not start") from None
                    time.sleep(0.2)
            time.sleep(0.5)
            rss_start = _rss_kib(server.pid)
            order = random.Random(29).choices(codes, k=args.lookups)
            shares = [order[k::args.clients] for k in range(args.clients)]
            latencies: list[float] = []
            errors: list[str] = []
            rss_during: list[int] = []
            lock = threading.Lock()

            def client(mine: list[str]) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                for code in mine:
                    start = time.perf_counter()
                    try:
                        conn.request("GET", f"/api/code/{code}")
                        answer = conn.getresponse()
                        body = json.loads(answer.read())
                        ok = answer.status == 200 and body.get("genuine") is True
                    except (OSError, http.client.HTTPException, ValueError) as exc:
                        ok, body = False, {"error": str(exc)}
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    took = time.perf_counter() - start
                    with lock:
                        latencies.append(took)
                        if not ok:
                            errors.append(str(body)[:100])
                        if len(latencies) % 500 == 0:
                            rss_during.append(_rss_kib(server.pid))
                conn.close()

            threads = [threading.Thread(target=client, args=(mine,)) for mine in shares]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            rss_end = _rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(10)
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(f"{len(codes)} codes served (changning-2024, seed 1); {args.lookups} genuine look-ups from {args.clients} "
          f"concurrent keep-alive clients, {args.workers} worker(s)")
    print(f"errors {len(errors)}; latency ms: p50 {q[49]:.1f}, p90 {q[89]:.1f}, p99 {q[98]:.1f}, max {ms[-1]:.1f}; "
          f"throughput {len(latencies) / wall:,.0f} look-ups/s ({wall:.1f} s)")
    print(f"server RSS MiB: start {rss_start / 1024:.0f}, during {', '.join(f'{r / 1024:.0f}' for r in rss_during)}, "
          f"end {rss_end / 1024:.0f}")
    for e in errors[:5]:
        print("  error:", e)

