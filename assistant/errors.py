"""Errors a person can cause, each with a message meant for them.

Every message is one sentence that says what went wrong and what to do next.
The CLI turns these into a clean exit; nothing here imports click.
"""


class DebriefError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class PromptsError(DebriefError):
    """A prompts file is malformed: names the file and the key."""


class StorageError(DebriefError):
    """The data dir or database cannot be used."""


class NotFoundError(DebriefError):
    """A debrief id (or similar) does not exist."""


class AudioError(DebriefError):
    """An audio file or device cannot be used."""


class DeviceLostError(AudioError):
    """The microphone stopped delivering audio in the middle of a debrief."""


class ModelError(DebriefError):
    """A speech model is missing or broken."""


class EngineError(DebriefError):
    """A speech engine (recogniser or TTS) is missing or failed."""
