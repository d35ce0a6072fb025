"""Property tests for arXiv identifiers and Pith Numbers: parse/format round trips."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.ids.arxiv import OLD_ARCHIVES, ArxivId, InvalidArxivId, parse_arxiv_id
from pithtex.ids.pith_number import (
    InvalidPithNumber,
    PithNumber,
    derive_pith_number,
    parse_pith_number,
    parse_pith_reference,
    parse_suffix,
)

SETTINGS = settings(max_examples=150, deadline=None)
versions = st.none() | st.integers(1, 9999)


@st.composite
def new_style(draw) -> tuple[str, int | None]:
    four = draw(st.booleans())
    if four:
        yymm = draw(st.sampled_from([y * 100 + m for y in range(7, 15) for m in range(1, 13) if 704 <= y * 100 + m <= 1412]))
        number = draw(st.integers(1, 9999))
        text = f"{yymm:04d}.{number:04d}"
    else:
        yymm = draw(st.sampled_from([y * 100 + m for y in range(15, 100) for m in range(1, 13)]))
        number = draw(st.integers(1, 99999))
        text = f"{yymm:04d}.{number:05d}"
    return text, draw(versions)


@st.composite
def old_style(draw) -> tuple[str, str, int | None]:
    """(as written, normalised, version)."""
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    year, month = draw(
        st.sampled_from([(y, m) for y in range(1991, 2008) for m in range(1, 13) if (1991, 8) <= (y, m) <= (2007, 3)])
    )
    number = draw(st.integers(1, 999))
    ident = f"{archive}/{year % 100:02d}{month:02d}{number:03d}"
    subject = draw(st.none() | st.sampled_from(["AG", "CO", "th", "stat-mech"]))
    written = ident if subject is None else f"{archive}.{subject}/{ident.split('/')[1]}"
    return written, ident, draw(versions)


def with_version(text: str, version: int | None) -> str:
    return text if version is None else f"{text}v{version}"


@SETTINGS
@given(new_style(), st.sampled_from(["", "arXiv:", "arxiv:", "ARXIV: "]), st.sampled_from(["", " ", "\t"]))
def test_new_style_round_trip(case, prefix: str, pad: str) -> None:
    ident, version = case
    parsed = parse_arxiv_id(f"{pad}{prefix}{with_version(ident, version)}{pad}")
    assert parsed == ArxivId(ident, version)
    assert parsed.versioned == with_version(ident, version)
    assert parse_arxiv_id(str(parsed)) == parsed
    assert parse_arxiv_id(parsed.versioned) == parsed
    assert "/" not in parsed.id


@SETTINGS
@given(old_style())
def test_old_style_round_trip(case) -> None:
    written, ident, version = case
    parsed = parse_arxiv_id(with_version(written, version))
    assert parsed == ArxivId(ident, version)
    assert "/" in parsed.id
    assert parse_arxiv_id(str(parsed)) == parsed
    assert parsed.without_version() == ArxivId(ident)


@SETTINGS
@given(st.text(max_size=40))
def test_parse_never_crashes_and_what_it_accepts_round_trips(text: str) -> None:
    try:
        parsed = parse_arxiv_id(text)
    except InvalidArxivId as exc:
        assert repr(text)[:10] in str(exc) or text == ""
        return
    assert parse_arxiv_id(str(parsed)) == parsed
    assert parsed.id.isascii()


@pytest.mark.parametrize(
    "text",
    [
        "0703.1234",  # before new style began
        "1413.1234", "1500.12345", "2513.00001", "2500.00001",  # months
        "1501.1234",  # four digits after 1412
        "1412.12345",  # five digits before 1501
        "2511.000066", "2511.0006", "2511.00000",
        "2511.00066v0", "2511.00066v", "2511.00066vx", "2511.00066 v2",
        "hep-th/9107001",  # before August 1991
        "hep-th/0704001",  # after March 2007
        "hep-th/990100", "hep-th/99010011", "foo/9901001", "hep-th/9901000",
        "٢٥١١.00066", "2511.٠٠٠66", "2511.00066v٤",  # non-ASCII digits
        "", "arXiv:", "2511 00066", None, 2511.00066,
    ],
)
def test_invalid_arxiv_ids(text) -> None:
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(text)


digests = st.binary(min_size=32, max_size=32)
years = st.integers(1991, 2999)


@SETTINGS
@given(digests, years)
def test_pith_number_round_trip(digest: bytes, year: int) -> None:
    number = derive_pith_number(digest, f"{year:04d}-06-01T00:00:00Z")
    assert number.year == year
    assert number.suffix == base64.b32encode(digest).decode()[:26]
    assert derive_pith_number(digest.hex(), f"{year:04d}-06-01T00:00:00Z") == number
    assert parse_pith_number(number.full) == number
    assert parse_pith_number(f"  {number.full}\n") == number
    assert parse_pith_reference(number.full) == number
    assert parse_pith_reference(number.suffix) == number.suffix
    assert parse_suffix(number.suffix) == number.suffix
    assert number.short == f"pith:{number.suffix[:8]}"
    assert str(number) == number.full == f"pith:{year}:{number.suffix}"


@SETTINGS
@given(st.text(max_size=40))
def test_pith_parsers_never_crash(text: str) -> None:
    for parse in (parse_pith_number, parse_pith_reference, parse_suffix):
        try:
            value = parse(text)
        except InvalidPithNumber:
            continue
        if isinstance(value, PithNumber):
            assert parse_pith_number(value.full) == value


def test_real_numbers_derive_from_their_digests() -> None:
    digest = "17cf911a1cb9bbfb850b4ae0666b4934d35c5d5e2690eb2ca3861c3bb34aa361"
    assert derive_pith_number(digest, "2026-02-22T20:21:00Z").full == "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    # base32 of only the first 16 bytes gives a different last character: wrong.
    half = base64.b32encode(bytes.fromhex(digest)[:16]).decode()[:26]
    assert half != "C7HZCGQ4XG57XBILJLQGM22JGT" and half[:25] == "C7HZCGQ4XG57XBILJLQGM22JG"


@pytest.mark.parametrize(
    "text",
    [
        "pith:2026:c7hzcgq4xg57xbiljlqgm22jgt",  # lower case
        "pith:2026:C7HZCGQ4XG57XBILJLQGM22JG",  # 25 characters
        "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGTA",  # 27
        "pith:2026:C7HZCGQ4XG57XBILJLQGM22JG1",  # 1 is not base32
        "pith:1990:C7HZCGQ4XG57XBILJLQGM22JGT",
        "pith:26:C7HZCGQ4XG57XBILJLQGM22JGT",
        "pith:٢٠٢٦:C7HZCGQ4XG57XBILJLQGM22JGT",
        "PITH:2026:C7HZCGQ4XG57XBILJLQGM22JGT",
        "pith:C7HZCGQ4XG57XBILJLQGM22JGT",
        "",
    ],
)
def test_invalid_pith_numbers(text: str) -> None:
    with pytest.raises(InvalidPithNumber) as info:
        parse_pith_number(text)
    assert repr(text) in str(info.value)


def test_suffix_alphabet_error_names_the_characters() -> None:
    with pytest.raises(InvalidPithNumber, match="'01'"):
        parse_suffix("C7HZCGQ4XG57XBILJLQGM22J01")


@pytest.mark.parametrize("value", [None, 2026, ["pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"], {"pith": 1}])
def test_a_pith_number_that_is_not_a_string_is_an_invalid_number(value: object) -> None:
    """pith.lock is JSON: a number field may hold anything, and must fail as a Pith Number, not as a crash."""
    with pytest.raises(InvalidPithNumber, match="not a string"):
        parse_pith_number(value)  # type: ignore[arg-type]


def test_parsing_twice_gives_the_same_number_and_the_same_errors() -> None:
    good = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    assert parse_pith_number(good) == parse_pith_number(" " + good + "\n") == parse_pith_number(good)
    for _ in range(2):  # a failure is raised every time (it is never cached as an answer)
        with pytest.raises(InvalidPithNumber):
            parse_pith_number("pith:2026:c7hzcgq4xg57xbilj")
