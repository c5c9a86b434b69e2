"""The interactive API documentation, served offline: Swagger UI at ``/docs`` and ReDoc at
``/redoc``, their scripts and styles from the ``fastapi-offline`` package (mounted at
``/static/vendor``) and a start-up script of ours, so that the pages need no CDN and no inline
script (their content security policy is ``api.security.DOCS_CSP``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from exportscreen.web.pages import templates

router = APIRouter(include_in_schema=False)

VENDOR_DIR = Path(fastapi_offline.__file__).parent / "static"
VENDOR_PATH = "/static/vendor"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "apidocs.html", {"viewer": "swagger"})


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "apidocs.html", {"viewer": "redoc"})


# ReDoc's sidebar shows its maker's logo from their CDN, whatever the options say: the script is
# served with that address replaced by an empty image, so the page makes no request elsewhere
# (and the CSP has nothing to refuse).
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def _redoc_script() -> bytes:
    return (VENDOR_DIR / "redoc.standalone.js").read_bytes().replace(REDOC_LOGO, b"data:,")


@router.get("/static/redoc.js")
def redoc_script() -> Response:
    return Response(
        _redoc_script(),
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=86400"},
    )
