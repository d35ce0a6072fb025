"""The per-user cache: content-keyed, damage-tolerant, `pithtex cache info|clear`."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from pithtex.cli import main
from pithtex.ids.arxiv import ArxivId
from pithtex.resolve.cache import Cache
from pithtex.userdirs import cache_dir as default_cache_dir
from pithtex.userdirs import state_dir
from tests.support.registry import isolate
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS

RECORD = REAL_RECORDS["2511.00066"].read_bytes()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate(tmp_path, monkeypatch)


def test_the_environment_overrides_the_platform_directory(cache_dir: Path) -> None:
    assert default_cache_dir() == cache_dir and Cache().root == cache_dir


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's")
def test_without_an_override_the_folders_are_what_platformdirs_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    for name in ("PITHTEX_CACHE_DIR", "PITHTEX_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for xdg in ("", "  ", str(tmp_path / "xdg")):
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        monkeypatch.setenv("XDG_STATE_HOME", xdg)
        assert default_cache_dir() == Path(platformdirs.user_cache_dir("pithtex", appauthor=False))
        assert state_dir() == Path(platformdirs.user_state_dir("pithtex", appauthor=False))
    assert default_cache_dir() == tmp_path / "xdg" / "pithtex" == state_dir()
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "pithtex"


def test_documents_are_keyed_by_the_hash_of_their_bytes(cache_dir: Path) -> None:
    cache = Cache()
    cache.put_many([(ArxivId("2511.00066"), RECORD)], [])
    cache.put_many([(ArxivId("2511.00066", 4), RECORD)], [])
    digest = hashlib.sha256(RECORD).hexdigest()
    packs = list((cache_dir / "packs").glob("*.pack"))
    assert [p.read_bytes() for p in packs] == [RECORD]  # stored once, two ids in the index
    assert packs[0].name == hashlib.sha256(RECORD).hexdigest() + ".pack"
    index = json.loads((cache_dir / "index.json").read_text())
    assert index["arxiv"] == {"2511.00066": digest, "2511.00066v4": digest}
    assert cache.record_for(ArxivId("2511.00066")) == RECORD
    assert cache.record_for(ArxivId("2511.00066", 3)) is None
    cache.put_many([], [("C7HZCGQ4XG57XBILJLQGM22JGT", REAL_BUNDLE.read_bytes())])
    assert cache.bundle_for("C7HZCGQ4XG57XBILJLQGM22JGT") == REAL_BUNDLE.read_bytes()
    assert not [p for p in cache_dir.rglob("*.tmp")]


@pytest.mark.parametrize(
    "damage", ["flip-a-byte", "truncate", "bad-ref", "bad-pack-name", "huge-length", "missing-pack", "fifo-pack"]
)
def test_damage_is_a_miss(cache_dir: Path, damage: str) -> None:
    cache = Cache()
    arxiv = ArxivId("2511.00066")
    cache.put_many([(ArxivId("2606.01249"), b'{"other": 1}')], [])  # the record is not first in its pack
    cache.put_many([(ArxivId("2401.00001"), b'{"before": 1}'), (arxiv, RECORD)], [])
    cache = Cache()  # a fresh reader, as the next run would be
    assert cache.record_for(arxiv) == RECORD
    cache = Cache()
    digest = hashlib.sha256(RECORD).hexdigest()
    index_path = cache_dir / "index.json"
    index = json.loads(index_path.read_text())
    pack = cache_dir / "packs" / f"{index['doc'][digest][0]}.pack"
    data = pack.read_bytes()
    if damage == "flip-a-byte":
        pack.write_bytes(data[:-2] + b"!" + data[-1:])
    elif damage == "truncate":
        pack.write_bytes(data[:100])
    elif damage == "bad-ref":
        index["arxiv"]["2511.00066"] = "../../../../etc/passwd"
    elif damage == "bad-pack-name":
        index["doc"][digest][0] = "../../../../etc/passwd"
    elif damage == "huge-length":
        index["doc"][digest][2] = 1 << 40
    elif damage == "fifo-pack":  # (it hung resolve, annotate and check)
        pack.unlink()
        os.mkfifo(pack)
    else:
        pack.unlink()
    index_path.write_text(json.dumps(index))
    assert cache.record_for(arxiv) is None
    cache.put_many([(arxiv, RECORD)], [])  # damage is repaired by the next write
    assert Cache().record_for(arxiv) == RECORD


def test_a_cache_in_the_older_layout_reads_as_empty(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = hashlib.sha256(RECORD).hexdigest()
    (cache_dir / "objects" / digest[:2]).mkdir(parents=True)
    (cache_dir / "objects" / digest[:2] / f"{digest}.json").write_bytes(RECORD)
    (cache_dir / "index.json").write_text(json.dumps({"arxiv": {"2511.00066": digest}, "bundle": {}}))
    assert Cache().record_for(ArxivId("2511.00066")) is None
    Cache().put_many([(ArxivId("2606.01249"), b"{}")], [])
    assert json.loads((cache_dir / "index.json").read_text())["arxiv"] == {"2606.01249": hashlib.sha256(b"{}").hexdigest()}
    assert main(["cache", "clear"]) == 0
    assert not (cache_dir / "objects").exists() and not (cache_dir / "packs").exists()


def test_old_style_ids_and_concurrent_writers_share_one_index(cache_dir: Path) -> None:
    first, second = Cache(), Cache()
    first.put_many([(ArxivId("hep-th/9901001"), b"{}")], [])
    second.put_many([(ArxivId("2511.00066"), RECORD)], [])  # merges with what the first wrote
    index = json.loads((cache_dir / "index.json").read_text())
    assert sorted(index["arxiv"]) == ["2511.00066", "hep-th/9901001"]
    assert Cache().record_for(ArxivId("hep-th/9901001")) == b"{}"


def test_a_damaged_index_is_empty(cache_dir: Path) -> None:
    Cache().put_many([(ArxivId("2511.00066"), RECORD)], [])
    (cache_dir / "index.json").write_text("{not json")
    assert Cache().record_for(ArxivId("2511.00066")) is None
    Cache().put_many([(ArxivId("2606.01249"), RECORD)], [])  # rewritten whole
    assert Cache().record_for(ArxivId("2606.01249")) == RECORD


@pytest.mark.parametrize("damage", ["fifo", "nested", "directory"])
def test_an_index_that_is_no_file_of_json_reads_as_empty_and_clears(
    cache_dir: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO hung resolve, check and 'cache clear'; 100,000 nested arrays were an internal error
    (exit 3) after resolve --update had written pith.lock; a directory could not be cleared."""
    Cache().put_many([(ArxivId("2511.00066"), RECORD)], [])
    index = cache_dir / "index.json"
    index.unlink()
    if damage == "fifo":
        os.mkfifo(index)
    elif damage == "nested":
        index.write_text("[" * 100_000 + "]" * 100_000)
    else:
        index.mkdir()
    assert Cache().record_for(ArxivId("2511.00066")) is None
    assert main(["cache", "info"]) == 0
    assert main(["cache", "clear"]) == 0, capsys.readouterr().err
    assert not index.exists() and not (cache_dir / "packs").exists()


def test_cache_info_and_clear(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"path": str(cache_dir), "documents": 0, "bytes": 0, "ids": 0}
    cache = Cache()
    cache.put_many([(ArxivId("2511.00066"), RECORD)], [])
    cache.put_many([], [("C7HZCGQ4XG57XBILJLQGM22JGT", REAL_BUNDLE.read_bytes())])
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"cache: {cache_dir}" in out and f"documents: 2 ({len(RECORD) + REAL_BUNDLE.stat().st_size} bytes)" in out
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"cleared {cache_dir} (2 documents removed)\n"
    assert cache.record_for(ArxivId("2511.00066")) is None
    assert not any(cache_dir.rglob("*.json"))
    assert main(["cache", "clear"]) == 0  # clearing an empty cache is fine


def test_cache_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["cache"])
    assert info.value.code == 2
