"""Visit bundling (进一次门、查多项事): drawn (subject, task) pairs into dated visits.

Guarantees: one visit serves every pair of a subject it can (same round, a working day inside every one of
its tasks' windows), within each department's weekly capacity; a pair left unplaced carries the reason in
words a planner can act on. :func:`check_bundle` re-verifies a result independently of the solver.
"""

from optimizer.bundling.bundle import (
    UNPLACED_SCHEMA,
    VISIT_SCHEMA,
    BundleConfig,
    BundleInput,
    BundleResult,
    bundle_visits,
    visit_ids,
)
from optimizer.bundling.check import check_bundle

__all__ = [
    "BundleConfig", "BundleInput", "BundleResult", "UNPLACED_SCHEMA", "VISIT_SCHEMA", "bundle_visits",
    "check_bundle", "visit_ids",
]
