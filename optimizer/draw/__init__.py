"""The draw (随机抽取检查对象): who is inspected, at the probabilities the rules set, from one public seed.

Guarantees: every subject's ticket is a permanent random number derived from the plan seed and its id
(:mod:`~optimizer.draw.prn`); inside a round every task reads the same number (positive coordination),
between rounds numbers are offset (negative coordination); every eligible subject is drawn with exactly
the rules' π, on cells of any size, each cell drawing ⌊N·π⌋ or ⌈N·π⌉ by controlled rounding decided from the
cell's own keys, each risk class and ratio task ⌊Σπ⌋ or ⌈Σπ⌉ and each count task its count
(:mod:`~optimizer.draw.allocation`); the seed is bound to the scenario and committed before the draw
(:mod:`~optimizer.draw.seed`); :mod:`~optimizer.draw.audit` tests realised frequencies against the rules' π.
"""

from optimizer.draw.allocation import (
    CELL,
    PI_SCALE,
    allocate,
    binomial_tail,
    cell_sizes,
    pi_units,
)
from optimizer.draw.audit import (
    P_LIMIT,
    Z_LIMIT,
    LawAudit,
    exact_probabilities,
    inclusion_audit,
    law_audit,
    visit_audit,
)
from optimizer.draw.coordinated import (
    DRAW_COLUMNS,
    ROTATION_GUARD,
    DrawInput,
    DrawMode,
    DrawResult,
    draw_subjects,
)
from optimizer.draw.inputs import draw_input, task_counts
from optimizer.draw.prn import seed_hex
from optimizer.draw.run import DrawRun, PlanBlocked, draw_table, run_draw
from optimizer.draw.seed import plan_seed, seed_commitment

__all__ = [
    "CELL", "DRAW_COLUMNS", "DrawInput", "DrawMode", "DrawResult", "DrawRun", "LawAudit", "PI_SCALE",
    "P_LIMIT", "PlanBlocked", "ROTATION_GUARD", "Z_LIMIT", "allocate", "binomial_tail", "cell_sizes", "draw_input", "draw_subjects", "draw_table", "exact_probabilities",
    "inclusion_audit", "law_audit", "pi_units", "plan_seed", "run_draw", "seed_commitment",
    "seed_hex", "task_counts", "visit_audit",
]
