"""The reports pages: summaries (list, compose, preview, editor, export, check), template fill, extraction and
the phrase library. Every change goes through reports.actions."""
