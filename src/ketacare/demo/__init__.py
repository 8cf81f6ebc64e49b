"""The demo clinic: bulk records, and its patients' journeys replayed through the services.

It sits above the apps (beside the worker's jobs) because the journeys call intake,
assessments and treatment; it moves time only through the clock module
(`kernel.clock.frozen_at`), in its own context, so a server running beside it keeps
the real time.
"""
