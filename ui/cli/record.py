"""Record commands (一公开 and 全程留痕): ``publish``, ``results``, ``ledger verify|show``, ``code check``.

Also the record side of ``plan`` and ``verify``: :func:`seal_plan_codes` (re-key inspection codes with the
district key before writing), :func:`write_recorded_plan` and :func:`after_verify` (append a ledger record).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ui.cli.common import (
    AllowUnrecorded,
    KeyFileOption,
    LedgerOption,
    PlanDir,
    console,
    err_text,
    fail,
    guard_out,
    head,
    ledger_path,
    load_or_exit,
    parse_date,
    require_bound_plan,
    say,
    writing_errors,
)
from ui.cli.documents import LangOption
from ui.cli.messages import current_lang, use_lang

__all__ = ["register", "seal_plan_codes", "write_recorded_plan", "after_verify", "plan_setting", "results_as_csv"]


def seal_plan_codes(made: Any, key_file: Path | None) -> Any:
    """Hook for ``plan``, between ``make_plan`` and ``write_plan``: codes keyed by the district key.

    Returns a copy of the plan whose ``visits.inspection_code`` is HMAC(district key ⊕ seed); the key
    file is created once (``secrets.token_bytes``) if it does not exist. Exits 2 on a bad key file.
    """
    from records.codes import (
        CodeKeyError,
        default_key_path,
        key_file_warnings,
        load_or_create_key,
        seal_codes,
    )

    path = key_file or default_key_path()
    existed = path.exists()
    try:
        key = load_or_create_key(path)
    except (CodeKeyError, OSError) as exc:
        raise fail(err_text(exc)) from None
    if not existed:
        console.print(f"{head('new_key')} {escape(say('new_key', path=path.resolve()))}", highlight=False)
    for warning in key_file_warnings(path):
        console.print(f"{head('warning')} {escape(err_text(warning))}", highlight=False)
    return dataclasses.replace(made, visits=seal_codes(made.visits, made.seed, key))


def write_recorded_plan(made: Any, out: Path, force: bool, ledger: Path | None, key_file: Path | None,
                        allow_violations: bool = False) -> None:
    """Hook for ``plan``: check the written plan, record it in the ledger *before* it becomes visible.

    The plan's own checker (:func:`optimizer.check.check_plan`) runs on the complete staging folder: any
    violation prints and exits 1 with nothing written, unless ``allow_violations``, which writes the plan
    with its violations listed in the manifest (:func:`optimizer.export.mark_violations`).

    The plan is written to a staging folder beside ``out`` while holding ``out``'s lock (a concurrent
    ``plan`` on the same ``--out`` exits 2 at once); stale staging folders of earlier crashed runs are
    removed first; the complete staging folder is recorded (manifest and every file's SHA-256, under the
    name ``out``), then moved into place. A kill at any moment leaves either no visible plan, or a visible
    plan with its record — never a visible plan the ledger does not describe.
    """
    from optimizer.export import write_plan
    from records.codes import CodeKeyError, default_key_path, key_id, load_key
    from records.ledger import record_plan

    try:
        district_key: bytes | None = load_key(key_file or default_key_path())
    except CodeKeyError as exc:
        raise fail(say("key_needed", detail=err_text(exc))) from None
    kid = key_id(district_key)
    db = ledger_path(ledger)
    recorded: list[Any] = []

    found: list[str] = []  # English, as the manifest lists them
    shown: list[Any] = []  # the same violations, printed in the planner's language

    def record(staging: Path) -> None:
        from optimizer.check import check_plan
        from optimizer.export import mark_violations
        from optimizer.progress import stage as progress_stage
        from scenarios.outputs import check_replaceable

        with progress_stage("check"):
            shown.extend(check_plan(staging, made.scenario))
            found.extend(str(v) for v in shown)
        if found and not allow_violations:
            raise _Rejected()
        if found:
            mark_violations(staging, found)
        if out.exists() or out.is_symlink():  # checked again under the lock, just before replacing
            check_replaceable(out, "plan")
        recorded.append(record_plan(db, staging, code_key_id=kid, stage_seconds=getattr(made, "stage_seconds", None),
                                    recorded_as=out, key=district_key))

    try:
        with writing_errors(out, "plan"):
            write_plan(made, out, overwrite=force, exclusive=True, before_rename=record)
    except _Rejected:
        for v in shown:
            console.print(f"{head('violation', 'red')} {escape(v.text(current_lang()))}", highlight=False)
        raise fail(say("plan_breaks", n=len(found), out=out), code=1) from None
    rec = recorded[0]
    console.print(escape(say("ledger_record", seq=rec.seq, hash=rec.hash[:16], db=db)), highlight=False)
    for v in shown:
        console.print(f"{head('violation', 'red')} {escape(v.text(current_lang()))}", highlight=False)
    if found:
        console.print(f"{head('warning')} {escape(say('written_with_violations', n=len(found)))}", highlight=False)


class _Rejected(Exception):
    """The plan's checker found violations and --allow-violations was not given."""


def signing_key(key_file: Path | None) -> bytes | None:
    """The district key of ``--key-file`` (None: the ledger takes ``$JOINTCHECK_KEY_FILE`` or ``./jointcheck.key``);
    exit 2 when the file given cannot be read."""
    if key_file is None:
        return None
    from records.codes import CodeKeyError, load_key

    try:
        return load_key(key_file)
    except CodeKeyError as exc:
        raise fail(say("key_needed", detail=err_text(exc))) from None


def after_verify(plan_dir: Path, result: Any, seed: str, ledger: Path | None, key_file: Path | None = None) -> None:
    """Hook for ``verify``, after the result is printed and before any exit: append the verify record."""
    from records.ledger import LedgerError, record_verify

    try:
        rec = record_verify(ledger_path(ledger), plan_dir, result, seed, key=signing_key(key_file))
    except LedgerError as exc:
        raise fail(err_text(exc)) from None
    console.print(escape(say("ledger_record", seq=rec.seq, hash=rec.hash[:16], db=ledger_path(ledger))), highlight=False)


def plan_setting(manifest: dict[str, Any], name: str) -> Any:
    """A plan-level setting (publication days, due month) of the plan's policy on its evaluation day.

    Read from the plan-scope rules that set it (all ``when: always``); None when the policy sets none.
    """
    from rules import load_policy

    policy = manifest["policy"]
    law = load_policy(policy["id"], policy.get("overrides") or None).at(dt.date.fromisoformat(policy["as_of"]))
    for active in law.scope("plan"):
        ref = (active.rule.then.settings or {}).get(name)
        if ref is not None:
            return law.param(ref.param)
    return None


def publish(
    plan_dir: PlanDir,
    scenario_dir: Annotated[Path, typer.Argument(help="The scenario the plan was made from")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the public plan (written atomically)")],
    formed: Annotated[str | None, typer.Option(help="Day the plan was made (形成之日), YYYY-MM-DD; default today")] = None,
    published: Annotated[str | None, typer.Option(help="Day of publication, YYYY-MM-DD; default --formed")] = None,
    reveal: Annotated[str | None, typer.Option(help="Reveal the public seed value (checked against the commitment)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    no_ledger: Annotated[bool, typer.Option("--no-ledger", help="Do not record in the ledger")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a public notice jointcheck wrote and holds nothing else")] = False,
    allow_unrecorded: AllowUnrecorded = False,
    lang: LangOption = None,
) -> None:
    """Write the public plan (tasks, windows, departments, items, counts; no names) and its deadlines."""
    from optimizer.calendar import CalendarError
    from records.ledger import GENESIS, LedgerError, append, file_digests
    from records.ledger import head as ledger_head
    from records.publish import PublishError
    from records.publish import publish as do_publish
    from scenarios.outputs import OutputRefused

    use_lang(lang)
    guard_out(out, "notice", force, inputs={"guard.plan": plan_dir, "guard.scenario": scenario_dir}, ledger=ledger)
    scenario = load_or_exit(scenario_dir)
    require_bound_plan(plan_dir, ledger, allow_unrecorded, scenario=scenario, key_file=key_file)
    formed_day = parse_date(formed, "formed")
    adjusted_on = _adjusted_on(plan_dir)
    if formed is None and adjusted_on is not None:  # an adjustment is formed on its adjustment date
        formed_day, formed = adjusted_on, adjusted_on.isoformat()
        console.print(escape(say("publish_adjusted", day=formed_day)), highlight=False)
    published_day = parse_date(published, "published") if published else formed_day
    db = ledger_path(ledger)
    try:
        mark = None if no_ledger else (ledger_head(db) if db.exists() else (0, GENESIS))
        done = do_publish(plan_dir, scenario, out, formed_day, published_day, reveal, mark, overwrite=force)
    except (PublishError, CalendarError, LedgerError, OutputRefused) as exc:
        raise fail(err_text(exc)) from None
    d = done.deadlines
    console.print("[green]" + escape(say("publish_wrote", path=out, tasks=len(done.body["tasks"]),
                                         visits=done.body["totals"]["visits"])) + "[/]", highlight=False)
    _warn_formed(plan_dir, formed_day, given=formed is not None)
    if d.plan_publish_by:
        style = "red" if done.overdue else "green"
        line = say("publish_deadline", formed=d.plan_formed, by=d.plan_publish_by, days=d.plan_working_days,
                   published=published_day, late=say("publish_overdue") if done.overdue else "")
        console.print(f"[{style}]{escape(line)}[/]", highlight=False)
    else:
        console.print(f"[yellow]{escape(say('publish_no_deadline', policy=done.body['policy']['id']))}[/]", highlight=False)
    if d.made_late:
        console.print(f"{head('warning')} {escape(say('publish_made_late', formed=d.plan_formed, due=d.plan_due))}",
                      highlight=False)
    if d.result_working_days:
        console.print(escape(say("publish_result_days", days=d.result_working_days)), highlight=False)
    if not no_ledger:
        body = {"plan_dir": str(plan_dir.resolve()), "public_dir": str(out.resolve()), "files": file_digests(out),
                "publication": done.body["publication"], "revealed": done.body.get("revealed"),
                "plan_files": file_digests(plan_dir)}
        try:
            rec = append(db, "publish", done.body["plan_id"], body, key=signing_key(key_file))
        except LedgerError as exc:
            raise fail(say("publish_written_but", out=out, detail=err_text(exc))) from None
        console.print(escape(say("ledger_record", seq=rec.seq, hash=rec.hash[:16], db=db)), highlight=False)
    if done.overdue:
        raise typer.Exit(code=1)


def _warn_formed(plan_dir: Path, formed_day: dt.date, given: bool) -> None:
    """Say which day --formed used when it was omitted, and warn of visits dated before the plan was formed."""
    import polars as pl

    if not given:
        console.print(f"{head('note')} {escape(say('formed_default', day=formed_day))}", highlight=False)
    dates = pl.read_parquet(plan_dir / "visits.parquet", columns=["date"])["date"]
    adjusted_on = _adjusted_on(plan_dir)
    if adjusted_on is not None:  # visits before the adjustment were made under the version it adjusts
        dates = dates.filter(dates >= adjusted_on)
    early = dates.filter(dates < formed_day)
    if early.len():
        console.print(f"{head('warning')} "
                      + escape(say("visits_before_formed", n=early.len(), day=formed_day, earliest=early.min())),
                      highlight=False)


def _adjusted_on(plan_dir: Path) -> dt.date | None:
    """The adjustment date of an adjusted plan directory (None for a plan made at once or an unreadable one)."""
    try:
        m = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
        return dt.date.fromisoformat(m["adjustment"]["as_of"]) if m.get("adjustment") else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def results_as_csv(path: Path) -> Iterator[Path]:
    """The results file as the CSV :func:`records.results.read_results` reads: itself, or the results template filled
    in Excel (``.xlsx`` from ``jointcheck export``) converted in a temporary folder removed afterwards."""
    if path.suffix.lower() != ".xlsx":
        yield path
        return
    import shutil
    import tempfile

    from documents.results_xlsx import results_csv_text

    try:
        text = results_csv_text(path)
    except ValueError as exc:
        raise fail(err_text(exc)) from None
    folder = Path(tempfile.mkdtemp(prefix="jointcheck-results-"))
    try:
        (folder / path.name).write_text(text, encoding="utf-8")
        yield folder / path.name
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def results(
    plan_dir: PlanDir,
    results_csv: Annotated[Path, typer.Argument(help="results.csv (or the results template .xlsx from jointcheck export): visit_id, result_date, problems_found, problems_rectified[, published_date, note]")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report day for overdue publications (default today)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    no_ledger: Annotated[bool, typer.Option("--no-ledger", help="Do not record in the ledger")] = False,
    allow_unrecorded: AllowUnrecorded = False,
    lang: LangOption = None,
) -> None:
    """Record inspection findings per visit, summarise them per task and report overdue publications."""
    from optimizer.calendar import CalendarError
    from optimizer.check import read_plan
    from records.ledger import LedgerError, append, file_digests
    from records.results import RESULTS_FILE, read_results, summarise
    from scenarios.atomic import atomic_file

    use_lang(lang)
    require_bound_plan(plan_dir, ledger, allow_unrecorded, key_file=key_file)
    day = parse_date(as_of, "as-of")
    try:
        plan = read_plan(plan_dir)
        days = plan_setting(plan.manifest, "result_publication_working_days")
        with results_as_csv(results_csv) as readable:
            imported = read_results(readable, plan, days, day)
    except CalendarError as exc:
        raise fail(err_text(exc)) from None
    except (OSError, ValueError, KeyError) as exc:
        raise fail(say("plan_unreadable", path=plan_dir, detail=err_text(exc))) from None
    if not imported.ok:
        for p in imported.problems:
            console.print(f"{head('error', 'red')} {escape(p.describe(current_lang()))}", highlight=False)
        raise fail(say("results_problems", path=results_csv, n=len(imported.problems)), code=1)
    table = imported.table
    with atomic_file(plan_dir / RESULTS_FILE) as staging:
        table.write_parquet(staging)
    summary = summarise(table, plan)
    view = Table(title=escape(say("results_title", plan_id=plan.manifest["plan_id"], day=day)))
    for col in say("results_columns").split(","):
        view.add_column(escape(col), justify="right")
    for r in summary.iter_rows(named=True):
        view.add_row(escape(r["task_id"]), f"{r['subjects_inspected']}/{r['subjects_planned']}", str(r["officer_visits"]),
                     str(r["subjects_with_problems"]), str(r["problems_found"]), str(r["problems_rectified"]))
    console.print(view)
    overdue = table.filter("overdue")
    if days is None:
        console.print(f"[yellow]{escape(say('results_no_deadline'))}[/]", highlight=False)
    for v, rd, by, pub in overdue.select("visit_id", "result_date", "publish_by", "published_date").iter_rows():
        what = say("published_on", day=pub) if pub else say("not_published")
        console.print(f"{head('overdue', 'red')} {escape(say('results_overdue', visit=v, result=rd, by=by, what=what))}",
                      highlight=False)
    console.print(escape(say("results_recorded", n=table.height, path=plan_dir / RESULTS_FILE, overdue=overdue.height)),
                  highlight=False)
    if not no_ledger:
        body = {"plan_dir": str(plan_dir.resolve()), "results_file": file_digests(plan_dir).get(RESULTS_FILE),
                "results": table.height, "problems_found": int(table["problems_found"].sum()),
                "problems_rectified": int(table["problems_rectified"].sum()), "overdue": overdue.height,
                "as_of": day.isoformat()}
        try:
            rec = append(ledger_path(ledger), "results", str(plan.manifest.get("plan_id", "")), body,
                         key=signing_key(key_file))
        except LedgerError as exc:
            raise fail(err_text(exc)) from None
        console.print(escape(say("ledger_record_short", seq=rec.seq, hash=rec.hash[:16])), highlight=False)
    if overdue.height:
        raise typer.Exit(code=1)


KINDS = ("plan", "verify", "publish", "results")
"""The kinds of ledger record the commands write (each named in the planner's language)."""

ledger_app = typer.Typer(help="The plan ledger (全程留痕): verify the hash chain, show records.", no_args_is_help=True)
code_app = typer.Typer(help="Inspection codes (检查码): confirm a visit is genuine.", no_args_is_help=True)


@ledger_app.command("verify")
def ledger_verify(
    ledger: LedgerOption = None,
    expect_head: Annotated[str | None, typer.Option("--head", help="A head hash published earlier; it must be in the chain")] = None,
    key_file: KeyFileOption = None,
    lang: LangOption = None,
) -> None:
    """Recompute the hash chain: exit 1 if any record was edited, deleted or reordered."""
    from records.ledger import LedgerError, verify_ledger

    use_lang(lang)
    db = ledger_path(ledger)
    try:
        report = verify_ledger(db, expect_head, key=signing_key(key_file))
    except LedgerError as exc:
        raise fail(err_text(exc)) from None
    for line in report.problems:
        console.print(f"{head('tampered', 'red')} {escape(line.text(current_lang()))}", highlight=False)
    for line in report.notes:
        console.print(f"{head('note')} {escape(line.text(current_lang()))}", highlight=False)
    if report.after_publication:
        console.print(f"{head('note')} " + escape(say("ledger_after_publication", n=len(report.after_publication),
                                                      seq=report.after_publication[0].seq - 1)), highlight=False)
        for r in report.after_publication:
            line = say("ledger_after_line", seq=r.seq, kind=say(f"kind.{r.kind}") if r.kind in KINDS else r.kind,
                       day=r.recorded_at[:10])
            style = "warning" if r.kind == "plan" else "note"
            console.print(f"{head(style)} {escape(line)}", highlight=False)
    if not report.ok:
        raise fail(say("ledger_problems", db=db, n=len(report.problems), records=report.records), code=1)
    console.print(f"[green]{escape(say('ledger_intact', db=db, records=report.records, head=report.head))}[/]",
                  highlight=False)


@ledger_app.command("show")
def ledger_show(
    ledger: LedgerOption = None,
    seq: Annotated[int | None, typer.Option("--seq", help="Print this record in full")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Every record as JSON")] = False,
    lang: LangOption = None,
) -> None:
    """List the records (seq, kind, plan, date, hash) or print one in full (``--json``: with its time)."""
    from records.ledger import LedgerError, records

    use_lang(lang)
    try:
        recs = records(ledger_path(ledger))
    except LedgerError as exc:
        raise fail(err_text(exc)) from None
    if seq is not None or as_json:
        chosen = [r for r in recs if seq is None or r.seq == seq]
        if not chosen:
            raise fail(say("no_record", seq=seq))
        typer.echo(json.dumps([dataclasses.asdict(r) for r in chosen], ensure_ascii=False, indent=2))
        return
    view = Table(title=escape(str(ledger_path(ledger))))
    for col in say("ledger_columns").split(","):
        view.add_column(col)
    for r in recs:
        kind = say(f"kind.{r.kind}") if r.kind in KINDS else r.kind
        view.add_row(str(r.seq), escape(kind), escape(r.plan_id), r.recorded_at[:10], r.hash[:16] + "…")
    console.print(view)


@code_app.command("check")
def code_check(
    code: Annotated[str, typer.Argument(help="The inspection code shown by the inspectors, e.g. ABCDE-FGH23")],
    plan: Annotated[list[Path] | None, typer.Option("--plan", help="Plan directory to search (default: every plan in the ledger)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    seed: Annotated[str | None, typer.Option("--seed", help="The plan's public seed value, when the office holds it "
                                             "and the ledger has not recorded it yet (the code's HMAC is then recomputed)")] = None,
    lang: LangOption = None,
) -> None:
    """Confirm a visit is genuine: its subject, date and departments — and nothing about any other visit.

    A code is genuine when its visit is in a plan folder bound to its ledger record and, whenever the plan's
    seed is known (revealed in the ledger by ``verify``/``publish``, or ``--seed``), when the HMAC
    recomputed with the district key equals the code. A folder without a record is never enough alone.
    """
    from records.binding import plan_binding
    from records.codes import (
        CodeKeyError,
        code_matches,
        code_secret,
        default_key_path,
        key_id,
        load_key,
        normalize_code,
    )
    from records.ledger import LedgerError, plan_records, records

    use_lang(lang)
    wanted = normalize_code(code)
    if wanted is None:
        raise fail(say("not_a_code"), code=1)
    db = ledger_path(ledger)
    revealed: dict[str, str] = {}
    known: list[str] = []
    if db.exists():
        try:
            known = [r.body["plan_dir"] for r in plan_records(db)]
            for r in records(db):
                if r.kind in ("verify", "publish") and isinstance(r.body.get("revealed"), dict) and r.body["revealed"].get("seed"):
                    revealed[str(r.body.get("plan_dir"))] = str(r.body["revealed"]["seed"])
        except LedgerError as exc:
            raise fail(err_text(exc)) from None
    dirs = [p.resolve() for p in plan] if plan else [Path(d) for d in known]
    if not dirs:
        raise fail(say("no_plan_to_search", db=db))
    try:
        district_key = load_key(key_file or default_key_path())
    except CodeKeyError as exc:  # without the key neither the ledger's signatures nor the codes can be checked
        raise fail(say("key_needed", detail=err_text(exc)), code=1) from None
    import polars as pl

    from optimizer.check import PlanFileError, read_plan
    from optimizer.draw import plan_seed

    for root in dirs:
        try:
            visits = read_plan(root).visits
            binding = plan_binding(db, root, key=district_key)
        except (PlanFileError, OSError, LedgerError):
            continue  # an unreadable folder is not a match; keep looking
        hit = visits.filter(pl.col("inspection_code") == wanted)
        if hit.height != 1:
            continue
        if binding.problems:
            console.print(f"{head('warning', 'red')} {escape(say('code_untrusted_differs', path=root))}", highlight=False)
            continue
        row = hit.row(0, named=True)
        plan_seed_value = revealed.get(str(root))
        if plan_seed_value is None and seed is not None:
            manifest = read_plan(root).manifest
            plan_seed_value = plan_seed(manifest["scenario"]["hash"], seed, manifest["plan_id"])
        recomputed = None
        if plan_seed_value is not None:
            recomputed = code_matches(row, wanted, code_secret(plan_seed_value, district_key))
        if recomputed is False:
            raise fail(say("code_forged", code=wanted, path=root, key=key_id(district_key)), code=1)
        if binding.record is None and not recomputed:
            console.print(f"{head('warning')} {escape(say('code_untrusted_unrecorded', path=root, code=wanted))}",
                          highlight=False)
            continue
        how = say("code_how_hmac") if recomputed else say("code_how_file")
        if binding.record is not None:
            how += say("code_how_record", seq=binding.record.seq)
        sep = "、" if current_lang() == "zh" else ", "
        line = say("code_genuine", visit=row["visit_id"], subject=row["subject_id"], date=row["date"],
                   departments=sep.join(row["departments"]), how=how)
        console.print(f"{head('genuine', 'green')}{'：' if current_lang() == 'zh' else ': '}{escape(line)}", highlight=False)
        return
    raise fail(say("code_unknown", code=wanted), code=1)


def register(app: typer.Typer) -> None:
    """Add ``publish``, ``results``, ``ledger verify|show`` and ``code check`` to ``app``."""
    app.command("publish")(publish)
    app.command("results")(results)
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(code_app, name="code")
