"""Bank identifiers (IBAN and BIC, through schwifty), countries, and national identity numbers
by kind: Singapore's NRIC/FIN here (`nric`), every other through python-stdnum's module of that
name. Each returns the normalised form or raises `InvalidIdentifier` naming the field and the
validator's reason."""

from __future__ import annotations

import re
from types import ModuleType

import pycountry
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from strongroom.compliance.kyc.errors import InvalidIdentifier
from strongroom.compliance.kyc.nric import validate_nric

#: The national-id kind of a Singapore NRIC or FIN; python-stdnum has no such module.
NRIC = "sg.nric"
# python-stdnum's country modules are named "<ISO 3166 alpha-2>.<number>" ("nl.bsn").
_STDNUM_KIND = re.compile(r"([a-z]{2})\.([a-z][a-z0-9_]*)")


def validate_iban(value: str, *, field: str = "iban") -> str:
    """The IBAN without blanks, upper case. The national (BBAN) check digits are verified too
    where schwifty knows the country's algorithm."""
    try:
        return IBAN(value, validate_bban=True).compact
    except SchwiftyException as error:
        raise InvalidIdentifier(field, str(error)) from error


def validate_bic(value: str, *, field: str = "bic") -> str:
    """The BIC without blanks, upper case, 8 or 11 characters. Its structure and country are
    checked, not whether a bank holds it: schwifty's registry of banks is incomplete."""
    try:
        return BIC(value).compact
    except SchwiftyException as error:
        raise InvalidIdentifier(field, str(error)) from error


def validate_country(value: str, *, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper case."""
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidIdentifier(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def validate_national_id(
    kind: str, value: str, *, field: str = "national_id", kind_field: str = "national_id_kind"
) -> str:
    """`value` in its compact form if it is a valid number of `kind`: `NRIC`, or the name of a
    python-stdnum module such as "nl.bsn" or "my.nric"."""
    if kind == NRIC:
        return validate_nric(value, field=field)
    module = _stdnum_module(kind)
    if module is None:
        raise InvalidIdentifier(
            kind_field, f"unknown kind {kind!r}: {NRIC!r} or a python-stdnum module like 'nl.bsn'"
        )
    try:
        number: str = module.validate(value)
    except StdnumError as error:
        raise InvalidIdentifier(field, f"not a valid {kind}: {error}") from error
    return number


def _stdnum_module(kind: str) -> ModuleType | None:
    match = _STDNUM_KIND.fullmatch(kind)
    if match is None:
        return None
    # get_cc_module returns any attribute of that name, so a module without `validate` is no kind.
    module = get_cc_module(*match.groups())
    if not isinstance(module, ModuleType) or not callable(getattr(module, "validate", None)):
        return None
    return module
