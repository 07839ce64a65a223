"""Backends: tracking stores chosen by URI scheme, and the fsspec artifact store."""
