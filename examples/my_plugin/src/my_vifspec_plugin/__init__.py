"""An example vifspec plugin, registered exactly as vifspec's built-ins are.

Install it (``pip install -e examples/my_plugin``) and ``vifspec list`` shows ``huber`` and
``max_error``; specs then use them by name (``fn = "huber"``). Without installing, a spec can name
the objects by import path instead (``fn = "my_vifspec_plugin.components:huber"``).

This module stays torch-free: it only declares where the components live.
"""

from vifspec.registry import Registry


def register(registry: Registry) -> None:
    registry.add("loss", "huber", "my_vifspec_plugin.components:huber", inputs=("preds", "target"),
                 summary="Huber loss (smooth L1)")
    registry.add("metric", "max_error", "my_vifspec_plugin.components:max_error", inputs=("preds", "target"),
                 higher_is_better=False, summary="largest absolute error")
