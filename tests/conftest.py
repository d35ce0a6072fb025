"""Shared test fixtures. Fixture data lives in tests/fixtures/ (copied into the
project: tests never read anything outside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.signing import FIXTURES, TestKey

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def test_key() -> TestKey:
    """A freshly generated Ed25519 key (not trusted unless a test says so)."""
    return TestKey()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the per-user stamp key (pithtex/write/checkstamp.py) out of the real home directory."""
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path_factory.mktemp("state")))
