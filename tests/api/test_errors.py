from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from exportscreen.screening.screener import Screener


def test_an_unexpected_error_is_a_generic_500_without_a_trace(
    client: TestClient, viewer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret path /etc/exportscreen/db.sqlite")

    monkeypatch.setattr(Screener, "screen", broken)
    response = client.post("/v1/screen", json={"name": "Acme"}, headers=viewer)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/healthz", "/v1/lists", "/ui/login", "/docs"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_ui_pages_allow_no_inline_script(client: TestClient) -> None:
    policy = client.get("/ui/login").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy


def test_every_operation_documents_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            content = success.get("content", {})
            documented = any(
                "example" in media or "examples" in media for media in content.values()
            )
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref and "examples" in schemas[ref.rsplit("/", 1)[-1]]:
                    documented = True
            if not documented:
                missing.append(f"{method.upper()} {path}")
    assert missing == []
