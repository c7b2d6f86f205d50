"""The verdict rules: exact to the digits shown, close within rtol, otherwise wrong."""

import math

import pytest

from viz.handcheck.verdicts import decimals, judge
from viz.worked import HandNumber


def hand(text):
    return HandNumber(float(text.replace("_", "")), text)


@pytest.mark.parametrize(
    "text, places",
    [("0.00067", 5), ("1", 0), ("-0.1385", 4), ("0.35890", 5), ("16553.0", 1), ("+0.5", 1),
     ("1e-3", 3), ("2.5E-4", 5), ("1.5e3", -2), ("1_000.25", 2), ("5.", 0), (".25", 2), ("0x1F", 0)],
)
def test_decimals_shown(text, places):
    assert decimals(text) == places


@pytest.mark.parametrize(
    "text, engine, verdict",
    [
        # the engine rounded to the hand's digits equals the hand value
        ("0.5933", 0.5932699, "exact"),
        ("0.00067", 0.00066840, "exact"),
        ("-0.1385", -0.138499, "exact"),
        ("1", 1 - 6.8e-14, "exact"),  # sigmoid(30.3): "= 1"
        ("0.0070", -0.0070, "wrong"),  # the sign matters
        ("-0.0070", -0.0070240, "exact"),
        ("16553.0", 16553.0, "exact"),
        ("0.0", 0.0, "exact"),
        ("0.00", 0.004, "exact"),
        ("2.5E-4", 0.00025049, "exact"),
        ("1e-3", 0.0012, "exact"),  # one digit at three decimals: 0.0012 -> 0.001
        ("1e-3", 0.0016, "wrong"),  # -> 0.002, and 38% off
        ("1.5e3", 1523.0, "exact"),  # shown to the hundreds
        ("1.5e3", 1551.0, "close"),  # rounds to 1.6e3; 3.3% off, within rtol 0.05 below
        # trailing zeros are digits: 0.35890 claims five decimals
        ("0.35890", 0.3589165, "close"),
        ("0.3589", 0.3589165, "exact"),
        # a document's rounded intermediate: 0.0134*0.10 printed as 0.00135, true 0.0013368
        ("0.00135", 0.0013368, "close"),
        ("0.00134", 0.0013368, "exact"),
        # far off
        ("0.325", 0.5249792, "wrong"),
        ("0.095", -0.0065, "wrong"),
    ],
)
def test_verdicts(text, engine, verdict):
    rtol = 0.05 if text == "1.5e3" else 0.01
    assert judge(hand(text), engine, rtol) == verdict


def test_ties_round_either_way():
    # 0.125 is exact in binary: to 2 decimals it is 0.12 (half even) or 0.13 (half up)
    assert judge(hand("0.13"), 0.125, 0.0) == "exact"
    assert judge(hand("0.12"), 0.125, 0.0) == "exact"
    assert judge(hand("0.14"), 0.125, 0.0) == "wrong"
    # 2.675 on paper is 2.67499999999999982... as a float: a person writes 2.68
    # (half up), Python's round() gives 2.67; both are the hand rounding a tie
    assert round(2.675, 2) == 2.67
    assert judge(hand("2.68"), 2.675, 0.0) == "exact"
    assert judge(hand("2.67"), 2.675, 0.0) == "exact"
    assert judge(hand("0.0007"), 0.5 * 0.0013, 0.0) == "exact"  # 0.00065 -> 0.000649999...
    assert judge(hand("0.0006"), 0.5 * 0.0013, 0.0) == "exact"
    # just past a tie is not a tie
    assert judge(hand("0.13"), 0.1249, 0.0) == "wrong"


def test_close_is_relative_to_the_engine():
    assert judge(hand("0.1009"), 0.1, 0.01) == "close"  # 1% of 0.1 is 0.001
    assert judge(hand("0.1011"), 0.1, 0.01) == "wrong"
    assert judge(hand("0.1011"), 0.1, 0.02) == "close"
    assert judge(hand("0.1011"), 0.1, 0.0) == "wrong"


def test_engine_zero_is_exact_or_wrong_never_close():
    assert judge(hand("0.000"), 0.0, 0.5) == "exact"
    assert judge(hand("0.0004"), 0.0, 0.5) == "wrong"
    assert judge(hand("0"), 1e-17, 0.01) == "exact"


def test_non_finite_engine_is_wrong():
    assert judge(hand("1"), math.inf, 0.01) == "wrong"
    assert judge(hand("1"), math.nan, 0.01) == "wrong"


def test_unreadable_text_falls_back_to_the_value():
    assert judge(HandNumber(0.25, "a quarter"), 0.25, 0.01) == "exact"
    assert judge(HandNumber(0.25, "a quarter"), 0.2501, 0.01) == "close"
