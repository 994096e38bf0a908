"""The dialogue: the flow engine (no I/O), the answers it keeps, the summary, and the question script."""
