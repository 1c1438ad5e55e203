"""City and province scale: the district plan, partitioned over districts (locally or on Ray).

Guarantees: a city-wide task's per-district sizes are decided once, centrally, from the plan seed, by
systematic controlled rounding whose expectation is each district's Σπ (so every subject keeps its lawful
inclusion probability; :mod:`optimizer.city.split`); each district is then planned independently by
:func:`optimizer.plan.make_plan`, exactly as that district planned alone with the same count tasks and public
value; ``local`` and ``ray`` write byte-identical files; the output appears complete or not at all.
"""

from optimizer.city.engines import ENGINES, EngineError, map_districts
from optimizer.city.run import (
    CityRun,
    city_hash,
    district_public_value,
    plan_city,
    split_seed,
)
from optimizer.city.split import city_count_expectations, split_start, systematic_shares

__all__ = [
    "ENGINES", "EngineError", "map_districts", "CityRun", "plan_city", "city_hash", "district_public_value",
    "split_seed", "systematic_shares", "split_start", "city_count_expectations",
]
