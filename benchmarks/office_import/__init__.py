"""Time ``jointcheck import`` of a large subject list exported as GB18030 "CSV" against ``validate`` of the same
directory written by the project (issue 26: import ≤ 2× validate).

Usage: python -m benchmarks.office_import [--subjects 1000000] [--profile changning-2024] [--repeat 1] [--out DIR]

A district is generated (not timed); its subject directory is rewritten as an office exports it — Chinese headers
(统一社会信用代码, 企业名称 …), 信用风险分类 as A类–D类, 是/否, object types by name separated by 、, a title line,
GB18030 without BOM — and the rest of the district as the workbook ``jointcheck template`` writes (no subjects).
Timed: ``check_scenario`` of the project's directory, and ``import_office`` of workbook + CSV (read, convert,
write, and the loader's own check of what was written), best of ``--repeat``.
"""

from benchmarks.office_import.inputs import OfficeFiles, office_files
from benchmarks.office_import.run import main, measure

__all__ = ["OfficeFiles", "main", "measure", "office_files"]
