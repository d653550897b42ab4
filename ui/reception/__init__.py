"""The reception screen: receiving a citizen's dossier by keyboard."""
