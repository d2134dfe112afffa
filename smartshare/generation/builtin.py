"""Offline provider: a Pillow image and a caption built from the request's words.

It lets a fresh install run the whole pipeline without an external service.
The colours follow the prompt, so one automation keeps its look, and the
shapes follow the prompt and the seed, so each run's image differs.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import re
import unicodedata
from collections import Counter

from PIL import Image, ImageDraw, ImageFont

from smartshare.config import Settings
from smartshare.generation.base import (
    GeneratedCaption,
    GeneratedImage,
    GenerationRequest,
)
from smartshare.generation.calls import RetryPolicy

WIDTH, HEIGHT = 1080, 1350
MARGIN = 72
FONT_SIZE = 54
MAX_TEXT_LINES = 6
STOPWORDS = frozenset(
    """about above after again also among around because been before being below
    between both could does doing down during each every from further have having
    here into itself just like more most much must near only other over same should
    some such than that their them then there these they this those through under
    until very what when where which while with within without would your""".split()  # noqa: SIM905
)

Colour = tuple[int, int, int]


class BuiltinProvider:
    """Generates images and captions offline, without outbound calls."""

    def __init__(self, settings: Settings, retry: RetryPolicy | None = None):
        self.max_hashtags = settings["instagram.max_hashtags"]

    def generate_image(self, request: GenerationRequest) -> GeneratedImage:
        prompt = request.image_prompt
        palette = _palette(hashlib.sha256(prompt.encode()).digest())
        layout = random.Random(f"{prompt}\0{request.seed}")

        image = _gradient(palette[0], palette[1])
        image = _draw_shapes(image, layout, palette[2:])
        _draw_description(image, request.general_description)

        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return GeneratedImage(buffer.getvalue(), "image/jpeg")

    def generate_caption(self, request: GenerationRequest) -> GeneratedCaption:
        words = keywords(f"{request.general_description} {request.prompt_details}")
        text = _caption_text(request.general_description, words)
        hashtags = words[: self.max_hashtags] if request.generate_extra_hashtags else []
        return GeneratedCaption(text, hashtags)


def keywords(text: str) -> list[str]:
    """Return words of four letters or more, most frequent first, minus stopwords."""
    words = re.findall(r"[^\W\d_]{4,}", text.lower())
    counts = Counter(word for word in words if word not in STOPWORDS)
    return [word for word, _ in counts.most_common()]


def _caption_text(description: str, words: list[str]) -> str:
    text = description.strip()
    if text and text[-1] not in ".!?…":
        text += "."
    if words:
        text += f"\n\nFeaturing {', '.join(words[:3])}."
    return text.strip()


def _palette(digest: bytes) -> list[Colour]:
    hue = digest[0] / 255
    offsets = (0.0, 0.08, 0.5, 0.58 + digest[1] / 2550)
    return [
        _colour(hue + offset, digest[2 + index]) for index, offset in enumerate(offsets)
    ]


def _colour(hue: float, shade: int) -> Colour:
    value = 0.55 + shade / 255 * 0.4
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, 0.65, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _gradient(top: Colour, bottom: Colour) -> Image.Image:
    mask = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    return Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), bottom),
        Image.new("RGB", (WIDTH, HEIGHT), top),
        mask,
    )


def _draw_shapes(
    image: Image.Image, layout: random.Random, colours: list[Colour]
) -> Image.Image:
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(layout.randint(5, 9)):
        fill = (*layout.choice(colours), layout.randint(90, 190))
        left, top = layout.randint(-200, WIDTH), layout.randint(-200, HEIGHT - 300)
        size = layout.randint(160, 560)
        box = (left, top, left + size, top + size)
        shape = layout.choice(("ellipse", "rectangle", "triangle"))
        if shape == "ellipse":
            draw.ellipse(box, fill=fill)
        elif shape == "rectangle":
            draw.rounded_rectangle(box, radius=size // 8, fill=fill)
        else:
            draw.polygon(
                [(left, top + size), (left + size // 2, top), box[2:]], fill=fill
            )
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def _draw_description(image: Image.Image, description: str) -> None:
    font = ImageFont.load_default(size=FONT_SIZE)
    draw = ImageDraw.Draw(image, "RGBA")
    lines = _wrap(draw, font, drawable(description), WIDTH - 4 * MARGIN)
    if not lines:
        return

    line_height = round(FONT_SIZE * 1.3)
    panel_top = HEIGHT - MARGIN * 3 - line_height * len(lines)
    panel = (MARGIN, panel_top, WIDTH - MARGIN, HEIGHT - MARGIN)
    draw.rounded_rectangle(panel, radius=32, fill=(0, 0, 0, 150))
    for index, line in enumerate(lines):
        position = (MARGIN * 2, panel_top + MARGIN + index * line_height)
        draw.text(position, line, font=font, fill=(255, 255, 255, 255))


def drawable(text: str) -> str:
    """Reduce text to the ASCII that Pillow's built-in font can draw.

    The built-in font has no accented letters or emoji and would draw boxes,
    so accents are removed (café becomes cafe) and other characters dropped.
    """
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    ascii_text = "".join(char for char in decomposed if " " <= char <= "~")
    return " ".join(ascii_text.split())


def _wrap(draw: ImageDraw.ImageDraw, font, text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)

    if len(lines) > MAX_TEXT_LINES:
        lines = lines[:MAX_TEXT_LINES]
        lines[-1] += " ..."
    return lines
