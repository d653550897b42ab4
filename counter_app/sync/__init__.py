"""The desk's side of sync with the server, and the rules both sides share (PROTOCOL.md)."""
