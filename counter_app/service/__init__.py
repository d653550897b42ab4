"""The desk as one service object (``Counter``): what the CLI, the window and the tests drive."""
