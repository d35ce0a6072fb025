"""The ``pithtex`` command line: a thin dispatcher.

Each command lives in ``pithtex/commands/<name>.py`` with two functions,
``configure(parser)`` and ``run(args) -> int``. Only the module of the command
being run is imported, so ``pithtex check`` (run on every commit) does not pay
for httpx, rich or jinja2.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

TYPE_CHECKING = False  # typing itself costs `pithtex check` 5 ms of start-up
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Sequence
    from typing import NoReturn

from pithtex import __version__
from pithtex.errors import PithtexError

#: command name -> one-line help. The module is ``pithtex.commands.<name>``.
COMMANDS: dict[str, str] = {
    "scan": "find arXiv references in .bib and .tex files",
    "resolve": "resolve arXiv references to verified Pith Numbers and update pith.lock",
    "annotate": "write verified Pith Numbers into .bib and .tex files",
    "check": "check annotations against pith.lock, offline (for pre-commit and CI)",
    "verify": "verify Pith records, bundles, canonical records and receipts",
    "mirror": "build a static mirror directory of verified records and bundles",
    "serve": "serve a mirror directory with the registry's endpoints",
    "cache": "inspect or clear the per-user cache",
    "sty": "write pith.sty into a directory",
    "init": "set a paper repository up: config, pre-commit hook, latexmkrc, pith.sty, a first resolve",
    "arxiv": "build the arXiv upload: the files the build uses, pith.sty, .pith files, the .bbl",
    "report": "write a report (HTML, JSON or SARIF) of every reference and its status, offline",
}


def _terminal_width() -> int:
    """What ``shutil.get_terminal_size`` says, without importing shutil (and bz2 and lzma)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, measuring the terminal itself: argparse builds one for every
    argument a parser gets, and its own way imports shutil (4 ms of every `pithtex check`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() - 2 if width is None else width)


class _RawDescriptionHelpFormatter(_HelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pithtex",
        description="Cite arXiv papers by their verified Pith Numbers.",
        epilog="Run 'pithtex COMMAND --help' for a command's options.",
        formatter_class=_RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pithtex {__version__}")
    return parser


def _print_commands(parser: argparse.ArgumentParser) -> None:
    parser.print_usage()
    print("\ncommands:")
    for name, help_text in COMMANDS.items():
        print(f"  {name:<10} {help_text}")
    print("\nRun 'pithtex COMMAND --help' for a command's options.")


class Terminated(BaseException):
    """SIGTERM or SIGHUP (``timeout``, a cancelled CI job, an editor's stop button, a closed terminal): raised
    where the run is, as Ctrl-C's KeyboardInterrupt is, so a write in progress removes its temporary file
    (Python's default for these signals ends the process on the spot and left ``.refs.bib.*.tmp`` behind)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on_signals() -> Callable[[], None]:
    """Install the handlers; returns what puts the previous ones back (main() may be called in-process)."""
    import _signal  # the builtin behind `signal`, whose enums cost `check` 0.85 ms of start-up

    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(_signal, name, None)
        if number is not None and _signal.getsignal(number) is _signal.SIG_DFL:  # not when told to ignore it
            previous[number] = _signal.signal(number, stop)

    def restore() -> None:
        for number, handler in previous.items():
            _signal.signal(number, handler)

    return restore


def _files_replaced() -> list[str]:
    atomic = sys.modules.get("pithtex.write.atomic")  # not imported: nothing was written
    return atomic.files_replaced if atomic is not None else []


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        _print_commands(_top_parser())
        return 0 if argv else 2
    if argv[0] == "--version":
        _top_parser().parse_args(argv)
    name = argv[0]
    if name not in COMMANDS:
        print(f"pithtex: unknown command {name!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    __import__(f"pithtex.commands.{name}")  # importlib.import_module, without importing importlib
    module = sys.modules[f"pithtex.commands.{name}"]
    parser = argparse.ArgumentParser(prog=f"pithtex {name}", description=COMMANDS[name], formatter_class=_HelpFormatter)
    module.configure(parser)
    args = parser.parse_args(argv[1:])  # exits 2 on usage errors
    restore_signals = _stop_on_signals()
    replaced_before = len(_files_replaced())
    try:
        return int(module.run(args))
    except PithtexError as exc:
        print(f"pithtex: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        written = _files_replaced()[replaced_before:]
        if written:  # a later file failed (a full disk): the change lines were never printed
            print(f"  written before that, each complete: {', '.join(written)}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, Terminated) as exc:
        written = _files_replaced()[replaced_before:]
        if written:
            print(f"pithtex: interrupted after writing {', '.join(written)} (each complete, the rest as it was): "
                  "run it again to finish", file=sys.stderr)
        else:
            print("pithtex: interrupted; nothing was written", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        # e.g. `pithtex scan refs.bib | head`: not an error worth a traceback.
        sys.stderr.close()
        return 1
    except OSError as exc:  # what no command turned into a message: say it in a line, as one would
        if exc.filename is not None:
            print(f"pithtex: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"pithtex: cannot write the output: {exc.strerror or exc} (files already written are complete)",
              file=sys.stderr)
        return 1
    except Exception as exc:  # pragma: no cover - the last line of defence
        if os.environ.get("PITHTEX_DEBUG"):
            raise
        print(
            f"pithtex: internal error: {type(exc).__name__}: {exc} "
            "(set PITHTEX_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        return 3
    finally:
        restore_signals()


def console() -> NoReturn:
    """The ``pithtex`` program: :func:`main`, then leave at once.

    A large run holds a few hundred MB of small objects (a 30 MB pith.lock,
    20,000 entries); freeing them one by one at exit costs a tenth of a
    second and does nothing for anyone. Everything is written, closed and
    released by then, so flush the standard streams and exit directly.
    (Tests call :func:`main`, which returns and changes nothing global.)
    """
    # A short-lived process that builds large trees (a 30 MB pith.lock, 20,000
    # entries) and makes few reference cycles (a 20,000-entry annotate leaves
    # about a hundred objects in cycles): the default thresholds make the
    # collector re-walk that heap again and again (a quarter of a large run),
    # and even one young-generation pass over a few hundred thousand objects
    # costs a tenth of a second. Collect cycles rarely instead (once per
    # million new containers); never turn it off.
    gc.set_threshold(1_000_000, 30, 30)
    code = main()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (`pithtex ... >&-`, a daemon): nothing to flush
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            code = code or 1
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
