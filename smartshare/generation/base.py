"""Types shared by the image and caption providers."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, UnidentifiedImageError


@dataclass(frozen=True)
class GenerationRequest:
    """The content instructions of one run; `seed` is a stable id such as the run id."""

    general_description: str
    prompt_details: str
    negative_prompt: str | None
    mandatory_caption_or_hashtags: str
    generate_extra_hashtags: bool
    seed: str

    @property
    def image_prompt(self) -> str:
        """The description and the prompt details as one image prompt."""
        parts = [self.general_description.strip(), self.prompt_details.strip()]
        return ". ".join(part.rstrip(".") for part in parts if part)


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class GeneratedCaption:
    """Caption text without hashtags, and hashtags without the leading `#`."""

    text: str
    hashtags: list[str]


class GenerationError(Exception):
    """A failed provider call.

    `message` is a sentence a user can act on. `permanent` is true when the same
    request would fail again (a rejected prompt, a wrong API key), and false when
    a later attempt may succeed (a timeout, a rate limit, a server error).
    """

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class ImageProvider(Protocol):
    def generate_image(self, request: GenerationRequest) -> GeneratedImage: ...


class CaptionProvider(Protocol):
    def generate_caption(self, request: GenerationRequest) -> GeneratedCaption: ...


NO_IMAGE = (
    "Image generation failed: the provider returned no image. Run the automation "
    "again, and check the provider's logs if this repeats."
)


def image_from_bytes(data: bytes, source: str) -> GeneratedImage:
    """Check with Pillow that `data` is an image and return it with its MIME type.

    `source` names where the data came from, for the error message.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except UnidentifiedImageError:
        raise GenerationError(
            f"Image generation failed: {source} is not a readable image "
            "(unknown image format).",
            permanent=False,
        ) from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise GenerationError(
            f"Image generation failed: {source} is not a readable image ({error}).",
            permanent=False,
        ) from None

    return GeneratedImage(data, Image.MIME.get(image_format or "", "image/png"))


def image_from_base64(text: object, source: str) -> GeneratedImage:
    """Decode a base64 image, with or without a `data:` URL prefix."""
    if not isinstance(text, str) or not text:
        raise GenerationError(NO_IMAGE, permanent=False)
    _, _, payload = text.rpartition("base64,")
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise GenerationError(
            f"Image generation failed: {source} is not valid base64.",
            permanent=False,
        ) from None

    return image_from_bytes(data, source)
