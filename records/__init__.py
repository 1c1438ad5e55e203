"""The plan's legal record: what makes a plan traceable (全程留痕) and public (一公开).

This package optimises nothing; it changes with the law on publicity and with security, not with the method.

* :mod:`records.ledger` — an append-only, hash-chained SQLite record of every plan, verify, publish and results
  run; any edited or deleted record is found by ``ledger verify`` (沪府发〔2024〕6号 一(四)).
* :mod:`records.publish` — the public plan (no subject or officer names) and its statutory deadlines: the
  plan within 5 working days, each result within 20 (二(一), 二(三)); spreadsheet cells are formula-safe.
* :mod:`records.binding` — a plan folder bound to its ledger record: every file, the manifest included, must
  be the one recorded, or ``check``, ``verify`` and ``publish`` refuse it.
* :mod:`records.codes` — inspection codes (检查码): an HMAC per visit keyed by a district key that nothing
  public reveals, so a firm can confirm an inspection is genuine.
* :mod:`records.results` — findings per visit imported from the districts' results table, with overdue
  publications reported.

Import the modules themselves (``from records.ledger import …``); this ``__init__`` imports nothing, so
that :mod:`records.codes` stays a leaf the plan can use without pulling in the rest.
"""
