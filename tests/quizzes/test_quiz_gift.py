from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.gift import MAX_GIFT_BYTES, MAX_QUESTIONS, GiftError, parse_gift
from lms.quizzes.gift_export import export_gift
from lms.quizzes.questions import ChoiceSpec, NumericAnswer, QuestionSpec

SAMPLE = Path(__file__).parent / "data" / "all_kinds.gift"


@pytest.fixture(scope="module")
def sample() -> list[QuestionSpec]:
    return parse_gift(SAMPLE.read_text(encoding="utf-8"))


def test_sample_covers_every_kind(sample: list[QuestionSpec]) -> None:
    kinds = {q.kind for q in sample}
    assert kinds == {"single", "multiple", "true_false", "short_text", "numeric", "matching"}
    assert len(sample) == 11


def test_single_choice_with_title_format_feedback_and_explanation(
    sample: list[QuestionSpec],
) -> None:
    q = sample[0]
    assert q.title == "Dewey basics"
    assert q.text_format == "markdown"
    assert q.prompt == "Which class of the **Dewey Decimal** system holds *history*?"
    assert q.kind == "single"
    assert [(c.text, c.correct, c.key) for c in q.choices] == [
        ("900", True, 0),
        ("800", False, 1),
        ("100", False, 2),
    ]
    assert q.choices[0].feedback == "Right: 900s are history and geography."
    assert q.explanation == "Melvil Dewey published the scheme in 1876."


def test_multiple_with_weights(sample: list[QuestionSpec]) -> None:
    q = sample[1]
    assert q.kind == "multiple"
    assert [c.weight for c in q.choices] == [Decimal(50), Decimal(50), Decimal(-100)]
    assert [c.correct for c in q.choices] == [True, True, False]
    assert q.choices[1].feedback == "Yes, the format is openly documented."


def test_true_false_feedback_goes_to_the_matching_choice(sample: list[QuestionSpec]) -> None:
    rda, loc = sample[2], sample[3]
    assert [(c.text, c.correct) for c in rda.choices] == [("True", True), ("False", False)]
    assert rda.choices[0].feedback.startswith("Correct:")  # shown when True is picked
    assert rda.choices[1].feedback == "It did, from 2013."  # shown when False is picked
    assert [c.correct for c in loc.choices] == [False, True]


def test_short_answer(sample: list[QuestionSpec]) -> None:
    q = sample[4]
    assert q.kind == "short_text"
    assert q.accepted_answers == ("Online Public Access Catalog", "Online Public Access Catalogue")


def test_numeric_forms(sample: list[QuestionSpec]) -> None:
    pi, isbn, between = sample[5], sample[6], sample[7]
    assert pi.prompt == "Value of {pi} to two places : 3.14 ~ close enough?"
    assert (pi.answer, pi.tolerance) == (Decimal("3.14"), Decimal("0.01"))
    assert (isbn.answer, isbn.tolerance) == (Decimal(13), Decimal(0))
    assert isbn.numeric_answers[1] == NumericAnswer(
        Decimal(10), Decimal(0), Decimal(50), "That is ISBN-10."
    )
    assert (between.answer, between.tolerance) == (Decimal(3), Decimal(2))


def test_matching_and_missing_word(sample: list[QuestionSpec]) -> None:
    matching, gap = sample[8], sample[9]
    assert matching.pairs[1] == ("EAD", "archival finding aids")
    assert matching.explanation == "All three are XML-friendly."
    assert gap.prompt == "Libraries have long used _____ to index their holdings."
    assert gap.choices[1] == ChoiceSpec("card catalogues", True, key=1)


def test_escapes_are_kept_as_text(sample: list[QuestionSpec]) -> None:
    q = sample[10]
    assert q.text_format == "html"
    assert q.prompt == "<p>Escapes: a \\ backslash, a # hash and a = sign.</p>"
    assert q.choices[0].text == "yes#1"


def test_round_trip_of_every_kind(sample: list[QuestionSpec]) -> None:
    exported = export_gift(sample)
    assert parse_gift(exported) == sample
    assert export_gift(parse_gift(exported)) == exported


def test_multiline_prompt_survives_round_trip() -> None:
    questions = parse_gift("Line one\n// a comment inside\nline two {=a ~b}")
    assert questions[0].prompt == "Line one\nline two"
    assert parse_gift(export_gift(questions)) == questions


def test_unweighted_multiple_exports_as_moodle_weights() -> None:
    spec = QuestionSpec(
        "multiple",
        "Pick the free ones",
        choices=[
            ChoiceSpec("a", True),
            ChoiceSpec("b", True),
            ChoiceSpec("c", True),
            ChoiceSpec("d"),
        ],
    )
    text = export_gift([spec])
    assert "~%33.33333%a" in text and "~%-33.33333%d" in text
    assert [c.correct for c in parse_gift(text)[0].choices] == [True, True, True, False]


def test_export_refuses_regex_answers() -> None:
    spec = QuestionSpec("short_text", "Call number?", accepted_patterns=["[0-9]{3}"])
    with pytest.raises(ValueError, match="regex"):
        export_gift([spec])


def test_prompt_starting_with_slashes_is_not_read_as_a_comment() -> None:
    spec = QuestionSpec(
        "true_false",
        "// is a comment marker in GIFT.",
        choices=(ChoiceSpec("True", True), ChoiceSpec("False")),
    )
    assert parse_gift(export_gift([spec])) == [spec]


def test_category_lines_and_bom_are_skipped() -> None:
    questions = parse_gift("\ufeff$CATEGORY: $course$/Week 1\n\nQ {T}\n")
    assert len(questions) == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "// header\n\nFirst {T}\n\nSecond line\nstill second\n{=a ~b\n",
            7,
            "unclosed '{' in question starting at line 5",
        ),
        ("Q1 {T}\n\nQ2 {}\n", 3, "an essay, which needs a person to mark it"),
        ("Q1 {T}\n\n\nNo answer block here\n", 4, "no answer block '{...}': a description"),
        ("::Unclosed title\nQ {T}", 1, "unclosed '::' title"),
        ("Q {T}\n\nQ2\n{#abc}", 4, "not a number: 'abc'"),
        ("Q {T}\n\nQ2 {#5..1}", 3, "empty range"),
        ("Q {=a} and {=b}", 1, "more than one answer block"),
        ("Q {=a {=b}}", 1, "'{' inside an answer block"),
        ("Q } {=a}", 1, "'}' without '{'"),
        ("Q {~a ~b}", 1, "correct choice"),
        ("Q {~%150%a}", 1, "outside -100..100"),
        ("Q {=a#nice}", 1, "per-answer feedback"),
        ("Q {=%50%a}", 1, "partial credit"),
        ("Q {=a -> }", 1, "matching pairs"),
        ("Q {T#a#b#c}", 1, "at most two feedbacks"),
        ("{=a ~b}", 1, "no text"),
        ("Q {=}", 1, "empty answer"),
        ("Q {x ~b}", 1, "text before the first answer"),
    ],
)
def test_malformed_gift_reports_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(GiftError, match=message) as info:
        parse_gift(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}, question ")


def test_error_message_reads_like_the_spec() -> None:
    with pytest.raises(GiftError) as info:
        parse_gift("A {T}\n\nB {T}\n\nThe question\nspans lines\n{=a\n~b")
    assert str(info.value) == "line 7, question 3: unclosed '{' in question starting at line 5"


def test_size_limits_are_checked_before_parsing() -> None:
    with pytest.raises(GiftError, match="larger than 2 MB"):
        parse_gift("{" * (MAX_GIFT_BYTES + 1))
    with pytest.raises(GiftError, match="larger than 2 MB"):
        parse_gift("é" * (MAX_GIFT_BYTES // 2 + 1))
    too_many = "Q {T}\n\n" * (MAX_QUESTIONS + 1)
    with pytest.raises(GiftError, match=f"more than {MAX_QUESTIONS}") as info:
        parse_gift(too_many)
    assert info.value.line == 2 * MAX_QUESTIONS + 1


def test_reserved_characters_are_rejected() -> None:
    with pytest.raises(GiftError, match="reserved"):
        parse_gift("Q \ufdd1 {T}")


_TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            exclude_categories=("Cs", "Cc", "Zl", "Zp"),
            exclude_characters="%",
            include_characters="\n",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s and "->" not in s and "_____" not in s and s[0] != "[")
)


@given(prompt=_TEXT, right=_TEXT, wrong=_TEXT, feedback=_TEXT, explanation=_TEXT)
def test_any_text_survives_export_and_parse(
    prompt: str, right: str, wrong: str, feedback: str, explanation: str
) -> None:
    spec = QuestionSpec(
        "single",
        prompt,
        choices=(ChoiceSpec(right, True, feedback), ChoiceSpec(wrong)),
        explanation=explanation,
        title=wrong,
    )
    assert parse_gift(export_gift([spec])) == [spec]


@given(pairs=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4), answer=_TEXT)
def test_matching_and_short_text_survive_export_and_parse(
    pairs: list[tuple[str, str]], answer: str
) -> None:
    specs = [
        QuestionSpec("matching", "Match", pairs=pairs),
        QuestionSpec("short_text", "Type", accepted_answers=[answer]),
    ]
    assert parse_gift(export_gift(specs)) == specs


@given(st.text(alphabet="=~#{}:\\->%.T1a \n/[]", max_size=60))
def test_parser_fails_only_with_gift_errors(text: str) -> None:
    try:
        questions = parse_gift(text)
    except GiftError:
        return
    assert parse_gift(export_gift(questions)) == questions
