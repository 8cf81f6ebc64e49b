#!/usr/bin/env python
"""Django's manage.py; the same as the `ketacare` command."""

from ketacare.cli import main

if __name__ == "__main__":
    main()
