"""Placeholder: replaced by the metrics library."""


def register(registry):
    pass
