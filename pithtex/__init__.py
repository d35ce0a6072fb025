"""pithtex: cite arXiv papers by their verified Pith Numbers in LaTeX and BibTeX.

The package follows the pipeline:

- ``pithtex.ids``        arXiv identifiers and Pith Numbers (grammar only)
- ``pithtex.scan``       find arXiv references in .bib and .tex sources
- ``pithtex.verify``     the Pith protocol: canonical JSON, receipts, events, bundles
- ``pithtex.resolve``    registry client, mirrors, cache and ``pith.lock``
- ``pithtex.crosscheck`` catch references that point at the wrong paper
- ``pithtex.write``      lossless edits of .bib/.tex files and ``pith.sty``
- ``pithtex.commands``   one module per CLI command; ``pithtex.cli`` dispatches
"""

__version__ = "0.1.0"
