"""Alerts: safety findings turned into something a person acts on, and the notifications."""
