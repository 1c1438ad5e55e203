"""jointcheck planner app: ``streamlit run ui/app.py``.

Seven pages (sidebar): ① scenario, ② what-if & run, ③ KPIs & pictures, ④ visits & teams, ⑤ compare runs,
⑥ export & publish, ⑦ mid-year adjustment and previous years. Chinese by default, English on the sidebar switch. Plans are made in a worker thread
(:mod:`ui.webapp.jobs`); a fragment at the top of the page shows their progress and reruns the app when done.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.i18n import LANGS, current_lang, t  # noqa: E402
from ui.webapp.pages import adjust as adjust_page  # noqa: E402
from ui.webapp.pages import compare as compare_page  # noqa: E402
from ui.webapp.pages import dashboard as dashboard_page  # noqa: E402
from ui.webapp.pages import export as export_page  # noqa: E402
from ui.webapp.pages import scenario as scenario_page  # noqa: E402
from ui.webapp.pages import tables as tables_page  # noqa: E402
from ui.webapp.pages import whatif as whatif_page  # noqa: E402
from ui.webapp.state import (  # noqa: E402
    PAGES,
    current_run,
    current_scenario,
    harvest_job,
    keep_widgets,
    runs,
)


@st.fragment(run_every=0.5)
def _progress() -> None:
    job = st.session_state.get("job")
    if job is None:
        return
    if job.done:
        st.rerun()
    bar, stop = st.columns([6, 1])
    text = f"{t('running')} {job.label} — {job.stage_label(current_lang())} · {job.elapsed:.0f} s"
    if job.stop.is_set():
        text += f" · {t('cancelling')}"
    bar.progress(job.fraction, text=text)
    if stop.button(t("cancel"), key="cancel_job", disabled=job.stop.is_set()):
        job.cancel()


def _sidebar() -> tuple[str, object]:
    """The language, the page, and a place for the current scenario (filled after the page, which may change it)."""
    with st.sidebar:
        st.session_state.setdefault("lang", "zh")
        st.radio(t("language"), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang")
        st.session_state.setdefault("keep:page", "scenario")
        lang = st.session_state["lang"]
        page = st.radio(t("page"), PAGES, format_func=lambda p: t(f"page_{p}", lang), key="keep:page")
        current = st.empty()
        done = runs()
        if done:
            ids = [r.id for r in reversed(done)]
            labels = {r.id: r.label for r in done}
            if st.session_state.get("keep:run_id") not in ids:
                st.session_state["keep:run_id"] = ids[0]
            st.selectbox(t("current_run"), ids, format_func=labels.get, key="keep:run_id")
    return page, current


def main() -> None:
    st.set_page_config(page_title="jointcheck 联合抽查", page_icon="🗓️", layout="wide")
    keep_widgets()
    harvest_job()
    scenario = current_scenario()
    page, current = _sidebar()
    st.title(t("app_title"))
    if st.session_state.get("job") is not None:
        _progress()
    if "job_error" in st.session_state:
        st.error(f"{t('run_failed')}: {st.session_state['job_error']}")
    run = current_run()
    if page == "scenario":
        scenario_page.render(scenario)
    elif page == "whatif":
        whatif_page.render(scenario)
    elif page == "dashboard":
        dashboard_page.render(run)
    elif page == "tables":
        tables_page.render(run)
    elif page == "compare":
        compare_page.render()
    elif page == "adjust":
        adjust_page.render(scenario)
    else:
        export_page.render(run)
    shown = st.session_state.get("scenario_obj")
    if shown is not None:
        current.caption(f"{t('current_scenario')}: **{shown.name}**")


main()
