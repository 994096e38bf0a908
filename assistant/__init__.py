"""debrief: an offline voice assistant for the drive home after an interview."""

__version__ = "0.1.0"
