"""Compliance and risk: before money moves, decide whether a payment is allowed, reviewed or
blocked, and say why."""
