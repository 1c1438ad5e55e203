"""``jointcheck serve``: the public verification service of 一公开 (:mod:`ui.public`) under uvicorn."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ui.cli.common import (
    KeyFileOption,
    LedgerOption,
    console,
    fail,
    ledger_path,
    load_or_exit,
    require_bound_plan,
    say,
)
from ui.cli.documents import LangOption
from ui.cli.messages import use_lang

__all__ = ["register", "serve"]


def serve(
    folders: Annotated[list[Path], typer.Argument(
        help="PLAN_DIR SCENARIO_DIR pairs: each plan with the scenario it was made from (an adjusted plan's versions "
             "together: an old code then says whether its visit moved or was cancelled)")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on (behind the office's reverse proxy: 127.0.0.1)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 8080,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="uvicorn worker processes (each holds the code table)")] = 1,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help="The reverse proxy's address, whose X-Forwarded-For then names the client "
                                      "(the rate limit counts per client)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    lang: LangOption = None,
) -> None:
    """Serve the 检查码 look-up a firm reaches by scanning the QR at its door, and the plans' public notices.

    Every plan is opened through the same gate as ``check`` (bound to its record signed with the district key, made
    from its scenario, breaking no hard rule): a tampered or unrecorded plan stops the service before it starts,
    saying why. Read-only; routes: /c/CODE, /api/code/CODE, /, /api/notices.
    """
    use_lang(lang)
    if len(folders) % 2:
        raise fail(say("serve_pairs", n=len(folders)))
    pairs = [(folders[k], folders[k + 1]) for k in range(0, len(folders), 2)]
    opened = []
    for plan_dir, scenario_dir in pairs:
        scenario = load_or_exit(scenario_dir)
        opened.append((require_bound_plan(plan_dir, ledger, False, scenario=scenario, key_file=key_file), scenario))
    import uvicorn

    from records.lookup import build_code_table
    from records.publish import public_plan
    from ui.public.service import CONFIG_ENV, make_app

    table = build_code_table(opened, [public_plan(p, s) for (p, _), (_, s) in zip(pairs, opened)])
    console.print(escape(say("serve_ready", codes=len(table.answers), plans=len(pairs), host=host, port=port)),
                  highlight=False)
    proxy = {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips} if forwarded_allow_ips else \
        {"proxy_headers": False}
    if workers == 1:
        uvicorn.run(make_app(table), host=host, port=port, log_level="warning", server_header=False, **proxy)
        return
    os.environ[CONFIG_ENV] = json.dumps({
        "pairs": [[str(p.resolve()), str(s.resolve())] for p, s in pairs],
        "ledger": str(ledger_path(ledger).resolve()), "key_file": str(key_file.resolve()) if key_file else None})
    uvicorn.run("ui.public.service:from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", server_header=False, **proxy)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
