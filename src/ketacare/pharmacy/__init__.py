"""The clinic's controlled-substance stock: what came in, is on the shelf, went out to whom.

And the records an inspector asks to see of it (issue 17).
"""
