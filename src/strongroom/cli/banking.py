"""`strongroom banking ...`: the bank's commands, each group in a module of its own."""

from __future__ import annotations

import typer

from strongroom.cli import banking_customers, banking_money, banking_payments, banking_periodic

app = typer.Typer(
    help="The bank: customers, accounts, pots, beneficiaries, payments, deposits, cards, FX, "
    "periodic runs.",
    no_args_is_help=True,
)
app.add_typer(banking_customers.customers_app, name="customers")
app.add_typer(banking_customers.accounts_app, name="accounts")
app.add_typer(banking_customers.pots_app, name="pots")
app.add_typer(banking_payments.app, name="payments")
app.add_typer(banking_payments.deposits_app, name="deposits")
app.add_typer(banking_payments.cards_app, name="cards")
app.add_typer(banking_money.beneficiaries_app, name="beneficiaries")
app.add_typer(banking_money.fx_app, name="fx")
app.command("settle")(banking_money.settle)
app.command("reconcile")(banking_money.reconcile)
app.command("accrue")(banking_periodic.accrue)
app.command("charge")(banking_periodic.charge)
app.command("schedule")(banking_periodic.schedule)
