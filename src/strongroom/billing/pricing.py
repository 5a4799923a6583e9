"""Price tiers: what a quantity of usage costs, exactly, in minor units.

A `Tier` is one of four kinds:

- `flat`: every unit at `unit_price`;
- `graduated`: each slice of the quantity at the price of the band it falls in, plus the flat
  fee of every band reached (like income-tax brackets);
- `volume`: the whole quantity at the price of the one band it falls in, plus that band's fee;
- `package`: the quantity rounded up to whole packages of `package_size` units, each at
  `package_price`.

Bands are written with `up_to`, the last unit of the band (inclusive; the last band has none):
with bands up to 1000 and beyond, unit 1000 is in the first band, unit 1001 in the second.
`free_units` come off the quantity first; `minimum` is the least the tier charges (the
difference is a line of its own); no units use no band (a volume tier charges nothing for none).
Unit prices are exact fractions of a minor unit (0.0001 USD per call is 1/100 of a cent);
everything is computed exactly and rounded once, half to even, on the total
(products.rounding), so a tier never drifts by a rounding per unit or per band. Graduated and
volume bands are the product factory's banded pricing (products.tiers) over units.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Annotated, Any

import msgspec

from strongroom.errors import ValidationError
from strongroom.money import exponent
from strongroom.products.rounding import round_minor, to_minor
from strongroom.products.tiers import Band as ProductBand
from strongroom.products.tiers import TierMethod, Tiers
from strongroom.workflows.definitions import field_error


class TierKind(enum.StrEnum):
    FLAT = "flat"
    GRADUATED = "graduated"
    VOLUME = "volume"
    PACKAGE = "package"


@dataclass(frozen=True, slots=True)
class PriceBand:
    #: The band's last unit (inclusive); None: no end (the last band only).
    up_to: int | None
    #: Minor units per unit, exactly.
    unit_price: Fraction
    #: Minor units charged once when the band is used.
    flat_fee: int = 0


@dataclass(frozen=True, slots=True)
class Tier:
    kind: TierKind
    bands: tuple[PriceBand, ...] = ()
    #: flat: minor units per unit.
    unit_price: Fraction = Fraction(0)
    package_size: int = 1
    #: package: minor units per package.
    package_price: int = 0
    free_units: int = 0
    #: Minor units: the least the tier charges.
    minimum: int = 0


class Part(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a price's breakdown, as an invoice prints it."""

    #: band, flat, package, free or minimum.
    what: str
    units: int = 0
    #: The units' range (band, free), 1-based and inclusive.
    first: int | None = None
    last: int | None = None
    #: Minor units per unit (per package), as an exact fraction "n" or "n/d".
    unit_price: str = "0"
    flat_fee: int = 0
    #: Minor units, exactly ("n" or "n/d").
    amount: str = "0"


@dataclass(frozen=True, slots=True)
class Priced:
    exact: Fraction
    #: `exact` rounded half to even: what the line charges.
    amount: int
    breakdown: tuple[Part, ...]


def _band_tiers(tier: Tier) -> Tiers:
    """The bands as the product factory's Tiers over units: graduated slices run from the band
    before's last unit; a volume band holds the units after it up to its own last."""
    bands = []
    lower = 0
    for band in tier.bands:
        if tier.kind is TierKind.GRADUATED:
            bands.append(ProductBand(lower, band.up_to, band.flat_fee, band.unit_price))
        else:
            start = 0 if lower == 0 else lower + 1
            upper = None if band.up_to is None else band.up_to + 1
            bands.append(ProductBand(start, upper, band.flat_fee, band.unit_price))
        lower = band.up_to if band.up_to is not None else lower
    method = TierMethod.GRADUATED if tier.kind is TierKind.GRADUATED else TierMethod.VOLUME
    return Tiers(method, tuple(bands))


def _bands_used(tier: Tier, units: int) -> list[Part]:
    """The bands `units` (> 0) use: every band reached (graduated), or the one (volume)."""
    parts = []
    lower = 0
    for band in tier.bands:
        end = units if band.up_to is None else min(units, band.up_to)
        if tier.kind is TierKind.GRADUATED:
            count, first = end - lower, lower + 1
        elif band.up_to is None or units <= band.up_to:
            count, first = units, lower + 1
        else:
            lower = band.up_to
            continue
        parts.append(
            Part(
                what="band",
                units=count,
                first=first,
                last=end,
                unit_price=str(band.unit_price),
                flat_fee=band.flat_fee,
                amount=str(band.unit_price * count + band.flat_fee),
            )
        )
        if band.up_to is None or units <= band.up_to:
            break
        lower = band.up_to
    return parts


def price(tier: Tier, quantity: int) -> Priced:
    """What `quantity` units cost under `tier`."""
    if type(quantity) is not int or quantity < 0:
        raise ValidationError("quantity", f"must be a whole number of units >= 0, not {quantity!r}")
    parts: list[Part] = []
    if tier.free_units:
        free = min(quantity, tier.free_units)
        parts.append(Part(what="free", units=free, first=1 if free else None, last=free or None))
    units = max(quantity - tier.free_units, 0)
    if tier.kind is TierKind.FLAT:
        exact = tier.unit_price * units
        parts.append(
            Part(what="flat", units=units, unit_price=str(tier.unit_price), amount=str(exact))
        )
    elif tier.kind is TierKind.PACKAGE:
        packages = math.ceil(units / tier.package_size) if units else 0
        exact = Fraction(packages * tier.package_price)
        parts.append(
            Part(
                what="package",
                units=packages,
                unit_price=str(tier.package_price),
                amount=str(exact),
            )
        )
    elif units:
        exact = _band_tiers(tier).apply(units)
        parts += _bands_used(tier, units)
    else:
        # No unit uses a band: a volume tier's first band does not charge its fee for none.
        exact = Fraction(0)
    if exact < tier.minimum:
        parts.append(Part(what="minimum", amount=str(tier.minimum - exact)))
        exact = Fraction(tier.minimum)
    return Priced(exact, round_minor(exact), tuple(parts))


def share_of(tier: Tier, share: Fraction) -> Tier:
    """The tier for part of a period: its free allowance (rounded down) and minimum (rounded
    half to even) are that share of the whole period's."""
    return replace(
        tier,
        free_units=math.floor(tier.free_units * share),
        minimum=round_minor(tier.minimum * share),
    )


# -- the JSON form ----------------------------------------------------------------------------

_DECIMAL = r"^[0-9]+(\.[0-9]+)?$"
DecimalText = Annotated[str, msgspec.Meta(pattern=_DECIMAL, max_length=40)]
Units = Annotated[int, msgspec.Meta(ge=0, le=2**62)]


class _BandSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    unit_price: DecimalText
    up_to: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None
    flat_fee: DecimalText = "0"


class _TierSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: TierKind
    bands: list[_BandSpec] | None = None
    unit_price: DecimalText | None = None
    package_size: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None
    package_price: DecimalText | None = None
    free_units: Units = 0
    minimum: DecimalText = "0"


def _per_unit(text: str, currency: str) -> Fraction:
    """A unit price in major units (any number of decimals: it is per unit) as minor units."""
    scale: int = 10 ** exponent(currency)
    return Fraction(Decimal(text)) * scale


def _only(spec: _TierSpec, allowed: set[str]) -> None:
    for name in ("bands", "unit_price", "package_size", "package_price"):
        if name not in allowed and getattr(spec, name) is not None:
            raise ValidationError(name, f"has no meaning for a {spec.kind.value} tier")
        if name in allowed and getattr(spec, name) is None:
            raise ValidationError(name, f"is required for a {spec.kind.value} tier")


def tier_from_dict(data: Mapping[str, Any], currency: str) -> Tier:
    """A tier from its JSON form, prices as decimal strings of `currency`'s major units."""
    try:
        spec = msgspec.convert(dict(data), _TierSpec, strict=True)
    except msgspec.ValidationError as error:
        raise field_error(error) from None
    minimum = to_minor(Decimal(spec.minimum), currency, "minimum")
    common: dict[str, Any] = {"free_units": spec.free_units, "minimum": minimum}
    if spec.kind is TierKind.FLAT:
        _only(spec, {"unit_price"})
        assert spec.unit_price is not None
        return Tier(TierKind.FLAT, unit_price=_per_unit(spec.unit_price, currency), **common)
    if spec.kind is TierKind.PACKAGE:
        _only(spec, {"package_size", "package_price"})
        assert spec.package_size is not None
        assert spec.package_price is not None
        package_price = to_minor(Decimal(spec.package_price), currency, "package_price")
        return Tier(
            TierKind.PACKAGE, package_size=spec.package_size, package_price=package_price, **common
        )
    _only(spec, {"bands"})
    assert spec.bands is not None
    if not spec.bands:
        raise ValidationError("bands", "must hold at least one band")
    bands = []
    before = 0
    for i, band in enumerate(spec.bands):
        last = i == len(spec.bands) - 1
        if band.up_to is None and not last:
            raise ValidationError(f"bands[{i}].up_to", "only the last band has no end")
        if band.up_to is not None and last:
            raise ValidationError(f"bands[{i}].up_to", "the last band has no end: leave it out")
        if band.up_to is not None and band.up_to <= before:
            raise ValidationError(f"bands[{i}].up_to", f"must be above the band before's {before}")
        fee = to_minor(Decimal(band.flat_fee), currency, f"bands[{i}].flat_fee")
        bands.append(PriceBand(band.up_to, _per_unit(band.unit_price, currency), fee))
        before = band.up_to or before
    return Tier(spec.kind, bands=tuple(bands), **common)


def _major(minor_units: Fraction, currency: str) -> str:
    """Minor units as an exact decimal string of major units (prices came from decimals)."""
    value = minor_units / 10 ** exponent(currency)
    with localcontext() as context:
        context.prec = 60
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def tier_to_dict(tier: Tier, currency: str) -> dict[str, Any]:
    """The JSON form `tier_from_dict` reads back to the same tier."""
    out: dict[str, Any] = {"kind": tier.kind.value}
    if tier.kind is TierKind.FLAT:
        out["unit_price"] = _major(tier.unit_price, currency)
    elif tier.kind is TierKind.PACKAGE:
        out["package_size"] = tier.package_size
        out["package_price"] = _major(Fraction(tier.package_price), currency)
    else:
        out["bands"] = [
            {
                "unit_price": _major(b.unit_price, currency),
                **({} if b.up_to is None else {"up_to": b.up_to}),
                **({"flat_fee": _major(Fraction(b.flat_fee), currency)} if b.flat_fee else {}),
            }
            for b in tier.bands
        ]
    if tier.free_units:
        out["free_units"] = tier.free_units
    if tier.minimum:
        out["minimum"] = _major(Fraction(tier.minimum), currency)
    return out
