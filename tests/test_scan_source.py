"""read_source: exact decoding the writer can round-trip, clear errors otherwise."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pithtex.errors import InputError
from pithtex.scan.source import UnreadableSource, detect_newline, read_source


@pytest.mark.parametrize(
    "raw,encoding,bom,newline",
    [
        (b"@a{k,\n x={y}}\n", "utf-8", False, "\n"),
        (b"@a{k,\r\n x={\xc3\xbc}}\r\n", "utf-8", False, "\r\n"),
        (codecs.BOM_UTF8 + b"@a{k,\r\n}\n", "utf-8", True, "mixed"),
        (b"Schr\xf6dinger\n", "latin-1", False, "\n"),
        (b"no newline", "utf-8", False, ""),
        (b"", "utf-8", False, ""),
        (b"old mac\rline\r", "utf-8", False, "mixed"),
    ],
)
def test_decoding_round_trips(tmp_path: Path, raw: bytes, encoding: str, bom: bool, newline: str) -> None:
    path = tmp_path / "f.bib"
    path.write_bytes(raw)
    src = read_source(path)
    assert (src.encoding, src.bom, src.newline, src.raw) == (encoding, bom, newline, raw)
    assert (codecs.BOM_UTF8 if src.bom else b"") + src.text.encode(src.encoding) == raw
    assert not src.text.startswith("\ufeff")
    assert (src.note is not None) == (encoding == "latin-1")


def test_latin1_note_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.bib"
    path.write_bytes(b"ok\nok\nbad \xe9\n")
    assert read_source(path).note == f"{path}:3: not valid UTF-8; read as Latin-1"


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: p.write_bytes(b"ab\ncd\x00"), "binary file (NUL byte), not a .bib or .tex source"),
        (lambda p: p.write_bytes("x".encode("utf-16")), "UTF-16/UTF-32 text is not supported"),
    ],
)
def test_unreadable(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.bib"
    make(path)
    with pytest.raises(UnreadableSource) as info:
        read_source(path)
    assert isinstance(info.value, InputError) and info.value.exit_code == 2
    assert info.value.reason == message
    assert info.value.message.startswith(str(path))


def test_detect_newline() -> None:
    assert detect_newline("a\r\nb\r\n") == "\r\n"
    assert detect_newline("a\nb\r\n") == "mixed"


def test_device_is_refused() -> None:
    with pytest.raises(UnreadableSource) as info:
        read_source("/dev/zero")
    assert info.value.reason == "is a device, not a file"
