"""Random matching of officers (随机选派执法检查人员): every visit gets a team drawn from the seed.

Guarantees: who goes is decided by the seed alone (a seeded, lazily generated order per visit); the hard
rules (two officers per department, qualifications, own grid, weekly capacity) hold on every staffed visit,
and a need no plan can meet is reported with its reason. CP-SAT only repairs weeks the draw could not staff.
"""

from optimizer.teams.match import (
    TeamConfig,
    TeamInput,
    TeamResult,
    check_plan,
    match_officers,
    officer_share_audit,
)

__all__ = ["TeamConfig", "TeamInput", "TeamResult", "check_plan", "match_officers", "officer_share_audit"]
