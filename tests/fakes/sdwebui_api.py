"""A fake Stable Diffusion WebUI (AUTOMATIC1111 or Forge) started with `--api`.

`POST /sdapi/v1/txt2img` takes a JSON object whose fields all have defaults and
replies with `images` (base64 PNG), `parameters` (the request with defaults
filled in) and `info` (a JSON string). Like the real FastAPI server, a body
with a field of the wrong type gets 422 with a `detail` list, and an exception
while generating gets 500 with `error` and `errors`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, post

from tests.fakes.provider_controls import FakeControls, png_image

DEFAULTS = {
    "prompt": "",
    "negative_prompt": "",
    "steps": 50,
    "width": 512,
    "height": 512,
    "seed": -1,
    "batch_size": 1,
    "n_iter": 1,
}
FIELD_TYPES = {
    "prompt": str,
    "negative_prompt": str,
    "steps": int,
    "width": int,
    "height": int,
    "seed": int,
    "batch_size": int,
    "n_iter": int,
}


@dataclass
class FakeSDWebUI(FakeControls):
    """Controls: `image` is the PNG returned, and `empty` returns no images."""

    image: bytes = field(default_factory=png_image)
    empty: bool = False

    def app(self) -> Litestar:
        @post("/sdapi/v1/txt2img")
        async def txt2img(request: Request) -> Response:
            received = await self.record(request)
            await self.pause()

            status = self.next_failure()
            if status:
                return failure(status)
            problems = validation_errors(received.body)
            if problems:
                return Response({"detail": problems}, status_code=422)
            return self._reply(received.body)

        return Litestar([txt2img], openapi_config=None)

    def _reply(self, body: dict) -> Response:
        parameters = {**DEFAULTS, **body}
        images = [] if self.empty else [base64.b64encode(self.image).decode()]
        info = {key: parameters[key] for key in ("prompt", "negative_prompt", "seed")}
        reply = {"images": images, "parameters": parameters, "info": json.dumps(info)}
        return Response(reply, status_code=200)


def validation_errors(body: object) -> list[dict]:
    if not isinstance(body, dict):
        return [
            {
                "loc": ["body"],
                "msg": "value is not a valid dict",
                "type": "type_error.dict",
            }
        ]
    problems = []
    for name, expected in FIELD_TYPES.items():
        value = body.get(name, DEFAULTS[name])
        if not isinstance(value, expected) or isinstance(value, bool):
            kind = "string" if expected is str else "integer"
            problems.append(
                {
                    "loc": ["body", name],
                    "msg": f"value is not a valid {kind}",
                    "type": f"type_error.{kind}",
                }
            )
    return problems


def failure(status: int) -> Response:
    if status >= 500:
        body = {
            "error": "OutOfMemoryError",
            "detail": "",
            "body": "",
            "errors": "CUDA out of memory. Tried to allocate 2.00 GiB",
        }
    else:
        body = {"detail": f"Simulated HTTP {status}"}
    return Response(body, status_code=status)
