"""UTC time helpers. Every stored instant is a fixed-width string so that
string order is time order in SQL."""

from datetime import UTC, datetime

STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Format an aware datetime as stored: UTC with milliseconds and `Z`."""
    text = moment.astimezone(UTC).strftime(STORED_FORMAT)
    return text[:-4] + "Z"


def now_db() -> str:
    return to_db(now())


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def to_api(text: str | None) -> str | None:
    """Shorten a stored instant to whole seconds, the API's timestamp form."""
    if text is None:
        return None
    return text[:19] + "Z"
