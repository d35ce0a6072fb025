"""`pithtex init`: lossless text merges, idempotence, the offline path, and a fresh git repository
driven end to end with the real pre-commit and latexmk against a loopback registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import copy_example
import yaml

from pithtex.cli import main
from pithtex.config import load_config
from pithtex.write.precommit import merge_hook
from pithtex.write.tomlconfig import add_tool_table, settings_lines
from tests.support.registry import isolate, running_mirror, snapshot
from tests.support.signing import FIXTURES
from tests.support.tex import _tex_env, pdf_text, require_tex

REPO = Path(__file__).resolve().parent.parent
HOOK = ("https://github.com/pith-science/pithtex", "v0.1.0", "pithtex-check")
OURS = {"repo": HOOK[0], "rev": HOOK[1], "hooks": [{"id": HOOK[2]}]}


# -- .pre-commit-config.yaml, as text ------------------------------------------------
USER_YAML = """\
# my hooks; keep this comment
default_language_version:
    python: python3   # trailing comment
repos:
    # first a comment inside the list
    -   repo: https://github.com/pre-commit/pre-commit-hooks
        rev: &r v4.5.0
        hooks:
        -   id: trailing-whitespace
    -   repo: local
        hooks:
        -   {id: mine, name: mine, entry: "true", language: system}
exclude: '^vendor/'
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_hook_is_inserted_as_lines_and_the_rest_keeps_its_bytes(newline: str) -> None:
    old = USER_YAML.replace("\n", newline)
    merged = merge_hook(old, *HOOK)
    assert merged.text is not None and merged.what == "add"
    new = merged.text
    added = [line for line in new.split(newline) if line not in old.split(newline)]
    assert added == [f"    - repo: {HOOK[0]}", f"      rev: {HOOK[1]}", "      hooks:", f"        - id: {HOOK[2]}"]
    assert new.replace("".join(a + newline for a in added), "") == old  # nothing else moved
    if newline == "\r\n":
        assert "\n" not in new.replace("\r\n", "")
    before, after = yaml.safe_load(old), yaml.safe_load(new)
    assert after["repos"] == [OURS, *before["repos"]] and after["exclude"] == before["exclude"]
    assert merge_hook(new, *HOOK).text is None and merge_hook(new, *HOOK).what == "up to date"


@pytest.mark.parametrize(
    ("old", "what"),
    [
        ("repos: []\n", "add"),
        ("repos: [] # none yet\nfail_fast: true\n", "add"),
        ("fail_fast: true", "add repos"),
        ("", "add repos"),
        ("repos:\n- repo: local\n  hooks:\n  - id: x\n    name: x\n    entry: 'true'\n    language: system\n", "add"),
    ],
)
def test_hook_merge_cases(old: str, what: str) -> None:
    merged = merge_hook(old, *HOOK)
    assert merged.what == what and merged.text is not None
    assert yaml.safe_load(merged.text)["repos"][0] == OURS
    assert "fail_fast" not in old or yaml.safe_load(merged.text)["fail_fast"] is True


@pytest.mark.parametrize(
    "old",
    [
        "repos: [{repo: local, hooks: [{id: x, name: x, entry: 'true', language: system}]}]\n",
        "ci:\n  repos: 1\n",
        "repos:\n  x: 1\n",
        "repos:\n  - repo: local\n  hooks: [\n",  # not YAML at all
    ],
)
def test_yaml_it_cannot_add_to_safely_is_left_alone(old: str) -> None:
    merged = merge_hook(old, *HOOK)
    assert merged.text is None and merged.what != "up to date"


def test_an_existing_hook_even_commented_elsewhere_is_recognised() -> None:
    assert merge_hook("repos:\n  - repo: x\n    rev: y\n    hooks:\n      - id: 'pithtex-check'  # ours\n", *HOOK).text is None
    assert merge_hook("repos:\n# - id: pithtex-check\n", *HOOK).text is not None
    assert merge_hook("repos:\n- {repo: x, rev: y, hooks: [{id: pithtex-check}]}\n", *HOOK).what == "up to date"


# -- pyproject.toml ------------------------------------------------------------------
def test_tool_table_is_appended_losslessly() -> None:
    old = '[project]\nname = "paper"  # a comment\n\n[tool.black]\nline-length = 100'  # no final newline
    edit = add_tool_table(old, settings_lines(write_field=False))
    assert edit.text is not None and edit.text.startswith(old + "\n")
    assert "[tool.pithtex]\n" in edit.text and "write_field = false" in edit.text
    assert add_tool_table(edit.text, settings_lines(write_field=True)).what == "up to date"
    for bad in ('tool = {black = {x = 1}}\n', 'not toml = = 1\n', '[tool.pithtex.sub]\nx = 1\n'):
        refused = add_tool_table(bad, settings_lines(write_field=True))
        assert refused.text is None or bad.startswith("[tool.pithtex")


# -- the command ---------------------------------------------------------------------
@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh repository holding the example's main.tex and refs.bib (no lock, no config)."""
    isolate(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paper = tmp_path / "paper"
    paper.mkdir()
    subprocess.run(["git", "init", "-q", str(paper)], check=True, timeout=60)
    copy_example(paper, ("main.tex", "refs.bib"))
    monkeypatch.chdir(paper)
    return paper


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    directory = tmp_path / "mirror"
    records = sorted(str(p) for p in FIXTURES.glob("record-*.json"))
    bundles = sorted(str(p) for p in FIXTURES.glob("bundle-*.json"))
    assert main(["mirror", "add", str(directory), *records, *bundles]) == 0
    return directory


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_sets_everything_up_then_changes_nothing(
    fresh: Path, mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with running_mirror(mirror) as server:
        code, out, err = run(capsys, "init", "--registry", server.url)
        assert code == 0, err
        for name in ("pithtex.toml", ".pre-commit-config.yaml", "latexmkrc", "pith.sty"):
            assert f"{name}: create" in out
        assert "3 arXiv id(s) resolved and verified" in out
        assert (fresh / "pith.lock").is_file()
        assert load_config([fresh / "main.tex"]).config_file == fresh / "pithtex.toml"
        assert yaml.safe_load((fresh / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"] == [{"id": "pithtex-check"}]
        before = snapshot(fresh / "pithtex.toml", fresh / ".pre-commit-config.yaml", fresh / "latexmkrc",
                          fresh / "pith.sty", fresh / "pith.lock", fresh / "main.tex", fresh / "refs.bib")
        code, out, err = run(capsys, "init", "--registry", server.url)
    assert code == 0, err
    assert "create" not in out and out.count("up to date") == 4
    after = snapshot(*(Path(p) for p in before))
    assert after == before  # bytes and mtimes
    # the lock is all annotate and check need from now on, offline
    assert run(capsys, "annotate", "--offline", "main.tex")[0] == 0
    assert run(capsys, "check", "main.tex") == (0, "", "")


def test_init_offline_says_so_and_leaves_the_rest_set_up(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "init", "--registry", "http://127.0.0.1:9")  # a closed port
    assert code == 0
    assert "the first resolve did not finish (0 of 3 verified;" in err and "run 'pithtex resolve " in err
    warning, why = err.strip().splitlines()  # 'see the message below': the reason, and --offline / --registry
    assert "(see the message below)" in warning
    assert why.startswith("pithtex: cannot reach http://127.0.0.1:9: ") and "--offline" in why
    for name in ("pithtex.toml", ".pre-commit-config.yaml", "latexmkrc", "pith.sty"):
        assert (fresh / name).is_file()
    assert not (fresh / "pith.lock").exists()


def test_init_into_pyproject_existing_files_and_no_field(fresh: Path, mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = '[project]\nname = "my-paper"\n\n# tools\n[tool.ruff]\nline-length = 99\n'
    (fresh / "pyproject.toml").write_text(pyproject)
    (fresh / ".pre-commit-config.yaml").write_text(USER_YAML)
    latexmkrc = "$pdf_mode = 1;  # mine\n"
    (fresh / ".latexmkrc").write_text(latexmkrc)
    with running_mirror(mirror) as server:
        code, out, err = run(capsys, "init", "--no-field", "--registry", server.url, str(fresh))
    assert code == 0, err
    assert f"{fresh}/pyproject.toml: add [tool.pithtex]" in out
    assert (fresh / "pyproject.toml").read_text().startswith(pyproject)
    config = load_config([fresh / "main.tex"])
    assert config.config_file == fresh / "pyproject.toml" and config.write_field is False
    assert (fresh / ".pre-commit-config.yaml").read_text().endswith(USER_YAML.split("repos:\n", 1)[1])
    assert (fresh / ".latexmkrc").read_text() == latexmkrc  # left alone; the two lines are printed
    assert "add these two lines to it:\n    @default_files = ('main.tex');\n    unless (grep { /^--?(c|C|CA)$/ } @ARGV) { require File::Glob; my $status = system('pithtex', 'annotate'" in out
    assert not (fresh / "pithtex.toml").exists()
    original = (fresh / "refs.bib").read_bytes()
    assert run(capsys, "annotate", "main.tex")[0] == 0
    assert (fresh / "refs.bib").read_bytes() == original and (fresh / "refs.pith").is_file()


def test_init_configures_no_field_for_a_generated_bib(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A .bib that says a tool writes it (Mendeley's header): init sets write_field = false and says why."""
    bib = fresh / "refs.bib"
    bib.write_bytes(b"Automatically generated by Mendeley Desktop 1.19.8\n"
                    b"Any changes to this file will be lost if it is regenerated by Mendeley.\n\n" + bib.read_bytes())
    code, _out, err = run(capsys, "init", "--registry", "http://127.0.0.1:9")
    assert code == 0
    assert "pithtex: note: refs.bib:1: a tool writes this file ('Automatically generated by Mendeley Desktop 1.19.8'): "\
           "configuring write_field = false" in err.replace(f"{fresh}/", "")
    assert load_config([fresh / "main.tex"]).write_field is False


def test_init_needs_a_main_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.tex").write_text("\\documentclass{article}\n")
    (tmp_path / "b.tex").write_text("\\documentclass{article}\n")
    (tmp_path / "ch.tex").write_text("% \\documentclass{article}\n")
    code, _out, err = run(capsys, "init", str(tmp_path))
    assert code == 2 and "several root .tex files (a.tex, b.tex)" in err
    assert run(capsys, "init", str(tmp_path / "nope"))[0] == 2
    assert list(tmp_path.iterdir()) and not (tmp_path / "pithtex.toml").exists()


# -- end to end: git, pre-commit, latexmk -----------------------------------------------
def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


@pytest.mark.slow
@pytest.mark.tex
def test_fresh_repository_with_real_pre_commit_and_latexmk(fresh: Path, mirror: Path, tmp_path: Path) -> None:
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    if not (REPO / ".git").exists():
        pytest.skip("needs a git checkout of pithtex (pre-commit installs the hook from it)")
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    )
    head = _git(REPO, env, "rev-parse", "HEAD")
    # a repository that already has a pre-commit configuration of its own
    (fresh / ".pre-commit-config.yaml").write_text(
        "# project hooks\nrepos:\n- repo: local\n  hooks:\n  - id: no-todo\n    name: no TODO\n"
        "    entry: TODO\n    language: pygrep\n    files: \\.tex$\n"
    )
    with running_mirror(mirror) as server:
        init = subprocess.run(
            [sys.executable, "-m", "pithtex", "init", "--registry", server.url, "--hook-repo", str(REPO), "--hook-rev", head],
            cwd=fresh, env=env, capture_output=True, text=True, timeout=300,
        )
    assert init.returncode == 0, init.stderr
    assert "3 arXiv id(s) resolved and verified" in init.stdout
    _git(fresh, env, "add", "-A")

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=fresh, env=dict(env, PITHTEX_REGISTRY="http://127.0.0.1:9"), capture_output=True, text=True,
            timeout=900,
        )

    first = pre_commit()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "no TODO....." in first.stdout and first.stdout.count("Passed") == 1  # theirs passes, ours fails
    assert "refs.bib:5: vanngo2025sharpness: no pithnumber for arXiv:2511.00066" in first.stdout

    build = subprocess.run(  # the latexmkrc init wrote: annotate main.tex offline, then compile
        ["latexmk", "-interaction=nonstopmode"], cwd=fresh, capture_output=True, text=True, timeout=300,
        env={**_tex_env(), "PATH": env["PATH"], "PITHTEX_REGISTRY": "http://127.0.0.1:9",
             "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], "PITHTEX_CACHE_DIR": os.environ["PITHTEX_CACHE_DIR"],
             "PITHTEX_STATE_DIR": os.environ["PITHTEX_STATE_DIR"]},
        stdin=subprocess.DEVNULL,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert (fresh / "refs.bib").read_text().count("pithnumber") == 3
    text = pdf_text(fresh / "main.pdf")
    for badge in ("pith:SPDDBVRN", "pith:3VRARFE3", "pith:C7HZCGQ4"):
        assert badge in text

    _git(fresh, env, "add", "main.tex", "refs.bib", "refs.pith", "pith.lock", "pith.sty")
    again = pre_commit()
    assert again.returncode == 0, again.stdout + again.stderr
    # and as a git hook: the commit runs both hooks and goes through
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=fresh, env=env, check=True,
                   capture_output=True, timeout=120)
    commit = subprocess.run(["git", "commit", "-m", "paper"], cwd=fresh, capture_output=True, text=True, timeout=600,
                            env=dict(env, PITHTEX_REGISTRY="http://127.0.0.1:9"))
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "pithtex check" in commit.stdout + commit.stderr


def test_init_on_the_example_resolves_its_unversioned_self_id_from_the_lock(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """self_id = "2602.19327" names the lock's v3 entry (as annotate reads it): init warned '3 of 4'."""
    copy_example(fresh, ("pith.lock", "pithtex.toml"))
    code, out, err = run(capsys, "init", "--offline")
    assert code == 0 and err == "", err
    assert "pith.lock: 3 arXiv id(s) resolved and verified" in out


def test_init_keeps_an_edited_pith_sty_of_its_own_release(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "sty", str(fresh))[0] == 0
    sty = fresh / "pith.sty"
    edited = sty.read_bytes() + b"% my tweak\n"
    sty.write_bytes(edited)
    code, out, err = run(capsys, "init", "--offline")
    assert code == 0 and sty.read_bytes() == edited
    assert "pith.sty: kept (differs from the pith.sty of pithtex" in out


@pytest.mark.parametrize("rev", ["1.0", "2024", "true", "0123abc", "v1.0"])
def test_hook_rev_is_written_as_a_yaml_string(fresh: Path, rev: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``rev: 1.0`` was a float, which pre-commit rejects ('Expected string got float')."""
    assert run(capsys, "init", "--offline", "--hook-rev", rev)[0] == 0
    (repo,) = yaml.safe_load((fresh / ".pre-commit-config.yaml").read_text())["repos"]
    assert repo["rev"] == rev


@pytest.mark.parametrize("damage", ["toml", "lock", "read-only"])
def test_init_that_fails_writes_nothing(fresh: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    """An invalid pithtex.toml (called 'up to date'), a merge-conflicted pith.lock or a read-only
    .pre-commit-config.yaml failed init only after it had written the other files."""
    if damage == "toml":
        (fresh / "pithtex.toml").write_text("lock = [unclosed\n")
    elif damage == "lock":
        (fresh / "pith.lock").write_text("<<<<<<< HEAD\n=======\n>>>>>>> theirs\n")
    else:
        (fresh / ".pre-commit-config.yaml").write_text("repos: []\n")
        os.chmod(fresh / ".pre-commit-config.yaml", 0o444)  # (refused by its mode, even for root)
    before = snapshot(fresh)
    code, _out, err = run(capsys, "init", "--offline")
    assert code in (1, 2) and "Traceback" not in err, err
    assert snapshot(fresh) == before


def test_a_pyproject_that_only_mentions_the_table_is_not_configured(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fresh / "pyproject.toml").write_text('[project]\nname = "paper"\n# [tool.pithtex] goes here one day\n')
    assert run(capsys, "init", "--offline")[0] == 0
    assert load_config([fresh / "main.tex"]).config_file is not None


def test_init_with_a_main_file_in_a_subfolder_keeps_its_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """'lock = "pith.lock"' in DIR hid the lock beside sub/main.tex: check then failed every reference."""
    isolate(tmp_path, monkeypatch)
    paper = tmp_path / "paper"
    (paper / ".git").mkdir(parents=True)
    copy_example(paper / "sub", ("main.tex", "refs.bib", "pith.lock"))
    assert run(capsys, "annotate", "--offline", str(paper / "sub" / "main.tex"))[0] == 0
    assert run(capsys, "check", str(paper / "sub" / "main.tex"))[0] == 0
    code, out, err = run(capsys, "init", "--offline", str(paper), "--main", "sub/main.tex")
    assert code == 0 and "3 arXiv id(s) resolved and verified" in out, err
    assert 'lock = "sub/pith.lock"' in (paper / "pithtex.toml").read_text()
    assert run(capsys, "check", str(paper / "sub" / "main.tex")) == (0, "", "")
