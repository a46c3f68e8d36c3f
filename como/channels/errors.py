"""Failures a channel reports, sorted by what retrying would do."""


class TransientError(Exception):
    """A failure worth retrying: a timeout, a 5xx, a rate limit, a 4xx SMTP reply."""


class ChannelRejected(Exception):
    """The provider refused for good (a 4xx API answer, a 5xx SMTP reply): retrying will not
    change it."""


class PayloadInvalid(ValueError):
    """The action's payload does not fit the platform's limits. ``errors`` maps a field path
    (``headlines[3]``) to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))
        self.errors = errors
