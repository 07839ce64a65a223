"""Internals: not part of flowtrack's public API; may change without notice."""
