"""/v1/keys: an admin key manages the API keys of its own tenant."""

from __future__ import annotations

from fastapi import APIRouter

from strongroom.api.http.auth import Access, Caller
from strongroom.api.http.models import KeyIn, KeyList, KeyOut, NewKeyOut
from strongroom.api.http.problems import RESPONSES
from strongroom.api.http.routing import JsonBodyRoute

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=RESPONSES, route_class=JsonBodyRoute)


@router.post("", response_model=NewKeyOut, status_code=201, summary="Create an API key")
async def create_key(body: KeyIn, caller: Caller, access: Access) -> NewKeyOut:
    """The response holds the secret `token`: it is shown this once and never stored."""
    new = await access.create_key(caller, body.role, body.name)
    return NewKeyOut(**KeyOut.of(new.key).model_dump(), token=new.token)


@router.get("", response_model=KeyList, summary="List the tenant's API keys")
async def list_keys(caller: Caller, access: Access) -> KeyList:
    return KeyList(items=[KeyOut.of(k) for k in await access.list_keys(caller)])


@router.delete("/{key_id}", response_model=KeyOut, summary="Revoke an API key")
async def revoke_key(key_id: str, caller: Caller, access: Access) -> KeyOut:
    return KeyOut.of(await access.revoke_key(caller, key_id))
