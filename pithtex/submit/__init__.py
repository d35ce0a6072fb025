"""``pithtex arxiv``: the upload a paper needs, and nothing else.

:mod:`~pithtex.submit.fls` reads what a TeX run opened (latexmk's
``-recorder`` file list), :mod:`~pithtex.submit.plan` picks the paper's own
files from it and says what a badge would miss, :mod:`~pithtex.submit.readme`
writes arXiv's ``00README.json``, :mod:`~pithtex.submit.tarball` packs it all
deterministically.
"""
