"""Speech out: speakers, and the text-to-speech worker process."""
