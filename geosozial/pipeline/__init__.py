"""The steps (read -> join -> protect -> aggregate -> analyse -> write) and project files."""
