"""Fitted estimators and pipelines saved to model files: ``to_model``, ``save`` and ``playwithnn.save``.

A saved estimator or pipeline, loaded back with ``playwithnn.load``, is a Model that
predicts what it predicts from the same raw rows. Labels must be equal. Values and
probabilities are compared exactly where the model hands the network the very array
that the estimator hands it (an estimator on its own, fed a C-ordered float64 array:
the same weights, the same bytes, the same code, and the model's ``y * 1 + 0`` is
exact). Elsewhere they are compared to 1e-12: a pipeline hands the network an array
that scikit-learn made (Fortran-ordered from a DataFrame, sparse after a
OneHotEncoder), and a BLAS may sum a matrix product in another order for another
layout; a step folded after another (a scaler after a scaler, an imputer after a
scaler) rounds once where the pipeline rounds twice.
"""

from __future__ import annotations

import os
import pathlib
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder, StandardScaler

import playwithnn
from playwithnn.cli import main
from playwithnn.model import Model
from playwithnn.preprocessing import PreprocessingError
from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor, to_model

# The fits are small and short: the point is the saving, not the quality.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOL = {"rtol": 1e-12, "atol": 1e-12}  # probabilities and values where the layouts may differ (see above)


def _classifier(**options: Any) -> NeuralNetworkClassifier:
    return NeuralNetworkClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0,
                                   **options)


def _regressor(**options: Any) -> NeuralNetworkRegressor:
    return NeuralNetworkRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0,
                                  **options)


def _round_trip(obj: Any, tmp_path: pathlib.Path) -> Model:
    path = tmp_path / "model.npz"
    playwithnn.save(obj, path)
    model = playwithnn.load(path)
    assert isinstance(model, Model)
    return model


def _assert_same_classifier(model: Model, est: Any, X: Any, exact: bool) -> None:
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    if exact:
        np.testing.assert_array_equal(model.predict_proba(X), est.predict_proba(X))
    else:
        np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X), **TOL)


# ------------------------------------------------------------- an estimator on its own
def _iris_binary(as_frame: bool) -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True, as_frame=as_frame)
    return X, np.where(np.asarray(y) == 2, "virginica", "other")


def _wine_names(as_frame: bool) -> tuple[Any, Any]:
    data = load_wine(as_frame=as_frame)
    return data.data, data.target_names[np.asarray(data.target)]


def _iris_integers(as_frame: bool) -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True, as_frame=as_frame)
    return X, np.asarray(y)


@pytest.mark.parametrize("as_frame", [False, True])
@pytest.mark.parametrize("data", [_iris_binary, _wine_names, _iris_integers],
                         ids=["binary text labels", "multiclass text labels", "multiclass integer labels"])
def test_a_saved_classifier_predicts_what_it_predicts(data: Any, as_frame: bool, tmp_path: pathlib.Path
                                                      ) -> None:
    X, y = data(as_frame)
    clf = _classifier().fit(X, y)
    model = _round_trip(clf, tmp_path)
    assert model.task == "classification"
    assert model.classes == clf.classes_.tolist()
    assert model.network.n_outputs == (1 if len(clf.classes_) == 2 else len(clf.classes_))
    _assert_same_classifier(model, clf, X, exact=not as_frame)
    if as_frame:  # the column names carry through, and the model reads the columns by name
        assert model.features == tuple(X.columns)
        np.testing.assert_array_equal(model.predict(X[X.columns[::-1]]), clf.predict(X))
    else:
        assert model.features == tuple(f"x{j}" for j in range(X.shape[1]))


@pytest.mark.parametrize("as_frame", [False, True])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_saved_regressor_predicts_what_it_predicts(loss: str, as_frame: bool, tmp_path: pathlib.Path
                                                     ) -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=as_frame, scaled=True)
    reg = _regressor(loss=loss).fit(X, np.asarray(y) / 100)
    model = _round_trip(reg, tmp_path)
    assert model.task == "regression" and model.classes is None
    if as_frame:
        assert model.features == tuple(X.columns)
        np.testing.assert_allclose(model.predict(X), reg.predict(X), **TOL)
    else:
        np.testing.assert_array_equal(model.predict(X), reg.predict(X))


def test_a_saved_multi_output_regressor_predicts_every_output(tmp_path: pathlib.Path) -> None:
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, X[:, 2] * 10]) / 100
    reg = _regressor().fit(X, Y)
    model = _round_trip(reg, tmp_path)
    assert model.predict(X).shape == (len(X), 2)
    np.testing.assert_array_equal(model.predict(X), reg.predict(X))


def test_the_model_has_its_own_network_with_the_metadata(tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True)
    clf = _classifier().fit(X, y)
    clf.network_.metadata["note"] = "iris"
    before = clf.predict_proba(X)
    model = to_model(clf)
    assert model.network is not clf.network_ and model.metadata == {"note": "iris"}
    model.network.parameter_vector[...] = 0.0  # changing the model's network leaves the estimator's
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.metadata == {"note": "iris"}
    assert clf.network_.metadata == {"note": "iris"}
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_save_and_playwithnn_save_write_the_same_model(tmp_path: pathlib.Path) -> None:
    X, y = _wine_names(as_frame=True)
    clf = _classifier().fit(X, y)
    clf.save(tmp_path / "method.npz")
    playwithnn.save(clf, tmp_path / "function.npz")
    by_method = playwithnn.load(tmp_path / "method.npz")
    by_function = playwithnn.load(tmp_path / "function.npz")
    assert isinstance(by_method, Model) and isinstance(by_function, Model)
    assert by_method.features == by_function.features and by_method.classes == by_function.classes
    np.testing.assert_array_equal(by_method.predict_proba(X), by_function.predict_proba(X))
    np.testing.assert_array_equal(by_method.predict(X), clf.predict(X))


@pytest.mark.parametrize("unfitted", [_classifier(), _regressor(),
                                      make_pipeline(StandardScaler(), _classifier())],
                         ids=["classifier", "regressor", "pipeline"])
def test_an_unfitted_estimator_is_not_saved(unfitted: Any, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "model.npz"
    with pytest.raises(NotFittedError, match="not fitted"):
        playwithnn.save(unfitted, path)
    if not isinstance(unfitted, Pipeline):
        with pytest.raises(NotFittedError, match="not fitted"):
            unfitted.save(path)
    assert not path.exists()


def test_a_multilabel_classifier_is_refused(tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True)
    Y = np.column_stack([y == 0, y == 2]).astype(int)
    clf = _classifier().fit(X, Y)
    with pytest.raises(ValueError, match="multilabel"):
        clf.save(tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


# ------------------------------------------------------------- pipelines
def _with_holes(X: np.ndarray, seed: int = 0) -> np.ndarray:
    """``X`` with about a tenth of its values NaN."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    return X


@pytest.mark.parametrize(("with_mean", "with_std"),
                         [(True, True), (False, True), (True, False), (False, False)])
def test_a_scaler_becomes_the_inputs_mean_and_scale(with_mean: bool, with_std: bool,
                                                    tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    pipe = make_pipeline(StandardScaler(with_mean=with_mean, with_std=with_std), _classifier()).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    scaler = pipe[0]
    assert model.features == tuple(X.columns)
    encodings = model.preprocessing.encodings
    assert [e.mean[0] for e in encodings] == (scaler.mean_.tolist() if with_mean else [0.0] * 4)
    assert [e.scale[0] for e in encodings] == (scaler.scale_.tolist() if with_std else [1.0] * 4)
    _assert_same_classifier(model, pipe, X, exact=False)


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_an_imputer_then_a_scaler_fill_in_missing_values_as_the_pipeline(strategy: str,
                                                                           tmp_path: pathlib.Path) -> None:
    X, y = load_diabetes(return_X_y=True)
    X = _with_holes(X)
    pipe = make_pipeline(SimpleImputer(strategy=strategy), StandardScaler(), _regressor()).fit(X, y / 100)
    model = _round_trip(pipe, tmp_path)
    assert [e.impute for e in model.preprocessing.encodings] == pipe[0].statistics_.tolist()
    assert np.isnan(X).any(axis=1).sum() > 100
    np.testing.assert_allclose(model.predict(X), pipe.predict(X), **TOL)


def test_a_scaler_then_an_imputer_fill_in_the_raw_value(tmp_path: pathlib.Path) -> None:
    X, y = _wine_names(as_frame=False)
    X = _with_holes(X, seed=1)
    pipe = make_pipeline(StandardScaler(), SimpleImputer(strategy="median"), _classifier()).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    scaler, imputer = pipe[0], pipe[1]
    np.testing.assert_allclose([e.impute for e in model.preprocessing.encodings],
                               imputer.statistics_ * scaler.scale_ + scaler.mean_, rtol=1e-15)
    _assert_same_classifier(model, pipe, X, exact=False)


def _table(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Iris with a text column that tells the classes apart in part, and holes in two columns."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(seed)
    colors = np.array(["red", "green", "blue"])[(y.to_numpy() + (rng.random(n) < 0.3)) % 3]
    df = X.assign(color=colors.astype(object))
    df.loc[rng.random(n) < 0.1, "color"] = None
    df.loc[rng.random(n) < 0.1, "sepal width (cm)"] = np.nan
    return df, np.array(["setosa", "versicolor", "virginica"])[y.to_numpy()]


NUMBERS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def _mixed_pipeline(estimator: Any, handle_unknown: str = "ignore", **options: Any) -> Pipeline:
    return make_pipeline(
        ColumnTransformer([
            ("numbers", make_pipeline(SimpleImputer(), StandardScaler()), NUMBERS),
            ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                   OneHotEncoder(handle_unknown=handle_unknown)), ["color"]),
        ], **options),
        estimator)


@pytest.mark.parametrize("sparse_threshold", [0.0, 1.0], ids=["dense", "sparse"])
def test_a_column_transformer_of_numbers_and_text_predicts_as_the_pipeline(
        sparse_threshold: float, tmp_path: pathlib.Path) -> None:
    df, y = _table()
    pipe = _mixed_pipeline(_classifier(), sparse_threshold=sparse_threshold).fit(df, y)
    model = _round_trip(pipe, tmp_path)
    assert model.features == tuple(df.columns)
    assert model.preprocessing.input_names == [*NUMBERS, "color=blue", "color=green", "color=red"]
    colors = model.preprocessing.encodings[-1]
    assert colors.unknown == "ignore"
    assert colors.impute == pipe[0].named_transformers_["text"][0].statistics_[0]
    _assert_same_classifier(model, pipe, df, exact=False)
    holes = df[df.isna().any(axis=1)]
    assert len(holes) > 10
    _assert_same_classifier(model, pipe, holes, exact=False)
    unknown = df.iloc[[0, 60, 75, 120, 140]].assign(color=["purple", "RED", "red", "teal", "blue"])
    _assert_same_classifier(model, pipe, unknown, exact=False)


def test_a_column_transformer_before_a_regressor(tmp_path: pathlib.Path) -> None:
    df, _ = _table()
    target = df.pop("petal width (cm)").to_numpy()
    pipe = make_pipeline(
        make_column_transformer((make_pipeline(SimpleImputer(), StandardScaler()), NUMBERS[:3]),
                                (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()),
                                 ["color"])),
        _regressor()).fit(df, target)
    model = _round_trip(pipe, tmp_path)
    np.testing.assert_allclose(model.predict(df), pipe.predict(df), **TOL)


def test_an_unknown_category_is_refused_as_the_pipeline_refuses_it(tmp_path: pathlib.Path) -> None:
    df, y = _table()
    pipe = _mixed_pipeline(_classifier(), handle_unknown="error").fit(df, y)
    model = _round_trip(pipe, tmp_path)
    assert model.preprocessing.encodings[-1].unknown == "error"
    _assert_same_classifier(model, pipe, df, exact=False)
    unknown = df.head(3).assign(color=["red", "purple", "blue"])
    with pytest.raises(ValueError, match="unknown"):
        pipe.predict(unknown)
    with pytest.raises(PreprocessingError, match="purple") as caught:
        model.predict(unknown)
    assert caught.value.feature == "color" and caught.value.row == 1


def test_a_scaler_after_a_one_hot_encoder_scales_each_category(tmp_path: pathlib.Path) -> None:
    df, y = _table()
    df = df.fillna({"color": "red", "sepal width (cm)": 3.0})
    pipe = make_pipeline(
        ColumnTransformer([("text", OneHotEncoder(sparse_output=False), ["color"])], remainder="passthrough"),
        StandardScaler(), _classifier()).fit(df, y)
    model = _round_trip(pipe, tmp_path)
    colors, *numbers = model.preprocessing.encodings
    scaler = pipe[1]
    assert colors.categories == ("blue", "green", "red")
    assert list(colors.mean) == scaler.mean_[:3].tolist() and list(colors.scale) == scaler.scale_[:3].tolist()
    assert [e.feature for e in numbers] == NUMBERS  # the remainder comes after the transformers
    _assert_same_classifier(model, pipe, df, exact=False)


@pytest.mark.parametrize("columns", [[0, 2], [-4, -2], slice(0, 3, 2), [True, False, True, False],
                                     np.array([0, 2])],
                         ids=["positions", "negative positions", "slice", "mask", "array"])
@pytest.mark.parametrize("remainder", ["drop", "passthrough"])
def test_the_columns_of_a_column_transformer_on_an_array(columns: Any, remainder: str,
                                                         tmp_path: pathlib.Path) -> None:
    X, y = _wine_names(as_frame=False)
    X = X[:, :4]
    pipe = make_pipeline(ColumnTransformer([("scaled", StandardScaler(), columns)], remainder=remainder),
                         _classifier()).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    read = [e.feature for e in model.preprocessing.encodings]
    assert read == (["x0", "x2"] if remainder == "drop" else ["x0", "x2", "x1", "x3"])
    assert model.features == ("x0", "x1", "x2", "x3")  # every column of X, those dropped too
    _assert_same_classifier(model, pipe, X, exact=False)


def test_transformer_weights_divide_the_scales(tmp_path: pathlib.Path) -> None:
    X, y = _wine_names(as_frame=False)
    columns = ColumnTransformer([("scaled", StandardScaler(), [0, 1]), ("raw", "passthrough", [2])],
                                transformer_weights={"scaled": 2.0, "raw": 0.5})
    pipe = make_pipeline(columns, _classifier()).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    scaler = pipe[0].named_transformers_["scaled"]
    np.testing.assert_allclose([e.scale[0] for e in model.preprocessing.encodings],
                               [*(scaler.scale_ / 2), 2.0], rtol=1e-15)
    _assert_same_classifier(model, pipe, X, exact=False)


def test_a_column_transformer_by_name_with_a_label_slice(tmp_path: pathlib.Path) -> None:
    X, y = _iris_binary(as_frame=True)
    pipe = make_pipeline(
        ColumnTransformer([("first", StandardScaler(), slice("sepal width (cm)", "petal length (cm)")),
                           ("last", "passthrough", ["sepal length (cm)"]),
                           ("none", StandardScaler(), [])], remainder="drop"),
        _classifier()).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    assert [e.feature for e in model.preprocessing.encodings] == [
        "sepal width (cm)", "petal length (cm)", "sepal length (cm)"]
    _assert_same_classifier(model, pipe, X, exact=False)


def test_passthrough_steps_and_nested_pipelines(tmp_path: pathlib.Path) -> None:
    X, y = _iris_integers(as_frame=True)
    inner = Pipeline([("impute", SimpleImputer()), ("nothing", None)])
    pipe = Pipeline([("first", "passthrough"), ("inner", inner), ("scale", StandardScaler()),
                     ("again", StandardScaler()), ("model", _classifier())]).fit(X, y)
    model = _round_trip(pipe, tmp_path)
    assert model.features == tuple(X.columns)
    _assert_same_classifier(model, pipe, X, exact=False)


def test_an_empty_column_is_dropped_as_the_imputer_drops_it(tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True)
    X = np.column_stack([X[:, :2], np.full(len(X), np.nan), X[:, 2:]])
    pipe = make_pipeline(SimpleImputer(), _classifier())
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        pipe.fit(X, y)
        expected = pipe.predict(X)
    model = _round_trip(pipe, tmp_path)
    assert [e.feature for e in model.preprocessing.encodings] == ["x0", "x1", "x3", "x4"]
    np.testing.assert_array_equal(model.predict(X), expected)


def test_text_filled_in_with_a_constant_is_a_category(tmp_path: pathlib.Path) -> None:
    df, y = _table()
    pipe = make_pipeline(
        make_column_transformer((make_pipeline(SimpleImputer(strategy="constant", fill_value="unseen"),
                                               OneHotEncoder()), ["color"]),
                                (SimpleImputer(strategy="median"), NUMBERS)),
        _classifier()).fit(df, y)
    model = _round_trip(pipe, tmp_path)
    colors = model.preprocessing.encodings[0]
    assert colors.categories == ("blue", "green", "red", "unseen") and colors.impute == "unseen"
    _assert_same_classifier(model, pipe, df, exact=False)


def test_a_missing_value_that_no_step_fills_in_is_refused(tmp_path: pathlib.Path) -> None:
    # OneHotEncoder(handle_unknown="ignore") encodes a missing value it did not see in fit as
    # zeros; a model file cannot tell a missing value from an unknown one, and refuses it.
    df, y = _table()
    df = df.fillna({"color": "red", "sepal width (cm)": 3.0})
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["color"]),
                                                 remainder="passthrough"), _classifier()).fit(df, y)
    model = _round_trip(pipe, tmp_path)
    _assert_same_classifier(model, pipe, df, exact=False)
    holes = df.head(3).assign(color=["red", None, "blue"])
    assert pipe.predict(holes).shape == (3,)
    with pytest.raises(PreprocessingError, match="missing") as caught:
        model.predict(holes)
    assert caught.value.feature == "color" and caught.value.row == 1


# ------------------------------------------------------------- what a model file cannot hold
def test_one_hot_columns_split_up_are_refused(tmp_path: pathlib.Path) -> None:
    df, y = _table()
    df = df.fillna({"color": "red"})[["color"]]
    pipe = make_pipeline(OneHotEncoder(sparse_output=False),
                         ColumnTransformer([("two", "passthrough", [0, 2])]), _classifier()).fit(df, y)
    with pytest.raises(ValueError, match=r"one-hot columns of 'color' .* split up or reordered"):
        playwithnn.save(pipe, tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


@pytest.mark.parametrize(("step", "named"), [
    (PCA(n_components=2), r"step 'pca' \(PCA\) has no counterpart in a model file"),
    (FunctionTransformer(np.log1p), r"step 'functiontransformer' \(FunctionTransformer\) has no counterpart"),
    (MinMaxScaler(), r"step 'minmaxscaler' \(MinMaxScaler\) has no counterpart"),
    (SimpleImputer(add_indicator=True), r"step 'simpleimputer' \(SimpleImputer\) has add_indicator=True"),
    (SimpleImputer(missing_values=-1.0), r"step 'simpleimputer' \(SimpleImputer\) has missing_values=-1.0"),
])
def test_an_unsupported_step_is_refused_by_name_and_no_file_is_written(step: Any, named: str,
                                                                       tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(step, _classifier()).fit(X, y)
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match=named):
        playwithnn.save(pipe, path)
    assert not path.exists()


@pytest.mark.parametrize(("encoder", "named"), [
    (OneHotEncoder(handle_unknown="infrequent_if_exist"), "handle_unknown='infrequent_if_exist'"),
    (OneHotEncoder(drop="first"), "drop='first'"),
    (OneHotEncoder(min_frequency=5), "min_frequency=5"),
    (OneHotEncoder(max_categories=2), "max_categories=2"),
    (OneHotEncoder(), "learned a missing value as a category of 'color'"),
])
def test_a_one_hot_encoding_a_model_file_cannot_express_is_refused(encoder: Any, named: str,
                                                                   tmp_path: pathlib.Path) -> None:
    df, y = _table()
    if "missing" not in named:
        df = df.fillna({"color": "red"})
    pipe = make_pipeline(ColumnTransformer([("text", encoder, ["color"])]), _classifier()).fit(df, y)
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match=rf"step 'columntransformer > text' \(OneHotEncoder\) .*{named}"):
        playwithnn.save(pipe, path)
    assert not path.exists()


def test_a_step_inside_a_column_transformer_is_named_by_its_path(tmp_path: pathlib.Path) -> None:
    df, y = _table()
    pipe = make_pipeline(
        ColumnTransformer([("numbers", make_pipeline(SimpleImputer(), PCA(n_components=2)), NUMBERS)]),
        _classifier()).fit(df, y)
    with pytest.raises(ValueError, match=r"step 'columntransformer > numbers > pca' \(PCA\)"):
        playwithnn.save(pipe, tmp_path / "model.npz")


def test_a_pipeline_that_does_not_end_with_our_estimator_is_refused(tmp_path: pathlib.Path) -> None:
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    last = r"step 'logisticregression' \(LogisticRegression\) is the last step"
    with pytest.raises(ValueError, match=last):
        playwithnn.save(pipe, tmp_path / "model.npz")
    with pytest.raises(TypeError, match="StandardScaler"):
        playwithnn.save(pipe[0], tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


# ------------------------------------------------------------- the command line reads the file
def test_the_command_line_predicts_what_the_pipeline_predicts(tmp_path: pathlib.Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    df, y = _table()
    pipe = _mixed_pipeline(_classifier()).fit(df, y)
    model_path, csv_path = tmp_path / "model.npz", tmp_path / "rows.csv"
    playwithnn.save(pipe, model_path)
    df.to_csv(csv_path, index=False)
    assert main(["predict", os.fspath(model_path), os.fspath(csv_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction"  # the model names no target column
    assert lines[1:] == pipe.predict(df).tolist()


# ---------------------------------------------------------------- booleans
def _smokers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    smoker = rng.random(600) < 0.4
    return pd.DataFrame({"x": x, "smoker": smoker, "y": x + 3.0 * smoker})


def _predicted_by_the_command_line(model_path: pathlib.Path, csv_path: pathlib.Path,
                                   tmp_path: pathlib.Path) -> np.ndarray:
    out = tmp_path / "predicted.csv"
    assert main(["predict", str(model_path), str(csv_path), "--output", str(out)]) == 0
    return pd.read_csv(out).iloc[:, -1].to_numpy()


def test_a_bool_column_trained_by_the_command_line_predicts_the_same_from_pandas(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "smokers.csv"
    _smokers().to_csv(data, index=False)  # the bool column becomes the text True / False
    model_path = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--output", str(model_path), "--quiet",
                 "--epochs", "30", "--seed", "0"]) == 0
    model = playwithnn.load(model_path)
    smoker = next(e for e in model.preprocessing.encodings if e.feature == "smoker")
    assert smoker.categories == ("False", "True")
    from_pandas = model.predict(pd.read_csv(data))  # a bool column again
    from_text = model.predict({name: pd.read_csv(data, dtype=str)[name] for name in ("x", "smoker")})
    np.testing.assert_array_equal(from_pandas, from_text)
    # The command line writes 6 significant digits.
    np.testing.assert_allclose(_predicted_by_the_command_line(model_path, data, tmp_path), from_pandas,
                               rtol=1e-5, atol=1e-5)
    # Both sides of the one-hot are used: the bool moves the prediction by about 3.
    flipped = pd.read_csv(data).assign(smoker=lambda d: ~d.smoker)
    assert np.mean(np.abs(model.predict(flipped) - from_pandas)) > 1.0


@pytest.mark.parametrize("encoder", ["scaler", "one-hot"])
def test_a_pipeline_fitted_on_a_bool_column_saves_and_predicts_from_its_csv(
        encoder: str, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = _smokers()
    X, y = frame[["x", "smoker"]], frame["y"]
    first = (StandardScaler() if encoder == "scaler"
             else make_column_transformer((OneHotEncoder(), ["smoker"]), (StandardScaler(), ["x"])))
    pipe = make_pipeline(first, _regressor()).fit(X, y)
    model_path = tmp_path / "m.npz"
    playwithnn.save(pipe, model_path)
    np.testing.assert_allclose(playwithnn.load(model_path).predict(X), pipe.predict(X), rtol=1e-12)
    data = tmp_path / "smokers.csv"
    frame.to_csv(data, index=False)
    np.testing.assert_allclose(_predicted_by_the_command_line(model_path, data, tmp_path), pipe.predict(X),
                               rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------ missing values
def test_the_command_line_and_pandas_read_the_same_cells_as_missing(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(1)
    n = 300
    x = rng.normal(size=n).round(3)
    colour = rng.choice(["red", "blue", "green"], n)
    y = x + (colour == "red")
    x_cells = [str(v) for v in x]
    markers = ["NA", "N/A", "NULL", "None", "#N/A", "nan", "", "n/a", "<NA>", "null"]
    for i, marker in enumerate(markers):
        x_cells[10 * i] = marker
        colour[10 * i + 5] = marker
    data = tmp_path / "holes.csv"
    pd.DataFrame({"x": x_cells, "colour": colour, "y": y}).to_csv(data, index=False)
    frame = pd.read_csv(data)
    assert frame.x.isna().sum() == len(markers) and frame.colour.isna().sum() == len(markers)
    model_path = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--output", str(model_path), "--quiet",
                 "--epochs", "20", "--seed", "0", "--impute", "mean"]) == 0
    model = playwithnn.load(model_path)
    colour_encoding = next(e for e in model.preprocessing.encodings if e.feature == "colour")
    assert colour_encoding.categories == ("blue", "green", "red")  # no "NA" nor "None" category
    assert model.preprocessing.encodings[0].impute == pytest.approx(frame.x.iloc[
        np.flatnonzero(frame.x.notna())].mean(), abs=0.5)
    np.testing.assert_allclose(_predicted_by_the_command_line(model_path, data, tmp_path),
                               model.predict(frame), rtol=1e-5, atol=1e-5)


# ------------------------------------------------- features no encoding reads
def test_a_column_the_pipeline_drops_need_not_be_given_by_name(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = X[["age", "bmi", "bp"]].assign(id=np.arange(len(X)))
    pipe = make_pipeline(ColumnTransformer([("scale", StandardScaler(), ["age", "bmi", "bp"])],
                                           remainder="drop"), _regressor()).fit(X, y)
    path = tmp_path / "m.npz"
    playwithnn.save(pipe, path)
    model = playwithnn.load(path)
    assert model.features == ("age", "bmi", "bp", "id")  # rows of an array still hold id, in its place
    assert model.preprocessing.features_read == ("age", "bmi", "bp")
    without_id = X.drop(columns="id")
    np.testing.assert_allclose(model.predict(without_id), pipe.predict(X), rtol=1e-12)
    np.testing.assert_allclose(model.predict(X.to_numpy()), pipe.predict(X), rtol=1e-12)
    data = tmp_path / "no_id.csv"
    without_id.to_csv(data, index=False)
    np.testing.assert_allclose(_predicted_by_the_command_line(path, data, tmp_path), pipe.predict(X),
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"^X has no column bmi; the model reads age, bmi, bp$"):
        model.predict(without_id.drop(columns="bmi"))


def test_a_model_fitted_on_an_array_says_so_when_a_table_lacks_x0(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    est = _classifier().fit(X.to_numpy(), y)
    path = tmp_path / "m.npz"
    est.save(path)
    hint = ("x0, x1, ... are the names scikit-learn gives the columns of an array: the model was fitted "
            "without column names; fit it on a DataFrame to read columns by name")
    with pytest.raises(ValueError, match=re.escape(hint)):
        playwithnn.load(path).predict(X)
    data = tmp_path / "iris.csv"
    X.to_csv(data, index=False)
    assert main(["predict", str(path), str(data)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err


# ---------------------------------------------------------------- subclasses
class MyRegressor(NeuralNetworkRegressor):
    """A user's subclass, defined outside playwithnn and scikit-learn."""


class MyPipeline(Pipeline):
    """A user's Pipeline subclass."""


def test_a_subclass_of_our_estimator_saves(tmp_path: pathlib.Path) -> None:
    X, y = load_diabetes(return_X_y=True)
    est = MyRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0)
    with pytest.raises(NotFittedError, match="not fitted"):
        playwithnn.save(est, tmp_path / "m.npz")
    est.fit(X, y)
    np.testing.assert_allclose(_round_trip(est, tmp_path).predict(X), est.predict(X), rtol=1e-12)
    pipe = make_pipeline(StandardScaler(), MyRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50,
                                                       random_state=0)).fit(X, y)
    np.testing.assert_allclose(_round_trip(pipe, tmp_path).predict(X), pipe.predict(X), rtol=1e-12)
    # A Pipeline subclass may transform otherwise: refused by to_model, which says what it takes.
    mine = MyPipeline([("scale", StandardScaler()), ("net", _regressor())]).fit(X, y)
    with pytest.raises(TypeError, match=r"to_model takes .* got MyPipeline"):
        playwithnn.save(mine, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="got dict"):
        playwithnn.save({}, tmp_path / "m.npz")
