"""Opening the services the API and the CLI call: the ledger's service, API keys and the rate
limits authentication admits requests by; the intents', compliance cases' and bank's services."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.banking.services import BankingServices
from strongroom.billing.services import BillingServices
from strongroom.clock import Clock, SystemClock
from strongroom.compliance.cases import CaseService
from strongroom.compliance.service import ComplianceService
from strongroom.errors import ConfigurationError, ValidationError
from strongroom.ledger.ledger import Ledger
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.settings import Settings
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DEFAULT_URL, parse_url
from strongroom.workflows.service import IntentService

#: Seconds a verified API key is trusted before it is read again (services.access).
KEY_CACHE_TTL = 5.0


async def open_access(
    url: str = DEFAULT_URL,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    cache_ttl: float = KEY_CACHE_TTL,
    limiter: RateLimiter | None = None,
) -> AccessService:
    """API keys on `url`'s database (migrated first unless `migrate=False`). `cache_ttl`:
    seconds a verified key is trusted before it is read again (see services.access);
    `limiter`: the rate limits of authenticated requests (None: none), closed by the caller."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    return AccessService(SqlApiKeyStore.open(parsed), clock or SystemClock(), cache_ttl, limiter)


def open_rate_limiter(settings: Settings) -> RateLimiter | None:
    """The rate limits `settings` set: in Redis when `rate_limit_url` is set, else in this
    process; None when both the key's and the tenant's rate are 0 (unlimited)."""
    limits = Limits(
        key=_limit(
            "rate_limit_per_key", settings.rate_limit_per_key, settings.rate_limit_per_key_burst
        ),
        tenant=_limit(
            "rate_limit_per_tenant",
            settings.rate_limit_per_tenant,
            settings.rate_limit_per_tenant_burst,
        ),
    )
    if limits.key is None and limits.tenant is None:
        return None
    if settings.rate_limit_url is not None:
        return RedisRateLimiter(settings.rate_limit_url, limits)
    return MemoryRateLimiter(limits)


def _limit(setting: str, rate: float, burst: int) -> Limit | None:
    if rate == 0:
        return None
    try:
        return Limit(rate, burst)
    except ValidationError as error:
        # The settings check the range of each value, not what the algorithm can keep.
        raise ConfigurationError(f"{setting}: {error.reason} (0: unlimited)") from None


@dataclass(frozen=True, slots=True)
class Services:
    """What the API and the CLI call, over one database."""

    ledger: Ledger
    ledger_service: LedgerService
    access: AccessService
    intents: IntentService
    compliance: ComplianceService
    cases: CaseService
    banking: BankingServices
    billing: BillingServices
