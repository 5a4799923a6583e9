"""Wiring the bank: its intent types over the parts they act on, how one of its intents fires an
event on another (a capture on its authorisation, the last part on its deposit), and its
services."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from strongroom.banking.accounts import AccountService, close_type, open_type
from strongroom.banking.beneficiaries import BeneficiaryBook, BeneficiaryPolicy, BeneficiaryService
from strongroom.banking.charges import monthly_type
from strongroom.banking.customers import CustomerService, verify_type
from strongroom.banking.fx import FxService, FxSettings, convert_type
from strongroom.banking.interest import accrue_type
from strongroom.banking.payments.card import authorisation_type, capture_type, release_type
from strongroom.banking.payments.deposit import deposit_type
from strongroom.banking.payments.internal import internal_payment_type
from strongroom.banking.payments.lookups import Lookups
from strongroom.banking.payments.multipart import multipart_type, part_type
from strongroom.banking.payments.refund import refund_type
from strongroom.banking.payments.service import PaymentService
from strongroom.banking.periodic import PeriodicService
from strongroom.banking.ports import BankStore
from strongroom.banking.pots import PotService, close_pot_type, move_type
from strongroom.banking.reconciliation import ReconciliationService
from strongroom.banking.services import BankingServices
from strongroom.banking.settlement import SettlementService, eod_type
from strongroom.banking.statements import StatementService
from strongroom.banking.types import Directory
from strongroom.bootstrap.security import Encryption
from strongroom.clock import Clock
from strongroom.compliance.decide import Decider
from strongroom.compliance.kyc.provider import KycProvider
from strongroom.compliance.screening.types import Screener
from strongroom.ledger import Ledger
from strongroom.parties import PartyRepository
from strongroom.products.stored import StoredAccrualStore, StoredProductCatalog
from strongroom.services.access import ApiKey, Principal, Role
from strongroom.settings import Settings
from strongroom.workflows.definitions import IntentType
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent

#: How the bank's intents fire an event on another intent: IntentService.fire.
FireAs = Callable[[Principal, uuid.UUID, str, str], Awaitable[object]]


def bank_fire(fire: FireAs) -> Callable[[Intent, uuid.UUID, str, str], Awaitable[object]]:
    """Fire as the acting intent's actor, with the write role in its tenant: a capture fires
    `captured` on its authorisation on behalf of whoever asked for the capture."""

    async def fire_for(acting: Intent, intent_id: uuid.UUID, event: str, reason: str) -> object:
        who = ApiKey(
            id=acting.actor or f"intent:{acting.id}",
            tenant=acting.tenant,
            role=Role.WRITE,
            name="banking",
            created_at=0,
        )
        return await fire(who, intent_id, event, reason)

    return fire_for


def beneficiary_policy(settings: Settings) -> BeneficiaryPolicy:
    return BeneficiaryPolicy(settings.beneficiary_cooling_off, settings.beneficiary_new_limit)


def payment_intent_types(
    ledger: Ledger,
    directory: Directory,
    decider: Decider,
    catalog: StoredProductCatalog,
    store: IntentStore,
    fire: FireAs,
    beneficiaries: BeneficiaryBook,
    settings: Settings,
) -> list[IntentType[Any]]:
    """Every intent type of the bank's payments."""
    fire_for = bank_fire(fire)
    lookups = Lookups(ledger, catalog)
    policy = beneficiary_policy(settings)
    return [
        internal_payment_type(ledger, directory, decider, lookups, beneficiaries, policy),
        refund_type(ledger, store),
        deposit_type(ledger, directory, decider, lookups),
        multipart_type(directory, decider),
        part_type(ledger, store, fire_for),
        authorisation_type(ledger, directory, decider, lookups),
        capture_type(ledger, store, fire_for),
        release_type(ledger, store, fire_for),
    ]


def customer_intent_types(
    bank: BankStore,
    ledger: Ledger,
    directory: Directory,
    catalog: StoredProductCatalog,
    parties: PartyRepository,
    kyc: KycProvider,
    store: IntentStore,
    settings: Settings,
    clock: Clock,
) -> list[IntentType[Any]]:
    """The intent types of the bank's customers, accounts, pots, conversions and periodic
    runs."""
    validity = settings.kyc_validity_days * 86_400
    return [
        verify_type(bank, parties, kyc, validity),
        open_type(bank, ledger, catalog, clock),
        close_type(bank, ledger),
        move_type(bank, ledger),
        close_pot_type(bank, ledger, store),
        convert_type(bank, ledger, directory),
        eod_type(ledger),
        accrue_type(bank, ledger, catalog, StoredAccrualStore(catalog.store, clock)),
        monthly_type(bank, ledger, catalog),
    ]


def wire_banking(
    bank: BankStore,
    beneficiaries: BeneficiaryBook,
    ledger: Ledger,
    catalog: StoredProductCatalog,
    encryption: Encryption,
    intents: IntentService,
    directory: Directory,
    screener: Screener,
    settings: Settings,
    clock: Clock,
) -> BankingServices:
    return BankingServices(
        payments=PaymentService(intents, directory, ledger),
        customers=CustomerService(bank, encryption.parties, encryption.service, intents, clock),
        accounts=AccountService(bank, ledger, catalog, intents, clock),
        pots=PotService(bank, ledger, intents, clock),
        statements=StatementService(ledger, directory, clock),
        fx=FxService(
            bank,
            intents,
            clock,
            FxSettings(settings.fx_spread_bps, settings.fx_quote_ttl, settings.fx_rate_max_age),
        ),
        beneficiaries=BeneficiaryService(
            bank, beneficiaries, screener, clock, beneficiary_policy(settings)
        ),
        settlement=SettlementService(intents),
        periodic=PeriodicService(intents, clock),
        reconciliation=ReconciliationService(intents),
    )
