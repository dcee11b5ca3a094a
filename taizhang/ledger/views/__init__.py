"""Ledger pages: records (list, form, detail), evidence, review queue, taxonomy administration."""
