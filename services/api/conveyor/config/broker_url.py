"""What a broker URL says about its broker, read without connecting to it."""

from __future__ import annotations

#: Schemes of kombu's Redis transport (``sentinel://`` is Redis behind Sentinel).
REDIS_SCHEMES = frozenset({"redis", "rediss", "sentinel"})
#: Schemes of kombu's AMQP (RabbitMQ) transports.
AMQP_SCHEMES = frozenset({"amqp", "amqps", "pyamqp"})


def broker_scheme(url: str) -> str:
    """The transport a broker URL names: ``redis`` for ``redis://…``, ``sqla`` for
    ``sqla+sqlite:///…`` (the part after ``+`` is the transport's own driver)."""
    return url.split("://", 1)[0].split("+", 1)[0]
