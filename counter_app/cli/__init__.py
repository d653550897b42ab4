"""`counter-app` subcommands: the desk's operations without a window."""
