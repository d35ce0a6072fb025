"""How long the title/duplicate/drift cross-checks add to `check` on a large bibliography.

Builds N entries: most titles with {GRPO}-style protection braces, a fifth
with accents, math and -- (read by pylatexenc), one in ten with a wrong id
(the slow path: every reading, similarity, and the search for the entry whose
paper the title is), and times `crosscheck` in this process (pylatexenc's
import and first use included).
No peer does this check, so there is no ratio: the figure is the cost per entry.

    /opt/pithvenv/bin/python benchmarks/bench_crosscheck.py [N]
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from pithtex.crosscheck import RecordFacts, crosscheck
from pithtex.crosscheck.titles import title_sha256
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import derive_pith_number

WORDS = "Sharpness Guided Group Relative Policy Optimization Probability Shaping Trust Region Distillation".split()


@dataclass
class Entry:
    file: str
    line: int
    end_line: int
    key: str
    entry_type: str
    title: str | None
    arxiv: tuple[ArxivId, ...]
    pithnumber: str | None = None


def main(n: int) -> None:
    facts: dict[str, RecordFacts] = {}
    entries: list[Entry] = []
    for i in range(n):
        arxiv = ArxivId(f"2401.{i + 1:05d}", 1)
        words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(6 + i % 5)]
        title = f"{words[0]}-{words[1]} " + " ".join(words[2:]) + f" {i}"
        if i % 5 == 0:  # a fifth carry accents, math and dashes: pylatexenc reads them
            bib = r"{G\"odel}--" + title + r" on {$O(n^2)$}"
            arxiv_title = "Gödel–" + title + " on $O(n^2)$"
        else:  # the rest only protection braces and hyphens, as DBLP and Scholar write them
            bib = "{" + title.replace(" ", "} {", 2) + "}"
            arxiv_title = title
        digest = title_sha256(str(i))
        number = derive_pith_number(digest, "2024-01-01T00:00:00Z")
        facts[arxiv.id] = RecordFacts(arxiv, number, title_sha256(arxiv_title), arxiv_title)
        wrong = i % 10 == 0  # one in ten cites the next entry's paper: the slow path
        cited = ArxivId(f"2401.{(i + 1) % n + 1:05d}", 1) if wrong else arxiv
        entries.append(Entry("refs.bib", 1 + 8 * i, 7 + 8 * i, f"key{i}", "article", bib, (cited,)))
    t0 = time.perf_counter()
    findings = crosscheck(entries, lambda a: facts.get(a.id))
    elapsed = time.perf_counter() - t0
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    print(f"entries={n} findings={counts} seconds={elapsed:.3f} per_entry_ms={1000 * elapsed / n:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
