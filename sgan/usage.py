"""The command line's one error type: a mistake in the arguments of ``python -m sgan`` or one of its
subcommands (``sgan.cli``). It is printed as ``error: ...``,
with the fix in the message, and exit status 2, never as a traceback."""


class UsageError(ValueError):
    """A command-line mistake: printed as ``error: ...`` with exit status 2."""
