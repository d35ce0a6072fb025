"""Moved: the crash-safe replacement now lives in :mod:`pithtex.write.atomic` (one module
for every write pithtex makes). This name stays so that existing imports keep working."""

from pithtex.write.atomic import replace_file

__all__ = ["replace_file"]
