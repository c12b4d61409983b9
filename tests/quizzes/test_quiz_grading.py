from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.grading import (
    QuestionResult,
    ResponseError,
    grade_attempt,
    grade_question,
    normalise_text,
    parse_number,
)
from lms.quizzes.patterns import check_pattern
from lms.quizzes.questions import ChoiceSpec, NumericAnswer, QuestionSpec


def single() -> QuestionSpec:
    return QuestionSpec(
        "single",
        "Which class holds history?",
        points=2,
        choices=[
            ChoiceSpec("900", True, "Right", key=11),
            ChoiceSpec("800", False, "Literature", key=12),
            ChoiceSpec("700", False, key=13),
        ],
        explanation="History and geography share the 900s.",
    )


def multiple(scoring: str = "partial") -> QuestionSpec:
    return QuestionSpec(
        "multiple",
        "Which are open standards?",
        points=3,
        choices=[
            ChoiceSpec("Dublin Core", True, key="a"),
            ChoiceSpec("MARC 21", True, key="b"),
            ChoiceSpec("EAD", True, key="c"),
            ChoiceSpec("Vendor export", False, key="d"),
        ],
        scoring=scoring,
    )


def test_single_choice_by_key_with_feedback_and_explanation() -> None:
    assert grade_question(single(), 11) == QuestionResult(
        Decimal(2), Decimal(2), True, ("Right", "History and geography share the 900s.")
    )
    wrong = grade_question(single(), [12])
    assert (wrong.score, wrong.correct, wrong.feedback[0]) == (0, False, "Literature")
    assert grade_question(single(), None).score == 0


def test_single_choice_rejects_impossible_responses() -> None:
    with pytest.raises(ResponseError, match="only one"):
        grade_question(single(), {11, 12})
    with pytest.raises(ResponseError, match="unknown choice"):
        grade_question(single(), 99)


def test_choice_keys_default_to_positions() -> None:
    spec = QuestionSpec(
        "true_false", "RDA replaced AACR2.", choices=[ChoiceSpec("True", True), ChoiceSpec("False")]
    )
    assert [c.key for c in spec.choices] == [0, 1]
    assert grade_question(spec, 0).correct
    assert not grade_question(spec, 1).correct


def test_single_choice_weight_gives_partial_credit() -> None:
    spec = QuestionSpec(
        "single",
        "Best fit?",
        choices=[
            ChoiceSpec("best", True),
            ChoiceSpec("close", weight=50),
            ChoiceSpec("bad", weight=-50),
        ],
    )
    assert grade_question(spec, 1).score == Decimal("0.5")
    assert grade_question(spec, 2).score == 0


@pytest.mark.parametrize(
    ("selected", "score"),
    [
        ({"a", "b", "c"}, Decimal(3)),  # all three right: 3 × 1
        ({"a", "b"}, Decimal(2)),  # two of three right: 2 × (3 / 3)
        ({"a", "b", "d"}, Decimal(1)),  # two right, one wrong: (2 − 1) × 1
        ({"a", "d"}, Decimal(0)),  # one right, one wrong
        ({"d"}, Decimal(0)),  # floored at zero, never negative
        (set(), Decimal(0)),
        ({"a", "b", "c", "d"}, Decimal(2)),  # selecting everything is not full marks
    ],
)
def test_multiple_partial(selected: set[str], score: Decimal) -> None:
    result = grade_question(multiple(), selected)
    assert result.score == score
    assert result.correct is (score == 3)


def test_multiple_partial_thirds_add_up() -> None:
    spec = QuestionSpec(
        "multiple",
        "Q",
        points=1,
        choices=[ChoiceSpec("a", True), ChoiceSpec("b", True), ChoiceSpec("c", True)],
    )
    assert grade_question(spec, [0, 1, 2]).score == 1
    assert grade_question(spec, [0]).score == Decimal(1) / 3


def test_multiple_all_or_nothing() -> None:
    assert grade_question(multiple("all_or_nothing"), {"a", "b", "c"}).score == 3
    assert grade_question(multiple("all_or_nothing"), {"a", "b"}).score == 0


def test_multiple_with_gift_weights() -> None:
    spec = QuestionSpec(
        "multiple",
        "Q",
        points=2,
        choices=[
            ChoiceSpec("a", True, weight=50),
            ChoiceSpec("b", True, weight=50),
            ChoiceSpec("c", False, weight=-100),
        ],
    )
    assert grade_question(spec, [0, 1]).score == 2
    assert grade_question(spec, [0]).score == 1
    assert grade_question(spec, [0, 2]).score == 0


def test_moodle_thirds_count_as_full_marks() -> None:
    third = Decimal("33.33333")
    spec = QuestionSpec("multiple", "Q", choices=[ChoiceSpec(t, True, weight=third) for t in "abc"])
    assert grade_question(spec, [0, 1, 2]).correct


def test_short_text_normalisation() -> None:
    spec = QuestionSpec("short_text", "Which system?", accepted_answers=["Dewey Decimal"])
    assert grade_question(spec, "  Dewey   Decimal ").correct
    assert grade_question(spec, "dewey decimal").correct
    assert grade_question(spec, "DEWEY\tDECIMAL\n").correct
    assert not grade_question(spec, "Dewey").correct
    assert not grade_question(spec, None).correct


def test_short_text_unicode_nfc_and_casefold() -> None:
    spec = QuestionSpec("short_text", "Who?", accepted_answers=["Ranganathan Ç"])
    assert grade_question(spec, "ranganathan c\u0327").correct  # decomposed ç
    assert normalise_text("STRASSE") == normalise_text("straße")


def test_short_text_regex_answers() -> None:
    spec = QuestionSpec("short_text", "A 900s class?", accepted_patterns=[r"9\d\d(\.\d+)?"])
    assert grade_question(spec, " 973.7 ").correct
    assert not grade_question(spec, "873").correct
    assert not grade_question(spec, "9" * 300).correct  # over the input cap: simply wrong
    anything_nine = QuestionSpec("short_text", "Q", accepted_patterns=["9.*"])
    assert grade_question(anything_nine, "9" * 100).correct
    assert not grade_question(anything_nine, "9" * 101).correct  # regexes see 100 characters


@pytest.mark.parametrize(
    "pattern",
    [
        "a" * 201,
        "(a+)+b",
        "(a|aa)*",
        r"(\w+\s?)*$",
        r"(a)\1",
        "(?=a)a",
        "([a-z]*){2,}",
        "[unclosed",
        r"\w*\w*\w*\w*\w*x",  # polynomial, but 28 s on 200 characters
        "a?" * 30 + "a" * 30,  # exponential without any nesting
        "(a|a)" * 5 + "b",
    ],
)
def test_dangerous_or_invalid_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        QuestionSpec("short_text", "Q", accepted_patterns=[pattern])


@pytest.mark.parametrize(
    "pattern",
    [r"colou?r", r"9\d\d(\.\d+)?", r"(?:dewey|ddc)\s*decimal", "[(+*?|]a", r"\w*\s*\d{3}"],
)
def test_ordinary_patterns_are_allowed(pattern: str) -> None:
    check_pattern(pattern)


def numeric() -> QuestionSpec:
    return QuestionSpec("numeric", "Pi to two places?", answer="3.14", tolerance="0.01")


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("3.14", True),
        ("3.15", True),  # exactly at the upper edge
        ("3.13", True),  # exactly at the lower edge
        ("3.1500000000000000000000000000001", False),  # just beyond
        ("3.129999999999999999999", False),
        ("3,14", True),  # comma as the decimal separator
        ("3,140.0", False),  # both: not a number we read
        (" +3.14 ", True),
        ("pi", False),
        ("", False),
        ("1e1", False),
        ("NaN", False),
    ],
)
def test_numeric_tolerance_edges(typed: str, correct: bool) -> None:
    assert grade_question(numeric(), typed).correct is correct


def test_numeric_with_partial_answer() -> None:
    spec = QuestionSpec(
        "numeric",
        "ISBN digits?",
        numeric_answers=[
            NumericAnswer(Decimal(13), feedback="Exactly"),
            NumericAnswer(Decimal(10), weight=50),
        ],
    )
    assert (spec.answer, spec.tolerance) == (13, 0)
    assert grade_question(spec, "10").score == Decimal("0.5")
    assert grade_question(spec, "13").feedback == ("Exactly",)


def test_numeric_needs_consistent_answers() -> None:
    with pytest.raises(ValueError, match="full credit"):
        QuestionSpec("numeric", "Q")
    with pytest.raises(ValueError, match="disagree"):
        QuestionSpec("numeric", "Q", answer=1, numeric_answers=[NumericAnswer(Decimal(2))])


def test_parse_number() -> None:
    assert parse_number("3,5") == Decimal("3.5")
    assert parse_number("1,000,000") is None
    assert parse_number("-.5") == Decimal("-0.5")


def matching(scoring: str = "partial") -> QuestionSpec:
    return QuestionSpec(
        "matching",
        "Match",
        pairs=[
            ("MARC", "records"),
            ("EAD", "finding aids"),
            ("ONIX", "book trade"),
            ("", "distractor"),
        ],
        points=3,
        scoring=scoring,
    )


def test_matching_partial_and_all_or_nothing() -> None:
    all_right = {0: "records", 1: "finding aids", 2: "book trade"}
    two_right = {0: "records", 1: "book trade", 2: "book trade"}
    assert grade_question(matching(), all_right).correct
    assert grade_question(matching(), two_right).score == 2
    assert grade_question(matching(), {0: "records"}).score == 1
    assert grade_question(matching("all_or_nothing"), two_right).score == 0
    with pytest.raises(ResponseError):
        grade_question(matching(), {3: "distractor"})
    with pytest.raises(ResponseError):
        grade_question(matching(), ["records"])


def test_wrong_response_shapes_are_refused() -> None:
    with pytest.raises(ResponseError):
        grade_question(numeric(), [1])
    with pytest.raises(ResponseError):
        grade_question(single(), {11: "x"})


def test_grade_attempt_pass_mark_is_inclusive() -> None:
    attempt = [(single(), 11), (numeric(), "3"), (multiple(), {"a", "b"})]
    # 2 + 0 + 2 of 2 + 1 + 3 points = 4 / 6 = 66.67 %
    result = grade_attempt(attempt, pass_percent=Decimal("66.66"))
    assert (result.score, result.max_score, result.score_percent) == (4, 6, Decimal("66.67"))
    assert result.passed
    assert not grade_attempt(attempt, pass_percent=Decimal("66.67")).passed
    assert grade_attempt([(single(), 11), (numeric(), "3.14")], 100).passed
    assert [r.correct for r in result.results] == [True, False, False]


def test_empty_attempt() -> None:
    assert grade_attempt([], 50) == grade_attempt([], 50)
    assert not grade_attempt([], 50).passed
    assert grade_attempt([], 0).passed


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown question kind"):
        QuestionSpec("essay", "Q")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unique"):
        QuestionSpec("single", "Q", choices=[ChoiceSpec("a", True, key=1), ChoiceSpec("b", key=1)])
    with pytest.raises(ValueError, match="weight either"):
        QuestionSpec("multiple", "Q", choices=[ChoiceSpec("a", True, weight=100), ChoiceSpec("b")])
    with pytest.raises(ValueError, match="negative"):
        QuestionSpec("short_text", "Q", points=-1, accepted_answers=["a"])


@given(
    correct=st.lists(st.booleans(), min_size=1, max_size=8).filter(any),
    data=st.data(),
)
def test_multiple_partial_score_stays_within_bounds(
    correct: list[bool], data: st.DataObject
) -> None:
    spec = QuestionSpec(
        "multiple",
        "Q",
        points=Decimal("2.5"),
        choices=[ChoiceSpec(str(i), flag) for i, flag in enumerate(correct)],
    )
    selected = data.draw(st.sets(st.sampled_from(range(len(correct)))))
    result = grade_question(spec, selected)
    assert 0 <= result.score <= spec.points
    assert result.correct is (selected == {i for i, flag in enumerate(correct) if flag})


@given(
    answer=st.decimals(min_value=-(10**6), max_value=10**6, places=3),
    tolerance=st.decimals(min_value=0, max_value=100, places=3),
    offset=st.decimals(min_value=-200, max_value=200, places=4),
)
def test_numeric_matches_exact_decimal_arithmetic(
    answer: Decimal, tolerance: Decimal, offset: Decimal
) -> None:
    spec = QuestionSpec("numeric", "Q", answer=answer, tolerance=tolerance)
    typed = format(answer + offset, "f")
    assert grade_question(spec, typed).correct is (abs(offset) <= tolerance)


@given(st.text(max_size=40))
def test_normalisation_is_idempotent(text: str) -> None:
    assert normalise_text(normalise_text(text)) == normalise_text(text)
