"""The records that were dataclasses (now named tuples and plain classes, so that `pithtex check`
imports no dataclasses or typing) behave as the dataclasses did: construction by position and
keyword, defaults, equality, hashing, immutability, repr and pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pithtex.config import Config
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import PithNumber
from pithtex.scan.model import BibEntry, Finding, PithAnnotation, ScanProblem, ScanResult
from pithtex.write.report import Line, Reporter
from tests.support.example import offline_paper

SUFFIX = "C7HZCGQ4XG57XBILJLQGM22JGT"


def test_frozen_records_by_position_and_keyword() -> None:
    ann = PithAnnotation("refs.bib", 3, "k", "pithnumber", f"pith:2026:{SUFFIX}")
    by_position = BibEntry("refs.bib", 1, 5, "k", "article", "T", (ArxivId("2511.00066", 2),), ann)
    by_keyword = BibEntry(file="refs.bib", line=1, end_line=5, key="k", entry_type="article", title="T",
                          arxiv=(ArxivId("2511.00066", 2),), pithnumber=ann)
    assert by_position == by_keyword and hash(by_position) == hash(by_keyword)
    assert by_keyword.mentions == () and by_keyword.invalid == ()
    assert by_keyword != BibEntry(*by_keyword[:-1], invalid=((),))
    with pytest.raises(AttributeError):
        by_keyword.key = "other"  # type: ignore[misc]
    assert repr(ann) == f"PithAnnotation(file='refs.bib', line=3, key='k', field='pithnumber', value='pith:2026:{SUFFIX}')"
    problem = ScanProblem("refs.bib", None, "cannot parse", fatal=False)
    assert (problem.key, problem.mentions_arxiv) == (None, False) and str(problem) == "refs.bib: cannot parse"
    assert pickle.loads(pickle.dumps(by_keyword)) == by_keyword
    line = Line("problem", "refs.bib", 2, "k", "wrong")
    assert (line.code, line.details) == (None, None) and str(line) == "refs.bib:2: k: wrong"


def test_scan_result_as_the_dataclass() -> None:
    a, b = ScanResult(), ScanResult()
    a.entries.append(1)  # type: ignore[arg-type]
    assert b.entries == [] and a != b and ScanResult() == ScanResult()
    errors: list[ScanProblem] = []
    kept = ScanResult(errors=errors)
    kept.errors.append(ScanProblem("f", 1, "m", True))
    assert errors == kept.errors and errors is kept.errors  # a list given is kept, not copied
    with pytest.raises(TypeError):
        hash(ScanResult())
    assert repr(ScanResult()) == ("ScanResult(findings=[], conflicts=[], pithnumbers=[], errors=[], entries=[], "
                                  "notes=[], mentions=[])")
    found = Finding("a.tex", 1, None, "text", ArxivId("2511.00066"), "arXiv:2511.00066")
    full = ScanResult([found], notes=["n"])
    assert pickle.loads(pickle.dumps(full)) == full and full.distinct_ids() == [ArxivId("2511.00066")]


def test_pith_number_as_the_ordered_frozen_dataclass() -> None:
    old, new = PithNumber(2025, SUFFIX), PithNumber(year=2026, suffix=SUFFIX)
    assert old < new <= new and new > old >= old and sorted([new, old]) == [old, new]
    assert new == PithNumber(2026, SUFFIX) and hash(new) == hash(PithNumber(2026, SUFFIX)) and new != old
    assert repr(new) == f"PithNumber(year=2026, suffix='{SUFFIX}')" and str(new) == f"pith:2026:{SUFFIX}"
    assert (new == (2026, SUFFIX)) is False
    with pytest.raises(AttributeError):
        new.year = 2027  # type: ignore[misc]
    with pytest.raises(TypeError):
        assert new < (2027, SUFFIX)  # type: ignore[operator]
    lazy = object.__new__(PithNumber)  # as pithtex.resolve.lockfile builds the numbers its regex checked
    lazy.__dict__.update(year=2026, suffix=SUFFIX)
    assert lazy == new and hash(lazy) == hash(new) and pickle.loads(pickle.dumps(lazy)) == new


def test_config_equality_ignores_warnings() -> None:
    config = Config(lock=Path("/p/pith.lock"))
    warned = config._replace(warnings=("w",))
    assert warned == config and hash(warned) == hash(config) and not warned != config
    assert isinstance(warned, Config) and warned.field == "pithnumber" and config.trust_keys == ()
    assert config._replace(field="x") != config


def test_reporter_defaults_are_fresh() -> None:
    a, b = Reporter(), Reporter(keep_info=False)
    a.problem("f", 1, None, "x")
    assert b.lines == [] and (b.keep_info, b.keep_changes, b.dropped_changes) == (False, True, 0)


def test_check_path_modules_import_neither_dataclasses_nor_typing() -> None:
    """Nor the Ed25519 point arithmetic, which only a key file needs."""
    code = (
        "import sys\n"
        "import pithtex.cli, pithtex.config, pithtex.commands.options, pithtex.ids.pith_number, "
        "pithtex.verify.keys, pithtex.write.report, pithtex.write.texedit\n"
        "print(sorted({'dataclasses', 'typing', 'pithtex.verify.ed25519_points'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_whole_check_run_imports_no_dataclasses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pithtex check --no-cache` on the example paper, start to exit code, as a process:
    ``import dataclasses`` (with inspect, ast, dis) was ~5-9 ms of its start-up."""
    paper = offline_paper(tmp_path, monkeypatch)
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "state"))
    run = [sys.executable, "-m", "pithtex"]
    subprocess.run([*run, "annotate", "--quiet", "refs.bib", "main.tex"], cwd=paper, check=True)
    code = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "sys.argv = ['pithtex', 'check', '--no-cache', 'refs.bib', 'main.tex']\n"
        "print('exit', main())\n"
        "print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=paper, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-2:] == ["exit 0", "[]"], out
