"""Signing in, locking, officers' accounts and the audit trail in the window."""
