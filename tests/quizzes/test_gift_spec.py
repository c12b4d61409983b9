"""GIFT read as Moodle reads it, case by case (docs.moodle.org/en/GIFT_format and
question/format/gift/format.php), and Moodle's own files read end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.gift import GiftError, html_to_text, parse_gift, read_gift
from lms.quizzes.gift_export import export_gift
from lms.quizzes.questions import ChoiceSpec, NumericAnswer, QuestionSpec

MOODLE = Path(__file__).parent / "data" / "moodle"


def one(text: str) -> QuestionSpec:
    questions = parse_gift(text)
    assert len(questions) == 1
    return questions[0]


# --- format tags, wherever GIFT allows text --------------------------------------------

TAGGED = [
    ("[html]<p>Q</p>{=a ~b}", lambda q: (q.text_format, q.prompt), ("html", "<p>Q</p>")),
    ("[markdown]**Q**{=a ~b}", lambda q: (q.text_format, q.prompt), ("markdown", "**Q**")),
    ("::T::[plain]Q{=a ~b}", lambda q: (q.title, q.text_format), ("T", "plain")),
    ("::T:: [moodle] Q{=a ~b}", lambda q: (q.text_format, q.prompt), ("moodle", "Q")),
    ("Q{=[plain]a ~b}", lambda q: q.choices[0].text, "a"),
    ("Q{=a ~[html]<b>b</b>}", lambda q: q.choices[1].text, "b"),
    ("Q{=a ~%-100%[plain]b}", lambda q: q.choices[1].text, "b"),
    ("Q{~%50%[moodle]a ~%50%[markdown]b ~c}", lambda q: [c.text for c in q.choices],
     ["a", "b", "c"]),
    ("Q{=a # [html]<i>right</i> ~b}", lambda q: q.choices[0].feedback, "right"),
    ("Q{=a ~b #[plain]no}", lambda q: q.choices[1].feedback, "no"),
    ("Q{=a ~b ####[html]<p>Because &amp; so</p>}", lambda q: q.explanation, "Because & so"),
    ("Q{T#[html]<b>wrong</b>#[plain]right}", lambda q: [c.feedback for c in q.choices],
     ["right", "wrong"]),
    ("Q{=[markdown]yes =[plain]oui}", lambda q: q.accepted_answers, ("yes", "oui")),
    ("Q{#=3:1#[html]<em>close</em> =%50%5#[plain]far}",
     lambda q: [a.feedback for a in q.numeric_answers], ["close", "far"]),
    ("Q{=[html]<b>A</b> -> 1 =[moodle]B -> [plain]2}", lambda q: q.pairs,
     (("A", "1"), ("B", "2"))),
    # Texts inherit the question's format, as in Moodle: an [html] question's answers are HTML.
    ("[html]Q{=&lt;p&gt; tag ~<b>bold</b>#<i>no</i>}",
     lambda q: [(c.text, c.feedback) for c in q.choices], [("<p> tag", ""), ("bold", "no")]),
    ("[html]Q{=[plain]<b> ~b}", lambda q: q.choices[0].text, "<b>"),
    # Only the four format names are tags; other brackets are text.
    ("Q{=[x]a ~b}", lambda q: q.choices[0].text, "[x]a"),
]


@pytest.mark.parametrize(("text", "read", "expected"), TAGGED, ids=[t[0] for t in TAGGED])
def test_format_tags_are_read_wherever_text_goes(text, read, expected):
    assert read(one(text)) == expected


def test_html_text_becomes_what_a_browser_would_show():
    assert html_to_text("<p>a &lt; b</p><br/>&nbsp;c<script>x()</script>") == "a < b c"
    assert html_to_text("1 < 2 & 3 > 2") == "1 < 2 & 3 > 2"


# --- escapes ------------------------------------------------------------------------------

@pytest.mark.parametrize(("escaped", "char"), [
    ("\\~", "~"), ("\\=", "="), ("\\#", "#"), ("\\{", "{"), ("\\}", "}"), ("\\:", ":"),
    ("\\\\", "\\"), ("\\n", "\n")])
def test_every_escape_in_prompt_answer_feedback_and_title(escaped, char):
    q = one(f"::a{escaped}b::x{escaped}y {{=c{escaped}d#e{escaped}f ~g}}")
    assert (q.title, q.prompt, q.choices[0].text, q.choices[0].feedback) == (
        f"a{char}b", f"x{char}y", f"c{char}d", f"e{char}f")


def test_a_backslash_before_other_characters_stays():
    assert one("C:\\temp {=yes ~no}").prompt == "C:\\temp"


# --- structure: comments, categories, titles, line endings, BOM ---------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no BOM", "BOM"])
def test_line_endings_and_bom(newline, bom):
    text = newline.join(["// comment", "$CATEGORY: $course$/top/Week 1", "", "::A::First",
                         "line {", "=yes", "~no}", "", "  // indented comment", "Second {T}",
                         ""])
    questions = parse_gift(bom + text)
    assert [(q.title, q.prompt) for q in questions] == [("A", "First\nline"), ("", "Second")]


def test_problems_name_the_right_line_whatever_the_line_endings():
    for newline in ("\n", "\r\n", "\r"):
        problems = read_gift(newline.join(["Q {T}", "", "// c", "Essay {}"])).problems
        assert [(p.number, p.line) for p in problems] == [(2, 4)]
        with pytest.raises(GiftError) as info:
            read_gift(newline.join(["Q {T}", "", "Bad \ufdd0 {T}"]))
        assert info.value.line == 3


def test_comment_lines_inside_a_question_are_dropped():
    assert one("Q\n// not shown\nmore {=a ~b}").prompt == "Q\nmore"


def test_empty_title_and_title_only_questions():
    assert one("::::Q {T}").title == ""
    assert one("::Title::\nQ {T}").title == "Title"


# --- every kind -----------------------------------------------------------------------------

def test_single_choice_weights_and_feedback():
    q = one("Q{~wrong#w ~%50%half#h =full#f}")
    assert q.kind == "single"
    assert q.choices == (ChoiceSpec("wrong", False, "w", key=0),
                         ChoiceSpec("half", False, "h", Decimal(50), key=1),
                         ChoiceSpec("full", True, "f", key=2))


def test_multiple_answers_with_negative_and_decimal_weights():
    q = one("Q{~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-100%d}")
    assert q.kind == "multiple"
    assert [c.weight for c in q.choices] == [
        Decimal("33.33333"), Decimal("33.33333"), Decimal("33.33334"), Decimal(-100)]
    assert [c.correct for c in q.choices] == [True, True, True, False]


@pytest.mark.parametrize(("block", "true_correct", "true_feedback", "false_feedback"), [
    ("{T}", True, "", ""), ("{TRUE}", True, "", ""), ("{F}", False, "", ""),
    ("{FALSE}", False, "", ""),
    # {answer#feedback shown for the wrong answer#feedback shown for the right one}
    ("{T#no, it is true#right}", True, "right", "no, it is true"),
    ("{FALSE#no, it is false#right}", False, "no, it is false", "right"),
    ("{F#only wrong feedback}", False, "only wrong feedback", ""),
])
def test_true_false_and_its_two_feedbacks(block, true_correct, true_feedback, false_feedback):
    true_choice, false_choice = one("Q" + block).choices
    assert (true_choice.correct, true_choice.feedback, false_choice.feedback) == (
        true_correct, true_feedback, false_feedback)


def test_short_answer_with_several_accepted_answers():
    q = one("Two plus two equals {=four =4 =%100%FOUR#}.")
    assert (q.kind, q.accepted_answers, q.prompt) == (
        "short_text", ("four", "4", "FOUR"), "Two plus two equals _____.")


@pytest.mark.parametrize(("block", "answers"), [
    ("{#1822}", [("1822", "0", "100")]),
    ("{#3.14:0.01}", [("3.14", "0.01", "100")]),
    ("{#3:2}", [("3", "2", "100")]),
    ("{#1..5}", [("3", "2", "100")]),
    ("{#-1.5..+1.5}", [("0", "1.5", "100")]),
    ("{#.5}", [(".5", "0", "100")]),
    ("{#\n=1822:0\n=%50%1822:2}", [("1822", "0", "100"), ("1822", "2", "50")]),
    ("{#=%100%3:0.5# =%0%4}", [("3", "0.5", "100"), ("4", "0", "0")]),
])
def test_numeric_forms(block, answers):
    q = one("Q " + block)
    assert [(a.value, a.tolerance, a.weight) for a in q.numeric_answers] == [
        tuple(Decimal(x) for x in answer) for answer in answers]


def test_matching_with_a_distractor_right_side():
    q = one("Match {=Canada -> Ottawa =Italy->Rome = -> Paris ####Capitals.}")
    assert q.pairs == (("Canada", "Ottawa"), ("Italy", "Rome"), ("", "Paris"))
    assert q.explanation == "Capitals."


def test_missing_word_puts_a_gap_where_the_answers_were():
    assert one("Grant is {~buried =entombed} in Grant's tomb.").prompt == (
        "Grant is _____ in Grant's tomb.")


def test_general_feedback_is_the_last_four_hashes():
    assert one("Q{=a ~b####first####second}").explanation == "second"


# --- what cannot be imported: one precise problem per question ------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("::E::Essay {}", "empty answer block '{}': an essay"),
    ("::E::Essay {####general}", "empty answer block '{}': an essay"),
    ("A description, no braces.", "question has no answer block '{...}': a description"),
    ("Q {#3:2~#Completely wrong}", "'~#Completely wrong' is Moodle's feedback for any other "
                                   "(wrong) number"),
    ("Q {#\n=3:2\n~#Completely wrong}", "'~#Completely wrong' is Moodle's feedback"),
    ("Q {=Frog =%0%*#Completely wrong}", "'=*' is Moodle's entry for any other answer"),
    ("Q {=Frog =%50%Cat}", "partial credit on short answers ('=%50%Cat')"),
    ("Q {=Frog#Good!}", "per-answer feedback on short answers ('Frog#Good!')"),
])
def test_unsupported_questions_say_what_is_wrong(text, message):
    reading = read_gift("Fine {T}\n\n" + text + "\n\nAlso fine {F}")
    assert len(reading.questions) == 2
    [problem] = reading.problems
    assert (problem.number, problem.line) == (2, 3)
    assert problem.message.startswith(message)


def test_every_problem_is_reported_not_only_the_first():
    with pytest.raises(GiftError) as info:
        parse_gift("::A:: {}\n\n::B::B\n\n::C::C {T}\n\n::D::D {=x ~y")
    assert [(p.number, p.line, p.title) for p in info.value.problems] == [
        (1, 1, "A"), (2, 3, "B"), (4, 7, "D")]
    assert str(info.value).startswith("line 1, question 1 “A”: empty answer block")
    assert str(info.value).count("; line ") == 2


# --- what this site writes, other systems (and this site) read back --------------------------

@pytest.mark.parametrize("text", ["[html] is a tag", "[plain]x", " [moodle]y", "[markdown]"])
def test_answers_that_look_like_format_tags_survive_export(text):
    spec = QuestionSpec("single", "Q", choices=(ChoiceSpec(text.strip(), True, text.strip()),
                                                ChoiceSpec("other")),
                        explanation=text.strip())
    assert parse_gift(export_gift([spec])) == [spec]


def test_plain_texts_of_an_html_question_survive_export():
    spec = QuestionSpec("matching", "<p>Match</p>", text_format="html",
                        pairs=(("<b> tag", "a  &amp; b"), ("x < y", "ok")),
                        explanation="Use <em>")
    assert parse_gift(export_gift([spec])) == [spec]
    spec = QuestionSpec("numeric", "<p>N</p>", text_format="html",
                        numeric_answers=(NumericAnswer(Decimal(1), feedback="1 < 2"),))
    assert parse_gift(export_gift([spec])) == [spec]


# --- real files from Moodle (see data/moodle/README.md) -------------------------------------

def moodle(name: str) -> str:
    return (MOODLE / name).read_text(encoding="utf-8")


def test_moodles_importer_fixture():
    reading = read_gift(moodle("questions.gift.txt"))
    assert [(p.number, p.line, p.title) for p in reading.problems] == [
        (1, 2, "Q8"), (5, 31, "Q5"), (6, 34, "Shortanswer")]
    matching, single, multiple, true_false, short_t, long_true = reading.questions
    assert matching.text_format == "html"
    assert matching.pairs[:2] == (
        ("An activity supporting asynchronous discussions.", "Forum"),
        ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"))
    assert matching.pairs[-1] == ("", "Chat")
    assert [(c.text, c.feedback, c.correct) for c in single.choices] == [
        ("yellow", "right; good!", True), ("red", "wrong, it's yellow", False),
        ("blue", "wrong, it's yellow", False)]
    assert [(c.text, c.weight) for c in multiple.choices] == [
        ("yellow", 50), ("red", -100), ("off-beige", 50), ("blue", -100)]
    assert [c.feedback for c in true_false.choices] == [
        "42 is the Ultimate Answer.", "You gave the right answer."]
    assert true_false.explanation.startswith("This is, of course")
    assert short_t.choices[0].correct and long_true.choices[0].correct


def test_a_moodle_export_with_a_category_and_html_questions():
    questions = parse_gift(moodle("questions_in_category.gift.txt"))
    assert [(q.title, q.kind, q.text_format) for q in questions] == [
        ("Moodle activities", "matching", "html"), ("Greeting", "single", "html"),
        ("Moodle user", "short_text", "html"), ("Moodle acronym", "true_false", "html")]
    assert questions[1].prompt.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this '
        "greeting:</a>")
    assert questions[2].accepted_answers == ("Moodler",)


def test_moodles_documented_examples():
    reading = read_gift(moodle("examples.txt"))
    assert len(reading.questions) == 39
    # The only questions refused are short answers with per-answer feedback or partial credit.
    assert [p.number for p in reading.problems] == [24, 25, 29, 42]
    assert all("short answers" in p.message for p in reading.problems)
    control = next(q for q in reading.questions if q.title == "GIFT Control Characters")
    assert [c.text for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert control.choices[5].correct


@pytest.mark.parametrize("name", ["questions.gift.txt", "questions_in_category.gift.txt",
                                  "examples.txt"])
def test_moodle_files_round_trip_through_this_sites_export(name):
    questions = read_gift(moodle(name)).questions
    assert parse_gift(export_gift(questions)) == questions


_PIECES = st.sampled_from([*"ab <>&;#=~{}:\\[]/%-\n", "[html]", "[plain]", "[moodle]",
                           "[markdown]", "&amp;", "<b>", "</p>", "&lt;", "  "])
_ANSWER = (st.lists(_PIECES, min_size=1, max_size=8).map("".join).map(str.strip)
           .filter(lambda s: s and "->" not in s and "_____" not in s))


@given(text_format=st.sampled_from(["", "html", "markdown", "plain", "moodle"]),
       right=_ANSWER, wrong=_ANSWER, feedback=_ANSWER, explanation=_ANSWER, left=_ANSWER)
def test_any_answer_text_survives_export_whatever_the_question_format(
        text_format, right, wrong, feedback, explanation, left):
    specs = [
        QuestionSpec("single", "Q", text_format=text_format,
                     choices=(ChoiceSpec(right, True, feedback), ChoiceSpec(wrong + "2")),
                     explanation=explanation),
        QuestionSpec("matching", "M", text_format=text_format, pairs=((left, right),)),
        QuestionSpec("short_text", "S", text_format=text_format, accepted_answers=(right,)),
    ]
    assert parse_gift(export_gift(specs)) == specs
