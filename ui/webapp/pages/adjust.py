"""Page ⑦: adjust a saved plan from a date (动态调整) and see what changed; and the previous-years picker the
what-if page shows for rotation across years (:func:`previous_years`). The work is in
:mod:`ui.webapp.adjusting`; this page only draws it, in Chinese (default) or English."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import streamlit as st

from scenarios import Scenario
from ui.i18n import current_lang, error_text, t
from ui.webapp import adjusting
from ui.webapp.state import runs

__all__ = ["render", "previous_years", "previous_rotation"]


def render(scenario: Scenario | None) -> None:
    st.header(t("page_adjust"))
    st.caption(t("adj_intro"))
    if scenario is None:
        st.info(t("no_scenario"))
        return
    st.caption(f"{t('current_scenario')}: **{scenario.name}**")
    options = adjusting.bases(runs())
    if not options:
        st.info(t("adj_no_base"))
    else:
        _adjust_form(scenario, options)
    _versions()


def _adjust_form(scenario: Scenario, options: list[adjusting.Base]) -> None:
    by_key = {b.key: b for b in options}
    key = st.selectbox(t("adj_base"), list(by_key), format_func=lambda k: by_key[k].label, key="adj:base")
    base = by_key[key]
    manifest = json.loads((base.plan_dir / "manifest.json").read_text(encoding="utf-8"))
    c1, c2 = st.columns(2)
    as_of = c1.date_input(t("adj_as_of"), value=dt.date(scenario.year, 7, 1), min_value=dt.date(scenario.year, 1, 1),
                          max_value=dt.date(scenario.year, 12, 31), key="adj:as_of")
    value = c2.text_input(t("adj_value"), value=base.public_value, key=f"adj:value:{key}")
    previous_seed = None
    if manifest.get("rotation"):
        previous_seed = st.text_input(t("adj_previous_seed"), value=adjusting.first_value(manifest, runs()),
                                      key=f"adj:prev:{key}")
    if st.button(t("adj_button"), type="primary", key="adj:go"):
        from optimizer.adjust import AdjustError
        from optimizer.draw import PlanBlocked

        try:
            with st.spinner(t("adj_working")):
                version = adjusting.adjust_saved(base, scenario, value.strip(), as_of, runs(), previous_seed)
        except (AdjustError, PlanBlocked, ValueError, OSError) as exc:
            st.error(f"{t('adj_failed')}: {error_text(exc)}")
            return
        st.session_state["adj:shown"] = version.id
        st.success(t("adj_done", label=version.label, **version.counts))


def _versions() -> None:
    versions = adjusting.saved_versions()
    if not versions:
        return
    lang = current_lang()
    st.subheader(t("adj_versions"))
    st.dataframe(pl.DataFrame({
        "#": [v.id for v in versions], t("adj_col_name"): [v.label for v in versions],
        t("adj_col_base"): [v.base for v in versions], t("adj_col_as_of"): [v.as_of for v in versions],
        t("adj_col_visits"): [v.visits for v in versions],
    }), hide_index=True, width="stretch")
    by_id = {v.id: v for v in versions}
    ids = [v.id for v in reversed(versions)]
    if st.session_state.get("adj:shown") in ids:
        st.session_state["adj:show"] = st.session_state.pop("adj:shown")
    shown = st.selectbox(t("adj_show"), ids, format_func=lambda i: by_id[i].label, key="adj:show")
    version = by_id[shown]
    st.subheader(f"{t('adj_changes')} — {version.label}")
    try:
        tasks, visits = adjusting.changes_frames(version, lang)
    except Exception as exc:  # a damaged version folder: say so, never a traceback
        st.error(f"{t('adj_failed')}: {exc}")
        return
    st.markdown(f"**{t('adj_task_changes')}**")
    st.dataframe(tasks, hide_index=True, width="stretch")
    st.markdown(f"**{t('adj_visit_changes')}**")
    st.dataframe(visits, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.download_button(t("adj_download"), adjusting.changes_download(version, lang),
                       f"jointcheck-adj{version.id}-changes.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="adj:dl_changes")
    c2.download_button(t("adj_download_plan"), adjusting.plan_zip(version), f"jointcheck-adj{version.id}-plan.zip",
                       "application/zip", key="adj:dl_plan")


def previous_years(scenario: Scenario) -> None:
    """The what-if page's picker of earlier years' plans (saved runs, uploaded plan folders) for rotation.
    The choice is kept in the session; :func:`previous_rotation` turns it into the rotation a run draws with."""
    with st.expander(t("prev_title")):
        st.caption(t("prev_help"))
        done = runs()
        labels = {r.id: r.label for r in done}
        chosen = st.multiselect(t("prev_runs"), list(labels), format_func=labels.get, key="keep:prev_runs")
        upload = st.file_uploader(t("prev_upload"), type=["zip"], key="prev_upload")
        if upload is not None and st.session_state.get("prev_upload_seen") != upload.file_id:
            st.session_state["prev_upload_seen"] = upload.file_id
            try:
                path = adjusting.save_upload(upload.getvalue(), upload.name)
                st.success(t("prev_saved", name=path.name))
            except ValueError as exc:
                st.error(f"{t('prev_bad')}: {exc}")
        uploads = {p.name: p for p in adjusting.uploaded_plans()}
        st.multiselect(t("prev_uploaded"), list(uploads), key="keep:prev_uploads")
        first = ""
        picked = [r for r in done if r.id in chosen]
        if picked:
            m = picked[0].plan.manifest_extra
            first = adjusting.first_value(m, done) if m.get("rotation") else picked[0].whatif.public_value
        st.session_state.setdefault("keep:prev_seed", "")
        if first and not st.session_state["keep:prev_seed"]:
            st.session_state["keep:prev_seed"] = first
        st.text_input(t("prev_seed"), key="keep:prev_seed")


def previous_rotation():  # noqa: ANN201 - optimizer.rotation.Rotation | None
    """The rotation the previous-years picker asks for (None when no earlier plan is chosen);
    ``RotationError`` when the chosen plans cannot be rotated against."""
    from ui.webapp.store import runs_folder

    dirs = [runs_folder() / f"run-{i:04d}" / "plan" for i in st.session_state.get("keep:prev_runs", [])]
    uploads = {p.name: p for p in adjusting.uploaded_plans()}
    dirs += [uploads[n] for n in st.session_state.get("keep:prev_uploads", []) if n in uploads]
    if not dirs:
        return None
    return adjusting.rotation_for(dirs, str(st.session_state.get("keep:prev_seed", "")))
