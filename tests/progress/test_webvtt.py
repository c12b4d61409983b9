from lms.progress.webvtt import parse


def test_parse_cues_with_ids_tags_and_notes():
    text = ("\ufeffWEBVTT\n\nNOTE a comment\n\n1\n00:00:01.000 --> 00:00:03.500 align:start\n"
            "<v Ana>Welcome to the</v>\n<b>course</b>\n\n00:01:02.250 --> 00:01:04.000\nBye\n\n"
            "garbage\n\n01:00:00.000 --> 01:00:01.000\nLate")
    cues = parse(text)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (1.0, 3.5, "Welcome to the course"), (62.25, 64.0, "Bye"), (3600.0, 3601.0, "Late")]
    assert [c.label for c in cues] == ["0:01", "1:02", "1:00:00"]
