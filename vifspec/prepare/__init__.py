"""The prepare phase (imports torch): data built and split, the model built, inputs bound to real names."""
