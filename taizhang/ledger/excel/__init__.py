"""Excel import and export of ledger records.

- `safety.check_xlsx`: checks an upload before any XML parser sees it (size, OOXML, macros, zip bombs, DTDs).
- `templates.build_template`: the per-activity-type template (sheets 填报, 说明, 单位, 媒体 and hidden metadata).
- `importer.import_file`: validate every row first, then commit all or nothing; idempotent by file and by row.
- `exporter.export_records`: any queryset of records to xlsx, with formula-like text escaped.
- `filters.filter_records`: the record-list GET filters (period, unit subtree, line, type, status, source, q, ids,
  batch, and a figure's metric and level), shared by the export view, the CLI and the record list.
"""
