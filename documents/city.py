"""The papers of a city plan (``jointcheck plan CITY_DIR``): each district's, and the whole city's.

A district plan of a city run (``CITY_PLAN/districts/<district>``) was planned from its district scenario *with*
the city-wide tasks as count tasks of its share (:func:`scenarios.city.with_city_tasks`); :func:`district_scenario`
rebuilds that scenario from the city manifest, so one district exports from its own directory like any plan.

:func:`make_city_documents` writes ``<district>/<paper>`` for every district and ``city/<paper>`` for the whole
city: the districts' tables one after the other under a 区域 column, their totals added up, the task sheets of
every district, under the city's letterhead (``region``, ``authority`` of city.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from documents.build import WHATS, build_document
from documents.context import DocumentError, load_context
from documents.labels import word
from documents.model import Column, Document, Table
from documents.render import FORMATS, render
from scenarios.model import Scenario

__all__ = ["is_city_plan", "district_scenario", "make_city_documents", "CITY_FOLDER", "CITY_WHATS"]

CITY_FOLDER = "city"
CITY_WHATS = tuple(w for w in WHATS if w != "results-template")
"""The whole city's papers: results are recorded per district (each district's results template)."""


def is_city_plan(plan_dir: str | Path) -> bool:
    """Whether ``plan_dir`` is a city plan (a manifest with the city hash and a ``districts`` folder)."""
    import json

    plan_dir = Path(plan_dir)
    try:
        manifest = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "city_hash" in manifest and (plan_dir / "districts").is_dir()


def _city(city_dir: Path):  # noqa: ANN202 - a City
    from scenarios.city import check_city

    city, problems = check_city(city_dir)
    if city is None:
        from documents.context import DocumentError

        raise DocumentError(f"{city_dir / 'city.yaml'}: " + "; ".join(p.text("en") for p in problems if p.severity == "error"))
    return city


def district_scenario(plan_dir: str | Path, scenario_dir: str | Path) -> Scenario | None:
    """The scenario a district plan of a city run was made from, or None when ``plan_dir`` is not one.

    ``plan_dir`` is ``CITY_PLAN/districts/<district>`` and ``scenario_dir`` that district's directory inside its
    city directory (the one holding city.yaml)."""
    from optimizer.city.verify import district_scenarios, read_city_manifest
    from scenarios.city import is_city

    plan_dir, scenario_dir = Path(plan_dir).resolve(), Path(scenario_dir).resolve()
    city_plan = plan_dir.parent.parent
    if plan_dir.parent.name != "districts" or not is_city_plan(city_plan) or not is_city(scenario_dir.parent):
        return None
    city = _city(scenario_dir.parent)
    if plan_dir.name not in city.districts:
        return None
    return district_scenarios(city, read_city_manifest(city_plan)).get(plan_dir.name)


def _merged(docs: list[tuple[str, Document]], city: Any, lang: str) -> Document:
    """The districts' documents as one: every table under a 区域 column, totals added, all task sheets."""
    first = docs[0][1]
    area = Column("district", word("area", lang), "text", True, 10)
    tables = []
    for k, table in enumerate(first.tables):
        rows = [[name, *doc.tables[k].rows[j]] for name, doc in docs for j in range(len(doc.tables[k].rows))]
        total = None
        if table.total is not None:
            total = [None]
            for c, col in enumerate(table.columns):
                values = [doc.tables[k].total[c] for _, doc in docs if doc.tables[k].total is not None]
                if col.kind == "int" and values and all(isinstance(v, int) for v in values):
                    total.append(sum(values))
                else:
                    total.append(table.total[c] if isinstance(table.total[c], str) else None)
        tables.append(Table(table.name, [area, *table.columns], rows, total, table.group))
    spec = city.spec
    region, authority = spec.region or "", spec.authority or ""
    lines = [word("subtitle", lang, authority=authority or "＿" * 12,
                  district=f"{region}（{'、'.join(name for name, _ in docs)}）" if lang == "zh"
                  else f"{region} ({', '.join(name for name, _ in docs)})")]
    lines += first.lines[1:-1]  # the legal basis: one policy for the whole city
    lines.append(word("city_counts", lang, districts=len(docs), tasks=len(spec.tasks)))
    notes = [f"{name}：{note}" if lang == "zh" else f"{name}: {note}" for name, doc in docs for note in doc.notes]
    seal = spec.seal_text or authority or "＿" * 12
    issuer = word("issuer", lang, authority=seal) if first.issuer else ""
    sheets = [s for _, doc in docs for s in doc.sheets]
    footer = "　".join(p for p in (authority, first.title) if p)
    return replace(first, lines=lines, tables=tables, sheets=sheets, notes=notes, issuer=issuer, footer=footer)


def make_city_documents(plan_dir: str | Path, city_dir: str | Path, whats: list[str] | None, formats: list[str],
                        lang: str = "zh", progress: Callable[[int, int, str, str], None] | None = None) -> dict[str, bytes]:
    """``{<district>/<file> or city/<file>: bytes}``: every district's papers and the whole city's."""
    from optimizer.city.verify import district_scenarios, read_city_manifest

    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    plan_dir, city = Path(plan_dir), _city(Path(city_dir))
    manifest = read_city_manifest(plan_dir)
    planned = [d["district"] for d in manifest.get("districts", [])]
    if sorted(planned) != sorted(city.districts):
        raise DocumentError(f"{plan_dir} was made from a different city than {city_dir} (districts differ)")
    scenarios = district_scenarios(city, manifest)
    chosen = list(WHATS if whats is None else [w for w in whats if w != "changes"])
    contexts = {d: load_context(plan_dir / "districts" / d, scenarios[d]) for d in city.districts}
    city_whats = [w for w in chosen if w in CITY_WHATS]
    steps, done = (len(contexts) * len(chosen) + len(city_whats)) * len(formats), 0
    files: dict[str, bytes] = {}
    built: dict[str, list[tuple[str, Document]]] = {w: [] for w in chosen}
    for d, ctx in contexts.items():
        for what in chosen:
            doc = build_document(ctx, what, lang)
            built[what].append((ctx.district or d, doc))
            for fmt in formats:
                if progress is not None:
                    progress(done, steps, f"{ctx.district or d}·{what}", fmt)
                files.update({f"{d}/{name}": data for name, data in render(doc, fmt).items()})
                done += 1
    for what in city_whats:
        doc = _merged(built[what], city, lang)
        for fmt in formats:
            if progress is not None:
                progress(done, steps, f"{city.spec.region or CITY_FOLDER}·{what}", fmt)
            files.update({f"{CITY_FOLDER}/{name}": data for name, data in render(doc, fmt).items()})
            done += 1
    return files
