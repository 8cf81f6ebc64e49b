"""Reads of the clinic's stock shared by the faces (the web's forms, the API)."""
