"""Certificate codes: shape, randomness, and forgiving normalisation."""

from __future__ import annotations

import re

import pytest

from lms.certificates import codes
from lms.certificates.codes import new_code, normalize_code

CANONICAL = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")


def test_new_code_is_five_dashed_groups_of_crockford_symbols() -> None:
    for _ in range(200):
        assert CANONICAL.match(new_code())


def test_new_code_draws_100_bits_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    requested: list[int] = []
    monkeypatch.setattr(codes.secrets, "randbits", lambda k: requested.append(k) or 2**k - 1)
    assert new_code() == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    assert requested == [100]


def test_every_symbol_position_carries_five_random_bits() -> None:
    batch = [new_code().replace("-", "") for _ in range(3000)]
    for position in range(20):
        assert {code[position] for code in batch} == set(codes.ALPHABET)


def test_codes_do_not_repeat() -> None:
    batch = [new_code() for _ in range(20_000)]
    assert len(set(batch)) == len(batch)


def test_a_fresh_code_is_already_normal() -> None:
    code = new_code()
    assert normalize_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "K7Q4-M2XD-9F3A-P8TR-5WVE",
        "k7q4-m2xd-9f3a-p8tr-5wve",
        "K7Q4M2XD9F3AP8TR5WVE",
        "  K7Q4 M2XD 9F3A P8TR 5WVE \n",
        "K7Q4\u2013M2XD\u2013 9F3A\u2014P8TR-5WVE",
        "K7Q4--M2XD-9F3A-P8T-R5WVE",
    ],
)
def test_normalize_tolerates_case_spacing_and_dashes(typed: str) -> None:
    assert normalize_code(typed) == "K7Q4-M2XD-9F3A-P8TR-5WVE"


def test_normalize_reads_confusable_letters_as_digits() -> None:
    assert normalize_code("OoIi-Ll00-1111-0000-ABCD") == "0011-1100-1111-0000-ABCD"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7Q4-M2XD-9F3A-P8TR",
        "K7Q4-M2XD-9F3A-P8TR-5WVE-0",
        "K7Q4-M2XD-9F3A-P8TR-5WVU",
        "K7Q4-M2XD-9F3A-P8TR-5WV!",
        "K7Q4_M2XD_9F3A_P8TR_5WVE",
        "K7Q4-M2XD-9F3A-P8TR-5WVÉ",
        "K" * 10_000,
        None,
    ],
)
def test_normalize_rejects_what_cannot_be_a_code(typed: str) -> None:
    assert normalize_code(typed) is None
