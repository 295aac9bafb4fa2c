"""drf-spectacular post-processing: the error answers every API operation can give.

Views document what is particular to them; the answers that come from the shop's
shared machinery are added here for every operation (present and future), so the
schema lists every status code the API returns (schemathesis checks it does).
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before asking again.",
    }
}


def _error(description: str, *, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def document_shop_errors(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: add the shared 4xx/503 answers to each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            body = operation.get("requestBody", {}).get("content", {})
            shared = {
                "429": _error(
                    "Too many requests (the API's throttle, or photo search and assistant limits).",
                    headers=RETRY_AFTER,
                ),
                "503": _error(
                    "The database (or, for photo search, the model) is unavailable.",
                    headers=RETRY_AFTER,
                ),
            }
            if body:
                shared["400"] = _error("Malformed or invalid input.")
                shared["415"] = _error(
                    "A body in a content type the operation does not read (or none named)."
                )
            if method.upper() not in ("GET", "HEAD", "OPTIONS"):
                shared["403"] = _error(
                    "A request carrying the session cookie that is not JSON needs a CSRF "
                    "token (shop/api_csrf.py)."
                )
            if "multipart/form-data" in body:
                shared["413"] = _error("The request body or photo is over the upload limit.")
            if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
                shared["404"] = _error("No such object, or no such page.")
            for status, response in shared.items():
                responses.setdefault(status, response)
    return result
