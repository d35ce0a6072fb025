"""Write verified Pith Numbers into .bib and .tex files, losslessly and atomically; render pith.sty."""
