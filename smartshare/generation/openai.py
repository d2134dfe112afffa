"""Provider for any OpenAI-compatible server (OpenAI, Ollama, LocalAI, vLLM, LiteLLM).

Images come from POST /images/generations and captions from POST
/chat/completions. The Images API has no negative prompt, so it is folded into
the prompt text. No `response_format` is sent for images because gpt-image-1
rejects it, so both `b64_json` and `url` replies are accepted.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from smartshare import http
from smartshare.captions import hashtags_in, split_hashtags
from smartshare.config import Settings
from smartshare.generation.base import (
    NO_IMAGE,
    GeneratedCaption,
    GeneratedImage,
    GenerationError,
    GenerationRequest,
    image_from_base64,
    image_from_bytes,
)
from smartshare.generation.calls import Provider, RetryPolicy, json_object, send

CAPTION_INSTRUCTIONS = (
    "You write Instagram captions. Reply with one JSON object of the form "
    '{"caption": "...", "hashtags": ["..."]} and nothing else. The caption '
    "contains no hashtags and at most 1,000 characters."
)


class OpenAIProvider:
    """Generates images and captions through an OpenAI-compatible HTTP API."""

    def __init__(self, settings: Settings, retry: RetryPolicy | None = None):
        self.base_url = settings["generation.openai.base_url"]
        self.api_key = settings["generation.openai.api_key"]
        self.image_model = settings["generation.openai.image_model"]
        self.text_model = settings["generation.openai.text_model"]
        self.image_size = settings["generation.openai.image_size"]
        self.max_hashtags = settings["instagram.max_hashtags"]
        self.retry = retry or RetryPolicy()
        timeout = settings["generation.openai.timeout_seconds"]
        self.provider = Provider("generation.openai", timeout, uses_api_key=True)
        self.server = f"the OpenAI-compatible server at {http.redact(self.base_url)}"

    def generate_image(self, request: GenerationRequest) -> GeneratedImage:
        body = {
            "model": self.image_model,
            "prompt": image_prompt(request),
            "size": self.image_size,
            "n": 1,
        }
        reply = self._post("/images/generations", body, "image request", request)
        return self._image_from_reply(reply, request)

    def generate_caption(self, request: GenerationRequest) -> GeneratedCaption:
        body = {
            "model": self.text_model,
            "messages": caption_messages(request, self.max_hashtags),
            "response_format": {"type": "json_object"},
        }
        reply = self._post("/chat/completions", body, "caption request", request)
        content = _message_content(reply)
        return parse_caption(content, request.generate_extra_hashtags)

    def _post(
        self, path: str, body: dict, call_kind: str, request: GenerationRequest
    ) -> dict:
        call_name = f"{call_kind} to {self.server}"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        with http.client(
            timeout=self.provider.timeout, base_url=self.base_url, headers=headers
        ) as client:
            response = send(
                lambda: client.post(path, json=body),
                provider=self.provider,
                call_name=call_name,
                request_id=request.seed,
                policy=self.retry,
            )
        return json_object(response, call_name)

    def _image_from_reply(
        self, reply: dict, request: GenerationRequest
    ) -> GeneratedImage:
        items = reply.get("data")
        item = items[0] if isinstance(items, list) and items else None
        if not isinstance(item, dict):
            raise GenerationError(NO_IMAGE, permanent=False)

        if item.get("b64_json"):
            return image_from_base64(item["b64_json"], "the b64_json image")
        url = item.get("url")
        if isinstance(url, str) and url.startswith("data:"):
            return image_from_base64(url, "the data URL image")
        if isinstance(url, str) and url:
            return self._download(url, request)
        raise GenerationError(NO_IMAGE, permanent=False)

    def _download(self, url: str, request: GenerationRequest) -> GeneratedImage:
        # Provider image URLs expire within about an hour, so the image is
        # fetched at once. The API key stays out of this request because the
        # URL may point at another host. Redirects are followed here only:
        # storage services often redirect, and the URL comes from the
        # configured provider, not from a user.
        safe_url = http.redact(url) if urlsplit(url).scheme in ("http", "https") else ""
        if not safe_url:
            raise GenerationError(
                f"Image generation failed: the provider returned an image URL that "
                f"is not http or https ({url[:60]!r}).",
                permanent=False,
            )

        with http.client(timeout=self.provider.timeout) as client:
            response = send(
                lambda: client.get(url, follow_redirects=True),
                provider=self.provider,
                call_name=f"image download from {safe_url}",
                request_id=request.seed,
                policy=self.retry,
            )
        return image_from_bytes(response.content, f"the image at {safe_url}")


def image_prompt(request: GenerationRequest) -> str:
    """Return the image prompt with the negative prompt folded in as "Avoid: ..."."""
    prompt = request.image_prompt
    negative = (request.negative_prompt or "").strip()
    return f"{prompt}\n\nAvoid: {negative}" if negative else prompt


def caption_messages(request: GenerationRequest, max_hashtags: int) -> list[dict]:
    """Build the chat messages that ask for a caption and hashtags as JSON."""
    mandatory = request.mandatory_caption_or_hashtags.strip()
    room = max(0, max_hashtags - len(hashtags_in(mandatory)))
    if request.generate_extra_hashtags and room:
        hashtag_rule = f"Give up to {room} relevant hashtags without the # sign."
    else:
        hashtag_rule = "Return an empty hashtags list."

    lines = [f"Post description: {request.general_description.strip()}"]
    if request.prompt_details.strip():
        lines.append(f"Image details: {request.prompt_details.strip()}")
    if mandatory:
        lines.append(f"Text that follows the caption, not to repeat: {mandatory}")
    return [
        {"role": "system", "content": f"{CAPTION_INSTRUCTIONS} {hashtag_rule}"},
        {"role": "user", "content": "\n".join(lines)},
    ]


def _message_content(reply: dict) -> str:
    choices = reply.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        # Some servers return content parts instead of one string.
        parts = [part.get("text", "") for part in content if isinstance(part, dict)]
        content = "".join(part for part in parts if isinstance(part, str))
    return content if isinstance(content, str) else ""


def parse_caption(content: str, want_hashtags: bool) -> GeneratedCaption:
    """Read the model's reply: a JSON object, JSON inside prose or code fences,
    or plain caption text with inline hashtags."""
    data = _json_in(content)
    if data is None:
        text, listed = content, []
    else:
        text, listed = _text_field(data), _hashtag_list(data.get("hashtags"))

    text, inline = split_hashtags(text)
    if not text:
        raise GenerationError(
            "Caption generation failed: the provider returned an empty caption. "
            "Try again, or check generation.openai.text_model.",
            permanent=False,
        )
    return GeneratedCaption(text, inline + listed if want_hashtags else [])


def _json_in(content: str) -> dict | None:
    # Models often wrap the object in code fences or a sentence.
    start, end = content.find("{"), content.rfind("}")
    if start == -1 or end < start:
        return None
    try:
        data = json.loads(content[start : end + 1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _text_field(data: dict) -> str:
    for key in ("caption", "text"):
        if isinstance(data.get(key), str):
            return data[key]
    return ""


def _hashtag_list(value: object) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    return [item.strip().lstrip("#") for item in value if isinstance(item, str)]
