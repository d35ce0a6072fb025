"""``pithtex arxiv``: the upload a paper needs, and nothing else."""
