"""How a directory's cells read as a person reads them: identifiers (:mod:`scenarios.values.identifiers`: NFKC,
invisible characters, case) and 统一社会信用代码 (:mod:`scenarios.values.credit_code`: GB 32100-2015)."""
