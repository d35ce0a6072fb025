"""Configuration: where it is found, precedence, unknown keys and wrong types."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pithtex.config import DEFAULT_REGISTRY, load_config
from pithtex.commands.options import add_resolution_options, load_settings
from pithtex.errors import UsageError
from pithtex.ids.arxiv import ArxivId
from tests.support.registry import isolate


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch)  # .git in tmp_path stops the search
    (tmp_path / "paper" / "sections").mkdir(parents=True)
    (tmp_path / "paper" / "sections" / "refs.bib").write_text("")
    return tmp_path


def test_defaults_put_the_lock_beside_the_first_input(project: Path) -> None:
    config = load_config([project / "paper" / "sections" / "refs.bib"], environ={})
    assert config.registry == DEFAULT_REGISTRY and config.field == "pithnumber" and config.concurrency == 8
    assert config.lock == (project / "paper" / "sections" / "pith.lock").resolve()
    assert config.config_file is None and config.self_id is None


def test_pyproject_found_upward_with_paths_relative_to_it(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.pithtex]\nregistry = "mirror"\nlock = "locks/pith.lock"\n'
        'self_id = "arXiv:2511.00066v4"\nconcurrency = 3\nfield = "pith"\ntrust_keys = ["keys/k.json"]\n'
    )
    config = load_config([project / "paper" / "sections" / "refs.bib"], environ={})
    assert config.config_file == project / "pyproject.toml"
    assert config.registry == str((project / "mirror").resolve())
    assert config.lock == (project / "locks" / "pith.lock").resolve()
    assert config.self_id == ArxivId("2511.00066", 4)
    assert (config.concurrency, config.field) == (3, "pith")
    assert config.trust_keys == ((project / "keys" / "k.json").resolve(),)


def test_pithtex_toml_wins_over_pyproject_in_the_same_directory(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.pithtex]\nfield = "from_pyproject"\n')
    (project / "pithtex.toml").write_text('field = "from_pithtex_toml"\n')
    assert load_config([project / "paper"], environ={}).field == "from_pithtex_toml"


def test_a_pyproject_without_the_table_is_skipped(project: Path) -> None:
    (project / "paper" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (project / "pithtex.toml").write_text('[tool.pithtex]\nconcurrency = 2\n')
    assert load_config([project / "paper" / "sections"], environ={}).concurrency == 2


def test_the_search_stops_at_the_git_directory(project: Path) -> None:
    inner = project / "paper"
    (inner / ".git").mkdir()
    (project / "pithtex.toml").write_text('field = "above_the_repository"\n')
    assert load_config([inner / "sections"], environ={}).field == "pithnumber"


def test_environment_beats_file_and_flags_beat_both(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pithtex.toml").write_text('registry = "https://file.example"\nconcurrency = 2\n')
    inputs = [project / "paper" / "sections" / "refs.bib"]
    assert load_config(inputs, environ={}).registry == "https://file.example"
    assert load_config(inputs, environ={"PITHTEX_REGISTRY": "https://env.example"}).registry == "https://env.example"
    monkeypatch.setenv("PITHTEX_REGISTRY", "https://env.example")
    parser = argparse.ArgumentParser()
    add_resolution_options(parser)
    settings = load_settings(parser.parse_args([]), inputs).settings
    assert settings.registry == "https://env.example" and settings.concurrency == 2
    args = parser.parse_args(["--registry", "https://flag.example", "--concurrency", "5", "--lock", str(project / "x.lock")])
    settings = load_settings(args, inputs).settings
    assert (settings.registry, settings.concurrency) == ("https://flag.example", 5)
    assert settings.lock_path == (project / "x.lock").resolve()


def test_unknown_keys_are_a_warning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pithtex.toml").write_text('regsitry = "typo"\n')
    config = load_config([project / "paper"], environ={})
    assert config.registry == DEFAULT_REGISTRY
    assert config.warnings == (f"{project / 'pithtex.toml'}: unknown [tool.pithtex] key 'regsitry' ignored",)
    parser = argparse.ArgumentParser()
    add_resolution_options(parser)
    load_settings(parser.parse_args([]), [project / "paper"])
    err = capsys.readouterr().err
    assert "pithtex: warning:" in err and "'regsitry'" in err


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('concurrency = "8"', "concurrency must be a positive integer, not str '8'"),
        ("concurrency = true", "concurrency must be a positive integer, not bool True"),
        ("concurrency = 0", "concurrency must be at least 1"),
        ("registry = 3", "registry must be a URL or a mirror directory, not int 3"),
        ('self_id = "not an id"', "self_id: not an arXiv identifier"),
        ("trust_keys = [1]", "trust_keys must be a list of path strings"),
        ("bibrefs = 1", "bibrefs must be true or false"),
        ("field = = 1", "not valid TOML"),
    ],
)
def test_wrong_types_are_a_usage_error_naming_file_and_key(project: Path, text: str, fragment: str) -> None:
    (project / "pithtex.toml").write_text(text + "\n")
    with pytest.raises(UsageError) as info:
        load_config([project / "paper"], environ={})
    assert info.value.message.startswith(f"{project / 'pithtex.toml'}: ")
    assert fragment in info.value.message
    assert info.value.exit_code == 2


def test_update_with_offline_is_a_usage_error(project: Path) -> None:
    parser = argparse.ArgumentParser()
    add_resolution_options(parser)
    with pytest.raises(UsageError, match="--update cannot be combined"):
        load_settings(parser.parse_args(["--update", "--offline"]), [project / "paper"])
