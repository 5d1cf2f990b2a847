"""Settings tree: base.py holds everything; development, test and production override it."""
