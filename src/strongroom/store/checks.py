"""SQL that recomputes the ledger from its log, for invariant checks and reconcile.

Plain SQL that both backends run unchanged. Flag bits: 2 pending, 4 post_pending, 8 void_pending.
"""

from __future__ import annotations

#: A pending transfer's reservation is held now while its record says so.
HELD_NOW = "p.state = 'pending'"


def fold_sql(where: str = "1 = 1", held: str = HELD_NOW) -> str:
    """Per account: the four counters folded from the transfer log.

    A pending transfer counts while its reservation is held (`held`, a condition on `p`, its
    pending record); a void moves nothing posted; a post moves what it settled. `where` is a
    condition on `t` in which `{acct}` stands for the side's account column, so callers can
    restrict the fold to some accounts or to a prefix of the log (`t.seq <= S`).
    """
    sides = []
    for acct, pending, posted in (
        ("t.debit_account_id", "dp", "dpo"),
        ("t.credit_account_id", "cp", "cpo"),
    ):
        moves = {
            "dp": "0",
            "dpo": "0",
            "cp": "0",
            "cpo": "0",
            pending: f"CASE WHEN (t.flags & 2) <> 0 AND {held} THEN t.amount ELSE 0 END",
            posted: "CASE WHEN (t.flags & 10) = 0 THEN t.amount ELSE 0 END",
        }
        sides.append(
            f"SELECT {acct} AS acct, {moves['dp']} AS dp, {moves['dpo']} AS dpo,"
            f" {moves['cp']} AS cp, {moves['cpo']} AS cpo"
            " FROM transfers t LEFT JOIN pending_transfers p ON p.id = t.id"
            f" WHERE {where.format(acct=acct)}"
        )
    return (
        "SELECT acct, SUM(dp), SUM(dpo), SUM(cp), SUM(cpo) FROM ("
        + " UNION ALL ".join(sides)
        + ") AS moves GROUP BY acct"
    )


#: Per account: the four counters folded from the whole log, reservations held as of now.
FOLD_FROM_LOG = fold_sql()

#: Per account: static fields and the counters summed over its bucket rows.
BALANCES = """
SELECT a.id, a.ledger, a.flags, a.overdraft_limit, SUM(b.debits_pending),
       SUM(b.debits_posted), SUM(b.credits_pending), SUM(b.credits_posted)
FROM accounts a JOIN account_balances b ON b.account_id = a.id
GROUP BY a.id, a.ledger, a.flags, a.overdraft_limit
"""

#: Pending records whose state disagrees with the log (a post or void transfer naming them).
PENDING_MISMATCHES = """
SELECT p.id, p.state FROM pending_transfers p
LEFT JOIN transfers t ON t.id = p.id
LEFT JOIN transfers r ON r.pending_id = p.id
WHERE t.id IS NULL OR (t.flags & 2) = 0 OR t.amount <> p.amount
   OR (p.state = 'posted' AND (r.id IS NULL OR (r.flags & 4) = 0))
   OR (p.state = 'voided' AND (r.id IS NULL OR (r.flags & 8) = 0))
   OR (p.state IN ('pending', 'expired') AND r.id IS NOT NULL)
"""
