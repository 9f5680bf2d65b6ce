"""Forms of plan data, one module per area."""
