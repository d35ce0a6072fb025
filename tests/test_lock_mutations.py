"""Random damage to a real pith.lock: the strict read says which line, or the damaged line fails
verification. Nothing but a line as the registry signed it ever verifies: the one value it may
differ in is the title: in case or white space, which the signed title hash does not tell apart,
or in a way pithtex cannot check against that hash (non-ASCII or TeX: the registry's rule for
those is unknown), and then the result says the title is unverified."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.errors import InputError
from pithtex.resolve.lockfile import Lockfile
from pithtex.verify.checks import title_canon_sha256
from pithtex.verify.keys import trust_store_from
from tests.support.example import example_bytes


def _original() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pith.lock"
        path.write_bytes(example_bytes("pith.lock"))
        lock = Lockfile.load(path)
        lock._dirty = True  # written in the current format, whatever the example's is
        lock.save()
        return path.read_text(encoding="utf-8")


ORIGINAL = _original()
LINES = ORIGINAL.splitlines()
ROWS = {row[0]: row for row in map(json.loads, LINES[1:])}
# what JSON, the line format and the records are made of, and a little more
CHARS = st.sampled_from(list('"[]{},:\\\n\r 0123456789.-+eEnulltrfasv/=:AZaz\u00e9\ud800'))
EDIT = st.tuples(st.integers(0, len(ORIGINAL)), st.sampled_from(["insert", "delete", "replace"]), CHARS)


def _damaged(edits: list[tuple[int, str, str]]) -> str:
    text = ORIGINAL
    for at, how, char in edits:
        at = min(at, len(text))
        if how == "insert":
            text = text[:at] + char + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + char + text[at + 1:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDIT, min_size=1, max_size=3))
def test_a_damaged_lock_is_a_line_numbered_error_or_fails_to_verify(edits: list[tuple[int, str, str]]) -> None:
    text = _damaged(edits)
    trust = trust_store_from()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pith.lock"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            lock = Lockfile.load(path)
        except InputError as exc:
            m = re.match(rf"{re.escape(str(path))}:(\d+): ", exc.message)
            assert m is not None and "\n" not in exc.message, exc.message
            assert 1 <= int(m[1]) <= text.count("\n") + 2, exc.message
            return
        for entry in lock:
            result = lock.verify_entry(entry, trust)
            if not result.ok or entry.line() in LINES[1:]:
                continue
            row, signed = entry.row(), ROWS[entry.key]
            assert row[:2] + row[3:] == signed[:2] + signed[3:], entry.line()
            # the registry's rule folds case and white space: a title it cannot tell apart, or one unverified
            same = entry.title is not None and title_canon_sha256(entry.title) == title_canon_sha256(signed[2])
            assert same or any(u.startswith("paper.title ") for u in result.unverified), result.unverified
