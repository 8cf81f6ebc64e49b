"""ketacare: software that runs an at-home ketamine therapy program."""

__version__ = "0.1.0"
