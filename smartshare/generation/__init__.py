"""Image and caption providers, chosen by `generation.image_provider` and
`generation.caption_provider`."""

from __future__ import annotations

from smartshare.config import Settings
from smartshare.generation.base import (
    CaptionProvider,
    GeneratedCaption,
    GeneratedImage,
    GenerationError,
    GenerationRequest,
    ImageProvider,
)
from smartshare.generation.builtin import BuiltinProvider
from smartshare.generation.calls import RetryPolicy
from smartshare.generation.openai import OpenAIProvider
from smartshare.generation.sdwebui import SDWebUIProvider

__all__ = [
    "CaptionProvider",
    "GeneratedCaption",
    "GeneratedImage",
    "GenerationError",
    "GenerationRequest",
    "ImageProvider",
    "RetryPolicy",
    "caption_provider",
    "image_provider",
]

IMAGE_PROVIDERS = {
    "builtin": BuiltinProvider,
    "openai": OpenAIProvider,
    "sdwebui": SDWebUIProvider,
}
CAPTION_PROVIDERS = {"builtin": BuiltinProvider, "openai": OpenAIProvider}


def image_provider(
    settings: Settings, retry: RetryPolicy | None = None
) -> ImageProvider:
    """Return the configured image provider; `retry` overrides the retry policy."""
    return IMAGE_PROVIDERS[settings["generation.image_provider"]](settings, retry)


def caption_provider(
    settings: Settings, retry: RetryPolicy | None = None
) -> CaptionProvider:
    """Return the configured caption provider; `retry` overrides the retry policy."""
    return CAPTION_PROVIDERS[settings["generation.caption_provider"]](settings, retry)
