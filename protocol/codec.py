"""Messages to JSON and back, through the registry of message kinds.

The codec is what a real wire would need; the in-process bus moves references and
uses it only in strict mode, to prove that every message of a scenario would
survive serialization.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from protocol.errors import CodecError
from protocol.messages import Message, message_type

__all__ = ["decode", "encode", "roundtrip"]


def encode(message: Message) -> str:
    """Write a message as one line of JSON.

    Args:
        message: Any registered message.

    Returns:
        Compact JSON with the ``kind`` field first.

    Raises:
        CodecError: if the message is abstract or holds a value with no JSON form;
            the error names the kind, the field and the reason.
    """
    if message.abstract:
        raise CodecError(f"{type(message).__qualname__} has no kind of its own")
    try:
        return message.model_dump_json()
    except PydanticSerializationError as error:
        field = _unserializable_field(message)
        raise CodecError(f"cannot encode {message.kind!r} message: {field}: {error}") from None


def _unserializable_field(message: Message) -> str:
    # Only on the error path: dump the fields one by one until one fails.
    for name in type(message).model_fields:
        try:
            message.model_dump_json(include={name})
        except PydanticSerializationError:
            return name
    return "?"  # pragma: no cover - the whole failed, so one of its fields does


def decode(data: str | bytes) -> Message:
    """Read one message written by :func:`encode`.

    Args:
        data: JSON text of one message.

    Returns:
        An instance of the class registered for its ``kind``.

    Raises:
        CodecError: on invalid JSON, a missing or unknown ``kind``, or a payload that
            does not fit the kind; the error names the field and what was expected.
    """
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as error:
        raise CodecError(f"not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise CodecError(f"a message is a JSON object, got {type(raw).__name__}")
    kind = raw.get("kind")
    if not isinstance(kind, str):
        raise CodecError("message has no 'kind' field")
    cls = message_type(kind)
    try:
        return cls.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()
        )
        raise CodecError(f"malformed {kind!r} message: {problems}") from None


def roundtrip(message: Message) -> Message:
    """Encode then decode a message, as a real wire would.

    Args:
        message: Any registered message.

    Returns:
        An equal message, freshly built from JSON.

    Raises:
        CodecError: as :func:`encode` and :func:`decode` do.
    """
    return decode(encode(message))
