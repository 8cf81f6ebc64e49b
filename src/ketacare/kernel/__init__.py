"""Django-side plumbing that holds no medicine: the clock, the refusals, the shared fields."""
