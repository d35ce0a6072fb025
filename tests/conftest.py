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
