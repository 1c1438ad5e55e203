"""jointcheck optimiser: the stages a plan's data flows through, and the plan assembled from them.

Stages, each a sub-package whose ``__init__`` exports what the others may use:

* :mod:`optimizer.calendar` — rounds of tasks whose windows share dates, calendar alignment (CP-SAT) and the
  Chinese statutory working days;
* :mod:`optimizer.draw` — permanent random numbers, the coordinated draw, the plan seed, the randomness audit;
* :mod:`optimizer.bundling` — drawn (subject, task) pairs into dated visits (进一次门、查多项事);
* :mod:`optimizer.teams` — random matching of officers to visits (随机选派执法检查人员).

On top: :mod:`optimizer.plan` runs the stages in order (scenario → rules → calendar → draw → bundle → teams),
:mod:`optimizer.baselines` gives the KPIs it is compared with, :mod:`optimizer.hard_rules` states each hard
rule once, :mod:`optimizer.check` re-verifies a written plan with them independently of any solver,
:mod:`optimizer.verify` recomputes a published draw, and :mod:`optimizer.export` writes the plan directory.
The plan's legal record (ledger, publication, inspection codes, results) is :mod:`records`, beside this package.

Above a district: :mod:`optimizer.city` plans a city partitioned over its districts (a process pool or Ray): the
city-wide tasks' district sizes drawn once, centrally, then each district by :mod:`optimizer.plan` unchanged.
"""
