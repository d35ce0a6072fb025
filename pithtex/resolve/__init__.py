"""Resolve arXiv ids to verified Pith Numbers: registry client, mirrors, cache, pith.lock."""
