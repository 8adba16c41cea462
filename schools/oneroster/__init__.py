"""OneRoster 1.1 and 1.2 CSV import: read, validate, then write in one transaction.

`source` opens a folder or a zip, `reader` turns its CSV files into checked rows,
`importer` validates references and writes everything, and `report` collects the
counts, errors and warnings a person reads afterwards.
"""

from schools.oneroster.importer import Scope, import_oneroster
from schools.oneroster.report import Report
from schools.oneroster.source import SourceError, open_source

__all__ = ["Report", "Scope", "SourceError", "import_oneroster", "open_source"]
