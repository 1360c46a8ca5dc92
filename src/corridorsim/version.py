"""The package version, read once from the installed distribution's metadata.

One source for the CLI's ``--version``, the manifest and the identity of sweep tasks,
so they can never disagree with ``pyproject.toml``.
"""

from __future__ import annotations

from importlib import metadata

try:
    VERSION = metadata.version("corridorsim")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    VERSION = "0+unknown"
