"""Errors the API adds to strongroom.errors: missing or bad credentials, and too little rights."""

from __future__ import annotations

from strongroom.errors import StrongroomError


class Unauthenticated(StrongroomError):
    """No API key, a malformed one, an unknown one, or a revoked one."""

    code = "unauthenticated"


class PermissionDenied(StrongroomError):
    """A valid key whose role does not allow the operation."""

    code = "permission_denied"
