"""Audio as data and the hardware that makes it: PCM chunks, resampling, WAV files,
devices, the microphone; no recognition."""
