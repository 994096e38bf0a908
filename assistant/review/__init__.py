"""Looking back: show/list/search views, trends and the coach nudge, export and import, corrections."""
