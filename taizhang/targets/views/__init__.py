"""The targets pages, one module per concern: progress and targets, schemes, runs and rankings, bonus/deduction
entries, bulletins."""
