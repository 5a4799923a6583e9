"""The one settings object: what a deployment configures, read from the environment and an
optional TOML file, validated once at start.

Precedence, highest first: a command-line option, a `STRONGROOM_*` environment variable, the
TOML file (`STRONGROOM_CONFIG`, else `strongroom.toml` in the working directory when it exists),
the defaults below (the embedded set-up: SQLite, the in-process bus, a local key file).
docs/configuration.md lists every setting.

Core layer: imports only strongroom.errors; `strongroom.bootstrap` turns settings into
components.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from strongroom.errors import ConfigurationError

CONFIG_ENV = "STRONGROOM_CONFIG"
DEFAULT_CONFIG = Path("strongroom.toml")
_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+asyncpg://")
_LOCK_SCHEMES = ("redis://", "rediss://", "unix://", "postgresql://", "postgres://")


class Settings(BaseSettings):
    """A deployment's configuration. Immutable: build a new one to change it."""

    model_config = SettingsConfigDict(env_prefix="STRONGROOM_", extra="forbid", frozen=True)

    #: Where the ledger and every other table live.
    db_url: str = "sqlite:///strongroom.db"
    #: Connections of the ledger's PostgreSQL pool (per process).
    pool_size: int = Field(default=8, ge=1, le=256)
    #: The local key file holding the key-encryption keys (created on first use).
    key_file: Path = Path("strongroom.keys")
    #: NATS JetStream for events; unset: the in-process bus.
    nats_url: str | None = None
    #: The JetStream stream events are stored in, and the prefix of their subjects.
    nats_stream: str = Field(default="STRONGROOM", pattern=r"^[A-Za-z0-9_-]+$")
    event_prefix: str = Field(default="strongroom", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    #: Distributed locks: redis://... or a PostgreSQL URL; unset: the database's advisory locks
    #: when `db_url` is PostgreSQL.
    locks_url: str | None = None
    #: Seconds between releases of expired pending transfers; 0 turns the sweeper off.
    sweep_interval: float = Field(default=1.0, ge=0)
    #: Seconds between the balance snapshots `serve` (or `worker snapshots`) takes; 0: none.
    snapshot_interval: float = Field(default=300.0, ge=0)
    #: The components `strongroom serve` runs beside the APIs; switch one off to run it as its
    #: own process (`strongroom worker relay|audit|metering|snapshots|sweeper|intents`).
    run_relay: bool = True
    run_audit: bool = True
    run_metering: bool = True
    run_snapshots: bool = True
    run_sweeper: bool = True
    run_intents: bool = True
    #: The intent engine (strongroom.workflows): intents one process runs at once, seconds a
    #: worker's claim lasts without a heartbeat (a killed worker's intents are taken over
    #: after it), and seconds between an idle worker's looks for due intents.
    intent_capacity: int = Field(default=1000, ge=1, le=100_000)
    intent_lease: float = Field(default=15.0, gt=0)
    intent_poll_interval: float = Field(default=0.05, gt=0)
    #: Seconds a pre-transaction compliance decision may take; past it, or when the rule engine
    #: fails, a payment is blocked (fail closed) unless `compliance_fail_open` allows it.
    compliance_timeout: float = Field(default=0.5, gt=0, le=60)
    compliance_fail_open: bool = False
    #: Sanctions lists screened against: a directory holding OFAC's sdn.csv (with alt.csv and
    #: add.csv when present), and the EU consolidated list's CSV file; a hit scores at least
    #: `screening_threshold` (0-100).
    screening_ofac: Path | None = None
    screening_eu: Path | None = None
    screening_threshold: float = Field(default=80.0, gt=0, le=100)
    #: Whether decisions screen names not screened before in a worker process (started with
    #: the first such name, when a list is configured), so that the event loop never waits on
    #: one; off: on the loop.
    screening_worker: bool = True
    #: The youngest age (years) the local KYC provider verifies a person at.
    kyc_minimum_age: int = Field(default=18, ge=0, le=130)
    #: Days a customer's KYC verification holds before the customer must be verified again.
    kyc_validity_days: int = Field(default=365, ge=1, le=3650)
    #: Beneficiaries: seconds a new one is cooling off, and the most one payment to it may be
    #: meanwhile (minor units of the payment's currency).
    beneficiary_cooling_off: float = Field(default=86_400.0, ge=0)
    beneficiary_new_limit: int = Field(default=100_000, ge=0)
    #: FX: the spread a quote takes off the rate (basis points), how long a quote holds
    #: (seconds), and the oldest rate a quote may use (seconds).
    fx_spread_bps: int = Field(default=50, ge=0, le=5000)
    fx_quote_ttl: float = Field(default=30.0, gt=0, le=86_400)
    fx_rate_max_age: float = Field(default=86_400.0, gt=0)
    #: Seconds between deletions of velocity counters older than the longest window a rule set
    #: may declare (a year and a day); 0: never.
    velocity_prune_interval: float = Field(default=3600.0, ge=0)
    #: Compliance cases (strongroom.compliance.cases): seconds from opening until a case of
    #: each kind is overdue; whether a checker must also be another owner than the maker (two
    #: keys with the same name are one person's), not only another key.
    case_sla_review: float = Field(default=86_400.0, gt=0)
    case_sla_dispute: float = Field(default=30 * 86_400.0, gt=0)
    case_sla_break: float = Field(default=3 * 86_400.0, gt=0)
    case_distinct_owner: bool = True
    #: Seconds a dispute's investigation may take before it escalates.
    dispute_deadline: float = Field(default=45 * 86_400.0, gt=0)
    #: Requests per second each API key may make (token bucket; 0: unlimited) and the burst it
    #: may spend at once; the same for all the keys of one tenant together.
    rate_limit_per_key: float = Field(default=1000.0, ge=0)
    rate_limit_per_key_burst: int = Field(default=2000, ge=1)
    rate_limit_per_tenant: float = Field(default=5000.0, ge=0)
    rate_limit_per_tenant_burst: int = Field(default=10000, ge=1)
    #: Where the rate limits' buckets live: redis://... shares them between processes; unset:
    #: each process keeps its own.
    rate_limit_url: str | None = None
    #: OpenTelemetry: an OTLP/gRPC collector endpoint (http://host:4317) to export spans to;
    #: unset: no spans are exported.
    otlp_endpoint: str | None = None
    #: The `service.name` resource of the exported spans.
    service_name: str = Field(default="strongroom", min_length=1)
    #: Where `strongroom serve` listens.
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    grpc_port: int = Field(default=50051, ge=0, le=65535)

    @field_validator("db_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.startswith(_SCHEMES):
            raise ValueError("must be sqlite:///path or postgresql://user@host/db")
        return value

    @field_validator("locks_url")
    @classmethod
    def _locks(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(_LOCK_SCHEMES):
            raise ValueError("must be a redis:// or postgresql:// URL")
        return value

    @field_validator("rate_limit_url")
    @classmethod
    def _rate_limits(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL (OTLP over gRPC)")
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("nats://", "tls://")):
            raise ValueError("must be a nats:// URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_file()
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)


def _config_file() -> Path | None:
    named = os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigurationError(f"{CONFIG_ENV} names {named!r}, which is not a file")
        return path
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """The settings in force: `overrides` (command-line options; None means not given), then the
    environment, then the TOML file, then the defaults. Invalid values raise
    ConfigurationError naming the setting and where to set it."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc'])} "
            f"(STRONGROOM_{str(issue['loc'][0]).upper()}): {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from None
    except ValueError as error:
        # A TOML file that does not parse.
        raise ConfigurationError(f"invalid settings file: {error}") from None
