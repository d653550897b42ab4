"""Sync with the server in the window: the background schedule, the indicator, enrolment, conflicts."""
