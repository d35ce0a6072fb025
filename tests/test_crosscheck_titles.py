"""Titles: TeX markup to plain text, and which readings match a signed title hash.

The signed hashes come from the real records in tests/fixtures/pith (verified
with the pinned registry key) and from records signed with a test key for
titles with accents, dashes, math and ampersands.
"""

from __future__ import annotations

import hashlib
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.crosscheck.titles import (
    CANDIDATE_NAMES,
    classify_titles,
    match_title_hash,
    plain_title,
    similarity,
    title_canon,
    title_candidates,
    title_matches,
    title_sha256,
    title_words,
)
from pithtex.verify.document import verify_document
from pithtex.verify.keys import TrustStore
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, load_fixture, make_canonical_record
from tests.support.signing import title_canon_sha256 as support_title_sha256


def _signed_title_hash(path) -> str:
    result = verify_document(load_fixture(path), TrustStore.pinned())
    assert result.status == "verified", result.summary()
    return result.canonical_record["metadata"]["title_canon_sha256"]


SHARPNESS = _signed_title_hash(REAL_RECORDS["2511.00066"])
TRUST_REGION = _signed_title_hash(REAL_RECORDS["2606.01249"])
SOFT_SEQUENCE = _signed_title_hash(REAL_BUNDLE)


# --- canon and hash -------------------------------------------------------------


def test_canon_is_lower_case_with_collapsed_white_space():
    assert title_canon("  Soft\tSequence \n Policy  OPTIMIZATION ") == "soft sequence policy optimization"


def test_hash_of_the_real_titles_is_the_signed_one():
    assert title_sha256("Sharpness-Guided Group Relative Policy Optimization via Probability Shaping") == SHARPNESS
    assert title_sha256("Trust Region On-Policy Distillation") == TRUST_REGION
    assert title_sha256("Soft Sequence Policy Optimization") == SOFT_SEQUENCE


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_hash_agrees_with_the_rule_the_test_records_are_signed_with(text):
    assert title_sha256(text) == support_title_sha256(text)
    assert title_sha256(text) == hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


# --- plain_title ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "plain"),
    [
        (r"{GRPO}: {{Sharpness-Guided}} Policy", "GRPO: Sharpness-Guided Policy"),
        (r"Schr\"{o}dinger and {\"o} and \'e and \ss{} and \&", "Schrödinger and ö and é and ß and &"),
        (r"G{\"o}del, Erd\H{o}s, \c{c}a, \v{s}, \o{}", "Gödel, Erdős, ça, š, ø"),
        (r"pages 1--2 --- and more", "pages 1–2 — and more"),
        (r"On $O(n^2)$ and $\alpha$-Divergence", r"On $O(n^2)$ and $\alpha$-Divergence"),
        (r"\textit{Trust} \emph{Region}~On-Policy {\em Distillation}", "Trust Region On-Policy Distillation"),
        ("Soft\n   Sequence\tPolicy", "Soft Sequence Policy"),
    ],
)
def test_plain_title_is_what_a_reader_sees(tex, plain):
    assert plain_title(tex) == plain


def test_plain_title_is_nfc():
    # a literal decomposed o + combining diaeresis in the .bib comes out composed
    assert plain_title("Go\u0308del") == "G\u00f6del"


def test_candidates_are_named_ordered_and_distinct():
    cands = title_candidates(r'G{\"o}del \& Schr\"{o}dinger: $\alpha$--{GRPO}')
    names = [name for name, _ in cands]
    assert names == [n for n in CANDIDATE_NAMES if n in names]
    assert names[0] == "plain"
    assert len({title_canon(text) for _, text in cands}) == len(cands)
    assert dict(cands)["tex"] == r'G\"odel & Schr\"{o}dinger: $\alpha$--GRPO'
    assert dict(cands)["tex-no-braces"] == r'G\"odel & Schr\"odinger: $\alpha$--GRPO'
    assert dict(cands)["tex-as-typed"] == r'G\"odel \& Schr\"{o}dinger: $\alpha$--GRPO'
    assert dict(cands)["plain-math-rendered"] == "Gödel & Schrödinger: α–GRPO"


def test_a_plain_ascii_title_has_one_reading():
    assert title_candidates("Trust Region On-Policy Distillation") == [
        ("plain", "Trust Region On-Policy Distillation")
    ]


def test_unbalanced_braces_and_stray_markup_never_raise():
    for tex in ["{unclosed title", "closed} too}", "$unclosed math", "\\", "{\\", "\\\"", "\\textit{", ""]:
        title_candidates(tex)
        plain_title(tex)


# --- the real titles, as people write them in .bib files ----------------------------


@pytest.mark.parametrize(
    ("bib_title", "signed", "expected"),
    [
        # arXiv export, Google Scholar, DBLP styles: all read as the arXiv title.
        ("Sharpness-Guided Group Relative Policy Optimization via Probability Shaping", SHARPNESS, "plain"),
        ("{Sharpness-Guided Group Relative Policy Optimization via Probability Shaping}", SHARPNESS, "plain"),
        ("{{Sharpness-Guided Group Relative Policy Optimization via Probability Shaping}}", SHARPNESS, "plain"),
        (
            "{Sharpness-Guided} {G}roup {R}elative {P}olicy {O}ptimization via {P}robability {S}haping",
            SHARPNESS,
            "plain",
        ),
        ("Sharpness-Guided {Group Relative Policy Optimization} via Probability Shaping", SHARPNESS, "plain"),
        ("SHARPNESS-GUIDED GROUP RELATIVE POLICY OPTIMIZATION VIA PROBABILITY SHAPING", SHARPNESS, "plain"),
        ("Sharpness-Guided Group Relative\n    Policy Optimization via Probability Shaping", SHARPNESS, "plain"),
        (r"\textit{Trust Region} On-Policy Distillation", TRUST_REGION, "plain"),
        ("Trust~Region On-Policy Distillation", TRUST_REGION, "plain"),
        ("{Trust Region On-Policy Distillation}", TRUST_REGION, "plain"),
        ("{S}oft {S}equence {P}olicy {O}ptimization", SOFT_SEQUENCE, "plain"),
        ("{{Soft Sequence Policy Optimization}}", SOFT_SEQUENCE, "plain"),
        # Not the arXiv title: typos, an en dash for a hyphen, punctuation, an acronym
        # in place of words, the spelling changed. The hash must not match.
        ("Sharpness--Guided Group Relative Policy Optimization via Probability Shaping", SHARPNESS, None),
        ("Sharpness-Guided {GRPO} via Probability Shaping", SHARPNESS, None),
        ("Trust Region On-Policy Distillation.", TRUST_REGION, None),
        ("Trust-Region On-Policy Distillation", TRUST_REGION, None),
        ("Trust Region On--Policy Distillation", TRUST_REGION, None),
        ("Soft Sequence Policy Optimisation", SOFT_SEQUENCE, None),
        ("Soft Sequence Policy Optimization: {SSPO}", SOFT_SEQUENCE, None),
        # The right title against another paper's signed hash.
        ("Trust Region On-Policy Distillation", SHARPNESS, None),
    ],
)
def test_real_titles_with_markup(bib_title, signed, expected):
    match = match_title_hash(bib_title, signed)
    assert (match.candidate if match else None) == expected


# --- titles with accents, dashes, math and ampersands, signed by a test key ----------


@pytest.mark.parametrize(
    ("arxiv_title", "bib_title", "expected"),
    [
        # arXiv title typed in Unicode (what the submission form gets today)
        ("Schrödinger Bridges for Gödel Machines", r"Schr\"{o}dinger Bridges for G{\"o}del Machines", "plain"),
        ("Schrödinger Bridges for Gödel Machines", r"{Schr\"odinger} Bridges for {G\"{o}del} Machines", "plain"),
        ("Schrödinger Bridges for Gödel Machines", "Schrödinger Bridges for Gödel Machines", "plain"),
        ("Search & Rescue with Erdős Graphs", r"Search \& Rescue with Erd\H{o}s Graphs", "plain"),
        ("Vision–Language Models at Scale", "Vision--Language Models at Scale", "plain"),
        ("Straße and Façade", r"Stra\ss{}e and Fa\c{c}ade", "plain"),
        # arXiv title typed with TeX accents, as many older submissions are
        (r"Schr\"odinger Bridges", r"Schr{\"o}dinger Bridges", "tex"),
        (r"Schr\"odinger Bridges", r"{Schr\"odinger} {B}ridges", "tex"),
        (r"Schr\"odinger Bridges", r"Schr\"{o}dinger Bridges", "tex-no-braces"),
        (r"Q\&A over Tables", r"{Q\&A} over Tables", "tex-as-typed"),
        # dashes typed as -- on arXiv, kept by arXiv
        ("Vision--Language Models at Scale", "{Vision--Language} Models at Scale", "plain-dashes-kept"),
        ("Self-Play --- Revisited", "Self-Play --- Revisited", "plain-dashes-kept"),
        # math: arXiv keeps TeX math with its dollars
        (r"$\alpha$-Divergence in $O(n\log n)$ Time", r"{$\alpha$}-Divergence in $O(n\log n)$ Time", "plain"),
        (r"$\alpha$-Divergence in $O(n\log n)$ Time", r"$\alpha$-{D}ivergence in {$O(n\log n)$} {T}ime", "plain"),
        (r"Bounds for $\mathcal{O}(\sqrt{n})$ Regret", r"Bounds for $\mathcal{O}(\sqrt{n})$ {R}egret", "plain"),
        # an arXiv title whose math was written in Unicode
        ("α-Divergence Minimization", r"$\alpha$-Divergence Minimization", "plain-math-rendered"),
        # an arXiv title without the accent the .bib adds
        ("Godel Machines", r"G\"{o}del Machines", "plain-no-accents"),
        # no reading makes these the arXiv title
        ("Schrödinger Bridges", "Schrodinger's Bridges", None),
        ("Vision-Language Models at Scale", "Vision--Language Models at Scale", None),
        (r"$\alpha$-Divergence Minimization", r"$\beta$-Divergence Minimization", None),
        ("“Quoted” Titles", "``Quoted'' Titles", "plain"),
        ('"Quoted" Titles', "``Quoted'' Titles", "plain-ascii-quotes"),
        ("Don't Stop Pretraining", "Don{'}t {S}top {P}retraining", "plain"),
    ],
)
def test_signed_titles_with_tex_markup(arxiv_title, bib_title, expected):
    signed = make_canonical_record("2401.00001", 1, arxiv_title)["metadata"]["title_canon_sha256"]
    match = match_title_hash(bib_title, signed)
    assert (match.candidate if match else None) == expected


def test_a_malformed_signed_hash_matches_nothing():
    assert match_title_hash("Soft Sequence Policy Optimization", "not-a-hash") is None
    assert match_title_hash("Soft Sequence Policy Optimization", "") is None


_WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_WORD, st.sampled_from(["", "{}", "{{}}"])), min_size=1, max_size=8))
def test_protection_braces_never_change_the_reading(words):
    """However a plain title's words are braced, the plain reading hashes like the title itself."""
    title = " ".join(w for w, _ in words)
    braced = " ".join(f"{b[: len(b) // 2]}{w}{b[len(b) // 2 :]}" for w, b in words)
    match = match_title_hash(braced, title_sha256(title))
    assert match is not None and match.candidate == "plain"


# --- similarity ---------------------------------------------------------------------


def test_words_ignore_case_accents_punctuation_and_markup():
    assert title_words("Schrödinger's $\\alpha$-Bridges: A Study!") == ["schrodinger", "s", "alpha", "bridges", "a", "study"]


def test_similarity_range():
    assert similarity("Soft Sequence Policy Optimization", "soft sequence policy-optimization!") == 1.0
    assert similarity("Attention Is All You Need", "Trust Region On-Policy Distillation") == 0.0
    assert 0.0 < similarity("Soft Sequence Policy Optimization", "Group Sequence Policy Optimization") < 1.0


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("Soft Sequence Policy Optimization", "SOFT SEQUENCE POLICY-OPTIMIZATION.", "same-words"),
        ("Trust Region On-Policy Distillation", "Trust Region OnPolicy Distillation", "same-words"),
        ("Schrödinger Bridges", "Schrodinger Bridges", "same-words"),
        # published titles, worded a little differently from the arXiv one
        ("Trust Region On-Policy Distillation", "Trust Region On-Policy Distillation for Language Models", "reworded"),
        (
            "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping",
            "Sharpness-Guided Group Relative Policy Optimisation with Probability Shaping",
            "reworded",
        ),
        (
            "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping",
            "Sharpness-Guided GRPO via Probability Shaping",
            "different",
        ),
        # other papers, including template titles one word apart
        ("Soft Sequence Policy Optimization", "Group Sequence Policy Optimization", "different"),
        ("Trust Region On-Policy Distillation", "Trust Region Off-Policy Distillation", "different"),
        ("Attention Is All You Need", "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping", "different"),
        ("Attention", "Attention Is All You Need", "different"),
        ("", "Attention Is All You Need", "different"),
    ],
)
def test_classify_titles(a, b, kind):
    assert classify_titles(a, b).kind == kind
    assert classify_titles(b, a).kind == kind


_SIMPLE_TITLE = st.text(
    alphabet=string.ascii_letters + string.digits + " \n\t{}-.,:;()[]/+=*<>\"!?'|@éßΩ–", max_size=60
)


@settings(max_examples=150, deadline=None)
@given(_SIMPLE_TITLE)
def test_titles_read_without_the_parser_read_as_pylatexenc_reads_them(tex):
    """The fast path for markup-free titles gives exactly pylatexenc's reading."""
    from pylatexenc.latex2text import LatexNodes2Text

    expected = " ".join(LatexNodes2Text(math_mode="verbatim").latex_to_text(tex).split())
    assert plain_title(tex) == expected


def test_a_huge_title_is_compared_on_its_first_words_only():
    huge = " ".join(f"word{i}" for i in range(5000))
    assert len(title_words(huge)) == 200
    assert classify_titles(huge, huge + " extra").kind == "same-words"


_ANY_TITLE = st.text(alphabet=string.ascii_letters + " \t\x0b\x1f{}~-$\\&_^'`\"éΩ–", max_size=40)


@settings(max_examples=300, deadline=None)
@given(_ANY_TITLE, st.sampled_from(["own", "reading", "other"]), st.booleans())
def test_title_matches_says_what_match_title_hash_says(tex, which, upper):
    """title_matches answers from the title's own hash when it can: never otherwise than the readings."""
    readings = [text for _, text in title_candidates(tex)]
    text = {"own": tex, "reading": readings[-1] if readings else tex, "other": tex + " other"}[which]
    signed = title_sha256(text)
    signed = f" {signed.upper()} " if upper else signed
    assert title_matches(tex, signed) == (match_title_hash(tex, signed) is not None)


def test_a_blank_title_matches_not_even_the_hash_of_nothing():
    assert not title_matches("   ", title_sha256(""))
    assert title_matches(" Plain  Title ", title_sha256("plain title"))
