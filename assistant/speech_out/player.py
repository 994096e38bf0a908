"""Playing a WAV file on an output device (for `debrief listen`).

sounddevice is imported here only; a machine without a speaker gets one
sentence saying how to write the audio to a file instead.
"""

from __future__ import annotations

import io
import wave

from assistant.audio.devices import import_sounddevice, resolve_device
from assistant.errors import AudioError


def play_wav(data: bytes, device: str | None = None) -> None:
    """Play a 16-bit WAV and return when it has been played."""
    import numpy as np

    with wave.open(io.BytesIO(data)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, channels)
    try:
        sd = import_sounddevice()
        info = resolve_device(device, "output", sd)
        sd.play(pcm, samplerate=rate, device=info.get("index"), blocking=True)
    except AudioError:
        raise AudioError("No speaker to play it on; write the audio to a file instead with --to FILE.wav.") from None
    except Exception as e:  # noqa: BLE001 - PortAudioError from a device that will not play
        raise AudioError(f"The audio could not be played ({e}); write it to a file with --to FILE.wav.") from None
