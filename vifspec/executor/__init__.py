"""The executor (imports torch): one plan trained on its device, the loop, loss mix, guards, tracking."""
