"""Reusable presentation widgets (PIN pad, step indicator, countdown, big buttons). No I/O."""
