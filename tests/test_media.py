"""Media preparation: decoding, colour, orientation, ratio, width, file size."""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image, ImageCms

from smartshare.publishing.media import (
    MAX_BYTES,
    SRGB_BYTES,
    MediaError,
    media_token,
    prepare_image,
)

WHITE = (255, 255, 255)


def encode(image: Image.Image, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def prepared(data: bytes, **options) -> Image.Image:
    image = Image.open(io.BytesIO(prepare_image(data, **options)))
    image.load()
    return image


def close_to(actual, expected, tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(actual, expected, strict=True))


def noise(size: tuple[int, int]) -> Image.Image:
    generator = random.Random(7)
    return Image.frombytes("RGB", size, generator.randbytes(size[0] * size[1] * 3))


def swapped_primaries_profile() -> bytes:
    """An sRGB profile whose red and green primaries trade places."""
    profile = bytearray(SRGB_BYTES)
    (count,) = struct.unpack(">I", profile[128:132])
    entries = {}
    for index in range(count):
        start = 132 + 12 * index
        entries[bytes(profile[start : start + 4])] = start
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    profile[red + 4 : red + 12], profile[green + 4 : green + 12] = (
        profile[green + 4 : green + 12],
        profile[red + 4 : red + 12],
    )
    profile[84:100] = bytes(16)  # the profile ID no longer matches
    return bytes(profile)


def test_undecodable_data_raises():
    with pytest.raises(MediaError) as caught:
        prepare_image(b"<html>not an image</html>")

    assert "could not be decoded" in caught.value.message


def test_truncated_image_raises():
    data = encode(noise((200, 200)), "JPEG")

    with pytest.raises(MediaError):
        prepare_image(data[: len(data) // 2])


def test_output_is_srgb_jpeg():
    image = prepared(encode(Image.new("RGB", (1080, 1350), (10, 120, 200))))

    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert close_to(image.getpixel((500, 500)), (10, 120, 200))


def test_transparency_composited_on_white():
    source = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    source.paste((200, 30, 30, 255), (100, 100, 300, 300))

    image = prepared(encode(source))

    assert close_to(image.getpixel((20, 20)), WHITE)
    assert close_to(image.getpixel((200, 200)), (200, 30, 30))


def test_palette_transparency_on_white():
    source = Image.new("P", (400, 400), 0)
    source.putpalette([0, 0, 0, 20, 160, 40] + [0] * 762)
    source.paste(1, (100, 100, 300, 300))

    image = prepared(encode(source, "GIF", transparency=0))

    assert close_to(image.getpixel((20, 20)), WHITE)
    assert close_to(image.getpixel((200, 200)), (20, 160, 40))


def test_exif_orientation_applied():
    source = Image.new("RGB", (800, 700), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 800, 50))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display

    image = prepared(encode(source, "JPEG", exif=exif))

    assert image.size == (700, 800)
    assert close_to(image.getpixel((690, 400)), (255, 0, 0), tolerance=30)
    assert close_to(image.getpixel((10, 400)), (0, 0, 255), tolerance=30)


def test_embedded_profile_converted_to_srgb():
    source = Image.new("RGB", (400, 400), (255, 0, 0))

    image = prepared(encode(source, icc_profile=swapped_primaries_profile()))

    assert close_to(image.getpixel((200, 200)), (0, 255, 0))


def test_cmyk_converted_to_rgb():
    source = Image.new("CMYK", (400, 400), (0, 255, 255, 0))

    image = prepared(encode(source, "JPEG"))

    assert image.mode == "RGB"
    assert close_to(image.getpixel((200, 200)), (255, 0, 0), tolerance=10)


def test_sixteen_bit_grey_scaled():
    source = Image.new("I;16", (400, 400), 40000)

    image = prepared(encode(source))

    assert close_to(image.getpixel((200, 200)), (156, 156, 156), tolerance=3)


def test_slightly_tall_image_cropped():
    source = Image.new("RGB", (1000, 1300), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 1000, 25))

    image = prepared(encode(source))

    assert image.size == (1000, 1250)
    assert close_to(image.getpixel((500, 5)), (0, 0, 255))


def test_story_image_padded():
    source = Image.new("RGB", (720, 1280), (255, 0, 0))

    image = prepared(encode(source))

    assert image.size == (1024, 1280)
    assert close_to(image.getpixel((512, 640)), (255, 0, 0))
    assert close_to(image.getpixel((5, 640)), (255, 0, 0))


def test_padding_takes_mean_colour():
    source = Image.new("RGB", (600, 1200), (0, 0, 0))
    source.paste((200, 200, 200), (0, 0, 600, 600))

    image = prepared(encode(source))

    assert image.size == (960, 1200)
    assert close_to(image.getpixel((5, 600)), (100, 100, 100))


def test_wide_image_cropped_and_scaled():
    image = prepared(encode(Image.new("RGB", (2000, 1000), (0, 128, 0))))

    assert image.size == (1440, 754)


def test_panorama_padded_and_scaled():
    image = prepared(encode(Image.new("RGB", (3000, 500), (0, 128, 0))))

    assert image.size == (1440, 754)


def test_small_image_upscaled():
    image = prepared(encode(Image.new("RGB", (100, 100), (0, 128, 0))))

    assert image.size == (320, 320)


def test_large_image_downscaled():
    image = prepared(encode(Image.new("RGB", (4000, 4000), (0, 128, 0))))

    assert image.size == (1440, 1440)


@pytest.mark.parametrize(
    "size",
    [
        (1, 1000),
        (1000, 1),
        (1, 1),
        (319, 400),
        (321, 1000),
        (1441, 754),
        (1441, 1802),
        (5000, 2617),
        (2617, 5000),
        (1080, 1350),
        (1080, 566),
    ],
)
def test_any_size_within_limits(size):
    image = prepared(encode(Image.new("RGB", size, (90, 90, 90))))

    width, height = image.size
    assert 320 <= width <= 1440
    assert 4 / 5 <= width / height <= 1.91


def test_quality_lowered_to_fit():
    data = encode(noise((1200, 1200)))

    result = prepare_image(data, max_bytes=600_000)

    assert len(result) < 600_000
    assert len(result) > 400_000
    assert Image.open(io.BytesIO(result)).size == (1200, 1200)


def test_impossible_size_limit_raises():
    with pytest.raises(MediaError) as caught:
        prepare_image(encode(noise((800, 800))), max_bytes=1000)

    assert "does not fit in 1,000 bytes" in caught.value.message


def test_noisy_large_image_under_8_mib():
    result = prepare_image(encode(noise((2000, 2500)), "BMP"))

    assert len(result) < MAX_BYTES
    assert Image.open(io.BytesIO(result)).size == (1440, 1800)


def test_media_token_stable_and_keyed():
    token = media_token("secret-one", "post-1")

    assert len(token) == 32
    assert int(token, 16) >= 0
    assert media_token("secret-one", "post-1") == token
    assert media_token("secret-one", "post-2") != token
    assert media_token("secret-two", "post-1") != token
