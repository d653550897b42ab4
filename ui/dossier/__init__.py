"""The dossier window: details, history, the forms, and one small form per step."""
