"""crosscheck given verified lock entries (facts built only where a check needs them) finds exactly
what it finds given the facts built from every entry up front (RecordFacts.from_lock_entry)."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.crosscheck import RecordFacts, crosscheck, title_sha256
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import derive_pith_number
from pithtex.scan import BibEntry, PithAnnotation

_PAPERS = ["2401.00001", "2401.00002", "2401.00003"]
_TITLES = ["Attention Is All You Need", "{GRPO}: a Study", "GRPO: A Study", "Soft Sequence Policy Optimization",
           r"G\"odel--Numbers on $O(n^2)$", "Gödel–Numbers on $O(n^2)$", "  spaced   out  ", ""]
_ID = st.builds(ArxivId, st.sampled_from(_PAPERS), st.sampled_from([None, 1, 2, 3]))


def _number(text: str):  # type: ignore[no-untyped-def]
    return derive_pith_number(title_sha256(text), "2024-01-01T00:00:00Z")


@st.composite
def _lock_entry(draw, requested: ArxivId, titles: dict[str, str]):  # type: ignore[no-untyped-def]
    """A lock-entry-like object: mostly the regular form, sometimes signed facts taken the slow way
    (an id not as cited, no version) or refused (a digest that is not a string, no record fields)."""
    version = requested.version if requested.version is not None else draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["plain"] * 6 + ["prefixed", "no-version", "bad-digest", "missing"]))
    digest = draw(st.sampled_from([title_sha256(titles[requested.id])] * 4 + [title_sha256(t) for t in _TITLES if t] + ["none"]))
    source_id = "arXiv:" + requested.id if kind == "prefixed" else requested.id
    signed = (source_id, None if kind == "no-version" else version, 7 if kind == "bad-digest" else digest)
    entry = (_NoRecord if kind == "missing" else SimpleNamespace)(
        requested=requested, pith_number=_number(f"{requested.id}v{version}"), title=draw(st.sampled_from([None, *_TITLES])))
    if kind != "missing":
        entry.signed_facts = signed
    return entry


class _NoRecord(SimpleNamespace):
    @property
    def signed_facts(self):  # type: ignore[no-untyped-def]
        raise KeyError("the canonical record lacks source.id or metadata.title_canon_sha256")


@st.composite
def _bibliography(draw):  # type: ignore[no-untyped-def]
    titles = {p: draw(st.sampled_from(_TITLES[:-1])) for p in _PAPERS}  # each paper's arXiv title
    entries = []
    for i in range(draw(st.integers(0, 8))):
        ids = tuple(dict.fromkeys(draw(st.lists(_ID, max_size=2))))
        key = draw(st.sampled_from([f"k{i}", f"k{i}", "k0", None]))
        pith = draw(st.sampled_from([None, None, str(_number("2401.00001v1")), "A" * 26, "nonsense"]))
        file = draw(st.sampled_from(["a.bib", "b.bib"]))
        line = 3 * draw(st.integers(1, 5))
        annotation = None if pith is None else PithAnnotation(file, line + 1, key, "pithnumber", pith)
        title = draw(st.sampled_from([None, *_TITLES] + [titles[a.id] for a in ids] * 4))
        entries.append(BibEntry(file, line, line + 2, key, "article", title, ids, annotation))
    cited = list(dict.fromkeys(a for e in entries for a in e.arxiv))
    lock = {a: draw(st.one_of(st.none(), _lock_entry(a, titles), _lock_entry(a, titles))) for a in cited}
    return entries, lock


def _eager(entry):  # type: ignore[no-untyped-def]
    try:
        return None if entry is None else RecordFacts.from_lock_entry(entry)
    except (KeyError, TypeError, ValueError):
        return None


@settings(max_examples=300, deadline=None)
@given(_bibliography(), st.booleans(), st.lists(st.sampled_from(["k0", "k1", "k9"]), max_size=2))
def test_lock_entries_give_the_findings_of_their_facts(bib, title_info, allow):
    entries, lock = bib
    asked: list[ArxivId] = []
    lazy = crosscheck(entries, lambda a: asked.append(a) or lock[a], allow_title_mismatch=allow, title_info=title_info)
    built = {a: _eager(e) for a, e in lock.items()}
    eager = crosscheck(entries, built.__getitem__, allow_title_mismatch=allow, title_info=title_info)
    assert [f.to_json() for f in lazy] == [f.to_json() for f in eager]
    assert lazy == eager
    assert asked == list(lock)  # each id cited asked for once, in citation order
