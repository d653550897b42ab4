"""The Hệ thống menu, first-run screens, setup dialogs, backups, the desk's local settings."""
