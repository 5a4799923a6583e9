"""What the bank meters of its own operations for billing (strongroom.billing.metering): each
when the step that did it is recorded, billed to the tenant (a BaaS platform bills its tenants
for what they use), with the customer-facing details as properties rule groups filter on."""

from __future__ import annotations

from typing import Any

from strongroom.billing.metering import meter
from strongroom.billing.types import TENANT_SUBJECT, PropertyValue
from strongroom.workflows.definitions import StepContext

#: A payment settled (quantity 1), and its amount (quantity: minor units).
PAYMENTS = "banking.payments"
PAYMENT_VOLUME = "banking.payment_volume"
#: A deposit credited from outside the bank.
DEPOSITS = "banking.deposits"
#: An account opened.
ACCOUNTS_OPENED = "banking.accounts_opened"
#: A currency conversion, and the amount sold (minor units of the currency sold).
FX_CONVERSIONS = "banking.fx_conversions"
FX_VOLUME = "banking.fx_volume"


def bill(
    context: StepContext[Any], metric: str, quantity: int = 1, **properties: PropertyValue
) -> None:
    """Meter `metric` to the tenant when this step's result is saved."""
    meter(context, metric, TENANT_SUBJECT, quantity, properties)
