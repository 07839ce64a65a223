"""The ``flowtrack`` command line."""
