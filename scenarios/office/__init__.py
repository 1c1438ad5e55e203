"""The office's own files in and out: Excel workbooks and CSV exports (UTF-8, UTF-8 with BOM, GB18030) with Chinese
headers → a scenario folder (``jointcheck import``), and a scenario → the workbook an office fills in
(``jointcheck template``).

Guarantees: an import writes the whole scenario folder or nothing; every problem is reported at once, naming the
file, the sheet, the row as Excel numbers it and the Chinese header, in Chinese and English
(:mod:`scenarios.messages`, ``office.*``); the encoding of every CSV is detected from its bytes and reported;
importing the template of a scenario gives back the same scenario (same content hash, hence the same draw).
"""

from scenarios.office.csvfile import decode
from scenarios.office.importer import ImportResult, import_office, read_office
from scenarios.office.template import write_template

__all__ = ["ImportResult", "decode", "import_office", "read_office", "write_template"]
