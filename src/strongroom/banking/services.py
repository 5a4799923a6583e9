"""`BankingServices`: the banking services the API and the CLI call, handed over as one."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.banking.payments.service import PaymentService


@dataclass(frozen=True, slots=True)
class BankingServices:
    payments: PaymentService
