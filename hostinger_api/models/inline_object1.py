"""``InlineObject1``: the generated package's name for the body of these operations' 401.

Kept so that code written for it imports and ``isinstance`` checks keep working; it is the same
class as ``CommonSchemaUnauthorizedResponseSchema``.
"""

from hostinger_api.models.common_schema_unauthorized_response_schema import (
    CommonSchemaUnauthorizedResponseSchema as InlineObject1,
)

__all__ = ["InlineObject1"]
