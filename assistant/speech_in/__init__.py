"""Speech in: when an answer ends, the recognisers, the number pass, Vosk model folders, and typed answers."""
