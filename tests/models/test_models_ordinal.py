import numpy as np
import pytest
import torch
from coral_pytorch.dataset import corn_label_from_logits, proba_to_label
from sklearn.metrics import cohen_kappa_score

import vifspec.models.ordinal as ordinal_pkg
from vifspec.datasets.ordinal import ordinal_synthetic
from vifspec.errors import SpecError
from vifspec.models.ordinal import HEADS, Majority, OrdinalCritic
from vifspec.registry import Registry

OUTPUTS_PER_DIM = {"coral": 2, "corn": 2, "emd": 3, "soft_ordinal": 3, "mse": 1}  # K = 3


def expected_param_count(input_dim, hidden, dims, outputs):
    linear = lambda i, o: i * o + o  # noqa: E731
    layer_norm = 2 * hidden
    return linear(input_dim, hidden) + layer_norm + linear(hidden, hidden) + layer_norm + linear(hidden, dims * outputs)


def param_count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize(("input_dim", "hidden"), [(266, 64), (1164, 256), (50, 8)])
def test_parameter_count_per_head_from_layer_sizes(head, input_dim, hidden):
    model = OrdinalCritic(input_dim, hidden_dim=hidden, head=head)
    assert param_count(model) == expected_param_count(input_dim, hidden, 10, OUTPUTS_PER_DIM[head])


@pytest.mark.parametrize(
    ("head", "input_dim", "hidden", "seed_params"),
    [("coral", 266, 64, 22804), ("corn", 266, 64, 22804), ("emd", 266, 64, 23454), ("soft_ordinal", 266, 32, 10718),
     ("corn", 1164, 256, 370196), ("mse", 276, 32, 10378), ("emd", 266, 128, 55070)],
)
def test_parameter_counts_match_the_seed_run_log(head, input_dim, hidden, seed_params):
    assert param_count(OrdinalCritic(input_dim, hidden_dim=hidden, head=head)) == seed_params


def run_critic(head, batch_size=64, seed=0):
    torch.manual_seed(seed)
    model = OrdinalCritic(20, hidden_dim=16, head=head).eval()
    with torch.no_grad():
        return model({"x": 3 * torch.randn(batch_size, 20)})


@pytest.mark.parametrize("head", HEADS)
def test_output_shapes_and_probabilities(head):
    out = run_critic(head)
    logits_shape = (64, 10) if head == "mse" else (64, 10, OUTPUTS_PER_DIM[head])
    assert out["logits"].shape == logits_shape
    assert out["label"].shape == (64, 10) and out["label"].dtype == torch.int64
    assert out["probs"].shape == (64, 10, 3) and out["expected"].shape == (64, 10)
    assert (out["probs"] >= 0).all()
    assert torch.allclose(out["probs"].sum(-1), torch.ones(64, 10), atol=1e-5)
    assert torch.allclose(out["expected"], (out["probs"] * torch.tensor([0.0, 1.0, 2.0])).sum(-1), atol=1e-5)
    assert set(out["label"].unique().tolist()) <= {0, 1, 2}


def test_coral_label_matches_coral_pytorch():
    out = run_critic("coral", batch_size=256)
    reference = proba_to_label(torch.sigmoid(out["logits"]).reshape(-1, 2)).reshape(256, 10)
    assert torch.equal(out["label"], reference)
    assert len(out["label"].unique()) == 3


def test_corn_label_and_probs_match_coral_pytorch_conditional_chain():
    out = run_critic("corn", batch_size=256)
    assert torch.equal(out["label"], corn_label_from_logits(out["logits"].reshape(-1, 2)).reshape(256, 10))
    exceedance = torch.cumprod(torch.sigmoid(out["logits"]), dim=-1)  # P(y > k)
    from_probs = out["probs"].flip(-1).cumsum(-1).flip(-1)[..., 1:]  # sum_{j > k} p_j
    assert torch.allclose(from_probs, exceedance, atol=1e-6)


@pytest.mark.parametrize("head", ["emd", "soft_ordinal"])
def test_softmax_heads_decode_by_argmax(head):
    out = run_critic(head)
    assert torch.equal(out["label"], out["logits"].argmax(-1))
    assert torch.allclose(out["probs"], torch.softmax(out["logits"], -1))


def test_mse_head_rounds_the_clipped_value_and_its_expectation_is_that_value():
    out = run_critic("mse", batch_size=256)
    clipped = out["logits"].clamp(0, 2)
    assert torch.equal(out["label"], torch.from_numpy(np.rint(clipped.numpy())).long())
    assert torch.allclose(out["expected"], clipped, atol=1e-6)


def test_mse_head_is_the_tanh_of_the_linear_output_on_the_class_index_scale():
    torch.manual_seed(0)
    model = OrdinalCritic(20, hidden_dim=16, head="mse").eval()
    x = 3 * torch.randn(64, 20)
    with torch.no_grad():
        out = model({"x": x})
        linear = model.head(model.trunk(x))
    torch.testing.assert_close(out["logits"], 1 + torch.tanh(linear))  # K = 3: (K - 1) / 2 * (1 + tanh)
    assert (out["logits"] > 0).all() and (out["logits"] < 2).all()


def _mc(head, dropout=0.3, samples=40, x=None):
    torch.manual_seed(0)
    model = OrdinalCritic(20, hidden_dim=16, head=head, dropout=dropout, mc_samples=samples).eval()
    x = 3 * torch.randn(32, 20) if x is None else x
    with torch.no_grad():
        return model, x, model({"x": x})


@pytest.mark.parametrize("head", HEADS)
def test_mc_dropout_outputs_are_deterministic_and_leave_the_global_rng_alone(head):
    model, x, out = _mc(head)
    state = torch.get_rng_state()
    with torch.no_grad():
        again = model({"x": x})
    assert torch.equal(torch.get_rng_state(), state)
    assert out["mc_mean"].shape == out["mc_std"].shape == (32, 10)
    assert torch.equal(out["mc_mean"], again["mc_mean"]) and torch.equal(out["mc_std"], again["mc_std"])
    assert (out["mc_std"] > 0).any()
    assert "mc_std" not in model.train()({"x": x})


@pytest.mark.parametrize("head", HEADS)
def test_without_dropout_every_pass_reads_the_deterministic_prediction(head):
    _, _, out = _mc(head, dropout=0.0, samples=5)
    read = out["logits"] if head == "mse" else out["label"].float()
    torch.testing.assert_close(out["mc_mean"], read)
    assert (out["mc_std"] == 0).all()


def test_mc_dropout_matches_passes_of_the_model_in_training_mode():
    model, x, out = _mc("mse", samples=2000, x=3 * torch.randn(4, 20))
    model.train()
    torch.manual_seed(1)
    with torch.no_grad():  # nn.Dropout draws a mask per row: 2000 copies of each row are 2000 passes
        passes = model({"x": x.repeat(2000, 1)})["logits"].view(2000, *out["mc_mean"].shape)
    torch.testing.assert_close(out["mc_mean"], passes.mean(0), atol=0.05, rtol=0)
    torch.testing.assert_close(out["mc_std"], passes.std(0), atol=0.05, rtol=0)


def test_unknown_head_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown head 'ordinal'"):
        OrdinalCritic(10, head="ordinal")


def test_critic_learns_the_synthetic_signal():
    bundle = ordinal_synthetic(seed=0, n=1000)
    x, target = bundle.fields["x"], bundle.fields["target"]
    torch.manual_seed(0)
    model = OrdinalCritic(**bundle.info, head="soft_ordinal", dropout=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(model({"x": x[:800]})["logits"].reshape(-1, 3), target[:800].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        label = model.eval()({"x": x[800:]})["label"]
    qwk = np.mean([cohen_kappa_score(target[800:, d], label[:, d], weights="quadratic") for d in range(10)])
    assert qwk > 0.2


def test_majority_predicts_the_train_mode_and_frequencies_of_each_dimension():
    generator = np.random.default_rng(0)
    target = np.stack([generator.choice(3, 500, p=p) for p in ([0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7])], 1)
    model = Majority(dims=3)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 0
    model.fit({"target": torch.as_tensor(target)})
    out = model({"x": torch.zeros(4, 7)})
    frequencies = np.stack([np.bincount(target[:, d], minlength=3) / 500 for d in range(3)])
    assert out["label"].tolist() == [[1, 0, 2]] * 4
    assert np.allclose(out["probs"].numpy(), frequencies[None].repeat(4, 0))
    assert np.allclose(out["expected"].numpy(), frequencies @ np.arange(3))
    assert "logits" not in out


def test_majority_refuses_to_predict_before_fit():
    with pytest.raises(RuntimeError, match="fit"):
        Majority()({"x": torch.zeros(2, 3)})


def test_registry_entries_load():
    registry = Registry()
    ordinal_pkg.register(registry)
    assert registry.get("model", "ordinal_critic").load() is OrdinalCritic
    majority = registry.get("model", "ordinal_majority")
    assert majority.load() is Majority and majority.trivial is True


def test_outputs_nobody_reads_are_skipped_and_the_read_ones_unchanged():
    from vifspec.outputs import reading

    model, x, everything = _mc("coral")
    with torch.no_grad(), reading({"label", "target"}):
        labels_only = model({"x": x})
    with torch.no_grad(), reading({"logits"}):
        logits_only = model({"x": x})
    with torch.no_grad(), reading({"mc_std", "mc_mean"}):
        mc = model({"x": x})
    assert "mc_std" not in labels_only and torch.equal(labels_only["label"], everything["label"])
    assert set(logits_only) == {"logits"} and torch.equal(logits_only["logits"], everything["logits"])
    assert torch.equal(mc["mc_std"], everything["mc_std"]) and torch.equal(mc["mc_mean"], everything["mc_mean"])
