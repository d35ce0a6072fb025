"""`pithtex report`: every reference with its status, as HTML (rendered in real Chromium), JSON and SARIF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.example import copy_example

from tests.support.chromium import dump_dom, png_colours, png_size, screenshot
from tests.support.registry import FaultRegistry

REPO = Path(__file__).resolve().parent.parent

#: Entries beside the example's three: each status once, and markup that must be escaped.
EXTRA = r"""
@misc{wrongtitle,
  title = {A Completely Different Paper About Cats},
  eprint = {2606.01249},
  archivePrefix = {arXiv},
  year = 2026
}

@misc{notinlock,
  title = {Some Unresolved Thing},
  eprint = {2401.00001},
  archivePrefix = {arXiv},
}

@article{journal2020,
  title = {Cats \& Dogs: <script>alert(1)</script> a Survey},
  journal = {J. Ex.},
  year = 2020,
}

@misc{dupe,
  title = {Trust Region On-Policy Distillation},
  url = {https://arxiv.org/abs/2606.01249},
}
"""

STATUS = {
    "wrongtitle": "title mismatch",
    "notinlock": "unresolved",
    "dupe": "duplicate",
    "journal2020": "not arXiv",
    "vanngo2025sharpness": "verified",
    "gao2026trust": "verified",
    "softseq2026": "verified",
}
NUMBERS = {
    "vanngo2025sharpness": "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD",
    "gao2026trust": "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE",
    "softseq2026": "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT",
}


def pithtex(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pithtex", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def paper(tmp_path: Path, extra: str = EXTRA) -> Path:
    root = tmp_path / "paper"
    root.mkdir()
    (root / ".git").mkdir()
    copy_example(root, ("refs.bib", "pith.lock", "pithtex.toml"))
    annotated = pithtex("annotate", "--offline", "refs.bib", cwd=root)  # the example's three, as a user has them
    assert annotated.returncode == 0 and (root / "refs.pith").exists(), annotated.stderr
    with open(root / "refs.bib", "a", encoding="utf-8") as handle:
        handle.write(extra)
    return root


def line_of(path: Path, key: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.lstrip().startswith("@") and "{" + key + "," in text:
            return number
    raise AssertionError(key)


def test_json_statuses_summary_and_problems_first(tmp_path: Path) -> None:
    root = paper(tmp_path)
    proc = pithtex("report", "refs.bib", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    refs = data["references"]
    assert {r["key"]: r["status"] for r in refs} == STATUS
    assert [r["problem"] for r in refs] == sorted((r["problem"] for r in refs), reverse=True)
    assert [r["key"] for r in refs[:3]] == ["wrongtitle", "notinlock", "dupe"]  # problems first, in file order
    assert data["summary"]["counts"] == {"verified": 3, "title mismatch": 1, "unresolved": 1, "not arXiv": 1,
                                         "duplicate": 1, "not annotated": 0}
    assert data["summary"]["text"] == (
        "7 references: 3 verified, 1 title mismatch, 1 unresolved, 1 not arXiv, 1 duplicate, 0 not annotated; 3 problems"
    )
    by_key = {r["key"]: r for r in refs}
    for key, number in NUMBERS.items():
        assert by_key[key]["pith_number"] == number
        assert by_key[key]["url"] == "https://pith.science/pith/" + number.rsplit(":", 1)[1]
    soft = by_key["softseq2026"]
    assert (soft["arxiv_id"], soft["cited_version"], soft["version"]) == ("2602.19327", 3, 3)
    sharp = by_key["vanngo2025sharpness"]
    assert (sharp["arxiv_id"], sharp["cited_version"], sharp["version"]) == ("2511.00066", None, 4)
    assert by_key["notinlock"]["pith_number"] is None and "not in pith.lock" in by_key["notinlock"]["notes"][0]
    assert by_key["wrongtitle"]["title"] == "A Completely Different Paper About Cats"
    assert by_key["journal2020"]["arxiv_id"] is None
    bib0 = root / "refs.bib"
    assert by_key["gao2026trust"]["notes"] == [
        f"wrongtitle (refs.bib:{line_of(bib0, 'wrongtitle')}) cites the same paper",
        f"dupe (refs.bib:{line_of(bib0, 'dupe')}) cites the same paper",
    ]
    bib = root / "refs.bib"
    assert by_key["dupe"]["line"] == line_of(bib, "dupe")
    # one line per problem on stderr, file:line first, after the summary
    err = proc.stderr.splitlines()
    assert err[0] == "pithtex: " + data["summary"]["text"]
    assert err[1:] and all(line.startswith("refs.bib:") for line in err[1:]) and len(err) == 4
    assert err[1].startswith(f"refs.bib:{line_of(bib, 'wrongtitle')}: wrongtitle: title mismatch: ")


def test_clean_bibliography_exits_0(tmp_path: Path) -> None:
    root = paper(tmp_path, extra="")
    proc = pithtex("report", "refs.bib", "-o", "refs.json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "refs.json").read_text())  # the format follows the suffix
    assert data["summary"]["problems"] == 0 and data["summary"]["counts"]["verified"] == 3
    assert proc.stderr.strip() == "pithtex: 3 references: 3 verified, 0 title mismatch, 0 unresolved, " \
        "0 not arXiv, 0 duplicate, 0 not annotated; no problems"


def test_sarif_results_point_at_file_and_line(tmp_path: Path) -> None:
    root = paper(tmp_path)
    proc = pithtex("report", "refs.bib", "-o", "refs.sarif", cwd=root)
    assert proc.returncode == 1
    sarif = json.loads((root / "refs.sarif").read_text())
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "pithtex"
    bib = root / "refs.bib"
    got = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "refs.bib", "uriBaseId": "%SRCROOT%"}
        got[result["properties"]["key"]] = (result["ruleId"], result["level"], physical["region"]["startLine"])
        assert result["message"]["text"].startswith(result["properties"]["key"] + ": ")
    assert got == {
        "wrongtitle": ("title-mismatch", "error", line_of(bib, "wrongtitle")),
        "notinlock": ("unresolved", "error", line_of(bib, "notinlock")),
        "dupe": ("duplicate", "warning", line_of(bib, "dupe")),
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_sarif_location_outside_the_working_directory_is_a_file_uri(tmp_path: Path) -> None:
    root = paper(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = pithtex("report", str(root / "refs.bib"), "--format", "sarif", cwd=elsewhere)
    assert proc.returncode == 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(proc.stdout)["runs"][0]["results"]}
    assert uris == {(root / "refs.bib").resolve().as_uri()}


class _Rows(HTMLParser):
    """The report table's rows: (data-status, data-key, [cell texts], [hrefs]); and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, list[str], list[str]]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.summary = ""
        self._cell: list[str] | None = None
        self._in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr" and "data-status" in a:
            self.rows.append((a["data-status"] or "", a["data-key"] or "", [], []))
        elif tag == "td" and self.rows:
            self._cell = []
        elif tag == "a" and self.rows and self._cell is not None:
            self.rows[-1][3].append(a.get("href") or "")
        elif tag == "p" and a.get("id") == "summary":
            self._in_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][2].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "p":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_summary:
            self.summary += data


def _parse(text: str) -> _Rows:
    parser = _Rows()
    parser.feed(text)
    return parser


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    root = paper(tmp_path)
    proc = pithtex("report", "refs.bib", "-o", "refs.html", cwd=root)
    assert proc.returncode == 1
    text = (root / "refs.html").read_text(encoding="utf-8")
    parsed = _parse(text)
    assert not [t for t, _ in parsed.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    assert "@import" not in text and "url(" not in text
    hrefs = [a.get("href") for t, a in parsed.tags if t == "a"]
    assert hrefs and all(h.startswith(("https://pith.science/pith/", "https://arxiv.org/abs/")) for h in hrefs)
    assert "&lt;script&gt;" in text  # the .bib title's markup is shown, never run
    again = pithtex("report", "refs.bib", "-o", "refs.html", cwd=root)
    assert again.returncode == 1 and (root / "refs.html").read_text(encoding="utf-8") == text  # deterministic


def test_report_never_touches_the_network(tmp_path: Path) -> None:
    root = paper(tmp_path)
    with FaultRegistry() as registry:
        env = dict(os.environ, PITHTEX_REGISTRY=registry.url)
        proc = pithtex("report", "refs.bib", "--format", "json", cwd=root, env=env)
        assert registry.requests == []
    assert proc.returncode == 1
    assert {r["key"]: r["status"] for r in json.loads(proc.stdout)["references"]}["notinlock"] == "unresolved"


def test_unverifiable_lock_entry_is_unresolved(tmp_path: Path) -> None:
    root = paper(tmp_path, extra="")
    from pithtex.ids.arxiv import parse_arxiv_id
    from pithtex.resolve.lockfile import Lockfile

    lock = root / "pith.lock"
    sig = Lockfile.load(lock).get(parse_arxiv_id("2606.01249")).receipt["signature_b64"]  # type: ignore[union-attr]
    text = lock.read_text()
    assert text.count(sig) == 1  # whatever the lock's layout, the signature is written once
    lock.write_text(text.replace(sig, ("A" if sig[0] != "A" else "B") + sig[1:]))
    proc = pithtex("report", "refs.bib", "--format", "json", cwd=root)
    assert proc.returncode == 1
    gao = {r["key"]: r for r in json.loads(proc.stdout)["references"]}["gao2026trust"]
    assert gao["status"] == "unresolved" and gao["pith_number"] is None and "does not verify" in gao["notes"][0]


def test_bad_input_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    root = paper(tmp_path)
    proc = pithtex("report", "missing.bib", "-o", "out.html", cwd=root)
    assert proc.returncode == 2 and proc.stderr.strip() == "pithtex: missing.bib: no such file"
    assert not (root / "out.html").exists()
    (root / "pith.lock").write_text("{ not json")
    proc = pithtex("report", "refs.bib", "-o", "out.html", cwd=root)
    assert proc.returncode == 2 and "pith.lock" in proc.stderr and "Traceback" not in proc.stderr
    assert not (root / "out.html").exists()
    proc = pithtex("report", "refs.bib", "--format", "pdf", cwd=root)
    assert proc.returncode == 2


def test_json_and_sarif_do_not_import_jinja2(tmp_path: Path) -> None:
    root = paper(tmp_path)
    probe = (
        "import sys\nfrom pithtex.cli import main\n"
        "code = main(['report', 'refs.bib', '--format', sys.argv[1], '-o', 'out'])\n"
        "print(code, 'jinja2' in sys.modules, 'pithtex.report.html' in sys.modules)\n"
    )
    for fmt in ("json", "sarif"):
        proc = subprocess.run([sys.executable, "-c", probe, fmt], cwd=root, capture_output=True, text=True, timeout=60)
        assert proc.stdout.split() == ["1", "False", "False"], proc.stderr


def test_chromium_renders_the_table(tmp_path: Path) -> None:
    root = paper(tmp_path)
    proc = pithtex("report", "refs.bib", "-o", "refs.html", cwd=root)
    assert proc.returncode == 1
    dom = _parse(dump_dom(root / "refs.html"))
    assert dom.summary.strip() == (
        "7 references: 3 verified, 1 title mismatch, 1 unresolved, 1 not arXiv, 1 duplicate, 0 not annotated; 3 problems"
    )
    rows = dom.rows
    assert [key for _, key, _, _ in rows[:3]] == ["wrongtitle", "notinlock", "dupe"]
    assert {key: status for status, key, _, _ in rows} == STATUS
    for status, key, cells, links in rows:
        assert cells[0] == status
        assert cells[1].startswith(key) and ":" in cells[1]  # the key and its file:line
        if key in NUMBERS:
            number = NUMBERS[key]
            assert cells[5] == number
            assert "https://pith.science/pith/" + number.rsplit(":", 1)[1] in links
    by_key = {key: cells for _, key, cells, _ in rows}
    assert by_key["softseq2026"][2] == "Soft Sequence Policy Optimization"
    assert by_key["softseq2026"][3:5] == ["2602.19327", "v3"]
    assert by_key["journal2020"][2] == "Cats & Dogs: <script>alert(1)</script> a Survey"
    assert "not in pith.lock" in by_key["notinlock"][6]

    shot = screenshot(root / "refs.html", tmp_path / "refs.png", size=(1400, 900))
    assert png_size(shot) == (1400, 900)
    colours = png_colours(shot)
    # the stylesheet applied: the red problem summary, the green "verified" and amber "duplicate" badges
    for rgb in ((0xA8, 0x23, 0x1B), (0xE6, 0xF4, 0xEA), (0xFF, 0xF4, 0xD6)):
        assert rgb in colours, rgb
    assert len(colours) > 50  # text was rendered (antialiasing), not a blank page


def test_missing_chromium_skips_loudly_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import chromium

    monkeypatch.setattr(chromium, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the report test needs Chromium"):
        chromium.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.warns(UserWarning, match="needs Chromium"), pytest.raises(pytest.skip.Exception, match="SKIPPED LOUDLY"):
        chromium.require_chromium()


def test_the_tex_file_is_the_entry_point(tmp_path: Path) -> None:
    root = paper(tmp_path)
    (root / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\input{back}\n\\end{document}\n", encoding="utf-8"
    )
    (root / "back.tex").write_text("\\bibliographystyle{plain}\n\\bibliography{refs}\n", encoding="utf-8")
    proc = pithtex("report", "main.tex", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["sources"] == ["refs.bib"] and {r["key"]: r["status"] for r in data["references"]} == STATUS
    html = pithtex("report", "main.tex", "-o", "refs.html", cwd=root)
    assert html.returncode == 1 and "<title>References of main.tex</title>" in (root / "refs.html").read_text()
    (root / "back.tex").write_text("\\bibliography{gone}\n", encoding="utf-8")
    proc = pithtex("report", "main.tex", "-o", "gone.html", cwd=root)
    assert proc.returncode == 2 and proc.stderr.startswith("pithtex: back.tex:1: \\bibliography{gone}: ")
    assert len(proc.stderr.splitlines()) == 1 and not (root / "gone.html").exists()


def _statuses(proc: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, list[str]]]:
    return {r["key"]: (r["status"], r["notes"]) for r in json.loads(proc.stdout)["references"]}


def test_a_missing_or_wrong_field_is_not_annotated_as_check_says(tmp_path: Path) -> None:
    """The report called these 'verified' and exited 0 while check failed the commit."""
    root = paper(tmp_path, extra="")
    bib = root / "refs.bib"
    text = bib.read_text(encoding="utf-8")
    wrong = NUMBERS["gao2026trust"][:-1] + ("A" if NUMBERS["gao2026trust"][-1] != "A" else "B")
    text = text.replace(NUMBERS["gao2026trust"], wrong)
    lines = text.splitlines(keepends=True)
    text = "".join(line for line in lines if NUMBERS["vanngo2025sharpness"] not in line)
    bib.write_text(text, encoding="utf-8")
    proc = pithtex("report", "refs.bib", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    got = _statuses(proc)
    assert got["softseq2026"] == ("verified", [])
    assert got["vanngo2025sharpness"] == ("not annotated",
                                          ["no pithnumber for arXiv:2511.00066 (run 'pithtex annotate')"])
    field_line = next(n for n, line in enumerate(text.splitlines(), 1) if wrong in line)
    status, notes = got["gao2026trust"]
    assert status == "not annotated" and notes[0].startswith(f"refs.bib:{field_line}: pithnumber {wrong} is wrong")
    check = pithtex("check", "refs.bib", cwd=root)
    assert check.returncode == 1 and "vanngo2025sharpness" in check.stderr and wrong in check.stderr
    sarif = json.loads(pithtex("report", "refs.bib", "--format", "sarif", cwd=root).stdout)
    assert {(r["properties"]["key"], r["ruleId"]) for r in sarif["runs"][0]["results"]} == {
        ("vanngo2025sharpness", "not-annotated"), ("gao2026trust", "not-annotated")}


def test_without_the_field_a_missing_refs_pith_line_is_not_annotated(tmp_path: Path) -> None:
    root = paper(tmp_path, extra="")
    with open(root / "pithtex.toml", "a", encoding="utf-8") as handle:
        handle.write("write_field = false\n")
    copy_example(root, ("refs.bib",))  # the .bib as exported: no fields
    refs = root / "refs.pith"
    refs.write_text("".join(line for line in refs.read_text(encoding="utf-8").splitlines(keepends=True)
                            if "{softseq2026}" not in line), encoding="utf-8")
    proc = pithtex("report", "refs.bib", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    got = _statuses(proc)
    assert got["vanngo2025sharpness"] == ("verified", []) and got["gao2026trust"] == ("verified", [])
    assert got["softseq2026"][0] == "not annotated" and got["softseq2026"][1][0].startswith("refs.pith: ")
    refs.unlink()
    got = _statuses(pithtex("report", "refs.bib", "--format", "json", cwd=root))
    assert {status for status, _ in got.values()} == {"not annotated"}


def test_dash_output_is_stdout(tmp_path: Path) -> None:
    root = paper(tmp_path, extra="")
    proc = pithtex("report", "refs.bib", "--format", "json", "-o", "-", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["problems"] == 0 and not (root / "-").exists()


@pytest.mark.parametrize("name", ["refs.bib", "pith.lock", "refs.pith", "pithtex.toml", "alias.html"])
def test_output_over_one_of_the_papers_files_is_refused(tmp_path: Path, name: str) -> None:
    """``-o refs.bib`` wrote the HTML over the .bib and exited as usual."""
    root = paper(tmp_path, extra="")
    (root / "alias.html").symlink_to("refs.bib")
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    proc = pithtex("report", "refs.bib", "-o", name, cwd=root)
    assert proc.returncode == 2 and "-o names one of the paper's own files" in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"pithtex: {name}: ") and "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()} == before


def test_sarif_uri_is_encoded_and_names_the_file_read(tmp_path: Path) -> None:
    root = paper(tmp_path, extra="")
    (root / "refs.bib").rename(root / "my refs#1.bib")
    (root / "refs.pith").rename(root / "my refs#1.pith")
    with open(root / "my refs#1.bib", "a", encoding="utf-8") as handle:
        handle.write("@misc{stray, eprint = {2401.00001}, archivePrefix = {arXiv}}\n")
    proc = pithtex("report", "my refs#1.bib", "--format", "sarif", cwd=root)
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20refs%231.bib"
    # through a symlinked folder and '..': the file read, not the one the text names when collapsed
    real = tmp_path / "real" / "sub"
    real.mkdir(parents=True)
    (tmp_path / "real" / "refs.bib").write_bytes((root / "my refs#1.bib").read_bytes())
    (real / "pith.lock").write_bytes((root / "pith.lock").read_bytes())
    work = tmp_path / "work"
    work.mkdir()
    (work / "link").symlink_to(real)
    (work / "refs.bib").write_text("@misc{other, title = {x}}\n", encoding="utf-8")
    proc = pithtex("report", "link/../refs.bib", "--lock", "link/pith.lock", "--format", "sarif", cwd=work)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(proc.stdout)["runs"][0]["results"]}
    assert uris == {(tmp_path / "real" / "refs.bib").resolve().as_uri()}, proc.stderr


def test_sarif_names_a_symlinked_bibliography_by_the_link(tmp_path: Path) -> None:
    """A refs.bib linked to a shared bibliography outside the repository is the file git has."""
    root = paper(tmp_path, extra="@misc{stray, eprint = {2401.00001}, archivePrefix = {arXiv}}\n")
    shared = tmp_path / "shared.bib"
    (root / "refs.bib").rename(shared)
    (root / "refs.bib").symlink_to(shared)
    proc = pithtex("report", "refs.bib", "--format", "sarif", cwd=root)
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "refs.bib", "uriBaseId": "%SRCROOT%"}


@pytest.mark.parametrize("target", ["a-folder", "missing/r.html"])
def test_a_report_that_cannot_be_written_is_exit_2(tmp_path: Path, target: str) -> None:
    """Exit 1 means 'written, with problems': CI publishing the report then found no file."""
    root = paper(tmp_path, extra="")
    (root / "a-folder").mkdir()
    proc = pithtex("report", "refs.bib", "-o", target, cwd=root)
    assert proc.returncode == 2 and proc.stderr.startswith(f"pithtex: {target}"), proc.stderr
    assert "Traceback" not in proc.stderr
