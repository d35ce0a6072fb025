"""Errors that the CLI turns into one clear line and an exit code.

Exit codes (a contract that scripts, hooks and editors rely on):

- 0: all is well;
- 1: the command ran and found problems (invalid material, failed or rejected
  resolutions, files that need changes, security errors);
- 2: usage errors and unreadable input.

Raise these with a message that says what is wrong and, where there is one,
what to do next (``hint``). The CLI prints ``pithtex: <message>`` and the
hint on stderr, never a traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "PithtexError", "SecurityError", "UsageError"]


class PithtexError(Exception):
    """Base class: an expected failure with a message for the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(PithtexError):
    """The command line or configuration is wrong."""

    exit_code = 2


class InputError(PithtexError):
    """An input file cannot be read (missing, a directory, not text, ...)."""

    exit_code = 2


class SecurityError(PithtexError):
    """Signed material contradicts what was already trusted (e.g. pith.lock)."""

    exit_code = 1
