"""WebVTT read as the W3C specification says, case by case and through the browsers'
own conformance files (web-platform-tests); SubRip files from other tools converted,
with the upload check and the converter agreeing (they are one reader)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.media import srt, webvtt
from lms.media.captions import decode_text, srt_to_vtt
from lms.media.probe import SRT, VTT, matches

DATA = Path(__file__).parent / "data"
_ESCAPES = {"r": "\r", "n": "\n", "t": "\t", "f": "\f", "v": "\v", "0": "\0", "\n": ""}


def wpt_file(name: str) -> str:
    """The WebVTT part of a web-platform-tests `.test` file, decoded as its build.py does."""
    source = (DATA / "wpt-webvtt" / name).read_text(encoding="utf-8")
    body = source.split("\n\n", 1)[1].split("===\n", 1)[1]
    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[rntfv0\n])",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "xu"
                  else _ESCAPES[m.group(1)], body)


def cues(name: str) -> list[webvtt.Cue]:
    return webvtt.parse(wpt_file(name))


def setting(cue: webvtt.Cue, name: str, default: str = "") -> str:
    return cue.settings.get(name, default)


# --- the browsers' conformance files, their assertions restated ------------------------

def test_wpt_arrows():
    assert [c.text for c in cues("arrows.test")] == [f"text{n}" for n in range(1, 7)]


def test_wpt_ids_keep_spaces_and_lone_arrows():
    assert [c.identifier for c in cues("ids.test")] == [
        " leading space", "trailing space ", "-- >", "->", " "]


def test_wpt_whitespace_chars_around_timings():
    found = cues("whitespace-chars.test")
    assert [(c.identifier, c.text) for c in found] == [
        ("spaces", "   text1"), ("tabs", "text2"), ("form feed", "text3")]  # \v is no space


def test_wpt_nulls_become_replacement_characters():
    found = cues("nulls.test")
    assert len(found) == 7
    assert found[0].text == "text1"
    assert (found[1].identifier, found[1].text) == ("\ufffd (null in id)", "text2")
    assert (found[2].identifier, found[2].text) == ("\ufffd (null in cue data)",
                                                    "\ufffdtext\ufffd3")
    assert [c.align for c in found[3:]] == ["center", "center", "center", "end"]


def test_wpt_newlines_cr_lf_and_crlf_all_end_lines():
    # The file separates its cues by no empty line; the specification's algorithm keeps
    # the line before each timing line in the previous cue (see data/wpt-webvtt/README.md).
    found = cues("newlines.test")
    assert len(found) == 4
    assert [c.text.split("\n")[0] for c in found[:3]] == ["text1", "text2", "text3"]
    assert found[0].identifier == "cr"


@pytest.mark.parametrize("name", ["timings-omitted-hours.test"])
def test_wpt_timings_without_hours(name):
    assert [(c.text, c.start, c.end) for c in cues(name)] == [
        ("text1", 0, 1), ("text2", 0, 1), ("text3", 0, 1)]


@pytest.mark.parametrize("name", ["timings-too-long.test", "timings-too-short.test"])
def test_wpt_malformed_timestamps_drop_their_cue(name):
    assert [(c.text, c.start, c.end) for c in cues(name)] == [("text1", 0, 1), ("text2", 0, 1)]


def test_wpt_end_before_start_is_kept():
    assert [(c.start, c.end) for c in cues("timings-negative.test")] == [
        (0, 0), (1, 0.999), (60, 59.999), (3600, 3599.999)]


def test_wpt_signature_without_newline_is_an_empty_file():
    assert webvtt.parse_document(wpt_file("signature-no-newline.test")).cues == []


def test_wpt_settings_line():
    found = cues("settings-line.test")
    assert len(found) == 36
    assert [setting(c, "line") for c in found[:11]] == [
        "-1", "0", "-0", "1", "100", "101", "65536", "4294967296", "18446744073709552000",
        "10000000000000000000000000000000000", "1.5"]
    assert [setting(c, "line", "auto") for c in found[11:29]] == ["auto"] * 18
    assert [setting(c, "line") for c in found[29:]] == [
        "0%", "00%", "100%", "100%,start", "100%,center", "100%,end", "100%"]


def test_wpt_settings_position():
    found = cues("settings-position.test")
    assert len(found) == 22
    assert [setting(c, "position") for c in found[:10]] == [
        "1%", "100%", "1%", "1.5%", "1%,line-left", "1%,center", "1%,line-right", "1%", "1%",
        "1%"]
    assert [setting(c, "position", "auto") for c in found[10:]] == ["auto"] * 12


def test_wpt_settings_size_and_vertical():
    sizes = [setting(c, "size", "100%") for c in cues("settings-size.test")]
    assert sizes == ["100%", "2%", "0%", "00%", "100%", "50%", "1.5%"] + ["100%"] * 9
    verticals = [setting(c, "vertical") for c in cues("settings-vertical.test")]
    assert verticals == ["", "lr", "rl", "lr", "", "", "", ""]


def test_wpt_settings_multiple():
    first, second = cues("settings-multiple.test")
    assert first.identifier == "id1" and first.settings == {
        "align": "start", "line": "1%", "vertical": "lr", "size": "50%", "position": "25%"}
    assert second.settings == {"align": "center", "line": "1", "vertical": "rl", "size": "0%",
                               "position": "100%"}


def test_wpt_style_blocks_only_before_the_first_cue():
    document = webvtt.parse_document(wpt_file("stylesheets-newlines.test"))
    assert len(document.styles) == 1 and document.styles[0].startswith("::cue(#foo)")
    assert [(c.identifier, c.text) for c in document.cues] == [("foo", "text"),
                                                               ("bar", "text")]


# --- the specification, case by case ----------------------------------------------------

THREE = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nOne\n\n2\n00:00:03.000 --> "
         "00:00:04.000\nTwo\nlines\n\n3\n00:00:05.000 --> 00:00:06.000\nThree\n")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no BOM", "BOM"])
def test_every_line_terminator_and_the_bom(newline, bom):
    found = webvtt.parse(bom + THREE.replace("\n", newline))
    assert [(c.identifier, c.start, c.words) for c in found] == [
        ("1", 1, "One"), ("2", 3, "Two lines"), ("3", 5, "Three")]


@pytest.mark.parametrize(("text", "valid"), [
    ("WEBVTT", True), ("WEBVTT\n", True), ("WEBVTT - a title\n", True),
    ("WEBVTT\tx\n", True), ("\ufeffWEBVTT\r\n", True), ("WEBVTT\r", True),
    ("WEBVTTX\n", False), ("webvtt\n", False), (" WEBVTT\n", False), ("", False),
    ("1\n00:00:01,000 --> 00:00:02,000\nSRT\n", False),
])
def test_signature(text, valid):
    assert webvtt.has_signature(text) is valid
    assert (webvtt.parse_document(text) is not None) is valid


def test_header_text_and_header_block_are_ignored():
    text = ("WEBVTT Kind: captions\nLanguage: en\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000\n\n"
            "00:01.000 --> 00:02.000\nHi\n")
    assert [c.words for c in webvtt.parse(text)] == ["Hi"]


def test_note_style_and_region_blocks():
    text = ("WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\nREGION\nid:fred width:40%\n\n"
            "NOTE a comment\nover two lines\n\nNOTE\n\n"
            "00:00.000 --> 00:01.000 region:fred\nIn a region\n\n"
            "00:01.000 --> 00:02.000 region:nobody\nNo such region\n\n"
            "STYLE\n::cue { color: red }\n\n00:02.000 --> 00:03.000\nAfter\n")
    document = webvtt.parse_document(text)
    assert document.styles == ["::cue { color: yellow }"]
    assert document.regions == ["fred"]
    assert [(c.words, c.settings) for c in document.cues] == [
        ("In a region", {"region": "fred"}), ("No such region", {}), ("After", {})]


def test_an_identifier_holding_an_arrow_is_refused_but_its_cue_is_read():
    found = webvtt.parse("WEBVTT\n\nchapter --> one\n00:01.000 --> 00:02.000\nText\n")
    assert [(c.identifier, c.words) for c in found] == [("", "Text")]


def test_a_line_of_spaces_does_not_end_a_cue_but_an_empty_line_does():
    found = webvtt.parse("WEBVTT\n\n00:01.000 --> 00:02.000\nOne\n   \nstill one\n\nnot a cue\n")
    assert [c.text for c in found] == ["One\n   \nstill one"]


@pytest.mark.parametrize(("stamp", "seconds"), [
    ("00:01.000", 1), ("59:59.999", 3599.999), ("01:00:00.000", 3600),
    ("100:00:00.000", 360000), ("1:02:03.004", 3723.004)])
def test_timestamps_with_and_without_hours(stamp, seconds):
    [cue] = webvtt.parse(f"WEBVTT\n\n{stamp} --> 200:00:00.000\nx\n")
    assert cue.start == pytest.approx(seconds)


@pytest.mark.parametrize("stamp", ["00:60.000", "00:60:00.000", "00:00:60.000", "1:00.000",
                                   "00:00,000", "00:00.1", "٠٠:٠١.٠٠٠"])
def test_invalid_timestamps_drop_the_cue(stamp):
    assert webvtt.parse(f"WEBVTT\n\n{stamp} --> 00:02.000\nx\n") == []


@pytest.mark.parametrize(("settings", "kept"), [
    ("align:start", {"align": "start"}), ("align:middle", {}),
    ("line:0", {"line": "0"}), ("line:-1,end", {"line": "-1,end"}),
    ("line:50%,middle", {"line": "50%"}), ("line:101%", {}),
    ("position:10%,line-left", {"position": "10%,line-left"}), ("position:10", {}),
    ("size:80%", {"size": "80%"}), ("vertical:rl", {"vertical": "rl"}),
    ("colour:red", {}), ("align:start align:end", {"align": "end"}),
])
def test_cue_settings(settings, kept):
    [cue] = webvtt.parse(f"WEBVTT\n\n00:00.000 --> 00:01.000 {settings}\nx\n")
    assert cue.settings == kept


@pytest.mark.parametrize(("text", "words"), [
    ("<v Ana>Welcome</v>", "Welcome"),
    ("<v.loud Ana Lee>Hello", "Hello"),
    ("<c.yellow.bg_blue>Coloured</c> text", "Coloured text"),
    ("<i>Italic</i>, <b>bold</b>, <u>under</u>", "Italic, bold, under"),
    ("<ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby>", "漢 (kan)字 (ji)"),
    ("<lang en-GB>colour</lang>", "colour"),
    ("Never <00:00:01.500>drink liquid nitrogen", "Never drink liquid nitrogen"),
    ("Tom &amp; Jerry &lt;3 &gt;", "Tom & Jerry <3 >"),
    ("&lrm;left&rlm;right&nbsp;space", "\u200eleft\u200fright\u00a0space"),
    ("&bogus; &amp &not; &notin; &notit", "&bogus; & ¬ ∉ ¬it"),  # HTML's rules
    ("Two\nlines", "Two lines"),
    ("unclosed <i>tag", "unclosed tag"),
    ("broken <tag", "broken"),
])
def test_cue_text_tags_and_references(text, words):
    [cue] = webvtt.parse(f"WEBVTT\n\n00:00.000 --> 00:01.000\n{text}\n")
    assert cue.words == words


def test_the_voice_names_the_speaker():
    [cue] = webvtt.parse("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana &amp; Bo>Hi</v>\n")
    assert (cue.voice, cue.words) == ("Ana & Bo", "Hi")


# --- SubRip ------------------------------------------------------------------------------

def srt_file(name: str) -> str:
    return decode_text((DATA / "srt" / name).read_bytes())


@pytest.mark.parametrize(("name", "count", "first"), [
    ("monsters.srt", 3, (1897.894, 1899.928, "我有个点子 OK, look, I think I have a plan here.")),
    ("monsters-win.srt", 3, (1897.894, 1899.928,
                             "我有个点子 OK, look, I think I have a plan here.")),
    ("monsters-bad-newline.srt", 3, (1897.894, 1899.928,
                                     "我有个点子 OK, look, I think I have a plan here.")),
    ("no-indexes.srt", 7, (6.5, 9.0,
                           "About 2 months ago I found myself on the comment section of "
                           "YouTube")),
    ("capability_tester.srt", 37, (0.0, 0.0,
                                   "Don't show this text it may be used to insert hidden data")),
])
def test_real_srt_files(name, count, first):
    text = srt_file(name)
    assert srt.looks_like_srt(text)
    found = srt.read_srt(text)
    assert len(found) == count
    assert (found[0].start, found[0].end, found[0].words) == pytest.approx(first)
    converted = webvtt.parse(srt_to_vtt(text))
    assert [(c.start, c.end, c.text, c.settings) for c in converted] == [
        (c.start, c.end, c.text, c.settings) for c in found]


def test_srt_tags_and_position_codes_from_the_capability_tester():
    found = {c.words: c for c in srt.read_srt(srt_file("capability_tester.srt"))}
    bold = next(c for words, c in found.items() if words.startswith("This line should be bold"))
    assert bold.text.startswith("<b>This line should be bold</b>\n<i>This line")
    assert "<s>" not in bold.text and "This line should be strikethrough" in bold.words
    blue = next(c for words, c in found.items() if "should be blue" in words)
    assert "<font" not in blue.text
    top = next(c for words, c in found.items() if words.startswith("Implementation is"))
    assert top.settings == {"line": "0"} and "{" not in top.text
    left = next(c for words, c in found.items() if words.startswith("This text should be at "
                                                                     "the top and horizontally "
                                                                     "at the left"))
    assert left.settings == {"line": "0", "align": "left"}
    lower = next(c for words, c in found.items() if "(The second position" in words)
    assert lower.settings == {"line": "50%,center", "align": "left"}
    hidden = next(c for words, c in found.items() if words.startswith("Hide these tags"))
    assert hidden.words == "Hide these tags: also hide these tags: but show this: {normal text}"
    maths = next(c for words, c in found.items() if "2<3,5>1,4<6" in words)
    assert "<u>This text should be showed underlined without problems also: 2&lt;3,5&gt;1,4&lt;6" \
           "</u>" in maths.text
    hard = next(c for words, c in found.items() if "The\u00a0line\u00a0will" in words)
    assert "\\h" not in hard.words and "\\N" not in hard.words


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no BOM", "BOM"])
@pytest.mark.parametrize("numbers", [True, False], ids=["numbered", "unnumbered"])
@pytest.mark.parametrize("separator", [",", "."])
def test_srt_variants(newline, bom, numbers, separator):
    lines = []
    for n, (start, end, text) in enumerate([("00:00:01,000", "00:00:02,5", "<I>One</I>"),
                                            ("0:00:03,25", "00:00:04,000", "Two & --> <3")], 1):
        lines += ([str(n)] if numbers else []) + [
            f"{start} --> {end}".replace(",", separator), text, ""]
    text = bom + newline.join(lines)
    assert srt.looks_like_srt(text)
    assert srt_to_vtt(text) == ("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<i>One</i>\n\n"
                                "00:00:03.250 --> 00:00:04.000\nTwo &amp; --&gt; &lt;3\n")


@pytest.mark.parametrize("text", [
    "", "\n\n", "garbage\n\n1\n00:00:01,000 --> 00:00:02,000\nx\n", "<html>",
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n", "1\n2\n00:00:01,000 --> 00:00:02,000\n",
    "00:00:01,000 -> 00:00:02,000\nx\n", "00:61:01,000 --> 00:00:02,000\nx\n",
])
def test_what_is_not_srt(text):
    assert not srt.looks_like_srt(text)


@given(st.text(alphabet="0123456789:,.-> \n\r\ufeffab<i>", max_size=80))
def test_the_upload_check_and_the_converter_agree(text):
    if srt.looks_like_srt(text):
        assert srt.read_srt(text), "a file that passes the check converts to at least one cue"
        assert webvtt.parse(srt_to_vtt(text)) == srt.read_srt(text)


def test_upload_sniffing_uses_the_same_readers():
    unnumbered = "\ufeff00:00:01,000 --> 00:00:02,000\r\nHi\r\n".encode()
    assert matches(SRT, unnumbered)
    assert matches(SRT, "1\r00:00:01,000 --> 00:00:02,000\rHi\r".encode("utf-16"))
    assert matches(VTT, b"WEBVTT\r\r00:01.000 --> 00:02.000\rHi\r")
    assert not matches(SRT, b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n")


def test_caption_text_encodings():
    assert decode_text("café".encode("cp1252")) == "café"
    assert decode_text("\ufeffcafé".encode()) == "café"
    assert decode_text("café".encode("utf-16")) == "café"
