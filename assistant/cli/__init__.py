from assistant.cli.group import cli

__all__ = ["cli"]
