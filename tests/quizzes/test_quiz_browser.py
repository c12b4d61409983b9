"""A member takes a quiz in Chromium: without JavaScript (fails), waits out the cooldown,
then with JavaScript (autosave, countdown) passes; axe-core finds no violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.quizzes.models import Attempt
from tests.browser import assert_accessible, log_in

pytestmark = pytest.mark.browser

QUESTIONS = [
    {"kind": "single", "prompt": "Which class holds history?",
     "choices": [{"text": "900s", "correct": True}, {"text": "800s"}]},
    {"kind": "short_text", "prompt": "What does OPAC stand for?",
     "accepted_answers": ["Online Public Access Catalog"]},
]


def answer(page, *, right: bool) -> None:
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label(
        "900s" if right else "800s").check()
    page.get_by_label("Your answer").fill("online public access catalog" if right else "no idea")


@pytest.fixture
def quiz_setup(client, quiz):
    quiz.settings(client, cooldown_seconds=2, pass_percent=100, time_limit_seconds=600)
    quiz.add(client, *QUESTIONS)
    return quiz


def test_take_a_quiz_without_and_with_javascript(browser, live_server, quiz_setup):
    quiz = quiz_setup
    plain = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = plain.new_page()
    page.set_default_timeout(10_000)
    log_in(page, quiz.member.email)
    page.goto(f"/quiz/{quiz.item.id}")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("timer")).to_contain_text("Time is up at")
    answer(page, right=False)
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.get_by_label("800s")).to_be_checked()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You did not pass this time.")).to_be_visible()
    page.get_by_role("link", name="Back to the quiz").click()
    expect(page.locator("#quiz-blocked")).to_contain_text("You can start your next attempt")
    plain.close()

    js = browser.new_context(base_url=live_server.url)
    page = js.new_page()
    page.set_default_timeout(10_000)
    log_in(page, quiz.member.email)
    page.wait_for_timeout(2100)  # the 2-second cooldown
    page.goto(f"/quiz/{quiz.item.id}")
    assert_accessible(page)
    page.get_by_role("button", name="Start a new attempt").click()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"Time left: (9|10) minutes"))
    answer(page, right=True)
    expect(page.locator("#quiz-save-status")).to_contain_text("Answers saved", timeout=5000)
    db.session.rollback()
    saved = db.session.execute(db.select(Attempt).where(Attempt.number == 2)).scalar_one()
    assert len(saved.answers) == 2
    assert_accessible(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the quiz").click()
    expect(page.get_by_text("You have passed this quiz.")).to_be_visible()
    expect(page.get_by_role("table", name="Attempt history")).to_contain_text("Not passed")
    assert_accessible(page)
    js.close()


def test_builder_pages_pass_axe(page, quiz_setup):
    quiz = quiz_setup
    log_in(page, quiz.instructor.email)
    base = f"/studio/quizzes/{quiz.item.id}"
    for path in ("", "/questions/new/single", "/questions/new/true_false",
                 "/questions/new/matching", "/import", "/preview", "/analysis"):
        page.goto(base + path)
        assert_accessible(page)
    page.goto(base + "/import")
    page.get_by_label("GIFT text").fill("Broken {=a ~b")
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_text("Line 1, question 1:").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("GIFT text").fill("::Essay:: Tell us {}\n\nGood {T}\n\nBroken {=a ~b")
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_text("Line 1, question 1 “Essay”: empty answer block")).to_be_visible()
    expect(page.get_by_text("Line 5, question 3: unclosed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 1 question and skip 2").click()
    expect(page.get_by_text("Imported 1 question. Skipped 2")).to_be_visible()


def test_the_countdown_submits_when_time_is_up(client, quiz, page):
    quiz.settings(client, time_limit_seconds=4, pass_percent=100)
    quiz.add(client, QUESTIONS[0])
    log_in(page, quiz.member.email)
    page.goto(f"/quiz/{quiz.item.id}")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("timer")).to_contain_text("Time left:")
    page.get_by_label("900s").check()
    expect(page.get_by_text("You passed.")).to_be_visible(timeout=10_000)
