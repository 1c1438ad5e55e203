"""End-to-end plan time and peak memory against directory size, by stage, with the fitted growth exponent.

Usage: python -m benchmarks.scale [--sizes 10000 60000 250000 1000000] [--profile changning-2024]
                                  [--seed 20240301] [--cache benchmarks/.cache/scale] [--out DIR]
                                  [--cprofile N]

For each size a synthetic scenario is generated from the profile (``scenarios.generate``: the plan's
sample sizes scale with the directory; generated once and cached, not in git) and planned end to end in a
fresh Python process: load → rules → align (its lower bound apart) → draw → bundle → teams → kpis → write. Each stage is timed by
wrapping the functions :func:`optimizer.plan.make_plan` calls (nothing in the pipeline changes; its own
``stage_seconds`` are kept as a cross-check) and its peak RSS is sampled from /proc; the process's peak RSS
is read by the parent from ``os.wait4`` (the kernel's ru_maxrss of that child alone). The growth exponent is
the least-squares slope of log(time) on log(subjects); it is compared with the slope n·log n has over the
same sizes. ``--cprofile N`` also profiles the size N in-process and writes the top functions
(``--sizes --cprofile N``: the profile alone).
``--officers scaled`` (default) repeats the profile's officer directory ceil(n / profile size) times so
weekly capacity grows with the plan; ``--officers generator`` keeps the generator's directory as is.
Writes ``scale.md``/``.json``/``.png``/``.log`` (``scale-generator-officers.*`` for the latter) into
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.machine import print_header

__all__ = ["STAGES", "instrumented", "plan_once", "ensure_scenario", "run_size", "fit_exponent", "summarise",
           "check_targets", "main"]

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = HERE / ".cache" / "scale"
STAGES = ["load", "rules", "align", "bound", "draw", "bundle", "teams", "kpis", "other", "write"]
GIB = 1024 ** 3
# The targets.
TARGET_60K_S, TARGET_1M_S, TARGET_1M_BYTES = 30.0, 300.0, 8 * GIB


# ---------------------------------------------------------------- the child: one plan, instrumented

def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class _Meter:
    """Seconds and sampled peak RSS per stage; stages may nest (an inner stage's time leaves the outer)."""

    def __init__(self, interval: float = 0.02):
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.peak: dict[str, int] = {}
        self._stack: list[list] = []
        self._current_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._current_peak = max(self._current_peak, _rss_bytes())

    def __enter__(self) -> _Meter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._stack:  # park the outer stage's running peak while the inner one runs
            self._stack[-1][3] = max(self._stack[-1][3], self._current_peak)
        self._current_peak = _rss_bytes()
        # stage, wall start, inner wall seconds, parked peak, CPU start, inner CPU seconds
        self._stack.append([name, time.perf_counter(), 0.0, 0, time.process_time(), 0.0])
        try:
            yield
        finally:
            stage, start, inner, parked, cpu_start, cpu_inner = self._stack.pop()
            spent, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            self.seconds[stage] = self.seconds.get(stage, 0.0) + spent - inner
            self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu - cpu_inner
            peak = max(self._current_peak, parked, _rss_bytes())
            self.peak[stage] = max(self.peak.get(stage, 0), peak)
            if self._stack:
                self._stack[-1][2] += spent
                self._stack[-1][5] += cpu
                self._current_peak = max(self._stack[-1][3], _rss_bytes())


@contextlib.contextmanager
def instrumented(meter: _Meter) -> Iterator[None]:
    """Wrap the stage functions make_plan calls with the meter; restore them afterwards."""
    import optimizer.calendar.align as aligning
    import optimizer.draw.run as drawrun
    import optimizer.plan as plan

    wraps = [
        (plan, "load_policy", "rules"), (plan, "evaluate", "rules"),
        (drawrun, "align_calendar", "align"),
        # the lower bound the calendar is judged by (and its search stops on), apart from the search itself
        (aligning, "profile_bound", "bound"), (aligning, "_cluster_bound", "bound"),
        (drawrun, "draw_input", "draw"), (drawrun, "draw_subjects", "draw"),
        (plan, "bundle_visits", "bundle"), (plan, "match_officers", "teams"), (plan, "plan_kpis", "kpis"),
    ]
    saved = []

    def timed(fn: Callable, stage: str) -> Callable:
        def wrapper(*args, **kwargs):
            with meter.stage(stage):
                return fn(*args, **kwargs)
        return wrapper

    for module, name, stage in wraps:
        original = getattr(module, name)
        saved.append((module, name, original))
        setattr(module, name, timed(original, stage))
    try:
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def plan_once(scenario_dir: Path, seed: str, out: Path) -> dict:
    """Load, plan and write one scenario in this process; seconds and sampled peak RSS per stage."""
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    with _Meter() as meter:
        t0 = time.perf_counter()
        with meter.stage("load"):
            scenario = load_scenario(scenario_dir)
        with instrumented(meter), meter.stage("other"):  # "other": make_plan's own glue between stages
            plan = make_plan(scenario, seed)
        with meter.stage("write"):
            write_plan(plan, out, overwrite=True)
        total = time.perf_counter() - t0
    align = plan.run.alignment
    return {
        "subjects": scenario.subjects.height,
        "tasks": len(scenario.tasks),
        "officers": scenario.officers.height,
        "eligible_pairs": plan.run.results.pairs.height,
        "drawn_pairs": plan.kpis["subjects_drawn"],
        "visits": plan.kpis["visits"],
        "unplaced": plan.kpis["unplaced_pairs"],
        "align_status": align.status if align else None,
        "visits_expected": plan.kpis.get("visits_expected"),
        "visits_lower_bound": plan.kpis.get("visits_lower_bound"),
        "visits_expected_gap": plan.kpis.get("visits_expected_gap"),
        "visits_lower_bound_all_in_one_round": plan.kpis.get("visits_lower_bound_all_in_one_round"),
        "bundle_status": plan.bundle.status,
        "teams_status": plan.teams.status,
        "seconds": {s: round(meter.seconds.get(s, 0.0), 3) for s in STAGES},
        "cpu_seconds_by_stage": {s: round(meter.cpu.get(s, 0.0), 3) for s in STAGES},
        "peak_rss_by_stage": {s: meter.peak.get(s, 0) for s in STAGES},
        "total_seconds": round(total, 3),
        "make_plan_stage_seconds": plan.stage_seconds,
    }


def _child(argv: list[str]) -> None:
    import resource

    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--seed", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    result = plan_once(args.scenario, args.seed, args.out)
    result["peak_rss_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- the parent: sizes, processes, fits

def officer_copies(profile: str, n: int) -> int:
    """How many copies of the profile's officer directory a directory of ``n`` subjects gets when officers
    scale with the plan (the generator's rule, :func:`scenarios.generate.directory.officer_copies`)."""
    from scenarios.generate import load_profile
    from scenarios.generate.directory import officer_copies as copies

    return copies(load_profile(profile), n)


def ensure_scenario(profile: str, n: int, cache: Path, officers: str = "scaled") -> tuple[Path, float | None]:
    """The cached generated scenario of ``n`` subjects (generated if absent); seconds spent generating.

    ``officers="generator"``: the profile's officer directory whatever the size (``jointcheck generate
    --profile-officers``). ``officers="scaled"``: officers grow with the directory as the generator makes them by
    default (:func:`officer_copies` copies with ids suffixed ``-r2``, ``-r3``, …; same departments, qualifications,
    grids and capacities, names of their own), so weekly capacity grows with the plan's sample sizes.
    """
    if officers not in ("scaled", "generator"):
        raise ValueError(f"officers must be 'scaled' or 'generator', not {officers!r}")
    scaled = officers == "scaled" and officer_copies(profile, n) > 1
    base = cache / (f"{profile}-n{n}-staff-x{officer_copies(profile, n)}" if scaled else f"{profile}-n{n}")
    spent = None
    if not ((base / "scenario.yaml").exists() and (base / "subjects.csv").exists() and (base / "officers.csv").exists()):
        from scenarios.generate import generate_scenario

        cache.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        generate_scenario(profile, base, n_subjects=n, overwrite=True, scale_staff=scaled)
        spent = time.perf_counter() - t0
    return base, spent


def run_size(scenario_dir: Path, seed: str, timeout: float = 3600.0, log: Path | None = None) -> dict:
    """Plan ``scenario_dir`` in a fresh process; adds the wall time and the kernel's peak RSS of that process."""
    out = Path(tempfile.mkdtemp(prefix="jointcheck-scale-")) / "plan"
    cmd = [sys.executable, "-m", "benchmarks.scale", "--child", str(scenario_dir), "--seed", seed, "--out", str(out)]
    stderr = open(log, "ab") if log else subprocess.DEVNULL
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, cwd=REPO)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            output = proc.stdout.read().decode()
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            stderr.close()
        shutil.rmtree(out.parent, ignore_errors=True)
    wall = time.perf_counter() - t0
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{scenario_dir}: child exited {proc.returncode}" + (f" (see {log})" if log else ""))
    result = json.loads(lines[-1][len("RESULT "):])
    result["process_wall_seconds"] = round(wall, 3)
    result["peak_rss"] = usage.ru_maxrss * 1024  # KiB on Linux
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    result["loadavg_after"] = _loadavg()
    result["scenario_dir"] = str(scenario_dir)
    return result


def fit_exponent(sizes: list[float], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(size); None with fewer than two usable points."""
    points = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds) if n > 0 and t > 0]
    if len(points) < 2 or len({x for x, _ in points}) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def nlogn_exponent(sizes: list[float]) -> float | None:
    """The slope n·log n itself has over these sizes (≈ 1 + 1/ln n): the ceiling for 'no worse than n log n'."""
    return fit_exponent(sizes, [n * math.log(n) for n in sizes])


def summarise(runs: list[dict]) -> dict:
    """Growth exponents (all sizes, and between the two largest) of the total and of every stage."""
    runs = sorted(runs, key=lambda r: r["subjects"])
    sizes = [r["subjects"] for r in runs]
    exps = {"total": fit_exponent(sizes, [r["total_seconds"] for r in runs])}
    last = {"total": fit_exponent(sizes[-2:], [r["total_seconds"] for r in runs[-2:]]) if len(runs) >= 2 else None}
    for stage in STAGES:
        exps[stage] = fit_exponent(sizes, [r["seconds"][stage] for r in runs])
        last[stage] = fit_exponent(sizes[-2:], [r["seconds"][stage] for r in runs[-2:]]) if len(runs) >= 2 else None
    return {"sizes": sizes, "exponent": exps, "exponent_last_two": last,
            "nlogn_exponent": nlogn_exponent(sizes),
            "nlogn_exponent_last_two": nlogn_exponent(sizes[-2:]) if len(sizes) >= 2 else None,
            "memory_exponent": fit_exponent(sizes, [r["peak_rss"] for r in runs])}


def _nearest(runs: list[dict], n: int) -> dict | None:
    hits = [r for r in runs if r["subjects"] == n]
    return hits[0] if hits else None


def check_targets(runs: list[dict], fits: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met or None when that size was not run)."""
    out: list[tuple[str, str, bool | None]] = []
    r60, r1m = _nearest(runs, 60_000), _nearest(runs, 1_000_000)
    out.append(("60k subjects end to end ≤ 30 s", f"{r60['total_seconds']:.1f} s" if r60 else "not run",
                r60["total_seconds"] <= TARGET_60K_S if r60 else None))
    out.append(("1M subjects end to end ≤ 5 min", f"{r1m['total_seconds']:.1f} s" if r1m else "not run",
                r1m["total_seconds"] <= TARGET_1M_S if r1m else None))
    out.append(("1M subjects peak memory ≤ 8 GiB", f"{r1m['peak_rss'] / GIB:.2f} GiB" if r1m else "not run",
                r1m["peak_rss"] <= TARGET_1M_BYTES if r1m else None))
    short = [r for r in runs if r.get("unplaced")]
    out.append(("every size planned completely (no unplaced pairs; else its times are not a full plan's)",
                ", ".join(f"{r['subjects']:,}: {r['unplaced']:,} of {r['drawn_pairs']:,} pairs unplaced" for r in short)
                or "all placed", not short))
    exp, ref = fits["exponent"]["total"], fits["nlogn_exponent"]
    out.append(("time grows no worse than n log n (fitted over all sizes)",
                f"n^{exp:.2f} (n log n: n^{ref:.2f})" if exp is not None else "too few sizes",
                exp <= ref if exp is not None else None))
    exp2, ref2 = fits["exponent_last_two"]["total"], fits["nlogn_exponent_last_two"]
    out.append(("time grows no worse than n log n (between the two largest sizes)",
                f"n^{exp2:.2f} (n log n: n^{ref2:.2f})" if exp2 is not None else "too few sizes",
                exp2 <= ref2 if exp2 is not None else None))
    return out


def _fmt_exp(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _loadavg() -> str | None:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return None


def markdown(runs: list[dict], fits: dict, header: str, profile: str, seed: str, chart: Path | None,
             profile_note: str | None, officers: str = "scaled") -> str:
    runs = sorted(runs, key=lambda r: r["subjects"])
    head = "| subjects | officers | drawn pairs | visits | unplaced | " + " | ".join(STAGES) + \
        " | **total s** | CPU s | peak RSS | load avg after |"
    lines = [head, "| " + " | ".join(["---:"] * (head.count("|") - 1)) + " |"]
    for r in runs:
        lines.append(
            f"| {r['subjects']:,} | {r['officers']:,} | {r['drawn_pairs']:,} | {r['visits']:,} | {r['unplaced']:,} | "
            + " | ".join(f"{r['seconds'][s]:.2f}" for s in STAGES)
            + f" | **{r['total_seconds']:.1f}** | {r['cpu_seconds']:.1f} | {r['peak_rss'] / GIB:.2f} GiB"
            + f" | {r.get('loadavg_after') or '—'} |"
        )
    lines.append("| growth exponent (all sizes) | | | | | " + " | ".join(_fmt_exp(fits["exponent"][s]) for s in STAGES)
                 + f" | **{_fmt_exp(fits['exponent']['total'])}** | | {_fmt_exp(fits['memory_exponent'])} | |")
    lines.append("| growth exponent (two largest) | | | | | "
                 + " | ".join(_fmt_exp(fits["exponent_last_two"][s]) for s in STAGES)
                 + f" | **{_fmt_exp(fits['exponent_last_two']['total'])}** | | | |")
    cpu = ["| subjects | " + " | ".join(STAGES) + " | total |", "| ---: |" + " ---: |" * (len(STAGES) + 1)]
    cpu += [f"| {r['subjects']:,} | " + " | ".join(f"{r['cpu_seconds_by_stage'][s]:.2f}" for s in STAGES)
            + f" | {sum(r['cpu_seconds_by_stage'].values()):.1f} |" for r in runs if "cpu_seconds_by_stage" in r]
    mem = ["| subjects | " + " | ".join(STAGES) + " |", "| ---: |" + " ---: |" * len(STAGES)]
    mem += [f"| {r['subjects']:,} | " + " | ".join(f"{r['peak_rss_by_stage'][s] / GIB:.2f}" for s in STAGES) + " |"
            for r in runs]
    targets = check_targets(runs, fits)
    what = ("the officer directory repeated ceil(n / profile size) times, so weekly capacity grows with the "
            "plan's sample sizes" if officers == "scaled" else
            "the generator's officer directory as is (the same officers whatever the size)")
    text = [
        f"# Scale: {profile}, seed {seed}, officers {officers}",
        "",
        "```", header.rstrip(), "```",
        "",
        f"Scenarios from the generator profile `{profile}` (sample sizes scale with the directory); officers: "
        f"{what}. End to end = load + make_plan + write, each size in a fresh process. Stage seconds are "
        "wall-clock; 'other' is make_plan's glue between its stages (task frames, officer needs, inspection "
        "codes). CPU s is the child's user+system time (both cores count), the figure least disturbed by other "
        "load on the machine. Peak RSS is the kernel's ru_maxrss of the child process. Growth exponents are "
        "least-squares slopes of log(wall seconds) on log(subjects); n log n has slope "
        f"{_fmt_exp(fits['nlogn_exponent'])} over these sizes ({_fmt_exp(fits['nlogn_exponent_last_two'])} "
        "between the two largest).",
        "",
        *lines,
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | ---: | --- |",
        *[f"| {t} | {m} | {'not run' if ok is None else ('met' if ok else '**MISSED**')} |" for t, m, ok in targets],
        "",
        "## CPU seconds by stage (user+system of the process)",
        "",
        *cpu,
        "",
        "## Peak RSS by stage (GiB, sampled every 20 ms)",
        "",
        *mem,
        "",
    ]
    if profile_note:
        text += ["## Profile", "", profile_note, ""]
    if chart is not None:
        text += [f"![scale]({chart.name})", ""]
    return "\n".join(text)


def write_chart(runs: list[dict], fits: dict, path: Path) -> Path:
    """Log–log time per stage and total against subjects, with an n log n reference through the first total."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sorted(runs, key=lambda r: r["subjects"])
    sizes = [r["subjects"] for r in runs]
    fig, (ax, mx) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=120)
    totals = [r["total_seconds"] for r in runs]
    ax.loglog(sizes, totals, "o-", color="k", linewidth=2, label=f"total (n^{_fmt_exp(fits['exponent']['total'])})")
    for stage in STAGES:
        values = [max(r["seconds"][stage], 1e-3) for r in runs]
        if max(values) >= 0.05 * max(totals):
            ax.loglog(sizes, values, ".--", label=f"{stage} (n^{_fmt_exp(fits['exponent'][stage])})")
    ref = [totals[-1] * (n * math.log(n)) / (sizes[-1] * math.log(sizes[-1])) for n in sizes]
    ax.loglog(sizes, ref, ":", color="grey", label="n log n through the largest")
    ax.axhline(TARGET_1M_S, color="#e76f51", linewidth=0.8, linestyle="-.", label="5 min")
    ax.set_xlabel("subjects")
    ax.set_ylabel("seconds (wall)")
    ax.set_title("end-to-end plan time by stage")
    ax.legend(fontsize=7)
    mx.semilogx(sizes, [r["peak_rss"] / GIB for r in runs], "o-", color="#2a9d8f")
    mx.set_ylim(0, max(TARGET_1M_BYTES / GIB, max(r["peak_rss"] / GIB for r in runs)) * 1.1)
    mx.axhline(TARGET_1M_BYTES / GIB, color="#e76f51", linewidth=0.8, linestyle="-.", label="8 GiB")
    mx.set_xlabel("subjects")
    mx.set_ylabel("peak RSS (GiB)")
    mx.set_title("peak memory")
    mx.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def profile_size(scenario_dir: Path, seed: str, top: int = 25) -> str:
    """cProfile one plan in this process; the top functions by cumulative and by own time."""
    out = Path(tempfile.mkdtemp(prefix="jointcheck-profile-")) / "plan"
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        plan_once(scenario_dir, seed, out)
        profiler.disable()
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[10_000, 60_000, 250_000, 1_000_000])
    ap.add_argument("--profile", default="changning-2024", help="generator profile")
    ap.add_argument("--seed", default="20240301", help="public seed value")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per size")
    ap.add_argument("--cprofile", type=int, default=None, help="also cProfile this size in-process")
    ap.add_argument("--officers", choices=["scaled", "generator"], default="scaled",
                    help="scaled: officer directory repeated ceil(n/profile size) times; generator: as generated")
    ap.add_argument("--no-chart", action="store_true")
    args = ap.parse_args(argv)

    header = print_header()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "scale" if args.officers == "scaled" else "scale-generator-officers"
    if not args.sizes:  # `--sizes --cprofile N`: the profile alone
        if not args.cprofile:
            ap.error("no sizes and no --cprofile: nothing to do")
        scenario_dir, _ = ensure_scenario(args.profile, args.cprofile, args.cache, args.officers)
        prof_path = args.out / f"{stem}-profile-{args.cprofile}.txt"
        prof_path.write_text(profile_size(scenario_dir, args.seed))
        print(f"wrote {prof_path}")
        return
    log = args.out / f"{stem}.log"
    log.write_text("")
    runs = []
    for n in sorted(args.sizes):
        scenario_dir, generated = ensure_scenario(args.profile, n, args.cache, args.officers)
        if generated is not None:
            print(f"generated {scenario_dir} in {generated:.1f} s", flush=True)
        result = run_size(scenario_dir, args.seed, args.timeout, log)
        runs.append(result)
        stages = " ".join(f"{s} {result['seconds'][s]:.2f}" for s in STAGES)
        print(f"{n:>9,} subjects, {result['officers']:,} officers: total {result['total_seconds']:.1f} s "
              f"(CPU {result['cpu_seconds']:.1f} s) | {stages} | peak RSS {result['peak_rss'] / GIB:.2f} GiB | "
              f"visits {result['visits']:,}, unplaced {result['unplaced']:,} | load {result['loadavg_after']}",
              flush=True)
    fits = summarise(runs)
    for target, measured, ok in check_targets(runs, fits):
        print(f"TARGET {'not run' if ok is None else ('met   ' if ok else 'MISSED')} {target}: {measured}")
    note = None
    if args.cprofile:
        scenario_dir, _ = ensure_scenario(args.profile, args.cprofile, args.cache, args.officers)
        prof = profile_size(scenario_dir, args.seed)
        prof_path = args.out / f"{stem}-profile-{args.cprofile}.txt"
        prof_path.write_text(prof)
        note = f"cProfile of {args.cprofile:,} subjects: see `{prof_path.name}`."
        print(f"wrote {prof_path}")
    chart = None if args.no_chart else write_chart(runs, fits, args.out / f"{stem}.png")
    (args.out / f"{stem}.json").write_text(json.dumps(
        {"header": header, "profile": args.profile, "seed": args.seed, "officers": args.officers,
         "runs": runs, "fits": fits}, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(
        markdown(runs, fits, header, args.profile, args.seed, chart, note, args.officers))
    print(f"wrote {args.out / (stem + '.md')}, {args.out / (stem + '.json')}" + (f", {chart}" if chart else ""))


if __name__ == "__main__":
    main()
