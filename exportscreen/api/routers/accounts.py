"""``/v1/keys``: API keys listed and revoked by an admin (``ops.accounts``), as the CLI's
``keys list`` and ``keys revoke`` do. Keys are created on the command line only (shown once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from exportscreen.api.auth import Admin
from exportscreen.api.schemas import KeyOut, KeysResponse
from exportscreen.api.state import Services, services
from exportscreen.ops import accounts

router = APIRouter(prefix="/v1/keys", tags=["accounts"])
KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=KeysResponse)
def list_keys(
    _: Admin,
    found: Annotated[Services, Depends(services)],
    user: Annotated[str | None, Query(max_length=200, description="Only this user's.")] = None,
) -> KeysResponse:
    """Every API key (admin role): id, user, label, created, revoked. Never the key itself."""
    return KeysResponse(
        keys=[
            KeyOut.model_validate(k, from_attributes=True)
            for k in accounts.keys(found.store.engine, user)
        ]
    )


@router.post("/{key_id}/revoke", response_model=KeyOut)
def revoke_key(
    key_id: KeyId, principal: Admin, found: Annotated[Services, Depends(services)]
) -> KeyOut:
    """Revoke an API key (admin role; audited). Every worker refuses it from the next request
    on: keys are checked against the store on each request."""
    try:
        accounts.revoke_key(found.store, key_id, actor=principal.user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    revoked = next(k for k in accounts.keys(found.store.engine) if k.id == key_id)
    return KeyOut.model_validate(revoked, from_attributes=True)
