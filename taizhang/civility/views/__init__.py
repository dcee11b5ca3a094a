"""The civility pages, one module per concern."""
