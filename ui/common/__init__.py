"""Pieces every screen shares: error messages, dates, Enter navigation, printing, the worker thread, the scanner."""
