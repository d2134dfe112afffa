"""A fake OpenAI-compatible server: the Images API and Chat Completions.

It follows OpenAI's API reference: Bearer authentication with 401 and an
`{"error": {...}}` body, `POST /v1/images/generations` replying with `created`
and `data` items holding `b64_json` or `url`, and `POST /v1/chat/completions`
replying with `choices[0].message.content`. Images handed out by URL are served
at `/img-1.png` without authentication, like pre-signed URLs.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, get, post

from tests.fakes.provider_controls import FakeControls, png_image

POLICY_MESSAGE = (
    "Your request was rejected as a result of our safety system. Your prompt may "
    "contain text that is not allowed by our safety system."
)
DEFAULT_CHAT_CONTENT = json.dumps(
    {
        "caption": "Golden light over the harbour as the boats come home.",
        "hashtags": ["harbour", "#GoldenHour", "boats"],
    }
)
FAILURES = {
    429: ("Rate limit reached for requests. Please try again later.", "requests"),
    500: ("The server had an error while processing your request.", "server_error"),
    503: (
        "The engine is currently overloaded, please try again later.",
        "server_error",
    ),
}


@dataclass
class FakeOpenAI(FakeControls):
    """A fake OpenAI server and its controls.

    `image_reply` is "b64_json", "url", "redirect" (a URL that redirects to
    `/img-1.png`) or "empty". `served_image` is the body
    of `/img-1.png` (the PNG image when None). A prompt that contains one of
    `rejected_words` gets the content-policy rejection. `chat_content` is the
    assistant's reply.
    """

    api_key: str = "sk-test-key"
    image_reply: str = "b64_json"
    image: bytes = field(default_factory=png_image)
    served_image: bytes | None = None
    rejected_words: tuple[str, ...] = ("forbidden",)
    chat_content: str = DEFAULT_CHAT_CONTENT

    def app(self) -> Litestar:
        @post("/v1/images/generations")
        async def images(request: Request) -> Response:
            return await self._handle(request, self._image_reply)

        @post("/v1/chat/completions")
        async def chat(request: Request) -> Response:
            return await self._handle(request, self._chat_reply)

        @get("/{name:str}")
        async def served(request: Request, name: str) -> Response:
            await self.record(request)
            if name == "moved-img-1.png":
                return Response(
                    b"", status_code=302, headers={"Location": "/img-1.png"}
                )
            if name != "img-1.png":
                return error(404, "Not found.", "invalid_request_error")
            return Response(self.served_image or self.image, media_type="image/png")

        return Litestar([images, chat, served], openapi_config=None)

    async def _handle(self, request: Request, reply) -> Response:
        received = await self.record(request)
        await self.pause()

        problem = self._auth_error(received.headers.get("authorization", ""))
        if problem:
            return problem
        status = self.next_failure()
        if status:
            return self._failure(status)
        if not isinstance(received.body, dict):
            return error(400, "We could not parse the JSON body of your request.")
        return reply(request, received.body)

    def _auth_error(self, header: str) -> Response | None:
        if not header.startswith("Bearer "):
            message = (
                "You didn't provide an API key. You need to provide your API key "
                "in an Authorization header using Bearer auth."
            )
            return error(401, message)
        given_key = header.removeprefix("Bearer ")
        if given_key != self.api_key:
            masked = given_key[:3] + "*" * max(0, len(given_key) - 7) + given_key[-4:]
            message = f"Incorrect API key provided: {masked}."
            return error(401, message, code="invalid_api_key")
        return None

    def _failure(self, status: int) -> Response:
        default = (f"Simulated HTTP {status}.", "server_error")
        message, kind = FAILURES.get(status, default)
        headers = {}
        if status == 429 and self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        return error(status, message, kind, headers=headers)

    def _image_reply(self, request: Request, body: dict) -> Response:
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            return error(400, "Missing required parameter: 'prompt'.", param="prompt")
        if any(word in prompt.lower() for word in self.rejected_words):
            return error(400, POLICY_MESSAGE, code="content_policy_violation")

        if self.image_reply == "empty":
            items = []
        elif self.image_reply in ("url", "redirect"):
            name = "img-1.png" if self.image_reply == "url" else "moved-img-1.png"
            base = str(request.base_url).rstrip("/")
            items = [{"url": f"{base}/{name}", "revised_prompt": prompt}]
        else:
            items = [{"b64_json": base64.b64encode(self.image).decode()}]
        return Response({"created": int(time.time()), "data": items}, status_code=200)

    def _chat_reply(self, request: Request, body: dict) -> Response:
        if not body.get("model"):
            return error(400, "you must provide a model parameter", param="model")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return error(
                400, "Missing required parameter: 'messages'.", param="messages"
            )

        message = {"role": "assistant", "content": self.chat_content, "refusal": None}
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "stop",
        }
        usage = {"prompt_tokens": 50, "completion_tokens": 30, "total_tokens": 80}
        reply = {
            "id": "chatcmpl-fake-1",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [choice],
            "usage": usage,
        }
        return Response(reply, status_code=200)


def error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return Response(body, status_code=status, headers=headers)
