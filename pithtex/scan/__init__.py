"""Find arXiv references (and existing Pith Numbers) in .bib and .tex sources."""
