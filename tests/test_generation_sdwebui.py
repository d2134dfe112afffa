"""SD WebUI provider against a fake txt2img server."""

from __future__ import annotations

import pytest

from smartshare import config
from smartshare.generation import (
    GenerationError,
    GenerationRequest,
    RetryPolicy,
    image_provider,
)
from smartshare.generation.sdwebui import SDWebUIProvider
from tests.fakes.sdwebui_api import FakeSDWebUI
from tests.fakes.server import serve

TXT2IMG = "/sdapi/v1/txt2img"


def make_request(**changes) -> GenerationRequest:
    fields = {
        "general_description": "A lighthouse on a cliff",
        "prompt_details": "oil painting, dramatic sky",
        "negative_prompt": "blurry, watermark",
        "mandatory_caption_or_hashtags": "",
        "generate_extra_hashtags": False,
        "seed": "run-1",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def make_provider(base_url: str, sleeps: list | None = None, **overrides):
    settings = config.load(
        environ={},
        overrides={
            "generation.image_provider": "sdwebui",
            "generation.sdwebui.base_url": base_url,
            **overrides,
        },
    )
    sleeps = [] if sleeps is None else sleeps
    provider = image_provider(
        settings, RetryPolicy(backoff_seconds=1, sleep=sleeps.append)
    )
    assert isinstance(provider, SDWebUIProvider)
    return provider


@pytest.fixture
def fake() -> FakeSDWebUI:
    return FakeSDWebUI()


@pytest.fixture
def base_url(fake):
    with serve(fake.app()) as url:
        yield url


def test_image_decoded_from_base64(fake, base_url):
    image = make_provider(base_url).generate_image(make_request())

    assert image.data == fake.image
    assert image.content_type == "image/png"


def test_request_has_real_negative_prompt(fake, base_url):
    provider = make_provider(base_url, **{"generation.sdwebui.steps": 12})

    provider.generate_image(make_request())

    [received] = fake.requests_to(TXT2IMG)
    assert (
        received.body["prompt"] == "A lighthouse on a cliff. oil painting, dramatic sky"
    )
    assert received.body["negative_prompt"] == "blurry, watermark"
    assert received.body["steps"] == 12
    assert received.body["width"] == 896
    assert received.body["height"] == 1120
    assert "Avoid" not in received.body["prompt"]


def test_missing_negative_prompt_sent_empty(fake, base_url):
    make_provider(base_url).generate_image(make_request(negative_prompt=None))

    [received] = fake.requests_to(TXT2IMG)
    assert received.body["negative_prompt"] == ""


def test_seed_stable_per_run(fake, base_url):
    provider = make_provider(base_url)

    provider.generate_image(make_request(seed="run-1"))
    provider.generate_image(make_request(seed="run-1"))
    provider.generate_image(make_request(seed="run-2"))

    seeds = [item.body["seed"] for item in fake.requests_to(TXT2IMG)]
    assert seeds[0] == seeds[1]
    assert seeds[0] != seeds[2]
    assert all(0 <= seed < 2**31 for seed in seeds)


def test_retries_500_then_succeeds(fake, base_url):
    fake.failures = [500, 502]
    sleeps: list[float] = []

    image = make_provider(base_url, sleeps).generate_image(make_request())

    assert image.data == fake.image
    assert len(fake.requests_to(TXT2IMG)) == 3
    assert sleeps == [1, 2]


def test_server_error_reason_shown(fake, base_url):
    fake.failures = [500] * 4

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "CUDA out of memory" in caught.value.message
    assert caught.value.permanent is False


def test_client_error_fails_at_once(fake, base_url):
    fake.failures = [422]
    sleeps: list[float] = []

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url, sleeps).generate_image(make_request())

    assert "HTTP 422" in caught.value.message
    assert "Simulated HTTP 422" in caught.value.message
    assert caught.value.permanent is True
    assert len(fake.requests_to(TXT2IMG)) == 1
    assert sleeps == []


def test_login_required_hint(fake, base_url):
    fake.failures = [401]

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "without a login" in caught.value.message


def test_no_images_fails(fake, base_url):
    fake.empty = True

    with pytest.raises(GenerationError) as caught:
        make_provider(base_url).generate_image(make_request())

    assert "the provider returned no image" in caught.value.message


def test_timeout_fails_with_setting_name(fake, base_url):
    fake.delay_seconds = 1.0
    provider = make_provider(base_url, **{"generation.sdwebui.timeout_seconds": 0.3})

    with pytest.raises(GenerationError) as caught:
        provider.generate_image(make_request())

    assert "timed out after 0.3 seconds" in caught.value.message
    assert "generation.sdwebui.timeout_seconds" in caught.value.message
    assert caught.value.permanent is False
