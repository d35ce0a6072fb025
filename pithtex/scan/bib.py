"""Find arXiv references in a .bib file.

bibtexparser v2's splitter gives the block structure (entries, ``@string``,
``@comment``, ``@preamble``, text between blocks, and blocks it could not
parse, each with its line). No middleware runs: we only need the raw field
values, and resolving ``@string`` macros is done here, for the one place it
matters (a ``journal`` that is a macro for ``CoRR``). Only entries are
references: ``@comment``, ``@string``, ``@preamble`` and text outside entries
are not scanned. A block bibtexparser cannot parse (unbalanced braces, a
missing comma) is reported with its line as a non-fatal problem and skipped;
the rest of the file is scanned.

Speed: bibtexparser's splitter is most of the cost of a scan, so plainly
well-formed entries (no ``\\{``, ``\\"``, ``#``, parentheses, duplicate
fields...) are read by strict regexes instead, and everything else goes to
bibtexparser; the file is cut only where bibtexparser starts a block afresh
anyway. ``scan_bib(..., fast=False)`` is the all-bibtexparser reference, and
a property test checks that both give the same result.

Which fields count as arXiv context (field names are case-insensitive):

- everywhere except the skipped fields below: the explicit contexts of
  :func:`pithtex.scan.patterns.find_explicit` (``arXiv:`` prefix, arxiv.org
  links, ``10.48550/arXiv.`` DOIs, ``\\arxiv{}``-style macros; braces
  around or between the letters of arXiv, ``Ar{X}iv:``, ``{arXiv}:``, do not
  matter) and ADS bibcodes of e-prints (``2016arXiv160706450B``, in
  ``adsurl``). This covers Google Scholar's ``journal = {arXiv preprint
  arXiv:...}``, ADS's and Zotero's ``pages = {arXiv:...}``, Zotero's
  ``number = {arXiv:...}``, ``note = {arXiv:... [hep-ph]}``, ``url``,
  ``howpublished``, ``doi``, INSPIRE's ``SLACcitation`` and so on;
- ``eprint``, when ``archivePrefix``/``eprinttype`` is absent or names arXiv:
  the whole value as one identifier (``2101.00001``, ``arXiv:2101.00001v2``,
  ``hep-th/9901001``, ``math.AG/0601001 [math.AG]``). With another archive
  (``HAL``, ``PubMed``...) only explicit contexts count;
- ``arxiv``, ``arxivid``, ``arxiv_id``, ``arxiv-id``, ``arxivno`` (Mendeley's
  ``arxivId``...): the whole value as one identifier;
- ``volume = {abs/<id>}`` when ``journal``/``journaltitle`` (after ``@string``
  expansion, braces removed) is ``CoRR``, ``ArXiv``, ``arXiv.org``, ``arXiv e-prints`` or
  ``arXiv preprint`` (DBLP, Semantic Scholar);
- bare old-style identifiers (``hep-th/9901001``, known archives only) in
  ``eprint``, the arxiv fields above, ``note``, ``webnote``, ``howpublished``, ``journal``,
  ``journaltitle``, ``booktitle``, ``series``, ``number``, ``addendum`` and
  ``SLACcitation`` (``%%CITATION = HEP-TH/9711200;%%``).

Never scanned: ``title`` and its variants, ``author``, ``editor``,
``keywords``, ``file``, ``crossref``, the Pith Number field itself. Fields
that discuss papers (``abstract``, ``annote``/``annotation``, ``review``) are
scanned for explicit contexts only, and what they name is only ever a
*mention* (below), never the entry's paper: an abstract citing
``arXiv:2101.00001`` does not make the entry that paper. Bare new-style
numbers (``1234.5678``) never count outside the fields above: in ``pages``,
``note`` or ``number`` they are page ranges, report numbers and dates.

One paper per entry, by field priority (issue 14; biblatex's order): ``eprint``
and the arxiv fields, then an arXiv DOI (``10.48550/arXiv.*``) in any field,
then links (``url``, ``doi``, ``adsurl``, ``SLACcitation``...), then the other
fields (``journal``, ``number``, ``pages``, ``howpublished``...), then notes
(``note``, ``webnote``, ``addendum``, ``comment``); see :func:`rank`. The ids
at the highest priority are the entry's paper: its ``arxiv`` tuple holds each
once, with the highest version any field named for it (an unversioned mention
does not lower it: ``eprint = {2101.00001}`` with ``url = {.../2101.00001v3}``
gives ``2101.00001v3``), and every occurrence of them is a :class:`Finding`
with the version it names (the same id twice in one field is reported once).
Two different ids at the highest priority (whatever their versions) are a
:class:`Conflict`. Other ids in lower fields are *mentions*
(``ScanResult.mentions``, ``BibEntry.mentions``), not conflicts; one in a
field that locates a paper (a link, the journal) rather than comments on one
also gets a note.

Candidates in arXiv context that are not valid identifiers (``arXiv:1111.11111``,
``eprint = {0612.0001}`` with ``archivePrefix = {arXiv}``) are ignored and
mentioned in ``notes`` with their line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence

from pithtex.ids.arxiv import ArxivId
from pithtex.scan.model import BibEntry, Conflict, Finding, InvalidId, PithAnnotation, ScanProblem, ScanResult
from pithtex.scan.patterns import (
    _MAYBE_NUMBER_RE,
    IdMatch,
    _parse,
    Rejected,
    could_contain_arxiv,
    find_bare_old_style,
    find_explicit,
    parse_id_value,
)
from pithtex.scan.source import SourceText

__all__ = ["scan_bib", "field_text", "entry_ids", "by_priority", "rank"]

ID_FIELDS = frozenset({"arxiv", "arxivid", "arxiv_id", "arxiv-id", "arxivno"})
OLD_STYLE_FIELDS = ID_FIELDS | {
    "eprint", "note", "howpublished", "journal", "journaltitle", "booktitle",
    "series", "number", "addendum", "webnote", "slaccitation",
}
SKIPPED_FIELDS = frozenset(
    {
        "title", "subtitle", "titleaddon", "shorttitle", "origtitle", "booktitle_original",
        "author", "editor", "translator", "keywords", "file", "crossref", "mendeley-tags", "groups",
    }
)
#: Fields that discuss papers: what they name is only ever a mention, never the entry's paper.
MENTION_FIELDS = frozenset({"abstract", "annote", "annotation", "review"})
#: Commentary that may still be all an entry has (``note = {arXiv:0704.0001}``).
NOTE_FIELDS = frozenset({"note", "webnote", "addendum", "comment", "comments"})
#: Fields that link to the paper, below ``eprint`` and an arXiv DOI.
LINK_FIELDS = frozenset({"url", "doi", "urls", "pdf", "link", "adsurl", "bibcode", "slaccitation"})
# Field priorities, highest first (biblatex's: the eprint field, then the DOI, then links, ...).
EPRINT_RANK, ARXIV_DOI_RANK, LINK_RANK, OTHER_RANK, NOTE_RANK, MENTION_RANK = 5, 4, 3, 2, 1, 0
_CORR_RE = re.compile(r"\s*(?:corr|arxiv(?:\.org)?(?:\s+e-?prints?|\s+preprint)?)\s*", re.IGNORECASE)
_ABS_RE = re.compile(r"\s*abs/")
_MONTHS = {
    m: m.capitalize()
    for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
}


def _split_concatenation(raw: str) -> list[str]:
    """Split ``a # {b} # "c"`` at the top-level ``#``."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return parts


def _strip_enclosure(part: str) -> str | None:
    """``{x}`` or ``"x"`` -> ``x``; None for a bare word (macro or number)."""
    if len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')):
        return part[1:-1]
    return None


def field_text(raw: str, strings: dict[str, str]) -> str:
    """The text of a raw field value: enclosures removed, macros expanded."""
    raw = raw.strip()
    if "#" not in raw:
        if raw[:1] == "{" and raw[-1] == "}" and len(raw) >= 2:  # the common case, without a call
            return raw[1:-1]
        inner = _strip_enclosure(raw)
        if inner is not None:
            return inner
        return raw if raw.isdigit() else strings.get(raw.lower(), _MONTHS.get(raw.lower(), raw))
    out = []
    for part in _split_concatenation(raw):
        part = part.strip()
        inner = _strip_enclosure(part)
        if inner is None:
            inner = part if part.isdigit() else strings.get(part.lower(), _MONTHS.get(part.lower(), part))
        out.append(inner)
    return "".join(out)


def _inner_span(raw: str) -> tuple[int, int]:
    """Where the text inside the enclosure of a single-part value starts and ends, braces of
    the value itself removed (``{{2101.00001}}`` -> ``2101.00001``)."""
    start, end = 0, len(raw)
    while end - start >= 2 and ((raw[start] == "{" and raw[end - 1] == "}") or (raw[start] == '"' and raw[end - 1] == '"')):
        start += 1
        end -= 1
    if raw.startswith("\\url{", start, end) and raw.endswith("}", start, end):
        start += 5
        end -= 1
    return start, end


#: A value written the way arXiv, Google Scholar, DBLP and most hand-written entries write one
#: plain new-style id: ``{2101.00001}``, ``{https://arxiv.org/abs/...}``, ``{arXiv preprint arXiv:...}``,
#: ``"arXiv:..."``, ``{abs/...}``. Each of the 30,000 values _field_matches reads in the 20,000-entry
#: annotate benchmark is one: read with this regex alone, its scan took 510 ms of CPU, not 700.
_SIMPLE_RE = re.compile(r'[{"](?:(https?://arxiv\.org/abs/)|(arXiv preprint )?(arXiv:)|(abs/))?(\d{4}\.\d{4,5}(?:v\d{1,4})?)[}"]')


def _field_matches(
    name: str, value: str, eprint_is_arxiv: bool, archive_named: bool, journal_is_corr: bool
) -> tuple[list[IdMatch], list[Rejected]]:
    """All identifiers in one field value (offsets into ``value``); the flags matter for ``eprint``
    (whether it names an arXiv e-print; whether archivePrefix says so) and ``volume`` (journal CoRR)."""
    whole = name in ID_FIELDS or (name == "eprint" and eprint_is_arxiv)
    simple = _SIMPLE_RE.fullmatch(value)
    if simple is not None:  # what the regexes below would find there, without them (see _SIMPLE_RE)
        got, end = _parse(simple[5]), len(value) - 1
        if isinstance(got, ArxivId):
            url, prefix, abs_ = simple.group(1, 3, 4)
            if url or prefix:
                start = 1 if url else simple.start(3)
                return [IdMatch(start, end, got, value[start:end], "url" if url else "prefix")], []
            if not abs_:
                return [IdMatch(1, end, got, value[1:end], "value")] if whole else [], []
            corr = not whole and name == "volume" and journal_is_corr
            return [IdMatch(5, end, got, value[1:end], "value")] if corr else [], []
    matches, rejected = find_explicit(value, bibcodes=name not in MENTION_FIELDS)
    if whole:
        m, r = parse_id_value(value, *_inner_span(value))
        if m is not None:
            matches.append(m)
        elif r is not None and (name in ID_FIELDS or archive_named) and not matches and not rejected:
            rejected.append(r)
    elif name == "volume" and journal_is_corr:
        start, end = _inner_span(value)
        a = _ABS_RE.match(value, start, end)
        if a is not None:
            m, r = parse_id_value(value, a.end(), end)
            raw = value[start:end].strip()
            if m is not None:
                matches.append(IdMatch(m.start, m.end, m.arxiv, raw, "value"))
            elif r is not None:
                rejected.append(Rejected(r.start, raw, r.reason))
    if name in OLD_STYLE_FIELDS and "/" in value:
        matches.extend(find_bare_old_style(value))
    if len(matches) > 1:
        matches.sort(key=lambda x: (x.start, -x.end))
        kept: list[IdMatch] = []
        seen: set[ArxivId] = set()
        for m in matches:
            if (kept and m.start < kept[-1].end) or m.arxiv in seen:
                continue
            kept.append(m)
            seen.add(m.arxiv)
        matches = kept
    return matches, rejected


def _first(lows: list[str], values: list[str], *names: str) -> str | None:
    """The value of the first field named ``names[0]``, else of the first named ``names[1]``..., or None."""
    for n in names:
        if n in lows:
            return values[lows.index(n)]
    return None


_FIELD_RANKS = {
    **{n: LINK_RANK for n in LINK_FIELDS}, **{n: EPRINT_RANK for n in ID_FIELDS | {"eprint"}},
    **{n: NOTE_RANK for n in NOTE_FIELDS}, **{n: MENTION_RANK for n in MENTION_FIELDS},
}


def rank(name: str, context: str) -> int:
    """The priority of an id found in field ``name`` (lower case) in ``context`` (see
    :class:`pithtex.scan.patterns.IdMatch`): the ``*_RANK`` constants. An arXiv DOI
    outranks the links and other fields, not the eprint fields, notes or mentions."""
    r = _FIELD_RANKS.get(name, OTHER_RANK)
    return ARXIV_DOI_RANK if context == "doi" and OTHER_RANK <= r <= LINK_RANK else r


TYPE_CHECKING = False  # (no typing import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeVar

    _F = TypeVar("_F", Finding, IdMatch)


def by_priority(
    found: Sequence[_F], ranks: Sequence[int]
) -> tuple[tuple[ArxivId, ...], list[_F], list[tuple[_F, int]]]:
    """The entry's paper(s), the findings that name them, and the mentions with their ranks.

    The entry's papers are the distinct ids at the highest rank above
    ``MENTION_RANK`` (two of them are a conflict). Every finding of those ids
    outside the mention-only fields is kept (the highest version any names
    wins); the other ids, wherever they are, are mentions.
    """
    if len(found) < 2:
        if found and ranks[0] > MENTION_RANK:
            return (found[0].arxiv,), list(found), []
        return (), [], list(zip(found, ranks))
    if ranks[0] > MENTION_RANK and MENTION_RANK not in ranks:  # the common case: one paper, no commentary
        arxivs = [f.arxiv for f in found]
        if arxivs.count(arxivs[0]) == len(arxivs):
            return (arxivs[0],), list(found), []
        first = arxivs[0].id
        if all(a.id == first for a in arxivs):
            return entry_ids(found), list(found), []
    top = max(ranks)
    if top == MENTION_RANK:
        return (), [], list(zip(found, ranks))
    papers = {f.arxiv.id for f, r in zip(found, ranks) if r == top}
    kept = [f for f, r in zip(found, ranks) if r > MENTION_RANK and f.arxiv.id in papers]
    mentions = [(f, r) for f, r in zip(found, ranks) if f.arxiv.id not in papers]
    return entry_ids(kept), kept, mentions


def _unbraced(text: str) -> str:
    """``text`` without braces (``{A}r{X}iv`` -> ``ArXiv``)."""
    return text.replace("{", "").replace("}", "") if "{" in text or "}" in text else text


def entry_ids(findings: Sequence[Finding | IdMatch]) -> tuple[ArxivId, ...]:
    """Each paper once, first-seen order, with the highest version named."""
    if findings:
        first = findings[0].arxiv  # the common case: every finding names the same id the same way
        if all(f.arxiv == first for f in findings):
            return (first,)
    best: dict[str, int | None] = {}
    for f in findings:
        v = f.arxiv.version
        if f.arxiv.id not in best:
            best[f.arxiv.id] = v
        elif v is not None and (best[f.arxiv.id] is None or v > best[f.arxiv.id]):  # type: ignore[operator]
            best[f.arxiv.id] = v
    return tuple(ArxivId(i, v) for i, v in best.items())


_COMMENT_START_RE = re.compile(r"^[ \t]*@comment[ \t]*(?P<open>[{(])", re.IGNORECASE | re.MULTILINE)
_NOT_NEWLINE_RE = re.compile(r"[^\n]")


def blank_comment_blocks(text: str) -> str:
    """Blank the insides of ``@comment{...}`` blocks (same length, same newlines).

    bibtexparser ends a ``@comment`` at the first ``@`` that starts a line,
    so an entry commented out with ``@comment{ @article{...} }`` would come
    back as a live entry. An unbalanced ``@comment`` is left alone (and then
    reported as a block that cannot be parsed).
    """
    if "@comment" not in text.lower():
        return text
    out, pos = [], 0
    for m in _COMMENT_START_RE.finditer(text):
        if m.start() < pos:
            continue
        opener = m["open"]
        closer = "}" if opener == "{" else ")"
        depth, i, n = 0, m.end() - 1, len(text)
        while i < n:
            ch = text[i]
            if ch == opener:
                depth += 1
            elif ch == closer:
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if i >= n or text[i] != closer:
            continue
        out.append(text[pos:m.end()])
        out.append(_NOT_NEWLINE_RE.sub(" ", text[m.end():i]))
        pos = i
    out.append(text[pos:])
    return "".join(out)


_BLOCK_HEAD_RE = re.compile(r"\s*(@\s*[A-Za-z]+)\s*[{(]\s*([^\s,{}()=\"#%'~]+)\s*,")
_FIELD_START_RE = re.compile(r"[ \t]*[A-Za-z][\w:.+/-]*[ \t]*=")


def _unclosed_brace_line(raw: str) -> int | None:
    """The 0-based line in ``raw`` (one block) of a value's ``{`` that is never closed: the one still
    open where the next field starts, or at the end of the block; None when the braces balance."""
    stack: list[int] = []
    line = 0
    at_line_start = True
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if at_line_start and len(stack) > 1 and _FIELD_START_RE.match(raw, i):
            return stack[1]  # a new field starts inside a value: that value never closed
        at_line_start = False
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            line += 1
            at_line_start = True
        elif c in "{(" and not stack:
            stack.append(line)  # the entry's own delimiter
        elif c == "{":
            stack.append(line)
        elif c == "}" and stack:
            stack.pop()
        i += 1
    if len(stack) > 1:
        return stack[1]
    return None


def _unparsed(name: str, line: int, raw: str, reason: str) -> ScanProblem:
    """A block bibtexparser could not parse, at the line of the fault when it is an unclosed brace."""
    head = _BLOCK_HEAD_RE.match(raw)
    kind = head.group(1).replace(" ", "") if head else (raw.lstrip().split("{", 1)[0].split("(", 1)[0].strip() or "block")
    key = head.group(2) if head else None
    low = raw.lower()
    mentions = "arxiv" in low or could_contain_arxiv(raw)
    fault = _unclosed_brace_line(raw)
    if fault is not None:
        return ScanProblem(
            name, line + fault,
            f"cannot parse this {kind} entry: the {{ on this line is never closed; skipped it", False, key, mentions,
        )
    return ScanProblem(name, line, f"cannot parse this {kind} block ({reason}); skipped it", False, key, mentions)


def _short_reason(block: object) -> str:
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error or "syntax error")
    reason = " ".join(reason.split())
    return reason[:160]


# --- the fast path ---------------------------------------------------------------
#
# bibtexparser's splitter costs ~0.3 ms per entry, most of a scan. Entries that
# cannot hold a reference (none of the substrings below) and are plainly
# well-formed are read by the strict regexes here instead; anything unusual
# goes to bibtexparser. The file is cut at the places where bibtexparser's
# splitter starts afresh (an ``@type{`` or ``@type(`` at the start of a line,
# after optional white space: it aborts any open block there), so both paths
# see the same blocks.

#: The newline before a block start (the text's first chunk starts at 0, whatever it holds).
#: A leading ``\n`` rather than ``^`` with MULTILINE lets the regex engine skip from newline
#: to newline: 7 ms, not 25, for the 20,000-entry annotate benchmark.
_BLOCK_START_RE = re.compile(r"\n[^\S\n]*@\w*[ \t]*(?=[{(])")
_BRACED_ARXIV = r"a[{}]*r[{}]*x[{}]*i[{}]*v"
_RELEVANT_RE = re.compile(r"arxiv|eprint|abs/|[a-z]/\d{7}|" + _BRACED_ARXIV, re.IGNORECASE)
_RELEVANT_WORDS = ("arxiv", "eprint", "abs/")
_SLASH7_RE = re.compile(r"/\d{7}")
_BRACED_ARXIV_RE = re.compile(_BRACED_ARXIV)


def _relevant(text: str, low: str | None, start: int, end: int, pith_field: str) -> bool:
    """Whether ``text[start:end]`` could hold a reference or a Pith Number.

    Sound for every context in the module docstring: each needs ``arxiv``
    (braces allowed between its letters: ``Ar{X}iv``), ``eprint``, ``abs/`` or
    a letter before ``/NNNNNNN`` (old style), in any case. ``low`` is
    ``text.lower()`` when that kept every offset, else None.
    """
    if low is None:
        chunk = text[start:end]
        return _RELEVANT_RE.search(chunk) is not None or pith_field in chunk.lower()
    for word in _RELEVANT_WORDS:
        if low.find(word, start, end) >= 0:
            return True
    if low.find(pith_field, start, end) >= 0:
        return True
    for m in _SLASH7_RE.finditer(low, start, end):
        if m.start() > 0 and low[m.start() - 1].isalpha():
            return True
    return _BRACED_ARXIV_RE.search(low, start, end) is not None  # Ar{X}iv: ~1% of a scan
def _fast_patterns(possessive: bool) -> tuple[str, str, str]:
    """The fast path's regexes: the head of an entry (``@type{key,``), one of its fields as
    (name, value), and a block in balanced braces (``@string``, ``@comment``, ``@preamble``).

    A field is ``name = value`` and its comma, the value ``{...}`` (braces
    nested up to four deep, no ``\\{``), ``"..."`` or a bare word. Every
    alternative starts with its own character, so the parse is unambiguous:
    possessive quantifiers (Python 3.11+) give the same matches, only sooner.
    bibtexparser ends an ``@string``, ``@comment`` or ``@preamble`` at the first
    ``}`` outside braces, in quotes or not. Reading those blocks here spares a
    .bib without unusual entries the import of bibtexparser: 60 ms of the 3.8 MB
    ``bench_scan.py --no-arxiv`` scan.
    """
    if possessive:
        run, rest, quoted = r"[^{}]++", "*+", r'"(?:[^"\\]++|\\[^"])*+"'
    else:  # single characters: a nested `(?:x+)*` backtracks exponentially on a failed match
        run, rest, quoted = r"[^{}]", "*", r'"(?:[^"\\]|\\[^"])*"'
    braced = r"\{[^{}]" + rest + r"\}"
    for _ in range(3):
        braced = r"\{(?:" + run + "|" + braced + ")" + rest + r"\}"
    word = r"[\w.:+\-]+" + ("+" if possessive else "")
    value = braced + "|" + quoted + "|" + word
    name = r'[^\s=,{}"#%\\@()]+'
    field = r"\s*(" + name + r")\s*=\s*(" + value + r")\s*(?:,|(?=\}))"
    head = r'[^\S\n]*@(?P<type>\w+)[ \t]*\{\s*(?P<key>[^\s,{}()"=#%\\@]+)\s*,'
    other = r"[^\S\n]*@(?P<type>\w+)[ \t]*(?P<body>" + braced + ")"
    return head, field, other


_FAST_HEAD_RE, _FAST_FIELD_RE, _FAST_OTHER_RE = (re.compile(p) for p in _fast_patterns(sys.version_info >= (3, 11)))
_UNUSUAL = ("\\{", "\\}", '\\"')
#: bibtexparser reads a block whose type starts with one of these (``@commentary{``) as that kind.
_NOT_ENTRIES = ("comment", "preamble", "string")


def _fast_block(chunk: str) -> tuple[re.Match[str], int, list[str] | None, list[str] | None] | None:
    """The block in ``chunk`` if it is plainly well-formed, else None: an entry's head match, the
    offset after its closing brace and its fields' names and values; or the match of an ``@comment``,
    ``@preamble`` or ``@string``, its end, None and (for an ``@string``) its key and value.

    An entry's fields are cut from the rest of the chunk with one ``split``: it is plainly
    well-formed when the fields follow one another with nothing between them, then ``}``
    (one pass over the fields, not a match of the whole entry and then a ``findall``:
    0.75x of that CPU on the 20,000-entry annotate benchmark).
    """
    if ("\\" in chunk and any(u in chunk for u in _UNUSUAL)) or '{"}' in chunk:
        return None
    m = _FAST_HEAD_RE.match(chunk)
    if m is not None and not m["type"].lower().startswith(_NOT_ENTRIES):
        parts = _FAST_FIELD_RE.split(chunk[m.end():])  # [between, name, value, between, name, ..., after]
        after = parts[-1].lstrip()
        if (len(parts) > 1 and parts[0]) or any(parts[3:-1:3]) or after[:1] != "}" or "@" in after:
            return None
        names = parts[1::3]
        if len(set(names)) != len(names):
            return None  # duplicate fields: let bibtexparser report them
        return m, len(chunk) - len(after) + 1, names, parts[2::3]
    m = _FAST_OTHER_RE.match(chunk)
    if m is None or chunk.find("@", m.end()) >= 0:
        return None
    kind, body = m["type"].lower(), m["body"]
    if kind.startswith(("comment", "preamble")):
        return m, m.end(), None, None
    eq = body.find("=")
    if not kind.startswith("string") or eq < 0 or any(c in body[1:eq] for c in '{}",@'):
        return None  # (bibtexparser: "Expected equals sign")
    return m, m.end(), None, [body[1:eq].strip(), body[eq + 1:-1].strip()]


class _Scan:
    """What one .bib scan carries from block to block."""

    __slots__ = ("name", "pith_field", "result", "lean", "strings", "seen_keys", "string_keys")

    def __init__(self, name: str, pith_field: str, result: ScanResult, lean: bool = False) -> None:
        self.name = name  # the file, as findings name it
        self.pith_field = pith_field  # the Pith Number field, lower case
        self.result = result
        #: Only entries and errors will be read (:meth:`ScanResult.entries_only`): the
        #: findings with their lines, the notes and the conflicts are not made.
        self.lean = lean
        self.strings: dict[str, str] = {}  # @string macros read so far
        self.seen_keys: dict[str, int] = {}  # entry key -> line of its first entry
        #: @string keys as written: bibtexparser ignores a later @string of the same key.
        self.string_keys: set[str] = set()

    def define(self, key: str, value: str) -> None:
        """An ``@string``."""
        if key not in self.string_keys:
            self.string_keys.add(key)
            self.strings[key.lower()] = field_text(value, self.strings)


def scan_bib(
    source: SourceText, *, field_name: str = "pithnumber", fast: bool = True, entries_only: bool = False
) -> ScanResult:
    """Scan one decoded .bib file. Never raises on bad content: problems are reported.

    ``fast=False`` gives every block to bibtexparser: the reference the fast
    path is tested against (same result, about twice as slow). ``entries_only``
    gives :meth:`ScanResult.entries_only`, without making what it leaves out.
    """
    text = blank_comment_blocks(source.text)
    scan = _Scan(source.name, field_name.lower(), ScanResult(), entries_only)
    if source.note:
        scan.result.notes.append(source.note)
    if not fast:
        _scan_slow(text, 0, scan)
    else:
        _scan_fast(text, scan)
    return scan.result.entries_only() if entries_only else scan.result


def _scan_fast(text: str, scan: _Scan) -> None:
    """Scan ``text`` block by block: plainly well-formed blocks here, runs of other blocks with bibtexparser."""
    low: str | None = text.lower()
    if len(low) != len(text):  # a few characters lower to two: offsets would drift
        low = None
    run_start = -1  # offset where the current run of slow chunks starts
    run_line = line = start = 0  # its 0-based line, and the current chunk's
    ends = [m.start() + 1 for m in _BLOCK_START_RE.finditer(text)]
    ends.append(len(text))
    for end in ends:  # each chunk: the text before the first block, then each block
        chunk = text[start:end]
        quick = _fast_block(chunk) if "@" in chunk else False  # False: text without any block
        if quick is None:
            if run_start < 0:
                run_start, run_line = start, line
        else:
            if run_start >= 0:
                if not _scan_run(text, run_start, run_line, start, line, scan):
                    return
                run_start = -1
            if quick:
                m, stop, names, values = quick
                if names is not None:  # an entry: its head matched by m, chunk[:stop]
                    at = m.start("type") - 1
                    _record_entry(
                        scan, m["key"], m["type"].lower(), chunk[at:stop], line,
                        ",".join(names).lower().split(",") if names else [], names, values,
                        _relevant(text, low, start, end, scan.pith_field), m.end() - at,
                    )
                elif values is not None:
                    scan.define(*values)
        line += chunk.count("\n")
        start = end
    if run_start >= 0:
        _scan_slow(text[run_start:], run_line, scan)


def _scan_run(text: str, run_start: int, run_line: int, start: int, line: int, scan: _Scan) -> bool:
    """A run of unusual blocks, ``text[run_start:start]``, that the block at ``start`` (0-based line ``line``) ends."""
    # Show bibtexparser the next block's start too, so that a block left open
    # ends as it would in the whole file ("Unexpected block start"); blocks
    # from that line on are ignored.
    head = _BLOCK_START_RE.match(text, start - 1)
    lookahead = text[start:head.end() + 1] if head is not None else ""
    return _scan_slow(text[run_start:start] + lookahead, run_line, scan, stop_line=line)


def _scan_slow(text: str, line_offset: int, scan: _Scan, *, stop_line: int | None = None) -> bool:
    """Scan ``text`` (starting at 0-based line ``line_offset``) with bibtexparser.

    Returns False when bibtexparser itself failed (reported as fatal)."""
    import logging

    from bibtexparser import model as bm
    from bibtexparser.splitter import Splitter

    name, result = scan.name, scan.result
    log = logging.getLogger("bibtexparser")  # it logs every failed block; we report them, with lines
    previous = log.level
    try:
        log.setLevel(logging.CRITICAL + 1)
        library = Splitter(text).split()
    except Exception as exc:  # bibtexparser bug: report, do not crash
        result.errors.append(
            ScanProblem(name, None, f"cannot parse this file ({type(exc).__name__}: {exc})", fatal=True)
        )
        return False
    finally:
        log.setLevel(previous)
    for block in library.blocks:
        line = (block.start_line or 0) + line_offset + 1
        if stop_line is not None and line > stop_line:
            break
        if isinstance(block, bm.String):
            scan.define(block.key.strip(), block.value)
            continue
        if isinstance(block, bm.Entry):
            entry = block
        elif isinstance(block, (bm.DuplicateFieldKeyBlock, bm.DuplicateBlockKeyBlock)):
            entry = block.ignore_error_block
            if isinstance(block, bm.DuplicateFieldKeyBlock):
                dupes = ", ".join(sorted(block.duplicate_keys))
                result.notes.append(f"{name}:{line}: entry has duplicate fields ({dupes}); all were scanned")
            if not isinstance(entry, bm.Entry):
                continue
        elif isinstance(block, bm.ParsingFailedBlock):
            result.errors.append(_unparsed(name, line, block.raw or "", _short_reason(block)))
            continue
        else:
            continue  # comments, @preamble, text outside entries
        _scan_entry(entry, line_offset, scan)
    return True


def _value_offset(raw: str, line0: int, field: object) -> int:
    """Offset of ``field``'s value in the entry's raw text, or -1.

    bibtexparser gives a field the line of its ``=`` but no offset. Find that
    line, then the field's ``key =`` on it (or on the line before, for a key
    written above its ``=``), then the value after it.
    """
    k = field.start_line - line0  # type: ignore[attr-defined]
    starts = [0]
    pos = 0
    for _ in range(k):
        pos = raw.find("\n", pos) + 1
        if pos == 0:
            return -1
        starts.append(pos)
    line_start = starts[-1]
    search_from = starts[-2] if len(starts) > 1 else 0
    key_re = re.compile(r"(?<![\w:.\-])" + re.escape(field.key) + r"\s*=")  # type: ignore[attr-defined]
    for m in key_re.finditer(raw, search_from):
        if m.end() - 1 < line_start:
            continue
        vstart = raw.find(field.value, m.end())  # type: ignore[attr-defined]
        return vstart
    return -1


def _scan_entry(entry: object, line_offset: int, scan: _Scan) -> None:
    """One entry bibtexparser read; lines are 0-based plus ``line_offset``
    (where the text given to bibtexparser started)."""
    raw: str = entry.raw or ""  # type: ignore[attr-defined]
    own_line0: int = entry.start_line or 0  # type: ignore[attr-defined]
    parsed = entry.fields  # type: ignore[attr-defined]
    names = [f.key for f in parsed]
    _record_entry(
        scan, entry.key, entry.entry_type, raw, own_line0 + line_offset,  # type: ignore[attr-defined]
        [n.lower() for n in names], names, [f.value for f in parsed], True,
        lambda i: (_value_offset(raw, own_line0, parsed[i]), parsed[i].start_line + line_offset + 1),
    )


def _locate(raw: str, line0: int, names: Sequence[str], values: Sequence[str], where: int, index: int) -> tuple[int, int]:
    """Where the value of field ``index`` of an entry the fast path read starts in ``raw``, and the
    1-based line of its ``=``: ``where`` is the offset of its fields, each ``name = value`` as
    read with only white space and a comma between them."""
    pos = eq = start = where
    for i in range(index + 1):
        eq = raw.index("=", raw.index(names[i], pos) + len(names[i]))
        start = raw.index(values[i], eq + 1)
        pos = start + len(values[i])
    return start, line0 + raw.count("\n", 0, eq) + 1


def _record_entry(
    scan: _Scan,
    key: str,
    entry_type: str,
    raw: str,
    line0: int,
    lows: list[str],
    names: Sequence[str],
    values: Sequence[str],
    may_cite: bool,
    where: int | Callable[[int], tuple[int, int]],
) -> None:
    """Record one entry: its title, Pith Number field and arXiv references.

    Field ``i`` is named ``names[i]`` (``lows[i]`` lower-cased) and has the raw
    value ``values[i]``. Where that value starts in ``raw`` (-1 when unknown) and
    the 1-based line of its ``=`` are asked only when needed: ``where(i)`` gives
    both for bibtexparser's entries, :func:`_locate` for the fast path's
    (``where`` is then the offset of the fields in ``raw``).
    """
    name, result, strings, pith_field, lean = scan.name, scan.result, scan.strings, scan.pith_field, scan.lean
    if not lean:  # (a lean scan makes no notes, duplicate keys' included)
        if key in scan.seen_keys:
            result.notes.append(f"{name}:{line0 + 1}: duplicate entry key {key!r} (first at line {scan.seen_keys[key]})")
        else:
            scan.seen_keys[key] = line0 + 1
    title = field_text(values[lows.index("title")], strings) if "title" in lows else None
    pith = None
    if pith_field in lows and pith_field != "title":  # (a title is the title)
        pf = lows.index(pith_field)
        eq = _locate(raw, line0, names, values, where, pf)[1] if isinstance(where, int) else where(pf)[1]
        pith = PithAnnotation(name, eq, key, names[pf], field_text(values[pf], strings).strip())
        result.pithnumbers.append(pith)
    ids: tuple[ArxivId, ...] = ()
    mentions: list[tuple[Finding | IdMatch, int]] = []
    invalid: list[InvalidId] = []  # rare: worked out in a lean scan too (check and annotate report them)
    if may_cite:
        findings: list[Finding | IdMatch] = []  # lean: the matches alone (entry_ids reads their ids)
        ranks: list[int] = []  # each finding's field priority (see rank)
        eprint_is_arxiv = archive_named = journal_is_corr = False  # worked out at eprint and volume
        maybe = _MAYBE_NUMBER_RE.search
        for index, k in enumerate(lows):
            value = values[index]
            if k in SKIPPED_FIELDS or k == pith_field or maybe(value) is None:
                continue
            if k == "eprint":
                a = _first(lows, values, "archiveprefix", "eprinttype")
                archive_named = a is not None and "arxiv" in _unbraced(field_text(a, strings)).lower()
                eprint_is_arxiv = a is None or archive_named
            elif k == "volume":
                j = _first(lows, values, "journal", "journaltitle")
                journal = field_text(j, strings) if j is not None else ""
                journal_is_corr = bool(journal) and _CORR_RE.fullmatch(_unbraced(journal)) is not None
            matches, rejected = _field_matches(k, value, eprint_is_arxiv, archive_named, journal_is_corr)
            if k in MENTION_FIELDS:
                rejected = []  # an abstract's typo is not worth a note
            if lean:
                for m in matches:
                    findings.append(m)
                    ranks.append(rank(k, m.context))
                if not rejected:
                    continue
            elif not matches and not rejected:
                continue
            vstart, eq = _locate(raw, line0, names, values, where, index) if isinstance(where, int) else where(index)
            # 1-based line of an offset into the value (the '=' line if the
            # value could not be located, which only unusual spacing causes)
            fallback = eq if vstart < 0 else 0
            fname = names[index]
            for m in matches if not lean else ():
                line = line0 + raw.count("\n", 0, vstart + m.start) + 1 if vstart >= 0 else fallback
                findings.append(Finding(name, line, key, fname, m.arxiv, m.raw))
                ranks.append(rank(k, m.context))
            for r in rejected:
                line = line0 + raw.count("\n", 0, vstart + r.start) + 1 if vstart >= 0 else fallback
                invalid.append(InvalidId(line, fname, r.raw, r.reason))
                if not lean:
                    result.notes.append(
                        f"{name}:{line}: {key}: ignored {r.raw!r} in {fname}: not a valid arXiv identifier ({r.reason})"
                    )
        ids, findings, mentions = by_priority(findings, ranks)
        if not lean:
            if len(ids) > 1:
                result.conflicts.append(Conflict(name, line0 + 1, key, ids))
            result.findings.extend(findings)  # type: ignore[arg-type]
            for m, r in mentions:
                result.mentions.append(m)  # type: ignore[arg-type]
                if r > NOTE_RANK and len(ids) == 1:  # another paper where the entry locates its own
                    result.notes.append(
                        f"{name}:{m.line}: {key}: {m.field} names {m.arxiv}, not the entry's {ids[0]} "  # type: ignore[union-attr]
                        f"(from a field of higher priority); listed as a mention"
                    )
    result.entries.append(
        BibEntry(
            name, line0 + 1, line0 + 1 + raw.count("\n"), key, entry_type, title, ids, pith,
            entry_ids([m for m, _ in mentions]) if mentions else (), tuple(invalid),
        )
    )
