"""Understanding an answer: the rules for ratings, causes and lessons, pure functions over text."""
