"""The executor's parts (import torch): data on the device, the loss mix, evaluation, tracking."""
