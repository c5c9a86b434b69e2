"""Screening: the Screener over a built index, the shared index cache, batch files, hit tables
and Spark."""
