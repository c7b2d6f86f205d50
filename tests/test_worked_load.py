"""Loading worked-example files: the format, the hand literals, and every kind of bad file."""

import pytest

from viz.worked import HandNumber, WorkedExampleError, load, loads, scan_literals

BASE = """\
title = "one neuron"
[inputs]
x = 0.5
y = 0.2
[params]
w = 0.3
b = 0.1
[nodes]
z = "w*x + b"
a = "sigmoid(z)"
loss = "0.5*(a - y)**2"
[train]
lr = 0.1
[expect.values]
z = 0.25
[expect.grads]
w = 0.03
"""


def write(tmp_path, text, name="example.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text):
    """The one-line message of the WorkedExampleError that loading ``text`` raises."""
    path = write(tmp_path, text)
    with pytest.raises(WorkedExampleError) as e:
        load(path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


# --- a good file ------------------------------------------------------------------------


def test_good_file_loads_in_file_order(tmp_path):
    ex = load(write(tmp_path, BASE))
    assert ex.title == "one neuron"
    assert list(ex.inputs.items()) == [("x", 0.5), ("y", 0.2)]
    assert list(ex.params.items()) == [("w", 0.3), ("b", 0.1)]
    assert list(ex.nodes) == ["z", "a", "loss"]
    assert ex.loss == "loss" and ex.lr == 0.1 and ex.steps == 1 and ex.rtol == 0.01
    assert ex.expect_values == {"z": HandNumber(0.25, "0.25")}
    assert ex.kind_of("x") == "input" and ex.kind_of("w") == "param" and ex.kind_of("a") == "node"
    assert ex.kind_of("nope") is None


def test_nodes_in_any_order(tmp_path):
    text = BASE.replace('z = "w*x + b"\na = "sigmoid(z)"\nloss = "0.5*(a - y)**2"',
                        'loss = "0.5*(a - y)**2"\na = "sigmoid(z)"\nz = "w*x + b"')
    ex = load(write(tmp_path, text))
    assert list(ex.nodes) == ["loss", "a", "z"]  # file order kept
    assert ex.order == ["z", "a", "loss"]  # evaluation order


def test_title_defaults_to_the_file_name(tmp_path):
    ex = load(write(tmp_path, BASE.replace('title = "one neuron"\n', ""), name="neuron.toml"))
    assert ex.title == "neuron"


def test_no_loss_needed_for_values_only(tmp_path):
    text = '[inputs]\nx = 2\n[nodes]\nd = "x*x"\n[expect.values]\nd = 4\n'
    ex = load(write(tmp_path, text))
    assert ex.loss is None and ex.lr is None


# --- the literal text of hand numbers -------------------------------------------------------


def test_hand_literals_keep_their_digits(tmp_path):
    text = BASE.replace(
        "[expect.values]\nz = 0.25\n",
        "[expect.values]\n"
        "z   =   0.25000   # trailing zeros kept\n"
        "a=+0.56_22\n"
        "\"loss\" = 1.5e-3\n"
        "x = 1\n"
        "y = 2.0E-1\n",
    )
    ex = load(write(tmp_path, text))
    got = {k: (h.value, h.text) for k, h in ex.expect_values.items()}
    assert got == {
        "z": (0.25, "0.25000"),
        "a": (0.5622, "+0.56_22"),
        "loss": (0.0015, "1.5e-3"),
        "x": (1.0, "1"),
        "y": (0.2, "2.0E-1"),
    }
    assert ex.expect_values["z"].line == 15


def test_literals_of_epoch_tables_and_dotted_keys(tmp_path):
    text = BASE.replace("[train]\nlr = 0.1\n", "[train]\nlr = 0.1\nsteps = 5\n") + (
        "[[expect.epochs]]\nepoch = 0\nloss = 0.0100\n"
        "[[ expect.epochs ]]  # spacing inside the brackets\nepoch = 3\na = 0.5600\n"
    )
    ex = load(write(tmp_path, text))
    assert [(n, {k: h.text for k, h in r.items()}) for n, r in ex.expect_epochs] == [
        (0, {"loss": "0.0100"}),
        (3, {"a": "0.5600"}),
    ]


def test_literal_scanner_ignores_strings_and_arrays():
    text = (
        'source = """\n'
        "[expect.values]\n"
        "z = 9.990\n"
        '"""\n'
        "note = ['[expect.values]', \"z = 1.0\",\n"
        "  'z = 2.0']\n"
        "expect.values.z = 0.2500 # dotted keys at the top level\n"
    )
    found, twice = scan_literals(text)
    assert found[("expect", "values", "z")] == ("0.2500", 7)
    assert twice == []


def test_unrecoverable_literal_falls_back_to_the_value(tmp_path):
    text = BASE.replace("[expect.values]\nz = 0.25\n", "[expect]\nvalues = { z = 0.2500 }\n")
    ex = load(write(tmp_path, text))
    assert ex.expect_values["z"].value == 0.25
    assert ex.expect_values["z"].text in ("0.2500", "0.25")


# --- bad files: each error is one line naming the file, the key and the problem -------------


def test_toml_syntax_error_has_line_and_column(tmp_path):
    msg = error_of(tmp_path, BASE.replace("x = 0.5", "x = = 0.5"))
    assert msg.startswith("line 3, column 5: TOML syntax error")


def test_key_written_twice_names_it_and_both_lines(tmp_path):
    msg = error_of(tmp_path, BASE.replace("x = 0.5", "x = 0.5\nx = 0.6"))
    assert msg.startswith("inputs.x: written twice (lines 3 and 4)")


def test_expression_syntax_error_has_the_column(tmp_path):
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"w*x + * b"'))
    assert msg.startswith("nodes.z: ")
    assert 'expression "w*x + * b", column 7' in msg


@pytest.mark.parametrize(
    "expression, words",
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("w.real", "attribute"),
        ("x[0]", "subscript"),
        ("(lambda: 1)()", "keyword"),
        ("w < x", "comparison"),
        ("'w'", "string"),
        ("abs(w)", "unknown function 'abs'"),
    ],
)
def test_unsafe_expressions_are_rejected(tmp_path, expression, words):
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', f'"{expression}"'))
    assert msg.startswith("nodes.z: ") and words in msg


def test_unknown_name_with_suggestion(tmp_path):
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"ww*x + b"'))
    assert msg == "nodes.z: expression \"ww*x + b\", column 1: unknown name 'ww' (did you mean 'w'?)"


def test_cycle_is_named(tmp_path):
    text = BASE.replace('z = "w*x + b"', 'z = "w*x + b + loss"')
    msg = error_of(tmp_path, text)
    assert msg == "nodes.z: cycle between nodes: z -> loss -> a -> z (each uses the next)"
    assert error_of(tmp_path, BASE.replace('"w*x + b"', '"z + 1"')) == "nodes.z: cycle between nodes: z -> z (each uses the next)"


def test_name_defined_twice(tmp_path):
    msg = error_of(tmp_path, BASE.replace('z = "w*x + b"', 'z = "w*x + b"\nx = "2*w"'))
    assert msg == "nodes.x: 'x' is defined twice (already in [inputs])"


@pytest.mark.parametrize(
    "value, words",
    [
        ('"0.3"', 'got a string ("0.3") (write it without quotes)'),
        ("true", "got a boolean (true)"),
        ("[0.3]", "got an array"),
        ("{ v = 1 }", "got a table"),
        ("1979-05-27", "got a date"),
    ],
)
def test_value_that_is_not_a_number(tmp_path, value, words):
    msg = error_of(tmp_path, BASE.replace("w = 0.3", f"w = {value}"))
    assert msg.startswith("params.w: expected a number, ") and words in msg


def test_expected_value_that_is_not_a_number(tmp_path):
    msg = error_of(tmp_path, BASE.replace("z = 0.25", "z = false"))
    assert msg == "expect.values.z: expected a number, got a boolean (false)"


def test_huge_number_is_not_finite(tmp_path):
    assert error_of(tmp_path, BASE.replace("w = 0.3", "w = 1e999")) == "params.w: 1e999 is not a finite number"
    assert error_of(tmp_path, BASE.replace("w = 0.3", "w = nan")) == "params.w: nan is not a finite number"
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"w*x + 1e999"'))
    assert msg.startswith("nodes.z: ") and "not finite" in msg


def test_non_finite_result_names_the_node(tmp_path):
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"w*x*1e308*100"'))
    assert msg == "nodes.z: the result is not finite (inf)"


def test_domain_errors_name_the_node(tmp_path):
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"log(w - x)"'))
    assert msg.startswith("nodes.z: log is defined only for values > 0")
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', '"w/(x - 0.5)"'))
    assert msg.startswith("nodes.z: division by zero")
    msg = error_of(tmp_path, BASE.replace('"0.5*(a - y)**2"', '"exp(2000*a)"'))
    assert msg.startswith("nodes.loss: exp overflows")


def test_expectation_about_a_missing_name(tmp_path):
    msg = error_of(tmp_path, BASE.replace("[expect.grads]\nw = 0.03", "[expect.grads]\nw3 = 0.03"))
    assert msg == "expect.grads.w3: no leaf or node named 'w3' (did you mean 'w'?)"
    text = BASE + "[[expect.epochs]]\nepoch = 0\nlos = 1\n"
    assert error_of(tmp_path, text) == "expect.epochs #1.los: no leaf or node named 'los' (did you mean 'loss'?)"


def test_updated_must_be_a_parameter(tmp_path):
    msg = error_of(tmp_path, BASE + "[expect.updated]\nx = 0.5\n")
    assert msg == "expect.updated.x: 'x' is not a parameter: only [params] are updated"


@pytest.mark.parametrize(
    "addition, key, words",
    [
        ("[chek]\nrtol = 0.1\n", "chek", "did you mean 'check'?"),
        ("[expect.value]\nz = 1\n", "expect.value", "did you mean 'values'?"),
        ("[check]\nrtl = 0.1\n", "check.rtl", "did you mean 'rtol'?"),
        ("[nodez]\n", "nodez", "did you mean 'nodes'?"),
    ],
)
def test_unknown_key_suggests_the_nearest(tmp_path, addition, key, words):
    msg = error_of(tmp_path, BASE + addition)
    assert msg.startswith(f"{key}: unknown key") and words in msg


def test_unknown_train_key(tmp_path):
    msg = error_of(tmp_path, BASE.replace("lr = 0.1", "learning_rate = 0.1"))
    assert msg.startswith("train.learning_rate: unknown key") and "loss, lr, steps" in msg


def test_missing_loss_node(tmp_path):
    text = BASE.replace('loss = "0.5*(a - y)**2"', 'cost = "0.5*(a - y)**2"')
    msg = error_of(tmp_path, text)
    assert msg.startswith("train.loss: no loss node: expect.grads needs one")
    text = BASE.replace("[train]\n", '[train]\nloss = "cots"\n')
    assert error_of(tmp_path, text) == "train.loss: no leaf or node named 'cots'"


def test_missing_learning_rate(tmp_path):
    text = BASE.replace("lr = 0.1", "") + "[expect.updated]\nw = 0.3\n"
    assert error_of(tmp_path, text) == "train.lr: missing: expect.updated needs the learning rate"


@pytest.mark.parametrize(
    "addition, message",
    [
        ("[expect.epochs]\nepoch = 0\n", "expect.epochs: expected [[expect.epochs]] entries (an array of tables), got a table"),
        ("[[expect.epochs]]\nloss = 1\n", "expect.epochs #1: missing 'epoch = N' (the epoch, counted from 0)"),
        ("[[expect.epochs]]\nepoch = 2\nloss = 1\n", "expect.epochs #1.epoch: epoch 2 is outside 0..1 (train.steps = 1; epoch 1 is the values after the last update)"),
        ("[[expect.epochs]]\nepoch = 0.5\nloss = 1\n", "expect.epochs #1.epoch: expected a whole number, got a number"),
        ("[[expect.epochs]]\nepoch = 0\n", "expect.epochs #1: epoch 0 lists no values (add e.g. loss = ...)"),
    ],
)
def test_bad_epoch_entries(tmp_path, addition, message):
    assert error_of(tmp_path, BASE + addition) == message


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("lr = 0.1", "lr = 0.1\nsteps = 0", "train.steps: must be from 1 to 277,777 for this graph of 18 nodes (steps × nodes may be at most 5,000,000), got 0"),
        ("lr = 0.1", "lr = 0.1\nsteps = 1000000001", "train.steps: must be from 1 to 277,777 for this graph of 18 nodes (steps × nodes may be at most 5,000,000), got 1000000001"),
        ("lr = 0.1", "lr = 0.1\nsteps = 2.0", "train.steps: expected a whole number, got a number"),
        ("[train]", "[check]\nrtol = -1\n[train]", "check.rtol: must be 0 or more, got -1.0"),
        ('z = "w*x + b"', 'z = 2', "nodes.z: expected an expression in quotes, got a number (numbers go in [inputs] or [params])"),
        ("x = 0.5", '"x y" = 0.5', 'inputs."x y": not a valid name: \' \' (U+0020 SPACE) is not a letter, an ASCII digit or \'_\' (a name is letters, such as θ6 or w13, ASCII digits and _, not starting with a digit)'),
        ("x = 0.5", "exp = 0.5", "inputs.exp: 'exp' is a function name; choose another name"),
        ('title = "one neuron"', "title = 3", "title: expected a string, got a number"),
        ("[inputs]", "inputs = 3\n[other]", "other: unknown key"),
    ],
)
def test_other_bad_values(tmp_path, old, new, message):
    assert error_of(tmp_path, BASE.replace(old, new)).startswith(message)


def test_deep_and_long_expressions_are_clear_errors(tmp_path):
    deep = "(" * 1000 + "w" + ")" * 1000
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', f'"{deep}"'))
    assert msg.startswith("nodes.z: expression ") and "nested too deeply" in msg
    long = "+".join(["w"] * 20000)
    msg = error_of(tmp_path, BASE.replace('"w*x + b"', f'"{long}"'))
    assert msg.startswith("nodes.z: expression ") and "too long" in msg


def test_unreadable_files(tmp_path):
    with pytest.raises(WorkedExampleError, match=r"missing\.toml: file: cannot read it"):
        load(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(WorkedExampleError, match="file: not UTF-8"):
        load(bad)


def test_loads_names_its_source():
    with pytest.raises(WorkedExampleError, match=r"^<string>: nodes\.z: expression \"q\", column 1: unknown name"):
        loads('[nodes]\nz = "q"\n')
