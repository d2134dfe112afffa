"""Builtin provider: offline images that follow the prompt, captions from keywords."""

from __future__ import annotations

import io

from PIL import Image, ImageStat

from smartshare import config
from smartshare.generation import caption_provider, image_provider
from smartshare.generation.base import GenerationRequest
from smartshare.generation.builtin import BuiltinProvider, keywords


def make_request(**changes) -> GenerationRequest:
    fields = {
        "general_description": "Fresh sourdough bread from our bakery",
        "prompt_details": "crusty loaves on a wooden table, morning light",
        "negative_prompt": None,
        "mandatory_caption_or_hashtags": "#bakery",
        "generate_extra_hashtags": True,
        "seed": "run-1",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def provider() -> BuiltinProvider:
    return BuiltinProvider(config.load(environ={}))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_factories_default_to_builtin():
    settings = config.load(environ={})

    assert isinstance(image_provider(settings), BuiltinProvider)
    assert isinstance(caption_provider(settings), BuiltinProvider)


def test_image_is_portrait_jpeg():
    image = provider().generate_image(make_request())

    decoded = decode(image.data)
    assert image.content_type == "image/jpeg"
    assert decoded.format == "JPEG"
    assert decoded.size == (1080, 1350)
    assert decoded.mode == "RGB"


def test_same_request_same_image():
    first = provider().generate_image(make_request())
    second = provider().generate_image(make_request())

    assert first.data == second.data


def test_different_prompts_different_images():
    bread = provider().generate_image(make_request())
    sea = provider().generate_image(
        make_request(general_description="Stormy sea at night", prompt_details="")
    )

    bread_colour = ImageStat.Stat(decode(bread.data)).mean
    sea_colour = ImageStat.Stat(decode(sea.data)).mean
    assert bread.data != sea.data
    assert max(abs(a - b) for a, b in zip(bread_colour, sea_colour, strict=True)) > 5


def test_different_seeds_different_images():
    first = provider().generate_image(make_request(seed="run-1"))
    second = provider().generate_image(make_request(seed="run-2"))

    assert first.data != second.data


def test_empty_description_still_renders():
    image = provider().generate_image(
        make_request(general_description="", prompt_details="")
    )

    assert decode(image.data).size == (1080, 1350)


def test_caption_uses_description_and_keywords():
    caption = provider().generate_caption(make_request())

    assert caption.text.startswith("Fresh sourdough bread from our bakery.")
    assert "#" not in caption.text
    assert caption.hashtags == ["fresh", "sourdough", "bread", "bakery", "crusty"]


def test_caption_hashtags_follow_setting():
    settings = config.load(environ={}, overrides={"instagram.max_hashtags": 2})

    caption = BuiltinProvider(settings).generate_caption(make_request())

    assert caption.hashtags == ["fresh", "sourdough"]


def test_caption_without_extra_hashtags():
    caption = provider().generate_caption(make_request(generate_extra_hashtags=False))

    assert caption.hashtags == []


def test_keywords_skip_stopwords_and_numbers():
    assert keywords("The 2025 harbour with boats, boats and more BOATS") == [
        "boats",
        "harbour",
    ]


def test_drawable_text_keeps_letters():
    from smartshare.generation.builtin import drawable

    assert drawable("Weekly café 🍰 specials, 10 €") == "Weekly cafe specials, 10"
    assert drawable("Crème brûlée\tnight") == "Creme brulee night"
