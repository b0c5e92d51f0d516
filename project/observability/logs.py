"""Log records as text or, with LOG_FORMAT=json, one JSON object per line; every record carries the id
of the request it was written for (so a store fault and its request's access line can be joined)."""
import json
import logging

ACCESS = logging.getLogger("glance.access")
# The access line's fields, in the order the text form shows them.
ACCESS_FIELDS = ("request_id", "client", "project", "user", "method", "path", "route", "status", "bytes_in",
                 "bytes_out", "seconds")
RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        # Imported here: settings build the logging configuration before any app module loads.
        from project.api.middleware import current_request_id

        if not getattr(record, "request_id", None):
            # django.request's records of a 4xx/5xx are written after the request's context ended.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update((key, value) for key, value in vars(record).items() if key not in RESERVED | {"request"})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`LEVEL logger [request id] message`; an access line reads as key=value pairs."""

    def format(self, record):
        text = f"{record.levelname} {record.name} [{record.request_id}] {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def access_line(fields):
    """One line per answered request (text: `GET /v2/images 200 ...`, JSON: every field its own key)."""
    message = " ".join(f"{name}={fields[name]}" for name in ACCESS_FIELDS[1:])
    ACCESS.info(message, extra=fields)


def logging_config(log_format, level):
    """settings.LOGGING for LOG_FORMAT (`text` or `json`)."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {"()": TextFormatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"service": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "service",
                                 "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        # swiftclient logs every refused request at INFO, a curl line included, even the 404s the swift
        # store asks for on purpose (does this container exist?); the store reports real faults itself.
        "loggers": {"swiftclient": {"level": "WARNING"}},
    }
