"""Problems fail the hook (issue 18): an id that cannot be an arXiv id and an entry that mentions
arXiv but cannot be parsed are problems for `check` and `annotate --check` (exit 1, the line of the
fault), and warnings only with --lenient."""

from __future__ import annotations

from pathlib import Path

import pytest

from pithtex.cli import main
from tests.support.cli import run_cli as run
from tests.support.example import offline_paper

TYPOS = """\
@misc{typo1,
  title = {Something},
  eprint = {2606.1249},
  archivePrefix = {arXiv},
}

@misc{typo2,
  title = {Other},
  note = {arXiv:2613.01249},
}
"""

BROKEN = """\
@misc{broken,
  title = {Broken {entry},
  note = {arXiv:2606.01249},
}

@misc{fine,
  title = {Fine},
}
"""

NO_ARXIV_BROKEN = """\
@misc{broken,
  title = {Broken {entry},
  year = 2020,
}

@misc{fine,
  title = {Fine},
}
"""


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_paper(tmp_path, monkeypatch, ("pith.lock", "pithtex.toml"))


@pytest.mark.parametrize("command", [["check"], ["annotate", "--check"], ["annotate"]])
def test_an_id_that_cannot_be_an_arxiv_id_is_a_problem(
    paper: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (paper / "refs.bib").write_text(TYPOS)
    before = (paper / "refs.bib").read_bytes()
    code, out, err = run(capsys, *command, "refs.bib")
    assert code == 1, err
    lines = err.splitlines()
    assert "refs.bib:3: typo1: '2606.1249' in eprint is not a valid arXiv identifier" in lines[0]
    assert "refs.bib:9: typo2: 'arXiv:2613.01249' in note is not a valid arXiv identifier" in lines[1]
    assert "(warning)" not in err
    assert (paper / "refs.bib").read_bytes() == before and not (paper / "refs.pith").exists()

    code, out, err = run(capsys, *command, "--lenient", "refs.bib")
    assert code == 0, err
    assert "refs.bib:3: typo1: '2606.1249' in eprint is not a valid arXiv identifier" in err and "(warning)" in err


@pytest.mark.parametrize("command", [["check"], ["annotate", "--check"]])
def test_an_entry_that_mentions_arxiv_and_cannot_be_parsed_is_a_problem_at_its_fault(
    paper: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (paper / "refs.bib").write_text(BROKEN)
    code, _, err = run(capsys, *command, "refs.bib")
    assert code == 1
    assert err.splitlines()[0] == (
        "refs.bib:2: broken: cannot parse this @misc entry: the { on this line is never closed; skipped it"
    )
    code, _, err = run(capsys, *command, "--lenient", "refs.bib")
    assert code == 0 and "refs.bib:2: broken: cannot parse" in err and "(warning)" in err


def test_a_block_that_cannot_be_parsed_and_names_no_arxiv_is_a_warning(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (paper / "refs.bib").write_text(NO_ARXIV_BROKEN)
    code, _, err = run(capsys, "check", "refs.bib")
    assert code == 0
    assert "refs.bib:2: broken: cannot parse this @misc entry" in err and err.rstrip().endswith("(warning)")


def test_help_and_readme_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "annotate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--lenient" in text and "cannot be an arXiv id" in text
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "--lenient" in readme
