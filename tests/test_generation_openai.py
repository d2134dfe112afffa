"""OpenAI-compatible provider against a fake Images and Chat Completions server."""

from __future__ import annotations

import json
import time

import pytest

from smartshare import config
from smartshare.generation import (
    GenerationError,
    GenerationRequest,
    RetryPolicy,
    caption_provider,
    image_provider,
)
from smartshare.generation.openai import OpenAIProvider
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.server import free_port, serve

API_KEY = "sk-test-key"


def make_request(**changes) -> GenerationRequest:
    fields = {
        "general_description": "Sunset over the harbour",
        "prompt_details": "watercolour, warm light",
        "negative_prompt": "blurry, text",
        "mandatory_caption_or_hashtags": "Visit us at the pier. #harbour",
        "generate_extra_hashtags": True,
        "seed": "run-1",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def make_provider(base_url: str, sleeps: list | None = None, **overrides):
    settings = config.load(
        environ={},
        overrides={
            "generation.image_provider": "openai",
            "generation.caption_provider": "openai",
            "generation.openai.base_url": f"{base_url}/v1",
            "generation.openai.api_key": API_KEY,
            **overrides,
        },
    )
    sleeps = [] if sleeps is None else sleeps
    retry = RetryPolicy(backoff_seconds=0.5, sleep=sleeps.append)
    provider = image_provider(settings, retry)
    assert isinstance(provider, OpenAIProvider)
    assert isinstance(caption_provider(settings, retry), OpenAIProvider)
    return provider


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI(api_key=API_KEY)


@pytest.fixture
def base_url(fake):
    with serve(fake.app()) as url:
        yield url


def image_requests(fake: FakeOpenAI):
    return fake.requests_to("/v1/images/generations")


def test_b64_image_returned(fake, base_url):
    image = make_provider(base_url).generate_image(make_request())

    assert image.data == fake.image
    assert image.content_type == "image/png"


def test_image_request_shape(fake, base_url):
    make_provider(base_url).generate_image(make_request())

    [received] = image_requests(fake)
    assert received.headers["authorization"] == f"Bearer {API_KEY}"
    assert received.body == {
        "model": "gpt-image-1",
        "prompt": "Sunset over the harbour. watercolour, warm light\n\n"
        "Avoid: blurry, text",
        "size": "1024x1536",
        "n": 1,
    }


def test_no_negative_prompt_no_avoid(fake, base_url):
    make_provider(base_url).generate_image(make_request(negative_prompt=None))

    [received] = image_requests(fake)
    assert "Avoid" not in received.body["prompt"]
    assert "negative_prompt" not in received.body


def test_url_image_downloaded_at_once(fake, base_url):
    fake.image_reply = "url"

    image = make_provider(base_url).generate_image(make_request())

    [download] = fake.requests_to("/img-1.png")
    assert image.data == fake.image
    assert image.content_type == "image/png"
    assert "authorization" not in download.headers


def test_url_redirect_followed(fake, base_url):
    fake.image_reply = "redirect"

    image = make_provider(base_url).generate_image(make_request())

    assert image.data == fake.image
    assert len(fake.requests_to("/moved-img-1.png")) == 1
    assert len(fake.requests_to("/img-1.png")) == 1


def test_url_that_is_not_image_fails(fake, base_url):
    fake.image_reply = "url"
    fake.served_image = b"<html>This link has expired.</html>"

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "is not a readable image" in caught.value.message
    assert caught.value.permanent is False


def test_empty_data_fails_no_image(fake, base_url):
    fake.image_reply = "empty"

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "the provider returned no image" in caught.value.message


def test_slow_image_within_configured_timeout(fake, base_url):
    # httpx gives up after 5 s by default; the configured read timeout wins.
    fake.delay_seconds = 6
    provider = make_provider(base_url, **{"generation.openai.timeout_seconds": 10})

    started = time.monotonic()
    image = provider.generate_image(make_request())

    assert time.monotonic() - started >= 6
    assert image.data == fake.image


def test_timeout_fails_with_setting_name(fake, base_url):
    fake.delay_seconds = 1.2
    sleeps: list[float] = []
    provider = make_provider(
        base_url, sleeps, **{"generation.openai.timeout_seconds": 0.3}
    )

    with pytest.raises(GenerationError) as caught:
        provider.generate_image(make_request())

    assert "timed out after 0.3 seconds" in caught.value.message
    assert "generation.openai.timeout_seconds" in caught.value.message
    assert caught.value.permanent is False
    assert len(image_requests(fake)) == 1
    assert sleeps == []


def test_retries_429_and_500_then_succeeds(fake, base_url):
    fake.failures = [429, 500]
    sleeps: list[float] = []

    image = make_provider(base_url, sleeps).generate_image(make_request())

    assert image.data == fake.image
    assert len(image_requests(fake)) == 3
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_honoured(fake, base_url):
    fake.failures = [429]
    fake.retry_after = "7"
    sleeps: list[float] = []

    make_provider(base_url, sleeps).generate_image(make_request())

    assert sleeps == [7.0]


def test_long_retry_after_fails_at_once(fake, base_url):
    fake.failures = [429]
    fake.retry_after = "3600"

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "HTTP 429" in caught.value.message
    assert "Rate limit reached" in caught.value.message
    assert "asked to wait 3600 seconds" in caught.value.message
    assert caught.value.permanent is False
    assert len(image_requests(fake)) == 1


def test_retries_stop_after_four_attempts(fake, base_url):
    fake.failures = [500] * 10
    sleeps: list[float] = []

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url, sleeps).generate_image(make_request())

    assert "HTTP 500" in caught.value.message
    assert "failed after 4 attempts" in caught.value.message
    assert caught.value.permanent is False
    assert len(image_requests(fake)) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_content_policy_fails_at_once(fake, base_url):
    sleeps: list[float] = []
    request = make_request(prompt_details="something forbidden")

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url, sleeps).generate_image(request)

    assert "HTTP 400" in caught.value.message
    assert "rejected as a result of our safety system" in caught.value.message
    assert caught.value.permanent is True
    assert len(image_requests(fake)) == 1
    assert sleeps == []


def test_wrong_api_key_names_setting(fake, base_url):
    provider = make_provider(base_url, **{"generation.openai.api_key": "sk-wrong-1234"})

    with pytest.raises(GenerationError) as caught:
        provider.generate_image(make_request())

    assert "Incorrect API key provided" in caught.value.message
    assert "generation.openai.api_key" in caught.value.message
    assert "sk-wrong-1234" not in caught.value.message
    assert caught.value.permanent is True


def test_missing_api_key_sends_no_header(fake, base_url):
    provider = make_provider(base_url, **{"generation.openai.api_key": ""})

    with pytest.raises(GenerationError) as caught:
        provider.generate_image(make_request())

    [received] = image_requests(fake)
    assert "authorization" not in received.headers
    assert "You didn't provide an API key" in caught.value.message


def test_unreachable_server_retried_then_fails():
    sleeps: list[float] = []
    provider = make_provider(f"http://127.0.0.1:{free_port()}", sleeps)

    with pytest.raises(GenerationError) as caught:
        provider.generate_image(make_request())

    assert "connection error" in caught.value.message
    assert "generation.openai.base_url" in caught.value.message
    assert caught.value.permanent is False
    assert sleeps == [0.5, 1.0, 2.0]


def test_caption_parsed_from_json(fake, base_url):
    caption = make_provider(base_url).generate_caption(make_request())

    assert caption.text == "Golden light over the harbour as the boats come home."
    assert caption.hashtags == ["harbour", "GoldenHour", "boats"]


def test_caption_request_shape(fake, base_url):
    make_provider(base_url).generate_caption(make_request())

    [received] = fake.requests_to("/v1/chat/completions")
    system, user = received.body["messages"]
    assert received.headers["authorization"] == f"Bearer {API_KEY}"
    assert received.body["model"] == "gpt-4o-mini"
    assert received.body["response_format"] == {"type": "json_object"}
    assert system["role"] == "system"
    assert "JSON" in system["content"]
    assert "up to 4 relevant hashtags" in system["content"]
    assert "Sunset over the harbour" in user["content"]
    assert "Visit us at the pier. #harbour" in user["content"]


def test_caption_json_in_code_fence(fake, base_url):
    reply = {"caption": "Boats at rest.", "hashtags": "#dusk, #pier"}
    fake.chat_content = f"Here it is:\n```json\n{json.dumps(reply)}\n```"

    caption = make_provider(base_url).generate_caption(make_request())

    assert caption.text == "Boats at rest."
    assert caption.hashtags == ["dusk", "pier"]


def test_caption_plain_text_reply(fake, base_url):
    fake.chat_content = "Boats resting at #dusk by the pier.\n\n#harbour #calm"

    caption = make_provider(base_url).generate_caption(make_request())

    assert caption.text == "Boats resting at dusk by the pier."
    assert caption.hashtags == ["dusk", "harbour", "calm"]


def test_caption_without_extra_hashtags(fake, base_url):
    request = make_request(generate_extra_hashtags=False)

    caption = make_provider(base_url).generate_caption(request)

    [received] = fake.requests_to("/v1/chat/completions")
    assert caption.hashtags == []
    assert "Return an empty hashtags list." in received.body["messages"][0]["content"]


def test_empty_caption_fails(fake, base_url):
    fake.chat_content = '{"caption": "", "hashtags": []}'

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_caption(make_request())

    assert "empty caption" in caught.value.message


def test_caption_retried_on_503(fake, base_url):
    fake.failures = [503]
    sleeps: list[float] = []

    caption = make_provider(base_url, sleeps).generate_caption(make_request())

    assert caption.text.startswith("Golden light")
    assert sleeps == [0.5]
