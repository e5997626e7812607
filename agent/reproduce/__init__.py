"""Reproduce: run the failing tests once in a sandbox copy, with per-test coverage, and find the
tests a file holds (discover)."""
