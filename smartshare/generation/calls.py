"""Provider HTTP calls: retries, error messages and JSON bodies.

Rate limits, server errors and connection errors are retried with backoff.
A read timeout is not retried: image servers may take minutes per request, so
a retry would multiply the wait. The run fails and the next slot tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from smartshare.generation.base import GenerationError

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a provider call.

    The wait before retry n is `backoff_seconds * 2 ** (n - 1)`, or the server's
    Retry-After when that is longer. A wait above `max_wait_seconds` ends the
    retries, which bounds how long a call can block a worker.
    """

    attempts: int = 4
    backoff_seconds: float = 2.0
    max_wait_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be 1 or more, not {self.attempts}")

    def wait_before_retry(
        self, attempt: int, retry_after: float | None
    ) -> float | None:
        if attempt >= self.attempts:
            return None
        wait = max(self.backoff_seconds * 2 ** (attempt - 1), retry_after or 0.0)
        return wait if wait <= self.max_wait_seconds else None


@dataclass(frozen=True)
class Provider:
    """The settings behind a provider, named in error messages."""

    settings_prefix: str
    timeout: float
    uses_api_key: bool


@dataclass(frozen=True)
class _Retryable:
    reason: str
    hint: str
    retry_after: float | None = None


def send(
    call: Callable[[], httpx.Response],
    *,
    provider: Provider,
    call_name: str,
    request_id: str,
    policy: RetryPolicy,
) -> httpx.Response:
    """Run `call` until it returns 2xx, retrying 429, 5xx and connection errors.

    `call_name` names the call in messages, such as "image request to ...". Raises
    GenerationError with a message for the user when the call fails for good.
    """
    for attempt in range(1, policy.attempts + 1):
        outcome = _try_once(call, provider, call_name)
        if isinstance(outcome, httpx.Response):
            return outcome

        wait = policy.wait_before_retry(attempt, outcome.retry_after)
        if wait is None:
            break
        logger.warning(
            "request %s: %s failed with %s; retry %d of %d in %.1f s",
            request_id,
            call_name,
            outcome.reason,
            attempt,
            policy.attempts - 1,
            wait,
        )
        policy.sleep(wait)

    raise _gave_up(call_name, outcome, attempt, policy)


def _try_once(
    call: Callable[[], httpx.Response], provider: Provider, call_name: str
) -> httpx.Response | _Retryable:
    try:
        response = call()
    except httpx.ConnectTimeout as error:
        return _unreachable(provider, error)
    except httpx.TimeoutException:
        raise _timed_out(provider, call_name) from None
    except httpx.TransportError as error:
        return _unreachable(provider, error)

    if response.is_success:
        return response
    if response.status_code == 429 or response.status_code >= 500:
        return _server_failure(response)
    raise _rejected(provider, call_name, response)


def _gave_up(
    call_name: str, outcome: _Retryable, attempts: int, policy: RetryPolicy
) -> GenerationError:
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    message = f"The {call_name} failed after {tries}, last with {outcome.reason}."
    if (outcome.retry_after or 0) > policy.max_wait_seconds:
        message += f" The provider asked to wait {outcome.retry_after:g} seconds."
    return GenerationError(f"{message} {outcome.hint}", permanent=False)


def _timed_out(provider: Provider, call_name: str) -> GenerationError:
    return GenerationError(
        f"The {call_name} timed out after {provider.timeout:g} seconds. Raise "
        f"{provider.settings_prefix}.timeout_seconds if the server needs longer.",
        permanent=False,
    )


def _unreachable(provider: Provider, error: httpx.TransportError) -> _Retryable:
    return _Retryable(
        reason=f"a connection error ({str(error) or type(error).__name__})",
        hint=f"Check {provider.settings_prefix}.base_url and that the server is up.",
    )


def _server_failure(response: httpx.Response) -> _Retryable:
    if response.status_code == 429:
        hint = "The provider is rate limiting requests; try again later."
    else:
        hint = "The provider had a server error; try again later."
    return _Retryable(
        reason=f"HTTP {response.status_code}: {provider_reason(response)}",
        hint=hint,
        retry_after=retry_after_seconds(response),
    )


def _rejected(
    provider: Provider, call_name: str, response: httpx.Response
) -> GenerationError:
    status = response.status_code
    message = (
        f"The {call_name} was rejected with HTTP {status}: {provider_reason(response)}."
    )
    return GenerationError(f"{message} {_rejection_hint(provider, response)}", True)


def _rejection_hint(provider: Provider, response: httpx.Response) -> str:
    prefix = provider.settings_prefix
    status = response.status_code
    if status in (401, 403) and provider.uses_api_key:
        return f"Check the API key in {prefix}.api_key."
    if status in (401, 403):
        return "Check that the server accepts API requests without a login."
    if status == 404:
        return f"Check {prefix}.base_url and the model name."
    if response.is_redirect:
        location = response.headers.get("Location", "another address")
        return f"The server redirects to {location}; set {prefix}.base_url to it."
    return "Change the automation's prompt or the provider settings and try again."


def provider_reason(response: httpx.Response) -> str:
    """Return the provider's own explanation of a failed response, shortened."""
    try:
        body = response.json()
    except ValueError:
        body = None

    reason = _reason_from_body(body) if isinstance(body, dict) else ""
    reason = reason or response.text.strip() or response.reason_phrase
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_LENGTH:
        reason = reason[: MAX_REASON_LENGTH - 1] + "…"
    return reason.rstrip(".")


def _reason_from_body(body: dict) -> str:
    # OpenAI puts the reason in error.message; FastAPI servers such as SD WebUI
    # use `detail` (a string or a list of field errors) or `errors`.
    error = body.get("error")
    if isinstance(error, dict):
        return _reason_text(error.get("message"))
    for key in ("detail", "errors", "message", "error"):
        text = _reason_text(body.get(key))
        if text:
            return text
    return ""


def _reason_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        items = [item.get("msg") if isinstance(item, dict) else item for item in value]
        return "; ".join(str(item) for item in items if item)
    return ""


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Read Retry-After, given as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def json_object(response: httpx.Response, call_name: str) -> dict:
    """Parse a JSON object body, or raise GenerationError naming the call."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise GenerationError(
            f"The {call_name} returned a body that is not a JSON object; check that "
            "the base URL points at the provider's API.",
            permanent=False,
        )
    return body
