"""Officers' accounts at the desk: sign-in and the signed-in session, password hashing, the audit trail."""
