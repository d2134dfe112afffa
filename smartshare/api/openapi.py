"""OpenAPI documentation of request bodies that handlers parse themselves.

Handlers read raw bytes so that they can accept both spellings of a field and
report every problem at once. These helpers describe the same fields to OpenAPI.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from smartshare.api.body import Field

JSON_TYPES = {
    str: OpenAPIType.STRING,
    bool: OpenAPIType.BOOLEAN,
    dict: OpenAPIType.OBJECT,
    list: OpenAPIType.ARRAY,
    int: OpenAPIType.INTEGER,
}


def field_schema(spec: Field, extra: dict[str, Schema] | None = None) -> Schema:
    if extra and spec.name in extra:
        return extra[spec.name]
    kind = JSON_TYPES[spec.kind]
    schema_type = [kind, OpenAPIType.NULL] if spec.nullable else kind
    return Schema(type=schema_type, max_length=spec.max_length)


def object_schema(
    fields: list[Field], extra: dict[str, Schema] | None = None
) -> Schema:
    """Describe a body with camelCase names; the snake_case aliases are listed too."""
    properties = {}
    for spec in fields:
        for spelling in spec.spellings:
            properties[spelling] = field_schema(spec, extra)
    return Schema(
        type=OpenAPIType.OBJECT,
        properties=properties,
        required=[spec.camel for spec in fields if spec.required] or None,
    )


def with_body(schema: Schema, description: str = "") -> type[Operation]:
    """Return an Operation class whose request body is `schema`."""

    @dataclass
    class BodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={"application/json": OpenAPIMediaType(schema=schema)},
                required=True,
                description=description or None,
            )

    return BodyOperation
