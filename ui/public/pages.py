"""The public pages, in Chinese (default) and English: a code's answer and the plans' public notices.

Every value that comes from a scenario (a firm's, a department's or an officer's name, a task) is escaped
(:func:`html.escape`); the pages load nothing from elsewhere (one inline style sheet, no script), so the service's
Content-Security-Policy can forbid everything else.
"""

from __future__ import annotations

from html import escape
from typing import Any

from records.lookup import CodeAnswer

__all__ = ["WORDS", "code_page", "notices_page", "message_page", "word"]

WORDS: dict[str, tuple[str, str]] = {
    "title": ("检查码核验", "Inspection code check"),
    "genuine": ("真实：这是已登记的检查", "Genuine: this inspection is registered"),
    "not_found": ("未查到该检查码", "This inspection code was not found"),
    "not_found_hint": ("请核对检查码；无法核验的检查，可拒绝并向登记机关反映。",
                       "Check the code; you may refuse an inspection that cannot be verified and report it."),
    "code": ("检查码", "Code"),
    "firm": ("检查对象", "Firm"),
    "date": ("检查日期", "Date"),
    "departments": ("检查部门", "Departments"),
    "officers": ("执法人员", "Officers"),
    "licence": ("执法证号", "licence"),
    "tasks": ("抽查任务", "Tasks"),
    "status_current": ("本次检查按计划进行", "This visit stands as planned"),
    "status_moved": ("该检查已调整至 {date}：以新日期的检查码为准", "This visit was moved to {date}: the code of the new date applies"),
    "status_cancelled": ("该检查已在调整后的计划中取消", "This visit was cancelled in the adjusted plan"),
    "notices": ("“双随机、一公开”抽查计划公示", "Public notice of the random inspection plans"),
    "plan": ("计划", "Plan"),
    "task": ("抽查任务", "Task"),
    "window": ("抽查时间", "Window"),
    "lead": ("牵头部门", "Lead"),
    "partners": ("参与部门", "Partners"),
    "items": ("检查事项", "Items"),
    "subjects": ("计划抽查（户）", "Subjects (firms)"),
    "visits": ("联合检查（户次）", "Visits"),
    "to": ("至", " to "),
    "other_lang": ("English", "中文"),
    "too_many": ("查询过于频繁，请一分钟后再试", "Too many look-ups; try again in a minute"),
    "missing": ("页面不存在", "Page not found"),
    "error": ("服务暂时不可用", "The service is unavailable for the moment"),
    "sep": ("、", ", "),
}

_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;
padding:16px;max-width:720px;color:#1a1a1a;background:#fff;line-height:1.55}
h1{font-size:1.25rem;margin:0 0 12px}.ok{border-left:6px solid #1b7f3b;background:#eef8f1;padding:12px}
.no{border-left:6px solid #b3261e;background:#fdeeee;padding:12px}.warn{color:#8a5a00;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 12px;margin:12px 0}dt{color:#555}dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #ccc;padding:4px 6px;
vertical-align:top;text-align:left}nav{margin-bottom:12px;font-size:.9rem}code{font-size:1.05rem}
"""


def word(key: str, lang: str, **params: Any) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**params)


def _page(title: str, body: str, lang: str, other: str) -> str:
    return (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><nav><a href=\"{escape(other)}\">{word('other_lang', lang)}</a></nav>"
            f"{body}</body></html>")


def code_page(answer: CodeAnswer | None, typed: str, lang: str, other: str) -> str:
    """The page a scanned QR opens: genuine with the task sheet's facts, or "not found" and nothing else."""
    if answer is None:
        body = (f"<h1>{word('title', lang)}</h1><div class=\"no\"><strong>{word('not_found', lang)}</strong>"
                f"<p>{word('not_found_hint', lang)}</p></div>")
        return _page(word("title", lang), body, lang, other)
    sep = word("sep", lang)
    officers = "<br>".join(f"{escape(o['name'])}（{word('licence', lang)} {escape(o['id'])}）" if lang != "en"
                           else f"{escape(o['name'])} ({word('licence', lang)} {escape(o['id'])})" for o in answer.officers)
    status = {"current": word("status_current", lang),
              "moved": word("status_moved", lang, date=escape(answer.moved_to or "")),
              "cancelled": word("status_cancelled", lang)}[answer.status]
    body = (f"<h1>{word('title', lang)}</h1><div class=\"ok\"><strong>{word('genuine', lang)}</strong></div>"
            f"<dl><dt>{word('code', lang)}</dt><dd><code>{escape(answer.code)}</code></dd>"
            f"<dt>{word('firm', lang)}</dt><dd>{escape(answer.firm)}</dd>"
            f"<dt>{word('date', lang)}</dt><dd>{escape(answer.date)}</dd>"
            f"<dt>{word('departments', lang)}</dt><dd>{sep.join(escape(d) for d in answer.departments)}</dd>"
            f"<dt>{word('officers', lang)}</dt><dd>{officers}</dd>"
            f"<dt>{word('tasks', lang)}</dt><dd>{sep.join(escape(t) for t in answer.tasks)}</dd></dl>"
            f"<p class=\"{'warn' if answer.status != 'current' else ''}\">{status}</p>")
    return _page(word("title", lang), body, lang, other)


def notices_page(notices: list[dict[str, Any]], lang: str, other: str) -> str:
    """The public notices of the plans served: the content of ``jointcheck publish`` (no firm or officer names)."""
    sep = word("sep", lang)
    parts = [f"<h1>{word('notices', lang)}</h1>"]
    for notice in notices:
        parts.append(f"<h2>{escape(str(notice['scenario']['name']))} · {escape(str(notice['scenario']['year']))}</h2>")
        head = "".join(f"<th>{word(k, lang)}</th>" for k in ("task", "window", "lead", "partners", "items", "subjects", "visits"))
        rows = []
        for t in notice["tasks"]:
            window = f"{escape(t['window']['start'])}{word('to', lang)}{escape(t['window']['end'])}"
            rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in (
                escape(t["name"]), window, escape(t["lead"]["name"]), sep.join(escape(p["name"]) for p in t["partners"]),
                sep.join(escape(i["name"]) for i in t["items"]), t["subjects_to_inspect"], t["visits"])) + "</tr>")
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return _page(word("notices", lang), "".join(parts), lang, other)


def message_page(key: str, lang: str, other: str) -> str:
    """A page saying one thing (too many look-ups, not found, unavailable)."""
    return _page(word(key, lang), f"<h1>{word(key, lang)}</h1>", lang, other)
