"""Identifiers: arXiv ids and Pith Numbers (grammar, parsing, formatting)."""
