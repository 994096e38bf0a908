"""`python -m assistant` runs the debrief command line."""

from assistant.cli import cli

if __name__ == "__main__":
    cli(prog_name="debrief")
