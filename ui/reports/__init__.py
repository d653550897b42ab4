"""The reports tab (F7): form II.06a, the citizen evaluation, the charts."""
