"""jointcheck planner app: ``streamlit run ui/app.py``.

Six pages (sidebar): ① scenario, ② what-if & run, ③ KPIs & pictures, ④ visits & teams, ⑤ compare runs,
⑥ export & publish. Chinese by default, English on the sidebar switch. Plans are made in a worker thread
(:mod:`ui.app_jobs`); a fragment at the top of the page shows their progress and reruns the app when done.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import app_page_compare, app_page_dashboard, app_page_export, app_page_scenario, app_page_tables, app_page_whatif  # noqa: E402
from ui.app_state import PAGES, current_run, current_scenario, harvest_job, keep_widgets, runs  # noqa: E402
from ui.i18n import LANGS, t  # noqa: E402

@st.fragment(run_every=0.5)
def _progress() -> None:
    job = st.session_state.get("job")
    if job is None:
        return
    if job.done:
        st.rerun()
    st.progress(job.fraction, text=f"{t('running')} {job.label} — {t('stage_' + job.stage)} · {job.elapsed:.0f} s")


def _sidebar() -> str:
    with st.sidebar:
        st.session_state.setdefault("lang", "zh")
        st.radio(t("language"), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang")
        st.session_state.setdefault("keep:page", "scenario")
        lang = st.session_state["lang"]
        page = st.radio(t("page"), PAGES, format_func=lambda p: t(f"page_{p}", lang), key="keep:page")
        scenario = st.session_state.get("scenario_obj")
        if scenario is not None:
            st.caption(f"{t('current_scenario')}: **{scenario.name}**")
        done = runs()
        if done:
            ids = [r.id for r in reversed(done)]
            labels = {r.id: r.label for r in done}
            if st.session_state.get("keep:run_id") not in ids:
                st.session_state["keep:run_id"] = ids[0]
            st.selectbox(t("current_run"), ids, format_func=labels.get, key="keep:run_id")
    return page


def main() -> None:
    st.set_page_config(page_title="jointcheck 联合抽查", page_icon="🗓️", layout="wide")
    keep_widgets()
    harvest_job()
    scenario = current_scenario()
    page = _sidebar()
    st.title(t("app_title"))
    if st.session_state.get("job") is not None:
        _progress()
    if "job_error" in st.session_state:
        st.error(f"{t('run_failed')}: {st.session_state['job_error']}")
    run = current_run()
    if page == "scenario":
        app_page_scenario.render(scenario)
    elif page == "whatif":
        app_page_whatif.render(scenario)
    elif page == "dashboard":
        app_page_dashboard.render(run)
    elif page == "tables":
        app_page_tables.render(run)
    elif page == "compare":
        app_page_compare.render()
    else:
        app_page_export.render(run)


main()
