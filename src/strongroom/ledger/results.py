"""Per-item outcomes of create_accounts and create_transfers.

Each batch returns one result per item, in order. `ok` and `exists` are successes (`exists`: the
same id with the same content was applied before, nothing changed); every other member is an
error that changed nothing. docs/ledger.md documents each code with an example.
"""

from __future__ import annotations

import enum


class CreateAccountResult(enum.StrEnum):
    OK = "ok"
    EXISTS = "exists"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    LEDGER_UNKNOWN = "ledger_unknown"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    OVERDRAFT_LIMIT_OUT_OF_RANGE = "overdraft_limit_out_of_range"
    OVERDRAFT_LIMIT_REQUIRES_LIMIT_FLAG = "overdraft_limit_requires_limit_flag"
    BALANCES_MUST_BE_ZERO = "balances_must_be_zero"
    STATUS_MUST_BE_OPEN = "status_must_be_open"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    METADATA_TOO_LARGE = "metadata_too_large"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_OVERDRAFT_LIMIT = "exists_with_different_overdraft_limit"
    EXISTS_WITH_DIFFERENT_METADATA = "exists_with_different_metadata"
    EXISTS_WITH_DIFFERENT_TENANT = "exists_with_different_tenant"

    @property
    def succeeded(self) -> bool:
        return self in _ACCOUNT_SUCCESSES


class CreateTransferResult(enum.StrEnum):
    OK = "ok"
    EXISTS = "exists"
    # A chain fails as a whole: the failing transfer gets its own code, the others this one.
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    # Checks on the transfer alone.
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    LEDGER_UNKNOWN = "ledger_unknown"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_REQUIRED = "pending_id_required"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    TIMEOUT_OUT_OF_RANGE = "timeout_out_of_range"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    METADATA_TOO_LARGE = "metadata_too_large"
    # Idempotency: the id was used before for a different transfer.
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID = "exists_with_different_debit_account_id"
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID = "exists_with_different_credit_account_id"
    EXISTS_WITH_DIFFERENT_AMOUNT = "exists_with_different_amount"
    EXISTS_WITH_DIFFERENT_PENDING_ID = "exists_with_different_pending_id"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_TIMEOUT = "exists_with_different_timeout"
    EXISTS_WITH_DIFFERENT_METADATA = "exists_with_different_metadata"
    EXISTS_WITH_DIFFERENT_TENANT = "exists_with_different_tenant"
    # Checks against the accounts.
    ACCOUNT_NOT_FOUND = "account_not_found"
    LEDGER_MISMATCH = "ledger_mismatch"
    ACCOUNT_FROZEN = "account_frozen"
    ACCOUNT_CLOSED = "account_closed"
    # Two-phase transfers.
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = (
        "pending_transfer_has_different_debit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = (
        "pending_transfer_has_different_credit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_CODE = "pending_transfer_has_different_code"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    # Balances: limits and the 64-bit counters.
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"
    OVERFLOWS_DEBITS_PENDING = "overflows_debits_pending"
    OVERFLOWS_CREDITS_PENDING = "overflows_credits_pending"
    OVERFLOWS_DEBITS_POSTED = "overflows_debits_posted"
    OVERFLOWS_CREDITS_POSTED = "overflows_credits_posted"
    OVERFLOWS_DEBITS = "overflows_debits"
    OVERFLOWS_CREDITS = "overflows_credits"

    @property
    def succeeded(self) -> bool:
        return self in _TRANSFER_SUCCESSES


# Module constants: reading an Enum member off its class costs ~0.25 µs on Python 3.11, and
# callers ask `succeeded` of every result.
_ACCOUNT_SUCCESSES = frozenset({CreateAccountResult.OK, CreateAccountResult.EXISTS})
_TRANSFER_SUCCESSES = frozenset({CreateTransferResult.OK, CreateTransferResult.EXISTS})
