"""The public 检查码 service (issue 29), on a real server: ``jointcheck serve`` started on a loopback port, asked over
HTTP as a firm's phone would. The rate limit's arithmetic and the adjusted-plan answers are also checked alone."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.browser.harness import free_port, serving
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
SEED = "20240301"
runner = CliRunner()


@contextlib.contextmanager
def _served(*folders: Path, env: dict[str, str], timeout: float = 60.0) -> Iterator[str]:
    """``jointcheck serve`` on a free loopback port; yields its URL; stops it afterwards."""
    port = free_port()
    with serving([sys.executable, "-m", "ui.cli", "serve", *map(str, folders), "--port", str(port), "--lang", "en"],
                 "/api/notices", port, timeout, env) as url:
        yield url


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tiny with a firm named in markup, planned and recorded in a ledger and key of its own."""
    root = tmp_path_factory.mktemp("serve")
    scenario = root / "tiny"
    shutil.copytree(TINY, scenario)
    subjects = scenario / "subjects.csv"
    lines = subjects.read_text(encoding="utf-8").splitlines()
    lines = [lines[0], *(",".join([f[0], "<b>x</b>" + f[1], *f[2:]]) for f in (line.split(",") for line in lines[1:]))]
    subjects.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"JOINTCHECK_LEDGER": str(root / "j.db"), "JOINTCHECK_KEY_FILE": str(root / "d.key")}
    done = subprocess.run([sys.executable, "-m", "ui.cli", "plan", str(scenario), "--seed", SEED, "--out", str(root / "plan")],
                          cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"root": root, "scenario": scenario, "plan": root / "plan", "env": env}


@pytest.fixture(scope="module")
def served(district) -> Iterator[str]:
    with _served(district["plan"], district["scenario"], env=district["env"]) as url:
        yield url


def test_a_genuine_code_names_the_firm_date_departments_and_officers(district, served) -> None:
    visits = pl.read_parquet(district["plan"] / "visits.parquet")
    row = visits.row(0, named=True)
    status, headers, body = _get(f"{served}/api/code/{row['inspection_code'].lower().replace('-', '')}")
    answer = json.loads(body)
    assert status == 200 and answer["genuine"] is True and answer["date"] == str(row["date"])
    assert answer["officers"] and all(o["name"] and o["id"] for o in answer["officers"])
    assert answer["departments"] and answer["status"] == "current"
    status, headers, page = _get(f"{served}/c/{row['inspection_code']}")
    assert status == 200 and "真实" in page and str(row["date"]) in page
    others = set(visits["inspection_code"]) - {row["inspection_code"]}
    assert not [c for c in others if c in page], "nothing about any other visit"


def test_an_altered_code_is_not_found_and_says_nothing_else(district, served) -> None:
    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    altered = ("A" if code[0] != "A" else "B") + code[1:]
    status, _, body = _get(f"{served}/api/code/{altered}")
    assert status == 200 and json.loads(body) == {"genuine": False}
    status, _, page = _get(f"{served}/c/{altered}?lang=en")
    assert status == 200 and "not found" in page
    assert "date" not in page.lower().split("not found")[1][:200]


@pytest.mark.parametrize("path", ["/c/..%2F..%2Fetc%2Fpasswd", "/../../etc/passwd", "/c/../../etc/passwd",
                                  "/api/code/..%2F..%2F..%2Fetc%2Fshadow", "/%2e%2e/%2e%2e/etc/passwd", "/static/../pyproject.toml"])
def test_no_path_reaches_outside(served, path: str) -> None:
    sock = socket.create_connection(("127.0.0.1", int(served.rsplit(":", 1)[1])), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    text = data.decode("utf-8", "replace")
    assert "root:" not in text and "[project]" not in text and "Traceback" not in text
    assert text.startswith(("HTTP/1.1 200", "HTTP/1.1 404", "HTTP/1.1 400"))


def test_markup_in_a_name_is_escaped_and_headers_are_set(district, served) -> None:
    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    status, headers, page = _get(f"{served}/c/{code}")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    lowered = {k.lower(): v for k, v in headers.items()}
    assert "default-src 'none'" in lowered["content-security-policy"] and lowered["x-content-type-options"] == "nosniff"
    assert lowered["x-frame-options"] == "DENY" and lowered["cache-control"] == "no-store"


def test_the_notices_page_is_the_public_plan(district, served) -> None:
    status, _, page = _get(f"{served}/?lang=en")
    assert status == 200 and "春季开学食品安全联合抽查" in page and "<b>x</b>" not in page
    _, _, body = _get(f"{served}/api/notices")
    assert json.loads(body)["notices"][0]["plan_id"] == "tiny"


def test_two_hundred_unknown_codes_meet_429_and_genuine_ones_stay_open(district) -> None:
    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    with _served(district["plan"], district["scenario"], env=district["env"]) as url:
        unknown = [f"ZZZZZ-{k:05d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")) for k in range(200)]
        statuses = [_get(f"{url}/api/code/{c}")[0] for c in unknown]
        assert statuses[:30] == [200] * 30 and 429 in statuses and statuses[-1] == 429
        assert _get(f"{url}/api/code/{code}")[0] == 200  # a genuine look-up is never limited


def test_a_plan_edited_after_planning_refuses_to_start(district, tmp_path: Path) -> None:
    copy = tmp_path / "plan"
    shutil.copytree(district["plan"], copy)
    (copy / "notes.txt").write_text("x", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ui.cli", "serve", str(copy), str(district["scenario"]),
                           "--port", str(free_port()), "--lang", "en"],
                          cwd=REPO, env={**os.environ, **district["env"]}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "notes.txt" in done.stdout and "refused" in done.stdout, done.stdout


def test_the_rate_limit_counts_unknown_codes_per_client_for_a_minute() -> None:
    from ui.public.service import UnknownCodeLimit

    now = [0.0]
    limit = UnknownCodeLimit(clock=lambda: now[0])
    assert not any(limit.miss("a") for _ in range(30))
    assert limit.miss("a") and limit.is_blocked("a") and not limit.is_blocked("b")
    now[0] = 59.0
    assert limit.is_blocked("a")
    now[0] = 61.0
    assert not limit.is_blocked("a")
    for _ in range(30):  # misses spread over more than a minute never block
        now[0] += 2.1
        assert not limit.miss("c")


def test_an_adjusted_plans_old_codes_say_moved_or_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from records.gate import open_plan
    from records.lookup import build_code_table
    from scenarios import load_scenario
    from tests.test_adjust import AS_OF, SCENARIOS, VALUE, updated_tiny

    monkeypatch.setenv("JOINTCHECK_LEDGER", str(tmp_path / "j.db"))
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(tmp_path / "d.key"))
    assert runner.invoke(app, ["plan", str(SCENARIOS / "tiny"), "--seed", VALUE, "--out", str(tmp_path / "v1")]).exit_code == 0
    updated = updated_tiny(tmp_path / "tiny-2")
    result = runner.invoke(app, ["adjust", str(tmp_path / "v1"), str(updated), "--as-of", AS_OF.isoformat(),
                                 "--seed", VALUE, "--out", str(tmp_path / "v2")])
    assert result.exit_code == 0, result.output
    old, new = load_scenario(SCENARIOS / "tiny"), load_scenario(updated)
    plans = [(open_plan(tmp_path / "v1", ledger=tmp_path / "j.db", scenario=old, rules=False), old),
             (open_plan(tmp_path / "v2", ledger=tmp_path / "j.db", scenario=new), new)]
    table = build_code_table(plans)
    v1 = pl.read_parquet(tmp_path / "v1" / "visits.parquet")
    v2 = pl.read_parquet(tmp_path / "v2" / "visits.parquet")
    kept = set(v2["inspection_code"])
    for code in v2["inspection_code"]:
        assert table.look_up(code).status == "current"
    changed = [c for c in v1["inspection_code"] if c not in kept]
    assert changed, "the adjustment moved or removed some visits"
    for code in changed:
        answer = table.look_up(code)
        assert answer.status in ("moved", "cancelled")
        assert (answer.moved_to is not None) == (answer.status == "moved")


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_the_code_page_on_a_phone_in_chromium(district, served, tmp_path: Path) -> None:
    """What a firm sees after scanning: the page in headless Chromium at a phone's 390×844, nothing cut off."""
    from tests.browser.harness import browser

    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    with browser(width=390, height=844) as page:
        page.goto(f"{served}/c/{code}")
        assert page.get_by_text("真实：这是已登记的检查").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
        page.screenshot(path=str(tmp_path / "code.png"))
        page.goto(f"{served}/c/AAAAA-BBBBB?lang=en")
        assert page.get_by_text("This inspection code was not found").is_visible()


def test_a_task_sheet_exported_with_a_public_url_leads_its_qr_there(district, tmp_path: Path) -> None:
    from documents.typeset.qr import qr_svg

    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    args = ["export", str(district["plan"]), str(district["scenario"]), "--what", "task-sheets", "--format", "html",
            "--ledger", str(district["root"] / "j.db"), "--key-file", str(district["root"] / "d.key")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--public-url", "https://jc.example.gov.cn/"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "a" / "task-sheets.html").read_text(encoding="utf-8")
    assert qr_svg(f"https://jc.example.gov.cn/c/{code}") in html and qr_svg(code) not in html
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert qr_svg(code) in (tmp_path / "b" / "task-sheets.html").read_text(encoding="utf-8")  # without: the bare code
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "c"), "--public-url", "javascript:alert(1)", "--lang", "en"])
    assert result.exit_code == 2 and "not an http" in result.output and not (tmp_path / "c").exists()
