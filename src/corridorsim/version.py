"""The package version, read once from the installed distribution's metadata.

One source for the CLI's ``--version``, the manifest and the identity of sweep tasks,
so they can never disagree with ``pyproject.toml``. Read on first use: the metadata
machinery costs a noticeable part of the command line's start-up.
"""

from __future__ import annotations

import functools


@functools.cache
def package_version() -> str:
    """corridorsim's version as installed (``0+unknown`` in a source tree never installed)."""
    from importlib import metadata

    try:
        return metadata.version("corridorsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"
