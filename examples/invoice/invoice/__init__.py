"""A tiny invoicing package with one bug, for `make demo`."""
