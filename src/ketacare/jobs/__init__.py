"""Jobs: the worker's tick, on top of the apps whose facts come from time passing."""
