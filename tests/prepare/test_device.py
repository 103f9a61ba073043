"""A plan's CPU threads: torch on ``[train] threads``, numpy's BLAS on as many while the data loads."""

from __future__ import annotations

import pytest
import torch
import plugin_fixtures
import vifspec
from mlp_fixture import MLP_SPEC
from vifspec.prepare.prepare import prepare
from vifspec.registry import default_registry


@pytest.fixture
def restored_torch_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("threads", [1, None])
def test_the_data_loads_with_blas_on_torchs_threads_and_blas_is_restored_after(threads, write_spec, restored_torch_threads):
    before = plugin_fixtures.blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS library threadpoolctl can see")
    torch.set_num_threads(2)
    text = MLP_SPEC.replace('source = "tabular_synthetic"', 'source = "plugin_fixtures:noting_tabular"')
    if threads:
        text = text.replace("[train]\n", f"[train]\nthreads = {threads}\n")
    plan = vifspec.compile(write_spec(text))[0]
    plugin_fixtures.BLAS_THREADS_SEEN.clear()
    prepare(plan, default_registry(), "cpu")
    assert plugin_fixtures.BLAS_THREADS_SEEN and set(plugin_fixtures.BLAS_THREADS_SEEN) == {threads or 2}
    assert torch.get_num_threads() == (threads or 2)  # the spec's threads stay for training
    assert plugin_fixtures.blas_threads() == before
