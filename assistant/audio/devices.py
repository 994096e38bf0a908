"""Sound devices as PortAudio (through sounddevice) sees them.

Everything here imports sounddevice lazily, so importing this module works on
a machine without PortAudio; the functions turn a missing library into one
clear AudioError sentence.
"""

from __future__ import annotations

from typing import Any

from assistant.errors import AudioError

NO_PORTAUDIO = "sounddevice needs PortAudio: sudo apt-get install libportaudio2."
NO_SOUNDDEVICE = "The sounddevice package is missing: pip install sounddevice."
NO_INPUT = "No microphone found; use `debrief start --text` or try `debrief demo`."
NO_OUTPUT = "No speaker found, so nothing is played aloud; the text is printed instead."


def import_sounddevice():
    """The sounddevice module, or AudioError if it or PortAudio is missing."""
    try:
        import sounddevice
    except OSError as e:  # sounddevice raises OSError when libportaudio is absent
        raise AudioError(NO_PORTAUDIO) from e
    except ImportError as e:
        raise AudioError(NO_SOUNDDEVICE) from e
    return sounddevice


def _all_devices(sd) -> list[dict]:
    try:
        devices = sd.query_devices()
    except Exception:  # PortAudio with no devices at all, or a broken host API
        return []
    if isinstance(devices, dict):  # a single device comes back as a bare dict
        devices = [devices]
    out = []
    for i, d in enumerate(devices):
        d = dict(d)
        d.setdefault("index", i)
        out.append(d)
    return out


def _default_indices(sd) -> tuple[int | None, int | None]:
    try:
        dev = sd.default.device
        pair = (dev[0], dev[1])
    except Exception:
        return None, None
    result = []
    for value in pair:
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = -1
        result.append(value if value >= 0 else None)
    return result[0], result[1]


def _hostapi_name(sd, d: dict) -> str:
    try:
        return str(sd.query_hostapis(d["hostapi"])["name"])
    except Exception:
        return ""


def list_devices() -> dict[str, Any]:
    """{"inputs": [...], "outputs": [...], "default_input": i, "default_output": i}.

    Each entry: index, name, channels, default_rate, default (bool), hostapi.
    Zero devices give empty lists; a missing PortAudio raises AudioError.
    """
    sd = import_sounddevice()
    devices = _all_devices(sd)
    din, dout = _default_indices(sd)
    inputs, outputs = [], []
    for d in devices:
        base = {
            "index": int(d["index"]),
            "name": str(d.get("name", "")),
            "default_rate": float(d.get("default_samplerate") or 0),
            "hostapi": _hostapi_name(sd, d),
        }
        if int(d.get("max_input_channels") or 0) > 0:
            inputs.append(dict(base, channels=int(d["max_input_channels"]), default=base["index"] == din))
        if int(d.get("max_output_channels") or 0) > 0:
            outputs.append(dict(base, channels=int(d["max_output_channels"]), default=base["index"] == dout))
    ids_in = {d["index"] for d in inputs}
    ids_out = {d["index"] for d in outputs}
    return {
        "inputs": inputs,
        "outputs": outputs,
        "default_input": din if din in ids_in else None,
        "default_output": dout if dout in ids_out else None,
    }


def default_input_available() -> bool:
    """True when PortAudio is present and has a usable default input. Never raises."""
    try:
        resolve_device(None, "input")
        return True
    except Exception:
        return False


def resolve_device(spec: int | str | None, kind: str, sd=None) -> dict:
    """The device info dict (with "index") for `spec`, an index or a name substring.

    `kind` is "input" or "output". None means the default device of that kind.
    Raises AudioError with a sentence for the person when there is no match.
    """
    if kind not in ("input", "output"):
        raise ValueError(kind)
    sd = sd or import_sounddevice()
    key = "max_input_channels" if kind == "input" else "max_output_channels"
    none_msg = NO_INPUT if kind == "input" else NO_OUTPUT
    devices = [d for d in _all_devices(sd) if int(d.get(key) or 0) > 0]
    if not devices:
        raise AudioError(none_msg)
    if spec is None or (isinstance(spec, str) and spec.strip() in ("", "default")):
        try:
            info = dict(sd.query_devices(kind=kind))
        except Exception as e:  # "Error querying device -1": no default of this kind
            raise AudioError(none_msg) from e
        if "index" not in info:
            din, dout = _default_indices(sd)
            info["index"] = din if kind == "input" else dout
        if int(info.get(key) or 0) <= 0:
            raise AudioError(none_msg)
        return info
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        for d in devices:
            if int(d["index"]) == index:
                return d
        raise AudioError(f"There is no audio {kind} device number {index}; run `debrief devices` to see them.")
    wanted = str(spec).strip().lower()
    exact = [d for d in devices if str(d.get("name", "")).lower() == wanted]
    matches = exact or [d for d in devices if wanted in str(d.get("name", "")).lower()]
    if not matches:
        raise AudioError(f"No audio {kind} device matches {spec!r}; run `debrief devices` to see them.")
    return matches[0]
