"""Settings read from the environment: typed lists."""
import pytest

from project.env import Var


def test_a_list_of_numbers_is_read_as_numbers(monkeypatch):
    monkeypatch.setenv("SOME_PORTS", " 80, 8080 ,,")
    assert Var("SOME_PORTS", [443], "ports", items=int).read() == [80, 8080]


def test_a_list_item_of_the_wrong_type_stops_the_start_up(monkeypatch):
    monkeypatch.setenv("SOME_PORTS", "80,http")
    with pytest.raises(SystemExit, match="SOME_PORTS: 'http' is not int"):
        Var("SOME_PORTS", [], "ports", items=int).read()


def test_an_empty_value_is_an_empty_list(monkeypatch):
    monkeypatch.setenv("SOME_PORTS", "")
    assert Var("SOME_PORTS", [80, 443], "ports", items=int).read() == []
