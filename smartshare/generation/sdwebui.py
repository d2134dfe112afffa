"""Provider for AUTOMATIC1111 or Forge Stable Diffusion WebUI servers.

Images come from POST /sdapi/v1/txt2img, which takes a real negative prompt
and returns base64 PNG images. The server must run with its API enabled
(`--api`).
"""

from __future__ import annotations

import hashlib

from smartshare import http
from smartshare.config import Settings
from smartshare.generation.base import (
    NO_IMAGE,
    GeneratedImage,
    GenerationError,
    GenerationRequest,
    image_from_base64,
)
from smartshare.generation.calls import Provider, RetryPolicy, json_object, send

# 4:5 portrait, Instagram's tallest feed ratio; Stable Diffusion needs
# dimensions that are multiples of 8.
WIDTH, HEIGHT = 896, 1120


class SDWebUIProvider:
    """Generates images through the SD WebUI txt2img API."""

    def __init__(self, settings: Settings, retry: RetryPolicy | None = None):
        self.base_url = settings["generation.sdwebui.base_url"]
        self.steps = settings["generation.sdwebui.steps"]
        self.retry = retry or RetryPolicy()
        timeout = settings["generation.sdwebui.timeout_seconds"]
        self.provider = Provider("generation.sdwebui", timeout, uses_api_key=False)
        self.server = f"the SD WebUI server at {http.redact(self.base_url)}"

    def generate_image(self, request: GenerationRequest) -> GeneratedImage:
        body = {
            "prompt": request.image_prompt,
            "negative_prompt": (request.negative_prompt or "").strip(),
            "steps": self.steps,
            "width": WIDTH,
            "height": HEIGHT,
            "seed": seed_number(request.seed),
            "batch_size": 1,
            "n_iter": 1,
        }
        call_name = f"image request to {self.server}"
        with http.client(
            timeout=self.provider.timeout, base_url=self.base_url
        ) as client:
            response = send(
                lambda: client.post("sdapi/v1/txt2img", json=body),
                provider=self.provider,
                call_name=call_name,
                request_id=request.seed,
                policy=self.retry,
            )

        images = json_object(response, call_name).get("images")
        if not isinstance(images, list) or not images:
            raise GenerationError(NO_IMAGE, permanent=False)
        return image_from_base64(images[0], "the SD WebUI image")


def seed_number(seed: str) -> int:
    """Map the request's seed text to a stable SD seed, so a retried run repeats it."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4]) % 2**31
