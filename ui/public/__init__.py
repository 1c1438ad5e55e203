"""The public side of 一公开: a small read-only web service a firm reaches by scanning the 检查码 at its door.

* :mod:`ui.public.pages` — the pages, in Chinese (default) and English, readable on a phone, every value escaped;
* :mod:`ui.public.service` — the Starlette application: routes, the rate limit on unknown codes, security headers,
  no stack trace to the client; the code table comes from :mod:`records.lookup` (plans opened through the gate).

``jointcheck serve`` (:mod:`ui.cli.serve`) starts it under uvicorn.
"""
