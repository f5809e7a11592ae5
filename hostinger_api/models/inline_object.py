"""``InlineObject``: the generated package's name for the error body of these operations' 5xx.

Kept so that code written for it imports and ``isinstance`` checks keep working; it is the same
class as ``CommonSchemaErrorResponseSchema``.
"""

from hostinger_api.models.common_schema_error_response_schema import (
    CommonSchemaErrorResponseSchema as InlineObject,
)

__all__ = ["InlineObject"]
