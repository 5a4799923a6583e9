"""Rule sets: a tenant's pre-transaction rules as data, validated and compiled once into
callables."""
