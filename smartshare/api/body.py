"""JSON request bodies: camelCase or snake_case fields, strict types, every
problem reported with its field name."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from smartshare.errors import BadRequest, PayloadTooLarge, ValidationFailed, field_error

MAX_BODY_BYTES = 256 * 1024
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TYPE_NAMES = {str: "a string", bool: "true or false", dict: "an object", list: "a list"}


@dataclass(frozen=True)
class Field:
    """One accepted body field; `name` is the snake_case spelling."""

    name: str
    kind: type
    required: bool = False
    nullable: bool = False
    max_length: int | None = None
    snake_documented: bool = False

    @property
    def camel(self) -> str:
        """The documented spelling: camelCase unless the API documents snake_case."""
        if self.snake_documented:
            return self.name
        return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), self.name)

    @property
    def spellings(self) -> tuple[str, ...]:
        alias = re.sub(r"_([a-z])", lambda match: match.group(1).upper(), self.name)
        return tuple(dict.fromkeys((self.name, alias)))


def spellings_of(*names: str) -> frozenset[str]:
    """Return both spellings of each name, for fields that are accepted and ignored."""
    return frozenset(
        spelling for name in names for spelling in Field(name, str).spellings
    )


def decode_json(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be one JSON object."""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The request body is too large: send at most {MAX_BODY_BYTES // 1024} "
            "KiB of JSON."
        )
    if not raw.strip():
        raise BadRequest("Missing request body: send a JSON object.")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BadRequest(f"Invalid JSON in the request body: {error}.") from None
    except RecursionError:
        raise BadRequest(
            "Invalid request body: the JSON is nested too deeply."
        ) from None
    except ValueError:
        # Python rejects integers of more than 4300 digits, and invalid UTF-8.
        raise BadRequest(
            "Invalid request body: expected UTF-8 JSON with numbers of sensible size."
        ) from None
    if not isinstance(body, dict):
        raise BadRequest("Invalid request body: expected a JSON object.")
    if b"\\u" in raw and _has_lone_surrogate(body):
        raise BadRequest(
            "Invalid JSON in the request body: a string contains an unpaired UTF-16 "
            "surrogate escape such as \\ud800; send valid Unicode text."
        )
    return body


def _has_lone_surrogate(body: dict[str, Any]) -> bool:
    """Return True when a decoded body contains text that UTF-8 cannot encode."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_fields(
    body: dict[str, Any],
    fields: list[Field],
    ignored: set[str] = frozenset(),
    partial: bool = False,
) -> dict[str, Any]:
    """Map body keys in either spelling to snake_case values, checking each one."""
    by_spelling = {spelling: f for f in fields for spelling in f.spellings}
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    for key, value in body.items():
        spec = by_spelling.get(key)
        if spec is None:
            if key not in ignored:
                errors.append(field_error(key, f"Unknown field {key!r}."))
            continue
        if spec.name in values:
            errors.append(_duplicate(spec))
            continue
        problem = _check_value(spec, value)
        if problem:
            errors.append(field_error(key, problem))
        values[spec.name] = value

    if not partial:
        errors += [
            field_error(f.camel, f"Missing required field {f.camel!r}.")
            for f in fields
            if f.required and f.name not in values
        ]
    if errors:
        raise ValidationFailed(errors)
    return values


def _duplicate(spec: Field) -> dict[str, str]:
    return field_error(
        spec.camel,
        f"Field given twice, as {spec.spellings[1]!r} and {spec.name!r}; "
        "send one of them.",
    )


def _check_value(spec: Field, value: Any) -> str | None:
    if value is None:
        return None if spec.nullable else f"Expected {TYPE_NAMES[spec.kind]}, not null."
    # bool is an int subclass in Python, and JSON true must not pass as a number.
    if not isinstance(value, spec.kind) or (spec.kind is not bool and value is True):
        return f"Expected {TYPE_NAMES[spec.kind]}, got {_json_type(value)}."
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"Too long: at most {spec.max_length} characters."
    if spec.kind is str and CONTROL_CHARACTERS.search(value):
        return "Contains a control character; only tabs and line breaks are allowed."
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
