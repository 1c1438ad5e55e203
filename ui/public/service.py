"""The read-only public service (Starlette): ``/c/{code}``, ``/api/code/{code}``, ``/`` and ``/api/notices``.

* ``GET /c/{code}`` — the page a scanned QR opens (:func:`ui.public.pages.code_page`);
  ``GET /api/code/{code}`` — the same as JSON, ``{"genuine": true|false, …}``, status 200 for both.
* ``GET /`` — the public notices of the plans served; ``GET /api/notices`` — the same as JSON.
* Unknown codes are rate-limited per client address: more than :data:`UNKNOWN_PER_MINUTE` in a minute → 429 for a
  minute (:class:`UnknownCodeLimit`); genuine look-ups are never limited. Behind a reverse proxy, uvicorn's
  ``--forwarded-allow-ips`` makes the client address the proxy's ``X-Forwarded-For``.
* Only these routes exist: no file is ever served, so no path can reach outside. Every response carries security
  headers; an error answers a plain page without a stack trace.
* Language: ``?lang=en`` or ``?lang=zh``, else the browser's ``Accept-Language`` (Chinese by default).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from records.lookup import CodeTable
from ui.public.pages import code_page, message_page, notices_page

__all__ = ["make_app", "UnknownCodeLimit", "UNKNOWN_PER_MINUTE", "SECURITY_HEADERS", "served_table", "from_environment",
           "CONFIG_ENV", "SecurityHeaders"]

UNKNOWN_PER_MINUTE = 30
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class UnknownCodeLimit:
    """At most ``per_minute`` unknown-code look-ups per client address in any minute; the next one blocks the address
    for ``block_seconds``. ``clock``: seconds, monotonic (tests may pass their own)."""

    def __init__(self, per_minute: int = UNKNOWN_PER_MINUTE, block_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = 100_000):
        self.per_minute, self.block_seconds, self.clock, self.max_clients = per_minute, block_seconds, clock, max_clients
        self.misses: dict[str, deque[float]] = {}
        self.blocked: dict[str, float] = {}

    def is_blocked(self, client: str) -> bool:
        until = self.blocked.get(client)
        if until is None:
            return False
        if self.clock() >= until:
            del self.blocked[client]
            return False
        return True

    def miss(self, client: str) -> bool:
        """Count an unknown code from ``client``; True when that blocks it."""
        now = self.clock()
        if len(self.misses) > self.max_clients:  # memory stays bounded whatever addresses arrive
            self.misses = {c: q for c, q in self.misses.items() if q and now - q[-1] < 60.0}
        seen = self.misses.setdefault(client, deque())
        seen.append(now)
        while seen and now - seen[0] >= 60.0:
            seen.popleft()
        if len(seen) > self.per_minute:
            self.blocked[client] = now + self.block_seconds
            seen.clear()
            return True
        return False


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh"


def _other(request: Request, lang: str) -> str:
    return f"{request.url.path}?lang={'zh' if lang == 'en' else 'en'}"


def make_app(table: CodeTable, limit: UnknownCodeLimit | None = None) -> SecurityHeaders:
    """The service answering from ``table`` (plans already through the gate), as an ASGI application."""
    limit = limit or UnknownCodeLimit()

    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    def answer(request: Request, as_json: bool) -> Response:
        lang = _lang(request)
        who = client(request)
        typed = request.path_params["code"]
        found = table.look_up(typed)
        if found is None and (limit.is_blocked(who) or limit.miss(who)):  # genuine look-ups are never limited
            if as_json:
                return JSONResponse({"error": "too many unknown codes; try again in a minute"}, status_code=429)
            return HTMLResponse(message_page("too_many", lang, _other(request, lang)), status_code=429)
        if found is None:
            if as_json:
                return JSONResponse({"genuine": False})
            return HTMLResponse(code_page(None, typed, lang, _other(request, lang)))
        if as_json:
            return JSONResponse(found.to_json())
        return HTMLResponse(code_page(found, typed, lang, _other(request, lang)))

    async def code_html(request: Request) -> Response:
        return answer(request, as_json=False)

    async def code_json(request: Request) -> Response:
        return answer(request, as_json=True)

    async def home(request: Request) -> Response:
        lang = _lang(request)
        return HTMLResponse(notices_page(table.notices, lang, _other(request, lang)))

    async def notices_json(request: Request) -> Response:
        return JSONResponse({"notices": table.notices})

    async def not_found(request: Request, exc: HTTPException) -> Response:
        lang = _lang(request)
        key = "missing" if exc.status_code == 404 else "error"
        return HTMLResponse(message_page(key, lang, _other(request, lang)), status_code=exc.status_code)

    async def server_error(request: Request, exc: Exception) -> Response:
        return HTMLResponse(message_page("error", _lang(request), "/"), status_code=500)

    app = Starlette(
        debug=False,
        routes=[Route("/", home, methods=["GET"]), Route("/api/notices", notices_json, methods=["GET"]),
                Route("/c/{code:path}", code_html, methods=["GET"]), Route("/api/code/{code:path}", code_json, methods=["GET"])],
        exception_handlers={HTTPException: not_found, 500: server_error},
    )

    return SecurityHeaders(app)


class SecurityHeaders:
    """ASGI wrapper around the whole application (its error pages included): :data:`SECURITY_HEADERS` on every
    response."""

    def __init__(self, app: Starlette):
        self.app = app
        self.extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - the ASGI signature
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.extra}
                message["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names] + self.extra
            await send(message)

        await self.app(scope, receive, with_headers)


CONFIG_ENV = "JOINTCHECK_SERVE_CONFIG"
"""Where ``jointcheck serve --workers K`` hands each uvicorn worker the plans to serve (JSON: pairs, ledger, key)."""


def served_table(pairs: list[tuple[str, str]], ledger: str, key_file: str | None) -> CodeTable:
    """The code table and notices of (plan folder, scenario folder) pairs, each plan opened through the one gate
    (:func:`records.gate.open_plan`, hard rules re-checked); raises on any refusal."""
    from records.codes import load_key
    from records.gate import open_plan
    from records.lookup import build_code_table
    from records.publish import public_plan
    from scenarios import load_scenario

    key = load_key(key_file) if key_file else None
    opened, notices = [], []
    for plan_dir, scenario_dir in pairs:
        scenario = load_scenario(scenario_dir)
        opened.append((open_plan(plan_dir, ledger=ledger, key=key, scenario=scenario), scenario))
        notices.append(public_plan(plan_dir, scenario))
    return build_code_table(opened, notices)


def from_environment() -> SecurityHeaders:
    """uvicorn's factory for each worker of ``jointcheck serve --workers K``: the plans named in :data:`CONFIG_ENV`."""
    import json
    import os

    config = json.loads(os.environ[CONFIG_ENV])
    return make_app(served_table([tuple(p) for p in config["pairs"]], config["ledger"], config.get("key_file")))
