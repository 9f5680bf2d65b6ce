"""Writes to tracking data, one module per area (see planning/services)."""
