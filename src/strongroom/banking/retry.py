"""How the bank's workflow steps retry what may pass (a lost connection, a timeout): a refusal is
a StepFailed and is not retried."""

from __future__ import annotations

from strongroom.workflows.definitions import RetryPolicy

RETRY = RetryPolicy(max_attempts=5, initial=0.05, maximum=5.0)
