"""Image preparation for Instagram, and the token in a post's media URL.

Instagram's feed accepts JPEG images in sRGB with an aspect ratio from 4:5 to
1.91:1, a width from 320 to 1440 pixels and a file size of at most 8 MiB.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import math
from fractions import Fraction

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MIN_RATIO = Fraction(4, 5)
MAX_RATIO = Fraction(191, 100)
MIN_WIDTH, MAX_WIDTH = 320, 1440
MAX_BYTES = 8 * 1024 * 1024
JPEG_QUALITIES = (90, 85, 80, 75, 70, 60, 50, 40, 30)
# Cropping more than this share of the image could cut off its subject, so a
# larger change of aspect ratio pads instead.
MAX_CROP_SHARE = 0.1
# Raster formats only: Pillow would run Ghostscript for EPS.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF")
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
SRGB = ImageCms.createProfile("sRGB")
SRGB_BYTES = ImageCms.ImageCmsProfile(SRGB).tobytes()


class MediaError(ValueError):
    """Image data that cannot be decoded or cannot meet Instagram's limits."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def prepare_image(data: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """Convert any image Pillow reads into a JPEG that Instagram accepts.

    Applies the EXIF orientation, converts to sRGB, puts transparent areas on
    white, brings the aspect ratio and width into range and lowers the JPEG
    quality until the file is smaller than `max_bytes`. Raises MediaError.
    """
    image = decode(data)
    image = ImageOps.exif_transpose(image)
    image = to_srgb(image)
    image = fit_aspect_ratio(image)
    image = fit_width(image)
    return encode_jpeg(image, max_bytes)


def decode(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        image.load()
    except UnidentifiedImageError:
        raise _undecodable("unknown image format") from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise _undecodable(str(error)) from None
    return image


def _undecodable(reason: str) -> MediaError:
    return MediaError(
        f"The image could not be decoded ({reason}). Supported formats are "
        f"{', '.join(FORMATS)}; check what the image provider returned."
    )


def to_srgb(image: Image.Image) -> Image.Image:
    """Return an RGB image in sRGB, with transparency composited on white."""
    image = _common_mode(image)
    image = _apply_profile(image)
    if image.mode == "RGBA":
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def _common_mode(image: Image.Image) -> Image.Image:
    if image.mode in SIXTEEN_BIT_MODES:
        # Pillow's 16-bit to 8-bit conversion clips at 255, so scale first.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGB", "RGBA", "L", "CMYK"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _apply_profile(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc:
        return image

    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError) as error:
        logger.warning("embedded colour profile ignored, treated as sRGB: %s", error)
        return image


def fit_aspect_ratio(image: Image.Image) -> Image.Image:
    """Crop or pad the image to an aspect ratio from 4:5 to 1.91:1."""
    width, height = image.size
    ratio = Fraction(width, height)
    if ratio < MIN_RATIO:
        cropped = (width, max(1, math.floor(width / MIN_RATIO)))
        padded = (math.ceil(height * MIN_RATIO), height)
    elif ratio > MAX_RATIO:
        cropped = (max(1, math.floor(height * MAX_RATIO)), height)
        padded = (width, math.ceil(width / MAX_RATIO))
    else:
        return image

    kept_share = cropped[0] * cropped[1] / (width * height)
    if kept_share >= 1 - MAX_CROP_SHARE:
        return _center_crop(image, cropped)
    return _center_pad(image, padded)


def _center_crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    left = (image.width - size[0]) // 2
    top = (image.height - size[1]) // 2
    return image.crop((left, top, left + size[0], top + size[1]))


def _center_pad(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    # The padding takes the image's mean colour, which blends in better than
    # a fixed colour.
    colour = image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    canvas = Image.new("RGB", size, colour)
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return canvas


def fit_width(image: Image.Image) -> Image.Image:
    """Scale to a width from 320 to 1440 pixels, keeping the ratio in range."""
    width, height = image.size
    target = min(max(width, MIN_WIDTH), MAX_WIDTH)
    if target == width:
        return image

    target_height = round(height * target / width)
    target_height = max(target_height, math.ceil(target / MAX_RATIO))
    target_height = min(target_height, math.floor(target / MIN_RATIO))
    return image.resize((target, target_height), Image.Resampling.LANCZOS)


def encode_jpeg(image: Image.Image, max_bytes: int = MAX_BYTES) -> bytes:
    """Encode as JPEG at the highest quality whose file is smaller than `max_bytes`."""
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        image.save(
            buffer, "JPEG", quality=quality, optimize=True, icc_profile=SRGB_BYTES
        )
        if buffer.tell() < max_bytes:
            return buffer.getvalue()

    raise MediaError(
        f"The image does not fit in {max_bytes:,} bytes even at JPEG quality "
        f"{JPEG_QUALITIES[-1]}."
    )


def media_token(secret_key: str, post_id: str) -> str:
    """Return a post's media URL token, stable and unguessable without the key."""
    message = f"media:{post_id}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256)
    return digest.hexdigest()[:32]
