"""The OpenAPI document is valid and documents what clients need."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from congress.app import create_app


def document() -> dict[str, Any]:
    schema: dict[str, Any] = create_app().openapi_schema.to_schema()
    return schema


def test_openapi_document_is_valid() -> None:
    validate(document())


def test_every_protected_operation_documents_auth_errors_as_problem_details() -> None:
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            assert "400" in responses, (method, path)
            if operation.get("security"):
                for status in ("401", "403"):
                    assert "application/problem+json" in responses[status]["content"], (method, path, status)
