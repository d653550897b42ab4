"""The server's logs never carry citizens' data: request lines are logged without their
query string (a district search asks ``?q=<a citizen's name>``), and every other message
goes through the desk program's personal-data filter (counter_app/log_privacy.py)."""

from __future__ import annotations

import copy
import logging

from counter_app.log_privacy import PersonalDataFilter


class DropQuery(logging.Filter):
    """uvicorn's access record: args = (client, method, path with query, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def log_config() -> dict:
    """uvicorn's own logging setup, with both filters on both of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {}).update({
        "drop_query": {"()": DropQuery},
        "personal_data": {"()": PersonalDataFilter},
    })
    # uvicorn's access formatter needs the record's args as they are: the access lines get
    # only the query cut (their paths hold ids, never names); the other lines, both filters.
    for name, handler in config["handlers"].items():
        handler["filters"] = ["drop_query"] if name == "access" else ["personal_data"]
    return config
