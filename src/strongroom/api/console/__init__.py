"""The operations console: server-rendered pages (Jinja2, a small script of our own for live
parts, every asset shipped in the package) for the bank's staff, under /console of the HTTP API.

A person signs in with an API key (strongroom.api.console.sessions); the key's role and tenant
decide what the pages show and allow, through the same services as the APIs.

May import what strongroom.api.http may, and strongroom.api.http's problem mapping; installed on
the API's app by strongroom.api.server (`install`), which the HTTP app itself does not know.
"""
