"""The request class of the app: a JSON body that cannot be read is a 400 problem with a stable code,
whatever is wrong with it (not JSON, not UTF-8, nested deeper than the decoder follows)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

from registry.kernel.errors import DomainError, FieldError


class RegistryRequest(Request):
    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise DomainError(
                "MALFORMED_BODY.too_deep", errors=[FieldError("(body)", "nested too deeply", "body")]
            ) from None
        except SerializationException as exc:
            reason = str(exc.detail or exc).removeprefix("JSON is malformed: ")
            raise DomainError(
                "MALFORMED_BODY.json", reason=reason, errors=[FieldError("(body)", reason, "body")]
            ) from None
