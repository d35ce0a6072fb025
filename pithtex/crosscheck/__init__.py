"""Catch references that point at the wrong paper: titles, version drift, duplicates."""
