"""/v1/keys: an admin key manages the API keys of its own tenant."""

from __future__ import annotations

from fastapi import APIRouter

from strongroom.api.http.auth import Caller, Service
from strongroom.api.http.models import KeyIn, KeyList, KeyOut, NewKeyOut
from strongroom.api.http.problems import RESPONSES

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=RESPONSES)


@router.post("", response_model=NewKeyOut, status_code=201, summary="Create an API key")
async def create_key(body: KeyIn, caller: Caller, service: Service) -> NewKeyOut:
    """The response holds the secret `token`: it is shown this once and never stored."""
    new = await service.create_key(caller, body.role, body.name)
    return NewKeyOut(**KeyOut.of(new.key).model_dump(), token=new.token)


@router.get("", response_model=KeyList, summary="List the tenant's API keys")
async def list_keys(caller: Caller, service: Service) -> KeyList:
    return KeyList(items=[KeyOut.of(k) for k in await service.list_keys(caller)])


@router.delete("/{key_id}", response_model=KeyOut, summary="Revoke an API key")
async def revoke_key(key_id: str, caller: Caller, service: Service) -> KeyOut:
    return KeyOut.of(await service.revoke_key(caller, key_id))
