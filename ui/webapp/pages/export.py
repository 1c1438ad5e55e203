"""Page ⑥: downloads — Excel, CSV, the plan directory — the public announcement (一公开) and the printable
documents (plan table, task sheets, calendar, visits, results template; :mod:`ui.webapp.papers`)."""

from __future__ import annotations

import streamlit as st

from ui.i18n import current_lang, header, t
from ui.webapp import exports
from ui.webapp.jobs import Run

__all__ = ["render"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _built(run: Run, kind: str, make) -> bytes | str:
    """Each export is built once per run and kept in the session."""
    store = st.session_state.setdefault("exports", {})
    if (run.id, kind) not in store:
        store[(run.id, kind)] = make(run.plan)
    return store[(run.id, kind)]


def render(run: Run | None) -> None:
    st.header(t("page_export"))
    if run is None:
        st.info(t("no_run"))
        return
    stem = f"jointcheck-{run.scenario_name}-run{run.id}"
    st.caption(f"{t('current_run')}: **{run.label}**")
    st.warning(t("unrecorded_run"))  # app runs are what-ifs: the ledger records the CLI's plans only
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("excel"), _built(run, "xlsx", exports.excel_bytes), f"{stem}.xlsx", XLSX,
                       key="dl_xlsx", type="primary")
    c2.download_button(t("csv"), _built(run, "csv", exports.csv_zip_bytes), f"{stem}-csv.zip", "application/zip",
                       key="dl_csv")
    c3.download_button(t("plan_dir"), _built(run, "dir", exports.plan_dir_zip_bytes), f"{stem}-plan.zip",
                       "application/zip", key="dl_dir")
    st.subheader(t("announcement"))
    st.caption(t("announcement_note"))
    markdown = _built(run, "md", exports.announcement_markdown)
    c1, c2 = st.columns(2)
    c1.download_button(t("announcement_md"), markdown, f"{stem}-announcement.md", "text/markdown", key="dl_md")
    c2.download_button(t("announcement_html"), _built(run, "html", exports.announcement_html),
                       f"{stem}-announcement.html", "text/html", key="dl_html")
    with st.container(border=True):  # the announcement as published; its table as a grid, not squeezed into the page
        title, lines = exports.announcement_intro(run.plan)
        st.markdown(f"#### {title}\n\n" + "\n\n".join(lines))
        rows = exports.announcement_rows(run.plan).select(exports.ANNOUNCEMENT_COLUMNS)
        st.dataframe(rows.rename({c: header(c, "zh") for c in rows.columns}), hide_index=True, width="stretch")
    _documents(run, stem)


def _documents(run: Run, stem: str) -> None:
    """The papers planners hand out, from the same code as ``jointcheck export``."""
    from ui.webapp.papers import FORMATS, WHATS, document_download

    st.subheader(t("documents"))
    st.caption(t("documents_note"))
    c1, c2 = st.columns(2)
    what = c1.selectbox(t("document"), WHATS, format_func=lambda w: t(f"doc_{w}"), key="keep:doc_what")
    fmt = c2.radio(t("format"), FORMATS, horizontal=True, key="keep:doc_format")
    lang = current_lang()
    kind = f"doc:{what}:{fmt}:{lang}"
    store = st.session_state.setdefault("exports", {})
    if (run.id, kind) not in store and st.button(t("make_document"), key="doc_make"):
        with st.spinner(t("making_document")):
            store[(run.id, kind)] = document_download(run.plan, what, fmt, lang, stem)
    if (run.id, kind) in store:
        name, data, mime = store[(run.id, kind)]
        st.download_button(f"{t('download')} {name}", data, name, mime, key="dl_doc", type="primary")
