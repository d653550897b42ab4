"""Core of the commune one-stop counter: plain Python, no Qt."""

__version__ = "0.1.0"
APP_NAME = "counter-app"
