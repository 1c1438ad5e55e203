"""City scale (issue 19): the central split is exact, the engines agree byte for byte, and a district planned in a
city run is the district planned alone with the same city-wide sizes — on scenarios/city-3 (3 × 2,000 subjects)."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.city import (
    city_count_expectations,
    district_public_value,
    split_start,
    systematic_shares,
)
from optimizer.city.district import CensusJob, census
from optimizer.city.run import city_shares
from rules import evaluate
from scenarios import load_scenario
from scenarios.city import check_city, with_city_tasks, write_district_scenario
from scenarios.generate.city import generate_city
from ui.cli import app

CITY = Path(__file__).resolve().parent.parent / "scenarios" / "city-3"
SEED = "20230301"
runner = CliRunner()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ the split

@pytest.mark.parametrize("expected", [[400, 600], [2500, 0, 1250, 999, 1], [3400, 2900, 3000], [0, 0], [7000]])
def test_systematic_shares_are_exact_over_every_start(expected):
    """Over all starts of a 1/1000 grid: each share's mean is exactly its expectation, each share is ⌊e⌋ or ⌈e⌉,
    the total ⌊Σ⌋ or ⌈Σ⌉ (the law's 0.4 and 0.6 strata are drawn 40% and 60% of the time, never 0 or 1 always)."""
    scale = 1000
    runs = [systematic_shares(expected, u, scale) for u in range(scale)]
    for d, e in enumerate(expected):
        assert Fraction(sum(r[d] for r in runs), scale) == Fraction(e, scale)
        assert {r[d] for r in runs} <= {e // scale, -(-e // scale)}
    total = sum(expected)
    assert {sum(r) for r in runs} <= {total // scale, -(-total // scale)}


def test_split_start_is_seeded_and_in_range():
    assert split_start("a", "C01") == split_start("a", "C01")
    assert split_start("a", "C01") != split_start("b", "C01")
    assert all(0 <= split_start(str(k), "C01", 7) < 7 for k in range(50))
    with pytest.raises(ValueError):
        systematic_shares([1000], 1000, 1000)


def test_city_count_expectations_follow_the_rules_count_semantics():
    # equal weights: shares proportional to eligible subjects; the count is met exactly
    got = city_count_expectations(9, {"a": [(1.0, 60, False)], "b": [(1.0, 30, False)]})
    assert got == pytest.approx({"a": 6.0, "b": 3.0})
    # a heavy stratum whose π would pass 1 is capped and the rest spread over the others; mandatory take π = 1
    got = city_count_expectations(10, {"a": [(100.0, 2, False), (1.0, 40, False)], "b": [(1.0, 40, False), (1.0, 3, True)]})
    assert sum(got.values()) == pytest.approx(10)
    assert got["a"] == pytest.approx(2 + 40 * 5 / 80) and got["b"] == pytest.approx(3 + 40 * 5 / 80)
    # a count reaching every eligible subject takes them all
    assert city_count_expectations(99, {"a": [(1.0, 5, False)], "b": [(2.0, 4, True)]}) == {"a": 5.0, "b": 4.0}


@pytest.fixture(scope="module")
def city_censuses():
    city, problems = check_city(CITY)
    assert city is not None, problems
    return city, [census(CensusJob(city, d)) for d in city.districts]


def test_census_measures_the_rules_sum_of_pi(city_censuses):
    """A ratio task's expected share in a district is Σπ of the rules for that task there, under the city policy."""
    city, censuses = city_censuses
    task = next(t for t in city.spec.tasks if t.ratio is not None)
    for c in censuses:
        scenario = load_scenario(city.district_dir(c.district))
        probe = scenario.model_copy(update={"spec": scenario.spec.model_copy(update={"tasks": [task], "policy": city.spec.policy})})
        pi = evaluate(probe).pairs.filter(pl.col("task_id") == task.id)["inclusion_prob"]
        assert c.ratio_units[task.id] == int((pi * 10**12).round().sum())
        assert c.ratio_units[task.id] > 0


def test_shares_over_many_seeds_have_mean_sigma_pi(city_censuses):
    """The law's numbers (city-3's rules): over 20,000 plan seeds each district's mean share equals its Σπ
    (within 5 standard errors) and every share and total is ⌊·⌋ or ⌈·⌉ of its expectation."""
    city, censuses = city_censuses
    n = 20_000
    sums: dict[tuple[str, str], int] = {}
    expected = city_shares(city, censuses, "seed-0")
    for k in range(n):
        split = city_shares(city, censuses, f"seed-{k}")
        for task_id, entry in split.items():
            total = entry["expected_total"]
            assert entry["total"] in {int(total // 1), -int(-total // 1)}
            for d, share in entry["shares"].items():
                e = entry["expected"][d]
                assert share in {int(e // 1), -int(-e // 1)}
                sums[(task_id, d)] = sums.get((task_id, d), 0) + share
    for (task_id, d), total in sums.items():
        assert total / n == pytest.approx(expected[task_id]["expected"][d], abs=5 * 0.5 / n**0.5), (task_id, d)
    count_task = next(t for t in city.spec.tasks if t.count is not None)
    assert expected[count_task.id]["expected_total"] == pytest.approx(count_task.count, abs=1e-9)


# ------------------------------------------------------------------ the city scenario

def test_bundled_city_is_the_generators_output(tmp_path):
    from scenarios.outputs import MARK

    generate_city(tmp_path / "city", 3, 2000)
    generated = _files(tmp_path / "city")
    assert generated.pop(MARK)  # the generator's mark (jointcheck wrote it: generate --force may replace it)
    assert generated == _files(CITY)


@pytest.fixture
def city_copy(tmp_path: Path) -> Path:
    target = tmp_path / "city"
    shutil.copytree(CITY, target)
    return target


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_city_yaml_problems_are_located(city_copy):
    city_yaml = city_copy / "city.yaml"
    _rewrite(city_yaml, "policy: shanghai-2024", "policy: nowhere-2024")
    _rewrite(city_yaml, "districts: [huangpu, xuhui, changning]", "districts: [huangpu, xuhui, huangpu, gone]")
    _rewrite(city_yaml, "  count: 9\n", "")
    city, problems = check_city(city_copy)
    assert city is None
    text = [str(p) for p in problems]
    assert any(t.startswith("city.yaml row 4, policy: unknown policy 'nowhere-2024'") for t in text), text
    assert any("city.yaml row 11, districts[2]: 'huangpu' is listed twice" in t for t in text), text
    assert any("city.yaml row 11, districts[3]: 'gone': no district scenario" in t for t in text), text
    assert any(t.startswith("city.yaml row 21, tasks[C02]: give exactly one of ratio, count or ratio_by_class") for t in text), text


def test_city_tasks_are_checked_against_every_district(city_copy):
    """An item a district lacks, a task id it already uses, a year it does not plan: located in city.yaml."""
    xuhui = city_copy / "xuhui" / "scenario.yaml"  # the district names the item otherwise, everywhere
    xuhui.write_text(xuhui.read_text(encoding="utf-8").replace("SAMR04", "SAMR04X"), encoding="utf-8")
    _rewrite(city_copy / "city.yaml", "- id: C02", "- id: T01")
    city, problems = check_city(city_copy)
    assert city is not None, problems
    found = [str(p) for d in city.districts for p in census(CensusJob(city, d)).problems]
    assert "city.yaml row 17, tasks[C01].items: item 'SAMR04' is not in district 'xuhui' (xuhui/scenario.yaml)" in found, found
    assert any(t.startswith("city.yaml row 21, tasks[T01].id: 'T01' is also a task id of district 'huangpu'") for t in found), found
    result = runner.invoke(app, ["validate", str(city_copy), "--lang", "en"])
    assert result.exit_code == 1 and "item 'SAMR04' is not in district 'xuhui'" in result.output, result.output


def test_validate_and_generate_a_city(tmp_path):
    result = runner.invoke(app, ["validate", str(CITY), "--lang", "en"])
    assert result.exit_code == 0 and "3 districts, 2 city-wide task(s)" in result.output, result.output
    out = tmp_path / "c"
    result = runner.invoke(app, ["generate", "city", "--districts", "2", "--subjects-per-district", "500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    city, problems = check_city(out)
    assert city is not None and city.districts == ["huangpu", "xuhui"], problems


def test_a_bad_city_writes_nothing(city_copy, tmp_path):
    _rewrite(city_copy / "city.yaml", "object_type: travel_agency", "object_type: spaceport")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["plan", str(city_copy), "--seed", SEED, "--out", str(out), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "tasks[C01].object_type: object type 'spaceport' is not in district 'huangpu'" in result.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["city"]


def test_district_options_are_refused_for_a_district(tmp_path):
    result = runner.invoke(app, ["plan", str(CITY / "huangpu"), "--seed", SEED, "--out", str(tmp_path / "p"),
                                 "--engine", "ray", "--lang", "en"])
    assert result.exit_code == 2 and "for a city directory" in result.output


def test_district_tool_never_imports_ray():
    import subprocess
    import sys

    code = ("import sys, ui.cli, optimizer.plan, optimizer.export, optimizer.city, scenarios.city; "
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ same answer

@pytest.fixture(scope="module")
def local_plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "local"
    result = runner.invoke(app, ["plan", str(CITY), "--seed", SEED, "--out", str(out), "--engine", "local", "--workers", "2"])
    assert result.exit_code == 0, result.output
    return out


def test_city_output_gathers_the_districts(local_plan):
    manifest = json.loads((local_plan / "manifest.json").read_text(encoding="utf-8"))
    assert [d["district"] for d in manifest["districts"]] == ["huangpu", "xuhui", "changning"]
    for d in manifest["districts"]:
        inner = local_plan / "districts" / d["district"] / "manifest.json"
        import hashlib
        assert d["manifest_sha256"] == hashlib.sha256(inner.read_bytes()).hexdigest()
    visits = pl.read_parquet(local_plan / "visits.parquet")
    assert visits.columns[0] == "district"
    for d in manifest["districts"]:
        alone = pl.read_parquet(local_plan / "districts" / d["district"] / "visits.parquet")
        assert visits.filter(pl.col("district") == d["district"]).drop("district").equals(alone)
    for task in manifest["city_tasks"]:  # every city-wide task drawn exactly its shares, district by district
        draws = pl.read_parquet(local_plan / "draws.parquet").filter(pl.col("task_id") == task["id"], pl.col("selected"))
        got = dict(draws.group_by("district").len().iter_rows())
        assert {d: n for d, n in task["shares"].items() if n} == got


def test_ray_writes_the_same_bytes_as_local(local_plan, ray_session, tmp_path):
    out = tmp_path / "ray"
    result = runner.invoke(app, ["plan", str(CITY), "--seed", SEED, "--out", str(out), "--engine", "ray", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert _files(out) == _files(local_plan)


def test_a_district_in_the_city_equals_the_district_planned_alone(local_plan, tmp_path):
    """`jointcheck plan` on the district with its city-wide tasks added as count tasks of the same sizes, under the
    district's public value, writes the very files the city run wrote for it."""
    city, _ = check_city(CITY)
    manifest = json.loads((local_plan / "manifest.json").read_text(encoding="utf-8"))
    for d in city.districts:
        shares = {t["id"]: t["shares"][d] for t in manifest["city_tasks"]}
        scenario_dir = write_district_scenario(with_city_tasks(load_scenario(city.district_dir(d)), city, shares),
                                               tmp_path / f"{d}-scenario")
        out = tmp_path / d
        value = district_public_value(SEED, city.name, d)
        result = runner.invoke(app, ["plan", str(scenario_dir), "--seed", value, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert _files(out) == _files(local_plan / "districts" / d), d


def test_check_and_verify_a_city_plan(local_plan):
    """全程留痕: every district passes the hard-rule checker, and the census, split and every draw are re-done from
    the revealed public value; another value fails."""
    result = runner.invoke(app, ["check", str(local_plan), str(CITY), "--lang", "en"])
    assert result.exit_code == 0 and "every check passed in all 3 districts" in result.output, result.output
    result = runner.invoke(app, ["verify", str(local_plan), str(CITY), "--seed", SEED, "--lang", "en"])
    assert result.exit_code == 0 and "city-wide task shares matches" in result.output, result.output
    result = runner.invoke(app, ["verify", str(local_plan), str(CITY), "--seed", "1", "--lang", "en"])
    assert result.exit_code == 1 and "split seed commitment does NOT match" in result.output, result.output
    zh = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}  # Chinese by default
    result = runner.invoke(app, ["check", str(local_plan), str(CITY)], env=zh)
    assert result.exit_code == 0 and f"结论：通过 — {local_plan}：全部 3 个区的检查均通过" in result.output, result.output
    result = runner.invoke(app, ["verify", str(local_plan), str(CITY), "--seed", "1"], env=zh)
    assert result.exit_code == 1 and "分配随机数承诺不一致" in result.output and "结论：不通过 — 全市计划" in result.output, \
        result.output



@pytest.mark.parametrize("tamper", ["district parquet", "stray file", "district manifest rehashed"])
def test_a_tampered_city_plan_is_refused_by_check_and_verify(local_plan, tmp_path, tamper):
    """The city plan passes the same gate as a district's: every district bound to its signed record, the city's
    files and district manifests the ones its manifest binds, nothing added."""
    import hashlib
    import json
    import shutil

    copy = tmp_path / "city-plan"
    shutil.copytree(local_plan, copy)
    district = sorted((copy / "districts").iterdir())[0]
    if tamper == "stray file":
        (copy / "notes.txt").write_text("x", encoding="utf-8")
    else:
        import polars as pl

        a = pl.read_parquet(district / "assignments.parquet")
        a.slice(1).write_parquet(district / "assignments.parquet")  # an officer taken off a visit
        if tamper == "district manifest rehashed":
            m = json.loads((district / "manifest.json").read_text(encoding="utf-8"))
            m["files"]["assignments.parquet"] = hashlib.sha256((district / "assignments.parquet").read_bytes()).hexdigest()
            (district / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    for args in (["check", str(copy), str(CITY)], ["verify", str(copy), str(CITY), "--seed", SEED]):
        result = runner.invoke(app, [*args, "--lang", "en"])
        assert result.exit_code == 1 and "refused" in result.output, result.output

def test_a_district_error_crosses_processes_naming_the_district():
    """What a district's rules or policy refuse (PlanBlocked, PolicyError) comes back from any worker as a
    DistrictError naming the district, with the command line's exit code."""
    import pickle

    from optimizer.city.district import DistrictError, _planning
    from optimizer.draw import PlanBlocked

    error = pickle.loads(pickle.dumps(DistrictError("huangpu", "the plan breaks rules of its policy", 1)))
    assert (error.district, error.code, str(error)) == ("huangpu", 1, "district 'huangpu': the plan breaks rules of its policy")
    chinese = pickle.loads(pickle.dumps(DistrictError("huangpu", "the plan breaks rules", 1, "计划违反规则")))
    assert (chinese.text("zh"), chinese.text("en")) == ("区“huangpu”：计划违反规则", "district 'huangpu': the plan breaks rules")
    findings = pl.DataFrame({"rule_id": ["r1"], "source": ["doc"], "message": ["too high"]})
    with pytest.raises(DistrictError, match="district 'xuhui': the plan breaks rules of its policy"):
        with _planning("xuhui"):
            raise PlanBlocked(findings)
