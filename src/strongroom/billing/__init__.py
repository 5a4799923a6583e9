"""Billing: usage metered from the platform's own operations, priced by plans (rule groups that
choose and aggregate the usage, tiers that price it, costs per currency), invoiced per billing
cycle and posted to the ledger. docs/billing.md is the subsystem's page."""
