"""The command line, ``python -m sgan <command>``: the error boundary and the registry of commands
(``main``), one module per group of commands (``train``, ``sample``, ``editing``, ``watch``), and the studies'
entry points. The CLI may import any layer; nothing imports it."""
