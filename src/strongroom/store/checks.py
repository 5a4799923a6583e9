"""SQL that recomputes the ledger from its log, for invariant checks and reconcile.

Plain SQL that both backends run unchanged. Flag bits: 2 pending, 4 post_pending, 8 void_pending.
"""

from __future__ import annotations

#: Per account: the four counters folded from the transfer log. A pending transfer counts while
#: its reservation is held; a void moves nothing posted; a post moves what it settled.
FOLD_FROM_LOG = """
SELECT acct, SUM(dp), SUM(dpo), SUM(cp), SUM(cpo) FROM (
    SELECT t.debit_account_id AS acct,
           CASE WHEN (t.flags & 2) <> 0 AND p.state = 'pending' THEN t.amount ELSE 0 END AS dp,
           CASE WHEN (t.flags & 10) = 0 THEN t.amount ELSE 0 END AS dpo,
           0 AS cp, 0 AS cpo
    FROM transfers t LEFT JOIN pending_transfers p ON p.id = t.id
    UNION ALL
    SELECT t.credit_account_id, 0, 0,
           CASE WHEN (t.flags & 2) <> 0 AND p.state = 'pending' THEN t.amount ELSE 0 END,
           CASE WHEN (t.flags & 10) = 0 THEN t.amount ELSE 0 END
    FROM transfers t LEFT JOIN pending_transfers p ON p.id = t.id
) AS moves GROUP BY acct
"""

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
