"""Print the database schema of a fresh debrief database as a Markdown section.

For the README (a cog block calls `assistant.storage.schema.schema_markdown()`), so
the documented schema cannot drift from the migrations.
Usage: .venv/bin/python scripts/schema.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.storage.schema import schema_markdown  # noqa: E402

if __name__ == "__main__":
    print(schema_markdown(), end="")
