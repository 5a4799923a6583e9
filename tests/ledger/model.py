"""A deliberately plain reference model of the ledger's semantics (docs/ledger.md).

It copies the whole state before each linked chain and throws the copy away on failure,
where the engine keeps an undo log, so the two can disagree when either is wrong.
Time is counted in ticks: a pending transfer created at tick c with timeout T is expired
from tick c + T on (the tests advance the clock by a little more than a second per tick).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

from strongroom.ledger import AccountFlags, AccountStatus, Transfer, TransferFlags
from strongroom.money import is_currency

MAX = 2**63 - 1
NIL = uuid.UUID(int=0)
F = TransferFlags


@dataclass
class ModelAccount:
    id: uuid.UUID
    ledger: str
    flags: AccountFlags
    overdraft_limit: int = 0
    status: AccountStatus = AccountStatus.OPEN
    tenant: str = "default"
    dp: int = 0
    dpo: int = 0
    cp: int = 0
    cpo: int = 0


@dataclass
class ModelPending:
    debit: uuid.UUID
    credit: uuid.UUID
    amount: int
    ledger: str
    code: int
    tenant: str
    expires_tick: int | None
    state: str = "pending"


@dataclass
class Model:
    accounts: dict[uuid.UUID, ModelAccount] = field(default_factory=dict)
    stored: dict[uuid.UUID, Transfer] = field(default_factory=dict)
    pendings: dict[uuid.UUID, ModelPending] = field(default_factory=dict)
    tick: int = 0

    def batch(self, transfers: list[Transfer]) -> list[str]:
        for p in self.pendings.values():
            if p.state == "pending" and p.expires_tick is not None and self.tick >= p.expires_tick:
                p.state = "expired"
                self.accounts[p.debit].dp -= p.amount
                self.accounts[p.credit].cp -= p.amount
        results: list[str] = []
        i = 0
        while i < len(transfers):
            if not transfers[i].flags & F.LINKED:
                results.append(self._one(transfers[i]))
                i += 1
                continue
            end = i
            while end < len(transfers) and transfers[end].flags & F.LINKED:
                end += 1
            if end == len(transfers):
                results.extend(
                    ["linked_event_failed"] * (end - i - 1) + ["linked_event_chain_open"]
                )
                return results
            chain = transfers[i : end + 1]
            saved = copy.deepcopy((self.accounts, self.stored, self.pendings))
            chain_results = []
            for t in chain:
                code = self._one(t)
                chain_results.append(code)
                if code not in ("ok", "exists"):
                    self.accounts, self.stored, self.pendings = saved
                    failed_at = len(chain_results) - 1
                    chain_results = (
                        ["linked_event_failed"] * failed_at
                        + [code]
                        + ["linked_event_failed"] * (len(chain) - failed_at - 1)
                    )
                    break
            results.extend(chain_results)
            i = end + 1
        return results

    def _static(self, t: Transfer) -> str | None:
        if t.id == NIL:
            return "id_must_not_be_zero"
        phases = [f for f in (F.PENDING, F.POST_PENDING, F.VOID_PENDING) if t.flags & f]
        if len(phases) > 1:
            return "flags_are_mutually_exclusive"
        resolving = bool(t.flags & (F.POST_PENDING | F.VOID_PENDING))
        if resolving and t.flags & (F.BALANCING_DEBIT | F.BALANCING_CREDIT):
            return "flags_are_mutually_exclusive"
        if resolving:
            if t.pending_id in (None, NIL):
                return "pending_id_required"
            if t.pending_id == t.id:
                return "pending_id_must_be_different"
            if t.timeout:
                return "timeout_reserved_for_pending_transfer"
            if t.amount < 0:
                return "amount_must_be_positive"
            if t.amount > MAX:
                return "amount_out_of_range"
            if t.ledger and not is_currency(t.ledger):
                return "ledger_unknown"
            if not 0 <= t.code <= 65535:
                return "code_out_of_range"
            return None
        if t.pending_id not in (None, NIL):
            return "pending_id_must_be_zero"
        if t.timeout:
            if not t.flags & F.PENDING:
                return "timeout_reserved_for_pending_transfer"
            if not 0 < t.timeout < 2**31:
                return "timeout_out_of_range"
        if NIL in (t.debit_account_id, t.credit_account_id):
            return "account_not_found"
        if t.debit_account_id == t.credit_account_id:
            return "accounts_must_be_different"
        if t.amount <= 0:
            return "amount_must_be_positive"
        if t.amount > MAX:
            return "amount_out_of_range"
        if not is_currency(t.ledger):
            return "ledger_unknown"
        if t.code == 0:
            return "code_must_not_be_zero"
        if t.code > 65535:
            return "code_out_of_range"
        return None

    def _same(self, t: Transfer, e: Transfer) -> str:
        resolving = bool(t.flags & (F.POST_PENDING | F.VOID_PENDING))
        balancing = bool(t.flags & (F.BALANCING_DEBIT | F.BALANCING_CREDIT))
        checks = [
            ("tenant", t.tenant == e.tenant),
            ("flags", t.flags == e.flags),
            (
                "debit_account_id",
                t.debit_account_id == e.debit_account_id
                or (resolving and t.debit_account_id == NIL),
            ),
            (
                "credit_account_id",
                t.credit_account_id == e.credit_account_id
                or (resolving and t.credit_account_id == NIL),
            ),
            (
                "amount",
                t.amount == e.amount
                or (resolving and t.amount == 0)
                or (balancing and e.amount <= t.amount),
            ),
            ("pending_id", t.pending_id == e.pending_id),
            ("ledger", t.ledger == e.ledger or (resolving and t.ledger == "")),
            ("code", t.code == e.code or (resolving and t.code == 0)),
            ("timeout", t.timeout == e.timeout),
            ("metadata", (t.metadata or None) == (e.metadata or None)),
        ]
        for name, same in checks:
            if not same:
                return f"exists_with_different_{name}"
        return "exists"

    def _blocked(self, a: ModelAccount, tenant: str, void: bool = False) -> str | None:
        if a.tenant != tenant:
            return "account_not_found"
        if a.status != AccountStatus.OPEN and not void:
            return f"account_{a.status.value}"
        return None

    def _one(self, t: Transfer) -> str:
        code = self._static(t)
        if code:
            return code
        if t.id in self.stored:
            return self._same(t, self.stored[t.id])
        if t.flags & (F.POST_PENDING | F.VOID_PENDING):
            return self._resolve(t)
        debit = self.accounts.get(t.debit_account_id)
        credit = self.accounts.get(t.credit_account_id)
        if debit is None or credit is None:
            return "account_not_found"
        code = self._blocked(debit, t.tenant) or self._blocked(credit, t.tenant)
        if code:
            return code
        if debit.ledger != t.ledger or credit.ledger != t.ledger:
            return "ledger_mismatch"
        amount = t.amount
        if t.flags & F.BALANCING_DEBIT:
            amount = min(amount, debit.cpo + debit.overdraft_limit - debit.dpo - debit.dp)
            if amount <= 0:
                return "exceeds_credits"
        if t.flags & F.BALANCING_CREDIT:
            amount = min(amount, credit.dpo + credit.overdraft_limit - credit.cpo - credit.cp)
            if amount <= 0:
                return "exceeds_debits"
        pending = bool(t.flags & F.PENDING)
        if pending and debit.dp + amount > MAX:
            return "overflows_debits_pending"
        if pending and credit.cp + amount > MAX:
            return "overflows_credits_pending"
        if not pending and debit.dpo + amount > MAX:
            return "overflows_debits_posted"
        if not pending and credit.cpo + amount > MAX:
            return "overflows_credits_posted"
        if debit.dp + debit.dpo + amount > MAX:
            return "overflows_debits"
        if credit.cp + credit.cpo + amount > MAX:
            return "overflows_credits"
        if (
            debit.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
            and debit.dp + debit.dpo + amount > debit.cpo + debit.overdraft_limit
        ):
            return "exceeds_credits"
        if (
            credit.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
            and credit.cp + credit.cpo + amount > credit.dpo + credit.overdraft_limit
        ):
            return "exceeds_debits"
        if pending:
            debit.dp += amount
            credit.cp += amount
            self.pendings[t.id] = ModelPending(
                t.debit_account_id,
                t.credit_account_id,
                amount,
                t.ledger,
                t.code,
                t.tenant,
                self.tick + t.timeout if t.timeout else None,
            )
        else:
            debit.dpo += amount
            credit.cpo += amount
        self.stored[t.id] = Transfer(
            id=t.id,
            debit_account_id=t.debit_account_id,
            credit_account_id=t.credit_account_id,
            amount=amount,
            ledger=t.ledger,
            code=t.code,
            flags=t.flags,
            timeout=t.timeout,
            metadata=t.metadata,
            tenant=t.tenant,
        )
        return "ok"

    def _resolve(self, t: Transfer) -> str:
        assert t.pending_id is not None
        p = self.pendings.get(t.pending_id)
        if p is None:
            return (
                "pending_transfer_not_pending"
                if t.pending_id in self.stored
                else "pending_transfer_not_found"
            )
        if p.tenant != t.tenant:
            return "pending_transfer_not_found"
        if t.debit_account_id not in (NIL, p.debit):
            return "pending_transfer_has_different_debit_account_id"
        if t.credit_account_id not in (NIL, p.credit):
            return "pending_transfer_has_different_credit_account_id"
        if t.ledger and t.ledger != p.ledger:
            return "pending_transfer_has_different_ledger"
        if t.code and t.code != p.code:
            return "pending_transfer_has_different_code"
        if p.state != "pending":
            return {
                "posted": "pending_transfer_already_posted",
                "voided": "pending_transfer_already_voided",
                "expired": "pending_transfer_expired",
            }[p.state]
        posting = bool(t.flags & F.POST_PENDING)
        amount = t.amount or p.amount
        if posting and amount > p.amount:
            return "exceeds_pending_transfer_amount"
        if not posting and amount != p.amount:
            return "pending_transfer_has_different_amount"
        debit, credit = self.accounts[p.debit], self.accounts[p.credit]
        code = self._blocked(debit, t.tenant, not posting) or self._blocked(
            credit, t.tenant, not posting
        )
        if code:
            return code
        if posting and debit.dpo + amount > MAX:
            return "overflows_debits_posted"
        if posting and credit.cpo + amount > MAX:
            return "overflows_credits_posted"
        debit.dp -= p.amount
        credit.cp -= p.amount
        if posting:
            debit.dpo += amount
            credit.cpo += amount
        p.state = "posted" if posting else "voided"
        self.stored[t.id] = Transfer(
            id=t.id,
            debit_account_id=p.debit,
            credit_account_id=p.credit,
            amount=amount,
            ledger=p.ledger,
            code=p.code,
            flags=t.flags,
            pending_id=t.pending_id,
            metadata=t.metadata,
            tenant=t.tenant,
        )
        return "ok"
