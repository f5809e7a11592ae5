"""The body of a 401: the token is missing, wrong or revoked."""

from __future__ import annotations

from hostinger_api.models.common_schema_error_response_schema import (
    CommonSchemaErrorResponseSchema,
)


class CommonSchemaUnauthorizedResponseSchema(CommonSchemaErrorResponseSchema):
    """A 401 body (``Common.Schema.UnauthorizedResponseSchema``).

    Its ``message`` is "Unauthenticated".
    """
