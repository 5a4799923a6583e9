"""The services layer: what the API, the CLI and the console call. One module per area
(ledger, access, products, ...), each taking typed requests and returning domain types.

Services hold the domain's rules that span packages (authorisation by role and tenant, paging,
wiring a product's charges to ledger transfers); they never contain SQL and never import
strongroom.store: the composition root (strongroom.bootstrap) hands them their adapters.
"""
