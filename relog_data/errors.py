"""Errors shown to users. Their message is French and complete."""


class RelogError(Exception):
    """An error whose message can be shown to a user as it is."""
