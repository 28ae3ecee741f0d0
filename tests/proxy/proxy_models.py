"""Random LightGBM models written directly in LightGBM's text format.

Trees with random shapes, features drawn independently per node (so a feature often repeats on
a path), thresholds below, between and above the binary values (so some splits send 0 and 1 the
same way), and every default-direction / missing-type combination of ``decision_type``.
"""

import numpy as np

# decision_type bits: 2 = default_left, (1 << 2) = missing "Zero", (2 << 2) = missing "NaN".
DECISION_TYPES = np.array([0, 2, 4, 6, 8, 10])


def _tree(rng, n, max_depth, split_prob, thresholds):
    """Arrays of one random tree (LightGBM's layout: leaves are ~index in the child arrays)."""
    feature, threshold, decision, left, right, leaf_value = [], [], [], [], [], []

    def grow(depth):
        if depth == max_depth or (depth > 0 and rng.random() > split_prob):
            leaf_value.append(float(rng.normal()))
            return ~(len(leaf_value) - 1)
        node = len(feature)
        feature.append(int(rng.integers(n)))
        threshold.append(float(rng.choice(thresholds)))
        decision.append(int(rng.choice(DECISION_TYPES)))
        left.append(0)
        right.append(0)
        left[node] = grow(depth + 1)
        right[node] = grow(depth + 1)
        return node

    grow(0)
    return feature, threshold, decision, left, right, leaf_value


def _join(values):
    return " ".join(repr(v) if isinstance(v, float) else str(v) for v in values)


def random_model_text(
    rng, n, n_trees, max_depth, *, split_prob=0.8, thresholds=(-0.5, 1e-35, 0.5, 0.5, 1.5)
):
    blocks = []
    for t in range(n_trees):
        feature, threshold, decision, left, right, leaf_value = _tree(
            rng, n, max_depth, split_prob, thresholds
        )
        n_leaves, n_nodes = len(leaf_value), len(feature)
        blocks.append(
            "\n".join(
                [
                    f"Tree={t}",
                    f"num_leaves={n_leaves}",
                    "num_cat=0",
                    f"split_feature={_join(feature)}",
                    f"split_gain={_join([1.0] * n_nodes)}",
                    f"threshold={_join(threshold)}",
                    f"decision_type={_join(decision)}",
                    f"left_child={_join(left)}",
                    f"right_child={_join(right)}",
                    f"leaf_value={_join(leaf_value)}",
                    f"leaf_weight={_join([1.0] * n_leaves)}",
                    f"leaf_count={_join([1] * n_leaves)}",
                    f"internal_value={_join([0.0] * n_nodes)}",
                    f"internal_weight={_join([1.0] * n_nodes)}",
                    f"internal_count={_join([1] * n_nodes)}",
                    "is_linear=0",
                    "shrinkage=1",
                ]
            )
            + "\n\n"
        )
    return _header(n, blocks) + "".join(blocks) + _FOOTER


_FOOTER = (
    "end of trees\n\nfeature_importances:\n\nparameters:\nend of parameters\n\n"
    "pandas_categorical:null\n"
)


def _header(n, blocks):
    return "\n".join(
        [
            "tree",
            "version=v4",
            "num_class=1",
            "num_tree_per_iteration=1",
            "label_index=0",
            f"max_feature_idx={n - 1}",
            "objective=regression",
            "feature_names=" + " ".join(f"f{i}" for i in range(n)),
            "feature_infos=" + " ".join("[0:1]" for _ in range(n)),
            "tree_sizes=" + " ".join(str(len(b)) for b in blocks),
            "",
            "",
        ]
    )


def random_booster(rng, n, n_trees, max_depth, **kwargs):
    import lightgbm

    return lightgbm.Booster(model_str=random_model_text(rng, n, n_trees, max_depth, **kwargs))


def full_model_text(rng, n, n_trees, depth):
    """``n_trees`` complete trees of the given depth with random features (fast to build)."""
    n_nodes, n_leaves = 2**depth - 1, 2**depth
    child = np.arange(1, 2 * n_nodes + 1).reshape(n_nodes, 2)
    child = np.where(child >= n_nodes, ~(child - n_nodes), child)
    left, right = _join(child[:, 0].tolist()), _join(child[:, 1].tolist())
    blocks = []
    for t in range(n_trees):
        blocks.append(
            f"Tree={t}\nnum_leaves={n_leaves}\nnum_cat=0\n"
            f"split_feature={_join(rng.integers(n, size=n_nodes).tolist())}\n"
            f"split_gain={_join([1.0] * n_nodes)}\n"
            f"threshold={_join([0.5] * n_nodes)}\n"
            f"decision_type={_join([2] * n_nodes)}\n"
            f"left_child={left}\nright_child={right}\n"
            f"leaf_value={_join(rng.normal(size=n_leaves).tolist())}\n"
            f"leaf_weight={_join([1.0] * n_leaves)}\nleaf_count={_join([1] * n_leaves)}\n"
            f"internal_value={_join([0.0] * n_nodes)}\n"
            f"internal_weight={_join([1.0] * n_nodes)}\n"
            f"internal_count={_join([1] * n_nodes)}\n"
            "is_linear=0\nshrinkage=1\n\n\n"
        )
    return _header(n, blocks) + "".join(blocks) + _FOOTER
