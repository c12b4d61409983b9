"""The pure package reader and writer: clear errors, deterministic TOML, stable round trips."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from lms import ROOT
from lms.packages import tomlwrite
from lms.packages.files import MemoryFile, PackageError, folder_files
from lms.packages.format import read_package
from lms.packages.render import render_package, transcript_files

COURSE = b'slug = "demo"\ntitle = "Demo"\nce_hours = "1.5"\n'
MODULE = b'title = "Basics"\n'
READING = b'+++\ntitle = "Welcome"\nrequired = true\n+++\n\nHello.\n'


def package(extra: dict[str, bytes]) -> dict[str, MemoryFile]:
    base = {"course.toml": COURSE, "01-basics/module.toml": MODULE,
            "01-basics/01-welcome.md": READING}
    return {name: MemoryFile(data) for name, data in (base | extra).items()}


@pytest.mark.parametrize("values", [
    {"title": 'Quotes " and \\ backslashes', "n": 3, "ok": False},
    {"body": "Line one\nLine two\ttabbed\x07bell", "when": date(2024, 10, 17)},
    {"names": ["Zoë", "李小龍", "Ngũgĩ wa Thiong'o"], "emoji": "📚"},
    {"long": [f"outcome number {n} is a sentence of some length" for n in range(4)]},
])
def test_toml_writer_round_trips_through_tomllib(values):
    text = tomlwrite.dumps(values)
    assert tomllib.loads(text) == values
    assert tomlwrite.dumps(tomllib.loads(text)) == text


def test_toml_writer_writes_arrays_of_tables_and_skips_none():
    text = tomlwrite.dumps({"title": "Video", "slides": None},
                           {"captions": [{"language": "en", "file": "a.vtt"}]})
    assert text == 'title = "Video"\n\n[[captions]]\nlanguage = "en"\nfile = "a.vtt"\n'


@pytest.mark.parametrize("folder", sorted(p for p in (ROOT / "courses").iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_sample_packages_render_back_to_their_own_text(folder):
    shipped = folder_files(folder)
    parsed = read_package(shipped)
    rendered = render_package(parsed) | transcript_files(parsed)
    for name, text in rendered.items():
        with shipped[name].open() as handle:
            assert handle.read().decode() == text, name


def test_a_zipped_folder_is_read_as_if_it_were_the_top():
    zipped = {f"my-course/{name}": ref for name, ref in package({}).items()}
    assert read_package(zipped).course["slug"] == "demo"


def test_a_module_package_has_no_course_details():
    parsed = read_package({"module.toml": MemoryFile(MODULE),
                           "01-welcome.md": MemoryFile(READING)})
    assert parsed.is_module and parsed.modules[0].items[0].title == "Welcome"


@pytest.mark.parametrize(("extra", "message"), [
    ({"course.toml": b'slug = "x"\ntitle = "X"\ncolour = "red"\n'}, "unknown setting colour"),
    ({"course.toml": b'slug = "x"\ntitle = "X"\nce_hours = 1.5\n'}, "ce_hours as a string"),
    ({"course.toml": b'slug = "x"\ntitle = \n'}, "course.toml: Invalid value"),
    ({"course.toml": b'slug = "x"\ntitle = "X"\npackage_version = 2\n'}, "not supported"),
    ({"01-basics/welcome.md": READING}, "01-basics/welcome.md: item files are named like"),
    ({"01-basics/02-x.md": b"No front matter"}, "start with TOML front matter"),
    ({"01-basics/02-v.video.toml": b'title = "V"\nmedia = "missing.mp4"\n'},
     "media/missing.mp4 is missing"),
    ({"01-basics/02-v.video.toml": b'title = "V"\nmedia = "../../etc/passwd"\n'},
     "is the name of a file in media/"),
    ({"01-basics/02-q.quiz.toml": b'title = "Q"\n', "01-basics/02-q.quiz.gift": b"Oops {"},
     "01-basics/02-q.quiz.gift: line 1, question 1: unclosed"),
    ({"01-basics/02-q.quiz.toml": b'title = "Q"\n'}, "01-basics/02-q.quiz.gift is missing"),
    ({"02-more/module.toml": b'title = "More"\nprerequisite = "Nope"\n'},
     "prerequisite “Nope” is not a module"),
    ({"Extras/module.toml": MODULE}, "module folders are named like 01-getting-started"),
    ({"01-basics/01-welcome.md": b"\xff\xfe+++"}, "is not UTF-8 text"),
])
def test_broken_packages_are_refused_naming_the_file(extra, message):
    with pytest.raises(PackageError, match=message):
        read_package(package(extra))


def test_without_course_or_module_toml_it_is_not_a_package():
    with pytest.raises(PackageError, match=r"course.toml .* is missing at the top"):
        read_package({"README.md": MemoryFile(b"hello")})


# --- every text file of a package, whatever wrote it ----------------------------------

MOODLE_GIFT = ROOT / "tests" / "quizzes" / "data" / "moodle" / "questions_in_category.gift.txt"
TEXT_FILES = {
    "course.toml": 'slug = "demo"\ntitle = "Demo"\nce_hours = "1.5"\n'
                   'outcomes = ["One", "Two"]\n',
    "description.md": "# About\n\nTwo\nlines.\n",
    "01-basics/module.toml": 'title = "Basics"\n',
    "01-basics/01-welcome.md": '+++\ntitle = "Welcome"\nrequired = true\n+++\n\nHello,\nworld.\n',
    "01-basics/02-talk.video.toml": 'title = "Talk"\nmedia = "talk.mp4"\n'
                                    'transcript = "talk.txt"\n\n[[captions]]\nlanguage = "en"\n'
                                    'label = "English"\nfile = "talk.en.vtt"\n',
    "media/talk.txt": "First paragraph\nof the talk.\n\nSecond.\n",
    "01-basics/03-check.quiz.toml": 'title = "Check"\npass_percent = 80\n',
    "01-basics/03-check.quiz.gift": MOODLE_GIFT.read_text(encoding="utf-8"),
}
BINARY_FILES = {"media/talk.mp4": b"\x00\x00\x00\x18ftypisom",
                "media/talk.en.vtt": b"WEBVTT\r\r00:01.000 --> 00:02.000\rHi\r"}


def written(newline: str, bom: str) -> dict[str, MemoryFile]:
    files = {name: MemoryFile((bom + text.replace("\n", newline)).encode("utf-8"))
             for name, text in TEXT_FILES.items()}
    return files | {name: MemoryFile(data) for name, data in BINARY_FILES.items()}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no BOM", "BOM"])
def test_every_text_file_reads_the_same_with_any_line_ends_and_a_bom(newline, bom):
    reference = read_package(written("\n", ""))
    parsed = read_package(written(newline, bom))
    assert (parsed.course, parsed.modules) == (reference.course, reference.modules)
    item = parsed.modules[0].items[1]
    assert item.transcript_text == "First paragraph\nof the talk.\n\nSecond."
    assert parsed.modules[0].items[0].body == "Hello,\nworld."
    assert [q.title for q in parsed.modules[0].items[2].questions] == [
        "Moodle activities", "Greeting", "Moodle user", "Moodle acronym"]


def test_a_quiz_file_with_questions_that_cannot_be_imported_names_each():
    files = written("\n", "") | {"01-basics/03-check.quiz.gift": MemoryFile(
        b"::A:: Essay {}\n\n::B:: Fine {T}\n\n::C:: {#3:2~#Completely wrong}\n")}
    with pytest.raises(PackageError) as info:
        read_package(files)
    message = str(info.value)
    assert message.startswith("01-basics/03-check.quiz.gift: line 1, question 1 “A”: empty "
                              "answer block")
    assert "line 5, question 3 “C”: '~#Completely wrong'" in message
