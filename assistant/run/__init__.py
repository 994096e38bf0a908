"""Running a debrief: building its parts from the settings, running the flow on them, and doctor."""
