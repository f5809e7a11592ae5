"""The generated package's helpers that this package's own request path does not use.

``ApiClient`` keeps them, as 4.3.1's has them, for code written against it: building a type
named or typed (``List[X]``, ``"Dict[str, X]"``) from a body, and turning values into JSON and
query strings. What they share with the request path (``is_json``, ``is_model``, ``describe``)
is here too.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union, get_args, get_origin
from urllib.parse import urlencode

from pydantic import BaseModel, SecretStr, ValidationError
from typing_extensions import TypeGuard

from hostinger_api.exceptions import ApiValueError

ResponseType = Union[str, type, None]
"""A type to deserialize into: a class, or its name as the generated package spells it."""

_JSON_CONTENT_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;|$)", re.IGNORECASE)
_LIST_TYPE = re.compile(r"^(?:List|list)\[(.+)\]$")
_DICT_TYPE = re.compile(r"^(?:Dict|dict)\[([^,]+), (.+)\]$")
_NATIVE_TYPES: dict[str, Any] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "date": datetime.date,
    "datetime": datetime.datetime,
    "decimal": decimal.Decimal,
    "object": object,
}


def is_json(content_type: str | None) -> bool:
    if content_type is None or content_type == "application/json":
        return True
    return bool(_JSON_CONTENT_TYPE.match(content_type))


class GeneratedHelpers:
    """The generated helpers of ``ApiClient`` (see the module's docstring)."""

    PRIMITIVE_TYPES = (float, bool, bytes, str, int)
    NATIVE_TYPES_MAPPING = _NATIVE_TYPES

    def deserialize(
        self, response_text: str, response_type: ResponseType, content_type: str | None
    ) -> Any:
        """Decode a body and build ``response_type`` from it (a class or its name).

        A body that does not fit raises ``ApiValueError``, never a json or pydantic error.
        """
        if content_type is not None and content_type.lower().startswith("text/plain"):
            data: Any = response_text
        elif not is_json(content_type):
            raise ApiValueError(f"Cannot deserialize a body of content type {content_type}")
        else:
            try:
                data = json.loads(response_text) if response_text else ""
            except (ValueError, RecursionError) as error:
                raise ApiValueError(f"The body is not JSON: {error}") from None
        try:
            return self._deserialize(data, response_type)
        except ApiValueError:
            raise
        except ValidationError as error:
            name = _type_name(response_type)
            raise ApiValueError(f"The body is not a {name}: {describe(error)}") from None
        except (TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ApiValueError(f"The body is not a {_type_name(response_type)}: {error}") from None

    def _deserialize(self, data: Any, klass: Any) -> Any:
        if data is None or klass is None:
            return None
        container = _container_of(klass)
        if container is not None:
            kind, item_type = container
            if kind is list and isinstance(data, list):
                return [self._element(item, item_type, klass, at) for at, item in enumerate(data)]
            if kind is dict and isinstance(data, dict):
                return {
                    key: self._element(value, item_type, klass, key) for key, value in data.items()
                }
            what = "empty" if data == "" else f"a {type(data).__name__}"
            raise ApiValueError(f"The body is not a {_type_name(klass)}: it is {what}")
        if isinstance(klass, str):
            klass = self._resolve_type(klass)
        if klass is object:
            return data
        if klass is datetime.datetime or klass is datetime.date:
            from dateutil.parser import isoparse

            parsed = isoparse(data)
            return parsed if klass is datetime.datetime else parsed.date()
        if klass in (int, float, str, bool, decimal.Decimal):
            return klass(data)
        if is_model(klass):
            return klass.model_validate(data)
        raise ApiValueError(f"Cannot deserialize into {klass!r}")

    def _element(self, data: Any, item_type: Any, container: Any, where: object) -> Any:
        """One item of a list or dict body, named in the error when it does not fit.

        A null item is refused: a list of models that holds None breaks the caller's loop later,
        far from the cause.
        """
        if data is None:
            raise ApiValueError(
                f"The body is not a {_type_name(container)}: item {where!r} is null"
            )
        try:
            return self._deserialize(data, item_type)
        except ValidationError as error:
            raise ApiValueError(
                f"The body is not a {_type_name(container)}: item {where!r}: {describe(error)}"
            ) from None

    @staticmethod
    def _resolve_type(name: str) -> Any:
        if name in _NATIVE_TYPES:
            return _NATIVE_TYPES[name]
        from hostinger_api import models

        klass = getattr(models, name, None)
        if klass is None:
            raise ApiValueError(f"Unknown response type {name!r}")
        return klass

    def sanitize_for_serialization(self, obj: Any) -> Any:
        """Turn models, datetimes, enums and containers into plain JSON-ready values."""
        if obj is None or isinstance(obj, self.PRIMITIVE_TYPES):
            return obj
        if isinstance(obj, enum.Enum):
            return obj.value
        if isinstance(obj, SecretStr):
            return obj.get_secret_value()
        if isinstance(obj, (list, tuple)):
            return [self.sanitize_for_serialization(item) for item in obj]
        if isinstance(obj, (datetime.datetime, datetime.date)):
            return obj.isoformat()
        if isinstance(obj, decimal.Decimal):
            return str(obj)
        if isinstance(obj, BaseModel):
            obj = obj.model_dump(by_alias=True, exclude_none=True, mode="json")
        if isinstance(obj, Mapping):
            return {key: self.sanitize_for_serialization(value) for key, value in obj.items()}
        raise ApiValueError(f"Cannot serialize a {type(obj).__name__}")

    def parameters_to_tuples(
        self,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]],
        collection_formats: Mapping[str, str] | None,
    ) -> list[tuple[str, Any]]:
        """Expand list values by their collection format (``multi``, ``csv``, ``ssv``, ...)."""
        formats = collection_formats or {}
        separators = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
        pairs = params.items() if isinstance(params, Mapping) else params
        result: list[tuple[str, Any]] = []
        for name, value in pairs:
            collection_format = formats.get(name)
            if collection_format == "multi" and isinstance(value, (list, tuple)):
                result.extend((name, item) for item in value)
            elif collection_format in separators and isinstance(value, (list, tuple)):
                result.append((name, separators[collection_format].join(str(v) for v in value)))
            else:
                result.append((name, value))
        return result

    def parameters_to_url_query(
        self,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]],
        collection_formats: Mapping[str, str] | None,
    ) -> str:
        """The query string of ``params``, percent-encoded."""
        pairs = []
        for name, value in self.parameters_to_tuples(params, collection_formats):
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, dict):
                value = json.dumps(value)
            pairs.append((name, value))
        return urlencode(pairs)

    def files_parameters(self, files: Mapping[str, Any] | None = None) -> list[tuple[str, Any]]:
        """Part of the generated surface; this API takes no files."""
        if files:
            raise ApiValueError("This API takes no file uploads")
        return []

    def select_header_accept(self, accepts: Sequence[str]) -> str | None:
        """The JSON one among ``accepts``, else the first, else None."""
        for accept in accepts:
            if is_json(accept):
                return accept
        return accepts[0] if accepts else None

    def select_header_content_type(self, content_types: Sequence[str]) -> str | None:
        """The JSON one among ``content_types``, else the first, else None."""
        return self.select_header_accept(content_types)


MODEL_CLASS = type(BaseModel)
"""pydantic's metaclass: every model class is an instance of it, and ``list[X]`` is not (on
Python 3.9, ``list[X]`` passes ``isinstance(..., type)``, and ``issubclass`` then raises)."""


def is_model(klass: Any) -> TypeGuard[type[BaseModel]]:
    """Whether ``klass`` is a model class: one check, on the per-call path."""
    return isinstance(klass, MODEL_CLASS)


def _container_of(klass: Any) -> Optional[tuple[type, Any]]:
    """``(list, X)`` for ``List[X]`` and ``(dict, X)`` for ``Dict[K, X]``, named or typed."""
    if isinstance(klass, str):
        list_of = _LIST_TYPE.match(klass)
        if list_of:
            return list, list_of.group(1)
        dict_of = _DICT_TYPE.match(klass)
        return (dict, dict_of.group(2)) if dict_of else None
    origin = get_origin(klass)
    if origin is list:
        return list, get_args(klass)[0]
    if origin is dict:
        return dict, get_args(klass)[1]
    return None


def _type_name(klass: Any) -> str:
    """How a response type reads in an error: ``List[X]`` whether it was named or typed."""
    if isinstance(klass, str):
        return klass
    container = _container_of(klass)
    if container is None:
        return getattr(klass, "__name__", repr(klass))
    kind, item_type = container
    if kind is list:
        return f"List[{_type_name(item_type)}]"
    return f"Dict[str, {_type_name(item_type)}]"


def describe(error: ValidationError) -> str:
    """A short account of why a body did not fit its model, without echoing the whole body."""
    problems = []
    for detail in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(part) for part in detail["loc"]) or "body"
        problems.append(f"{where}: {detail['msg']}")
    return "; ".join(problems)
