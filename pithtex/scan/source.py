"""Read a .bib/.tex file as text without losing how it was written.

The writer (``pithtex annotate``) writes files back byte for byte except for
what it changes, so :class:`SourceText` keeps the encoding, the BOM, the line
endings and the raw bytes. ``text`` is an exact decode of the bytes after the
BOM: line endings are untouched (``\\r\\n`` stays ``\\r\\n``), so
``text.encode(encoding)`` with the BOM prepended gives back ``raw``.

Decoding: UTF-8 first; a file that is not valid UTF-8 is read as Latin-1 (every
byte is a character, so this never fails) and ``note`` says so. Files that are
not text at all (NUL bytes, UTF-16/32) raise :class:`~pithtex.errors.InputError`
with one clear line, as do missing files and directories.
"""

from __future__ import annotations

import codecs
from collections import namedtuple
from pathlib import Path

from pithtex.errors import InputError

__all__ = ["SourceText", "UnreadableSource", "detect_newline", "read_source", "decode_source"]


class UnreadableSource(InputError):
    """An input that cannot be read; ``file``, ``line`` (or None) and ``reason``
    are there for callers that report problems as records (the scanner)."""

    def __init__(self, file: str, reason: str, *, line: int | None = None, hint: str | None = None) -> None:
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {reason}", hint=hint)
        self.file = file
        self.line = line
        self.reason = reason


class SourceText(namedtuple("SourceText", "path text encoding bom newline raw note identity", defaults=(None, None))):
    """A source file, decoded: ``path``, ``text``, ``encoding``, ``bom``, ``newline``, ``raw``,
    ``note``, ``identity``.

    ``newline`` is ``"\\n"``, ``"\\r\\n"``, ``"mixed"`` (both, or a lone
    ``\\r``) or ``""`` (no line break at all). ``note`` is a message for the
    user when decoding needed a fallback, else None. ``identity`` is
    ``(st_dev, st_ino, st_size, st_mtime_ns)`` of the file as read (None for
    bytes not read from a file). A named tuple, like the records of
    :mod:`pithtex.scan.model`: no dataclasses import on `pithtex check`'s start-up.
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        """The path as given, for messages."""
        return str(self.path)


def detect_newline(text: str) -> str:
    """Classify the line endings of ``text`` (see :class:`SourceText`)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if cr or (crlf and lf):
        return "mixed"
    if crlf:
        return "\r\n"
    if lf:
        return "\n"
    return ""


_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_source(path: Path, raw: bytes) -> SourceText:
    """Decode bytes already read from ``path`` (see the module docstring)."""
    name = str(path)
    if raw.startswith(_UTF16_32_BOMS):
        raise UnreadableSource(name, "UTF-16/UTF-32 text is not supported", hint="save the file as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise UnreadableSource(name, "binary file (NUL byte), not a .bib or .tex source", line=line)
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[3:] if bom else raw
    note = None
    try:
        text = body.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        text = body.decode("latin-1")
        encoding = "latin-1"
        note = f"{name}:{line}: not valid UTF-8; read as Latin-1"
    return SourceText(
        path=path,
        text=text,
        encoding=encoding,
        bom=bom,
        newline=detect_newline(text),
        raw=raw,
        note=note,
    )


#: The largest .bib/.tex pithtex reads (the biggest real bibliographies are a few tens of MB);
#: a larger file is refused from its size, before it is read. ``PITHTEX_MAX_SOURCE_BYTES`` lowers it.
MAX_SOURCE_BYTES = 256 * 1024 * 1024


def _max_source_bytes() -> int:
    from pithtex.config import env_number

    return int(env_number("PITHTEX_MAX_SOURCE_BYTES", MAX_SOURCE_BYTES, what="bytes", integer=True))


def read_source(path: str | Path) -> SourceText:
    """Read and decode one source file; raise ``InputError`` if it cannot be read.

    Regular files only (a FIFO or device is refused at once, never waited on)
    and at most :data:`MAX_SOURCE_BYTES` (checked before reading). ``identity``
    records what was read, so that a writer can tell whether the file changed since.
    """
    from pithtex.readfile import Unreadable, read_bounded

    path = Path(path)
    name = str(path)
    try:
        raw, st = read_bounded(path, _max_source_bytes())
    except FileNotFoundError:
        raise UnreadableSource(name, "no such file") from None
    except Unreadable as exc:
        hint = f"name the files in it, e.g. {name.rstrip('/')}/*.bib" if "directory" in exc.reason else exc.hint
        raise UnreadableSource(name, exc.reason, hint=hint) from None
    _refuse_a_merge_conflict(name, raw)
    if path.suffix.lower() in (".tex", ".ltx") and b"\r" in raw and b"\n" not in raw:
        # TeX reads such a file, and pithtex saw one line that its first % made a comment: nothing found,
        # 'check' passed (the .bib behind \bibliography never scanned)
        raise UnreadableSource(name, "its lines end in CR alone (classic Mac OS), which pithtex does not read",
                               line=1, hint="save it with LF line ends (your editor's line-ending setting, or "
                                            "'mac2unix'), then run again")
    source = decode_source(path, raw)
    return source._replace(identity=(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))


def _refuse_a_merge_conflict(name: str, raw: bytes) -> None:
    """A file ``git merge`` left with both sides (``<<<<<<< HEAD`` ... ``>>>>>>> theirs`` at the start of
    lines) is refused at its first marker: annotate edited such a .bib (its entries' two copies were each
    given fields, and refs.pith written from them) and said only '1 problem'."""
    start = raw.find(b"<<<<<<<")  # one pass in C; a file with no conflict costs nothing more
    while start != -1:
        if (start == 0 or raw[start - 1] in b"\r\n") and raw[start + 7:start + 8] in (b" ", b"\n", b"\r", b""):
            end = raw.find(b"\n>>>>>>>", start)
            if end != -1:
                raise UnreadableSource(
                    name, "a git merge conflict is not resolved here (the '<<<<<<<' line)",
                    line=raw.count(b"\n", 0, start) + 1,
                    hint="keep what each side should keep, delete the <<<<<<< ======= >>>>>>> lines, then run again",
                )
        start = raw.find(b"<<<<<<<", start + 7)
