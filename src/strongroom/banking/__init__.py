"""Banking: the bank a Banking-as-a-Service customer calls. Customers, their accounts on the
product factory's products, payments with their whole lifecycle, FX and statements.

Every operation that moves money or changes a customer's standing is an intent on the durable
engine (strongroom.workflows); every movement is ledger transfers; personal data is sealed by
strongroom.parties. `types` holds the records the modules share and the `Directory` port through
which payments and FX read customers and accounts without importing how they are kept.

Sits above compliance (payments are screened, KYC goes through its KycProvider) and below the
store, which implements the ports declared here; never imports strongroom.store, api or cli.
docs/banking.md describes the subsystem.
"""
