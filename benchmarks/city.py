"""City scale: a city of D districts × M subjects planned end to end on ``local`` and ``ray``, its per-district work
profile, and what k nodes (and a 10M-subject province) would take, computed from the measured district times.

Usage: python -m benchmarks.city [--districts 16] [--subjects 200000 50000] [--engines local ray]
                                 [--workers 2] [--profile changning-2024] [--seed 20240301]
                                 [--cache benchmarks/.cache/city] [--province-subjects 10000000]
                                 [--province-districts 90] [--node-cores 2]

For each size a city is generated once (``scenarios.generate.city``, districts from the profile with seeds
S, S+1, …; cached, not in git) with each district's officer directory repeated ceil(M / profile size) times, as
``benchmarks.scale`` does, so weekly capacity grows with the plan. Each (size, engine) is planned in a fresh
Python process (``plan_city``: census → split → district plans → gather); the district workers report wall and
CPU seconds and peak RSS of each stage (sampled every 20 ms) and their process's peak; the driver's peak RSS is its own
RSS sampled every 20 ms (Ray's own daemons — raylet, GCS, object store — are not counted). The engines' outputs are compared
byte for byte. Projections: the districts' measured CPU seconds (census + plan) are scheduled
longest-first on k nodes × c cores; the city's central work (split, gather) is added as measured. The province
uses a per-district CPU time t(n) = a + b·n fitted on the two sizes' districts.
Writes ``results/city.md`` and ``results/city.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.machine import print_header

__all__ = ["ensure_city", "lpt_makespan", "fit_line", "project", "main"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = HERE / ".cache" / "city"
GIB = 1024 ** 3


def ensure_city(profile: str, districts: int, subjects: int, seed: int, cache: Path) -> Path:
    """The cached generated city (generated if absent) with officers scaled to the directory size."""
    import polars as pl

    from scenarios.generate import load_profile
    from scenarios.generate.city import generate_city

    target = cache / f"{profile}-{districts}x{subjects}-s{seed}"
    if (target / "city.yaml").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".{target.name}.building"
    shutil.rmtree(staging, ignore_errors=True)
    generate_city(staging, districts, subjects, profile, seed=seed)
    copies = max(1, math.ceil(subjects / load_profile(profile).n_subjects))
    for folder in sorted(p for p in staging.iterdir() if p.is_dir()):
        one = pl.read_csv(folder / "officers.csv", infer_schema_length=0)
        pl.concat([one if k == 1 else one.with_columns(pl.col("officer_id") + f"-r{k}")
                   for k in range(1, copies + 1)]).write_csv(folder / "officers.csv")
    staging.rename(target)
    return target


def _child(city_dir: str, engine: str, workers: int, out: str, seed: str) -> None:
    """One city run in this (fresh) process; prints one JSON line."""
    import threading

    from optimizer.city import plan_city
    from scenarios.city import check_city

    city, problems = check_city(city_dir)
    if city is None:
        raise SystemExit("\n".join(map(str, problems)))
    # the driver's own peak, sampled: ru_maxrss of a child started by fork/exec starts at its parent's peak
    peak, stop = [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            with open("/proc/self/statm") as fh:
                peak[0] = max(peak[0], int(fh.read().split()[1]) * resource.getpagesize())

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()
    run = plan_city(city, seed, out, district_key=b"benchmark-key-" * 3, engine=engine, workers=workers, overwrite=True)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "engine": engine, "wall": wall, "stages": run.seconds,
        "driver_peak_rss": peak[0],
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "census": [{"district": c.district, "seconds": c.seconds, "cpu": c.cpu_seconds, "peak_rss": c.peak_rss}
                   for c in run.censuses],
        "plans": [{"district": p.district, "subjects": p.subjects, "seconds": p.seconds, "cpu": p.cpu_seconds,
                   "peak_rss": p.peak_rss,
                   "visits": p.kpis["visits"], "drawn": p.kpis["subjects_drawn"], "unplaced": p.kpis["unplaced_pairs"]}
                  for p in run.plans],
        "city_tasks": run.manifest["city_tasks"],
    }))


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def run_city(city_dir: Path, engine: str, workers: int, out: Path, seed: str, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.city", "--child", str(city_dir), engine, str(workers), str(out), seed]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - t0
    result["output_sha256"] = _digest(out)
    return result


def lpt_makespan(times: list[float], workers: int) -> float:
    """Longest-processing-time-first schedule of independent jobs on ``workers`` identical workers."""
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for t in sorted(times, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + t)
    return max(loads)


def fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares a, b of y = a + b·x."""
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - b * mx, b


def _district_work(result: dict, key: str = "cpu") -> list[tuple[float, float]]:
    """(census, plan) seconds per district: CPU seconds (user + system, the figure least disturbed by other work on a
    shared machine; a district's work is nearly single-threaded) or, with key="seconds", wall seconds as measured."""
    census = {c["district"]: sum(c[key].values()) for c in result["census"]}
    return [(census[p["district"]], sum(p[key].values())) for p in result["plans"]]


def project(result: dict, nodes: list[int], cores: int) -> list[tuple[int, float]]:
    """Projected wall seconds on k nodes of ``cores`` cores from the measured per-district times."""
    work = _district_work(result)
    central = result["stages"].get("split", 0.0) + result["stages"].get("gather", 0.0)
    return [(k, lpt_makespan([c for c, _ in work], k * cores) + lpt_makespan([p for _, p in work], k * cores) + central)
            for k in nodes]


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f}"


def write_report(header: str, args, results: dict, out_md: Path) -> str:
    lines = [f"# City scale: {args.districts} districts, profile {args.profile}, seed {args.seed}", "", "```", header.strip(),
             "```", "",
             "Each run: census (load + check + Σπ of the city-wide tasks) → central split → district plans → gather, in a "
             "fresh process; `local` is a spawn process pool, `ray` a local Ray started by the run with the same number of "
             "CPUs. Stage seconds are wall-clock inside each worker; RSS is sampled every 20 ms inside each worker.", ""]
    lines += ["## End to end", "", "| subjects / district | engine | workers | wall s | census | split | plan | gather | "
              "Σ district CPU s | max district peak RSS | max worker peak RSS | driver peak RSS | visits | unplaced | "
              "load avg after | output SHA-256 |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for (m, engine), r in sorted(results.items()):
        district_peak = max(max(v for k, v in p["peak_rss"].items() if k != "worker") for p in r["plans"])
        worker_peak = max(max(p["peak_rss"]["worker"] for p in r["plans"]), max(c["peak_rss"]["worker"] for c in r["census"]))
        lines.append(f"| {m:,} | {engine} | {args.workers} | **{r['wall']:.1f}** | {r['stages']['census']:.1f} | "
                     f"{r['stages']['split']:.2f} | {r['stages']['plan']:.1f} | {r['stages']['gather']:.1f} | "
                     f"{sum(c + p for c, p in _district_work(r)):.0f} | "
                     f"{_mib(district_peak)} MiB | {_mib(worker_peak)} MiB | {_mib(r['driver_peak_rss'])} MiB | "
                     f"{sum(p['visits'] for p in r['plans']):,} | {sum(p['unplaced'] for p in r['plans'])} | "
                     f"{' '.join(r.get('loadavg', []))} | "
                     f"`{r['output_sha256'][:16]}…` |")
    same = {m: len({r["output_sha256"] for (mm, _), r in results.items() if mm == m}) == 1 for m, _ in results}
    lines += ["", "Same bytes on every engine: " + ", ".join(f"{m:,}: {'yes' if ok else 'NO'}" for m, ok in sorted(same.items())), ""]

    biggest = max(m for m, _ in results)
    base = results.get((biggest, "local")) or next(r for (m, _), r in results.items() if m == biggest)
    stages = list(base["plans"][0]["seconds"])
    lines += [f"## Per-district work profile ({biggest:,} subjects each, `local`)", "",
              "Wall seconds by stage inside the worker (inflated by whatever else the machine ran: see the load "
              "average), then CPU seconds (user + system) of the census and of the whole district plan.", "",
              "| district | census s | " + " | ".join(stages) + " | plan s | census CPU s | plan CPU s | peak RSS by stage (MiB) |",
              "| --- | ---: | " + " | ".join("---:" for _ in stages) + " | ---: | ---: | ---: | --- |"]
    census = {c["district"]: c for c in base["census"]}
    for p in base["plans"]:
        rss = ", ".join(f"{k} {_mib(v)}" for k, v in p["peak_rss"].items() if k != "worker")
        c = census[p["district"]]
        lines.append(f"| {p['district']} | {sum(c['seconds'].values()):.1f} | "
                     + " | ".join(f"{p['seconds'][s]:.2f}" for s in stages)
                     + f" | {sum(p['seconds'].values()):.1f} | {sum(c['cpu'].values()):.1f} | {sum(p['cpu'].values()):.1f} | {rss} |")
    work = _district_work(base)
    wall = _district_work(base, "seconds")
    total = sum(c + p for c, p in work)
    lines += ["", f"Single-worker work: {total:.0f} CPU s for the city ({total / len(work):.1f} CPU s per district: census "
              f"{sum(c for c, _ in work) / len(work):.1f} + plan {sum(p for _, p in work) / len(work):.1f}); wall "
              f"{sum(c + p for c, p in wall) / len(wall):.1f} s per district in this run.", ""]

    nodes = [1, 2, 4, 8, 16]
    lines += [f"## What k nodes of {args.node_cores} cores would take ({args.districts} × {biggest:,})", "",
              "Longest-first schedule of the measured per-district CPU seconds (census, then plans) on k × cores workers, "
              "plus the measured central split and gather; worker start-up (a few seconds) and data transfer are not "
              "included.", "",
              "| nodes | workers | projected wall s |", "| ---: | ---: | ---: |"]
    for k, t in project(base, nodes, args.node_cores):
        lines.append(f"| {k} | {k * args.node_cores} | {t:.1f} |")

    sizes = sorted({m for m, e in results if e == "local"})
    lines += ["", f"## A province on paper: {args.province_subjects:,} subjects in {args.province_districts} districts", ""]
    if len(sizes) >= 2:
        pts_time, pts_rss = [], []
        for m in sizes:
            r = results[(m, "local")]
            for (c, p), plan in zip(_district_work(r), r["plans"]):
                pts_time.append((m, c + p))
                pts_rss.append((m, max(v for k, v in plan["peak_rss"].items() if k != "worker")))
        a, b = fit_line(pts_time)
        ra, rb = fit_line(pts_rss)
        n = args.province_subjects / args.province_districts
        t = a + b * n
        rss = ra + rb * n
        lines += [f"Per-district time fitted on the measured districts ({', '.join(f'{m:,}' for m in sizes)} subjects): "
                  f"t(n) = {a:.2f} s + {b * 1e6:.2f} s per million subjects; peak RSS ≈ {_mib(ra)} MiB + "
                  f"{rb * 1e6 / 2**20:,.0f} MiB per million. A district of {n:,.0f} subjects: {t:.1f} s, {_mib(rss)} MiB.",
                  "", "| nodes | workers | projected wall s |", "| ---: | ---: | ---: |"]
        for k in nodes + [32, 45]:
            w = k * args.node_cores
            lines.append(f"| {k} | {w} | {math.ceil(args.province_districts / w) * t + base['stages']['split'] + base['stages']['gather'] * args.province_districts / args.districts:.0f} |")
        lines += ["", f"Single-worker work for the province: {args.province_districts * t / 60:.1f} min."]
    else:
        lines += ["(needs two sizes on `local` to fit the per-district time)"]
    text = "\n".join(lines) + "\n"
    out_md.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(*argv[1:3], int(argv[3]), *argv[4:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=16)
    parser.add_argument("--subjects", type=int, nargs="+", default=[200_000, 50_000])
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", default="changning-2024")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--province-subjects", type=int, default=10_000_000)
    parser.add_argument("--province-districts", type=int, default=90)
    parser.add_argument("--node-cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    header = print_header()
    results: dict[tuple[int, str], dict] = {}
    for m in args.subjects:
        t0 = time.perf_counter()
        city = ensure_city(args.profile, args.districts, m, args.seed, args.cache)
        print(f"city {args.districts} × {m:,}: {city} ({time.perf_counter() - t0:.0f} s to make or find)", flush=True)
        engines = args.engines if m == max(args.subjects) else ["local"]
        for engine in engines:
            out = args.cache / f"out-{m}-{engine}"
            r = run_city(city, engine, args.workers, out, str(args.seed), args.timeout)
            results[(m, engine)] = r
            print(f"  {engine}: {r['wall']:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in r['stages'].items())}); "
                  f"output {r['output_sha256'][:16]}", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    text = write_report(header, args, results, args.out / "city.md")
    (args.out / "city.json").write_text(json.dumps({f"{m}-{e}": r for (m, e), r in results.items()}, indent=1), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    main()
