"""Regenerate the media of the sample course packages under ``courses/``.

Run by hand (``.venv/bin/python tests/packages/make_sample_media.py``) after
changing the cards below; the results are committed. Each video is a few
seconds of high-contrast title cards encoded as H.264 MP4 with PyAV, and its
WebVTT captions and transcript are written from the same cards so they always
match what is on screen. The webinar's slides are a small PDF made with reportlab.
The SCORM 1.2 activity is ``sample_scorm/`` beside this file, zipped with fixed
timestamps so the same sources give the same bytes.
Not a test: pytest does not collect this file.
"""

from __future__ import annotations

import zipfile
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parents[2] / "courses"
WIDTH, HEIGHT, FPS = 640, 360, 10
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

#: (seconds on screen, heading, caption text)
REFERENCE_CARDS = [
    (3, "The reference interview",
     "A reference interview helps you find out what someone really needs."),
    (3, "1. Welcome",
     "First, welcome them. Make eye contact, smile, and say you are glad to help."),
    (3, "2. Listen",
     "Second, listen to the whole question before you start searching."),
    (3, "3. Ask open questions",
     "Third, ask open questions, such as: what will you use this for?"),
    (3, "4. Check your understanding",
     "Fourth, repeat the question back in your own words, and check you got it right."),
    (3, "5. Follow up",
     "Finally, follow up: ask, does this completely answer your question?"),
]
WEEDING_CARDS = [
    (3, "Weeding Without Worry",
     "Welcome to Weeding Without Worry: evidence-based collection review."),
    (3, "Start from evidence",
     "Start from evidence: circulation, publication date, condition, and other copies nearby."),
    (4, "MUSTIE",
     "MUSTIE names six reasons to withdraw: misleading, ugly, superseded, trivial, "
     "irrelevant, and available elsewhere."),
    (3, "Write it down",
     "Write your criteria into a policy, so every decision can be explained."),
    (3, "Tell your community",
     "Tell your community what you are doing and why, before the carts roll out."),
]
SLIDES = [
    ("Weeding Without Worry", ["Evidence-based collection review",
                               "Presenters: Dana Whitfield and Luis Ortega"]),
    ("Start from evidence", ["Circulation: last checkout and total checkouts",
                             "Publication date and accuracy",
                             "Physical condition", "Other copies in your network"]),
    ("MUSTIE", ["Misleading (or factually inaccurate)", "Ugly (worn beyond mending)",
                "Superseded by a newer edition", "Trivial (no lasting merit)",
                "Irrelevant to your community's needs", "Elsewhere (easily borrowed)"]),
    ("Write it down", ["Put your criteria in a collection policy",
                       "Record what was withdrawn and why", "Review the policy each year"]),
    ("Tell your community", ["Explain the why before you start",
                             "Offer withdrawn books to partners or a book sale",
                             "Invite questions"]),
]


def card(heading: str, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """A dark blue card with the heading in large white text (contrast over 12:1)."""
    image = Image.new("RGB", (width, height), (16, 42, 84))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(BOLD, 36)
    box = draw.textbbox((0, 0), heading, font=font)
    x = (width - (box[2] - box[0])) // 2
    y = (height - (box[3] - box[1])) // 2
    draw.text((x, y), heading, font=font, fill=(255, 255, 255))
    small = ImageFont.truetype(FONT, 16)
    draw.text((16, height - 32), "Core Learning", font=small, fill=(220, 228, 240))
    return image


def write_video(path: Path, cards: list[tuple[int, str, str]]) -> None:
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "30", "preset": "medium", "threads": "1"}
        stream.codec_context.time_base = Fraction(1, FPS)
        index = 0
        for seconds, heading, _ in cards:
            image = card(heading)
            for _ in range(seconds * FPS):
                frame = av.VideoFrame.from_image(image)
                frame.pts = index
                index += 1
                out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def timestamp(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"00:{int(minutes):02d}:{secs:06.3f}"


def write_captions(path: Path, cards: list[tuple[int, str, str]]) -> None:
    lines, start = ["WEBVTT", ""], 0
    for seconds, _, text in cards:
        lines += [f"{timestamp(start)} --> {timestamp(start + seconds)}", text, ""]
        start += seconds
    path.write_text("\n".join(lines), encoding="utf-8", newline="\n")


def write_transcript(path: Path, cards: list[tuple[int, str, str]]) -> None:
    text = "\n\n".join(caption for _, _, caption in cards)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")


def write_slides(path: Path) -> None:
    pdf = canvas.Canvas(str(path), pagesize=landscape(letter), invariant=True)
    pdf.setTitle("Weeding Without Worry: slides")
    pdf.setAuthor("Dana Whitfield and Luis Ortega")
    width, height = landscape(letter)
    for heading, bullets in SLIDES:
        pdf.setFillColorRGB(16 / 255, 42 / 255, 84 / 255)
        pdf.rect(0, height - 110, width, 110, stroke=0, fill=1)
        pdf.setFillColorRGB(1, 1, 1)
        pdf.setFont("Helvetica-Bold", 34)
        pdf.drawString(48, height - 70, heading)
        pdf.setFillColorRGB(0.1, 0.1, 0.1)
        pdf.setFont("Helvetica", 22)
        for n, bullet in enumerate(bullets):
            pdf.drawString(64, height - 170 - n * 40, f"•  {bullet}")
        pdf.showPage()
    pdf.save()


def write_set(folder: Path, stem: str, cards: list[tuple[int, str, str]]) -> None:
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    write_video(media / f"{stem}.mp4", cards)
    write_captions(media / f"{stem}.en.vtt", cards)
    write_transcript(media / f"{stem}.txt", cards)


def write_scorm_activity(path: Path) -> None:
    sources = Path(__file__).resolve().parent / "sample_scorm"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(sources.iterdir()):
            entry = zipfile.ZipInfo(source.name, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, source.read_bytes())


def main() -> None:
    write_set(ROOT / "plain-language-reference-interviews", "five-steps", REFERENCE_CARDS)
    write_scorm_activity(ROOT / "plain-language-reference-interviews" / "media"
                         / "open-or-closed.zip")
    webinar = ROOT / "weeding-without-worry"
    write_set(webinar, "weeding-without-worry", WEEDING_CARDS)
    write_slides(webinar / "media" / "weeding-without-worry-slides.pdf")


if __name__ == "__main__":
    main()
