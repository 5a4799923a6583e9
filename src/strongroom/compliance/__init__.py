"""Compliance and risk: decide before money moves whether a payment is allowed, reviewed or blocked."""
