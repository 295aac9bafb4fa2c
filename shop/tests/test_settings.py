from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from shop.settings import envbool, envchoice, envfloat, envint, envstr


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_envbool_reads_true_values(monkeypatch, value):
    monkeypatch.setenv("SHOP_TEST_FLAG", value)

    assert envbool("SHOP_TEST_FLAG", "false") is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_envbool_reads_false_values(monkeypatch, value):
    monkeypatch.setenv("SHOP_TEST_FLAG", value)

    assert envbool("SHOP_TEST_FLAG", "true") is False


def test_envbool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("SHOP_TEST_FLAG", raising=False)

    assert envbool("SHOP_TEST_FLAG", "true") is True
    assert envbool("SHOP_TEST_FLAG", "false") is False


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_envbool_refuses_anything_else_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SHOP_TEST_FLAG", value)

    with pytest.raises(ImproperlyConfigured, match="SHOP_TEST_FLAG must be a boolean"):
        envbool("SHOP_TEST_FLAG", "false")


def test_envint_reads_an_integer(monkeypatch):
    monkeypatch.setenv("SHOP_TEST_NUMBER", "8388608")

    assert envint("SHOP_TEST_NUMBER", "1") == 8388608


def test_envint_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("SHOP_TEST_NUMBER", raising=False)

    assert envint("SHOP_TEST_NUMBER", "42") == 42


@pytest.mark.parametrize("value", ["8MB", "1.5", "", "ten"])
def test_envint_refuses_a_non_integer_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SHOP_TEST_NUMBER", value)

    with pytest.raises(ImproperlyConfigured, match="SHOP_TEST_NUMBER must be an integer"):
        envint("SHOP_TEST_NUMBER", "1")


def test_envfloat_reads_a_number_and_refuses_text(monkeypatch):
    monkeypatch.setenv("SHOP_TEST_WEIGHT", "0.25")
    assert envfloat("SHOP_TEST_WEIGHT", "1") == 0.25

    monkeypatch.setenv("SHOP_TEST_WEIGHT", "half")
    with pytest.raises(ImproperlyConfigured, match="SHOP_TEST_WEIGHT must be a number"):
        envfloat("SHOP_TEST_WEIGHT", "1")


def test_envchoice_accepts_a_listed_value_and_refuses_others(monkeypatch):
    monkeypatch.setenv("SHOP_TEST_DEVICE", "cpu")
    assert envchoice("SHOP_TEST_DEVICE", "auto", ("auto", "cpu")) == "cpu"

    monkeypatch.setenv("SHOP_TEST_DEVICE", "tpu")
    with pytest.raises(ImproperlyConfigured, match="SHOP_TEST_DEVICE must be one of auto, cpu"):
        envchoice("SHOP_TEST_DEVICE", "auto", ("auto", "cpu"))


def test_envstr_falls_back_to_the_default(monkeypatch):
    monkeypatch.delenv("SHOP_TEST_TEXT", raising=False)
    assert envstr("SHOP_TEST_TEXT", "fallback") == "fallback"

    monkeypatch.setenv("SHOP_TEST_TEXT", "given")
    assert envstr("SHOP_TEST_TEXT", "fallback") == "given"


@pytest.mark.parametrize(
    ("helper", "value", "bounds"),
    [
        ("envint", "0", {"low": 1}),
        ("envfloat", "1.5", {"low": 0.0, "high": 1.0}),
        ("envfloat", "-0.1", {"low": 0.0, "high": 1.0}),
        ("envfloat", "nan", {}),
        ("envfloat", "inf", {}),
    ],
)
def test_numbers_outside_their_range_stop_start_up(monkeypatch, helper, value, bounds) -> None:
    monkeypatch.setenv("SHOP_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match="SHOP_TEST_NUMBER"):
        {"envint": envint, "envfloat": envfloat}[helper]("SHOP_TEST_NUMBER", "1", **bounds)


def test_numbers_inside_their_range_are_read(monkeypatch) -> None:
    monkeypatch.setenv("SHOP_TEST_NUMBER", "1")
    assert envint("SHOP_TEST_NUMBER", "0", low=1, high=1) == 1
    assert envfloat("SHOP_TEST_NUMBER", "0", low=0.0, high=1.0) == 1.0
