"""Inclusion probabilities π of one task's eligible subjects, computed per profile (never per subject).

Each profile has a sampling weight w = the product of the ``multiply`` factors of the pair rules that
fired on it (1 when none did). The task's sampling mode then decides π:

* ``ratio`` r:            π = min(1, r × w).
* ``ratio_by_class`` r_c: π = min(1, r_c × w); the class factors do not apply because the law files
  make their ``credit`` rules require ``ratio_mode ≠ ratio_by_class``. A class missing from the
  mapping gets π = 0 (with a warning).
* ``count`` n:            π = min(1, c × w) with the scale c chosen so that Σπ = n over the eligible
  subjects (weights proportional to w; strata pushed above 1 are capped at 1 and the rest of the
  count is spread over the others, repeated until no stratum exceeds 1). If n ≥ eligible, π = 1.
* A ``mandatory`` profile has π = 1; under ``count`` it takes one of the n draws.

Every clip at 1 is reported as a warning citing the first rule whose factor pushed π above 1.

Strata: the stratum of a profile is its risk class (or ``all`` when the policy's ``stratify_by`` is
``none``), with ``:targeted`` / ``:mandatory`` appended when those flags are set, and a further
``:<k>`` (1 = highest π) when subjects of the same label still differ in π. Probabilities are
rounded to 12 decimals. Within a (task, stratum) every subject
has the same π, so the draw may take round(Σπ) subjects per stratum by simple random sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.effects import Factor, Finding, PairOutcome
from rules.law.policy import InForce
from scenarios.model import Task

__all__ = ["Profile", "TaskProbabilities", "assign"]

_EPS = 1e-12


@dataclass(frozen=True)
class Profile:
    """A distinct fact profile of a task's eligible subjects: how many, which class, and the rule outcome."""

    pid: int
    risk_class: str
    n: int
    outcome: PairOutcome

    @property
    def weight(self) -> float:
        w = 1.0
        for f in self.outcome.factors:
            w *= f.value
        return w


@dataclass
class TaskProbabilities:
    prob: dict[int, float]
    stratum: dict[int, str]
    scale: float | None
    findings: list[Finding]


def _culprit(start: float, factors: list[Factor]) -> Factor | None:
    value = start
    for f in factors:
        value *= f.value
        if value > 1 + _EPS:
            return f
    return None


def _formula(start: float, factors: list[Factor]) -> str:
    text = f"{start:.4g}"
    for f in factors:
        text += f" × {f.value:g} ({f.rule_id})"
    return text


def _clip_finding(law: InForce, task: Task, label: str, start: float, p: Profile, how: str) -> Finding:
    """A warning that π was clipped, citing the first rule whose factor took it above 1."""
    culprit = _culprit(start, p.outcome.factors)
    raw = start * p.weight
    if culprit is None:
        rule_id, source = f"scenario:{task.id}", "scenario.yaml"
    else:
        rule = next(r.rule for r in law.rules if r.rule.id == culprit.rule_id)
        rule_id, source = rule.id, str(rule.source)
    message = (f"task {task.id}, stratum {label}: {_formula(start, p.outcome.factors)} = {raw:.4g} > 1; "
               f"inclusion probability {how}")
    how_zh = {"clipped to 1": "取 1", "capped at 1 and the rest of the count spread over the other strata":
              "取 1，其余抽取数量分配到其他层"}.get(how, how)
    message_zh = (f"任务 {task.id}，分层 {label}：{_formula(start, p.outcome.factors)} = {raw:.4g} > 1；入样概率{how_zh}")
    return Finding("warning", rule_id, source, message, task.id, stratum=label, message_zh=message_zh)


def _count_scale(count: float, free: list[Profile]) -> tuple[float, set[int]]:
    """The scale c with Σ n·min(1, c·w) = count over ``free``, and the pids capped at 1."""
    capped: set[int] = set()
    remaining = count
    while True:
        rest = [p for p in free if p.pid not in capped]
        denom = sum(p.n * p.weight for p in rest)
        c = remaining / denom if denom > 0 else 0.0
        over = [p for p in rest if c * p.weight > 1 + _EPS]
        if not over:
            return c, capped
        for p in over:
            capped.add(p.pid)
            remaining -= p.n


def _labels(profiles: list[Profile], prob: dict[int, float], stratify_by: str) -> dict[int, str]:
    base = {}
    for p in profiles:
        label = p.risk_class if stratify_by == "risk_class" else "all"
        label += ":targeted" if p.outcome.targeted else ""
        label += ":mandatory" if p.outcome.mandatory else ""
        base[p.pid] = label
    out = {}
    for label in set(base.values()):
        members = [p.pid for p in profiles if base[p.pid] == label]
        distinct = sorted({round(prob[m], 12) for m in members}, reverse=True)
        for m in members:
            out[m] = label if len(distinct) == 1 else f"{label}:{distinct.index(round(prob[m], 12)) + 1}"
    return out


def assign(law: InForce, task: Task, profiles: list[Profile], stratify_by: str) -> TaskProbabilities:
    """π and stratum for each profile of ``task`` (see the module docstring for the exact semantics)."""
    prob: dict[int, float] = {}
    findings: list[Finding] = []
    scale: float | None = None
    clipped: list[tuple[Profile, float, str]] = []  # (profile, start, what happened), reported once labelled
    n_eligible = sum(p.n for p in profiles)
    if n_eligible == 0:  # a type no subject has (or none eligible): said, not left to a task count that drops it
        findings.append(Finding("warning", f"scenario:{task.id}", "scenario.yaml",
                                f"task {task.id} has no eligible subject ({task.object_type}): it draws nobody", task.id,
                                message_zh=f"任务 {task.id} 没有符合条件的检查对象（{task.object_type}）：不会抽取任何对象"))
    mandatory = [p for p in profiles if p.outcome.mandatory]
    for p in mandatory:
        prob[p.pid] = 1.0
    free = [p for p in profiles if not p.outcome.mandatory]
    if task.count is not None:
        remaining = task.count - sum(p.n for p in mandatory)
        if task.count >= n_eligible:
            scale = 1.0
            prob.update({p.pid: 1.0 for p in free})
            if profiles:
                findings.append(Finding("warning", f"scenario:{task.id}", "scenario.yaml",
                                        f"task {task.id} asks for {task.count} subjects but {n_eligible} are "
                                        "eligible: every eligible subject is drawn", task.id,
                                        message_zh=f"任务 {task.id} 要求抽取 {task.count} 户，但符合条件的只有 "
                                        f"{n_eligible} 户：全部抽取"))
        elif remaining <= 0:
            scale = 0.0
            prob.update({p.pid: 0.0 for p in free})
            rule = law.policy.rule(next(r for r in mandatory[0].outcome.rules
                                        if law.policy.rule(r).rule.then.mandatory is not None)).rule
            findings.append(Finding("warning", rule.id, str(rule.source),
                                    f"task {task.id}: {task.count - remaining} mandatory subjects fill the count "
                                    f"of {task.count}; no other subject can be drawn", task.id,
                                    message_zh=f"任务 {task.id}：{task.count - remaining} 户必抽对象已占满抽取数量 "
                                    f"{task.count}，不能再抽取其他对象"))
        else:
            scale, capped = _count_scale(remaining, free)
            for p in free:
                prob[p.pid] = 1.0 if p.pid in capped else scale * p.weight
                if p.pid in capped:
                    clipped.append((p, scale, "capped at 1 and the rest of the count spread over the other strata"))
    else:
        if task.ratio is not None:
            scale = float(task.ratio)
        for p in free:
            start = scale if scale is not None else (task.ratio_by_class or {}).get(p.risk_class)
            if start is None:
                prob[p.pid] = 0.0
                findings.append(Finding("warning", f"scenario:{task.id}", "scenario.yaml",
                                        f"task {task.id}: ratio_by_class gives no ratio for class {p.risk_class}; "
                                        f"its {p.n} eligible subjects cannot be drawn", task.id,
                                        message_zh=f"任务 {task.id}：分类抽查比例（ratio_by_class）未给出 {p.risk_class} "
                                        f"类的比例，其 {p.n} 户符合条件的对象无法被抽取"))
                continue
            raw = float(start) * p.weight
            prob[p.pid] = min(1.0, raw)
            if raw > 1 + _EPS:
                clipped.append((p, float(start), "clipped to 1"))
    prob = {pid: round(value, 12) for pid, value in prob.items()}  # 0.2 × 1.5 × 2 is 0.6, not 0.6000000000000001
    labels = _labels(profiles, prob, stratify_by)
    findings += [_clip_finding(law, task, labels[p.pid], start, p, how) for p, start, how in clipped]
    return TaskProbabilities(prob, labels, scale, _dedupe(findings))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if (f.rule_id, f.message) not in seen:
            seen.add((f.rule_id, f.message))
            out.append(f)
    return out
