"""The context sent to the model: what matters most first, within the token budget."""

from __future__ import annotations

from pathlib import Path

from aiap.hookspecs import RepairRequest
from aiap.llm.context import build_context, estimate_tokens, failure_report
from aiap.models import Failure, Frame, Location
from tests.conftest import write_project

RATES = "VAT = {'FR': 20, 'DE': 19}\n\n\ndef rate_for(country):\n    return VAT[country]\n"
INVOICE = (
    "from shop.rates import rate_for\n\nROUNDING = 2\n\n\n"
    "def total(amount, country):\n"
    "    rate = rate_for(country)\n"
    "    return round(amount + rate / 100, ROUNDING)\n"
)
TESTS = (
    "from shop.invoice import total\n\n\ndef test_total():\n    assert total(100, 'FR') == 120\n"
)


def _request(root: Path) -> RepairRequest:
    write_project(
        root,
        {"shop/__init__.py": "", "shop/rates.py": RATES, "shop/invoice.py": INVOICE,
         "tests/test_invoice.py": TESTS},
    )  # fmt: skip
    failure = Failure(
        nodeid="tests/test_invoice.py::test_total",
        message=f"assert 100.2 == 120 (in {root}/shop/invoice.py) in 0.03s",
        kind="AssertionError",
        frames=[Frame(path="tests/test_invoice.py", line=5, function="test_total")],
    )
    return RepairRequest(
        root=str(root),
        failures=[failure],
        locations=[Location(path="shop/invoice.py", start_line=8, end_line=8, score=1.0)],
        sources={"shop/invoice.py": INVOICE},
        test_files=["tests/test_invoice.py"],
    )


def test_the_context_holds_the_test_the_failure_the_function_and_what_it_uses(
    tmp_path: Path,
) -> None:
    context = build_context(_request(tmp_path), budget_tokens=4000)
    assert "def test_total():\n    assert total(100, 'FR') == 120" in context.tests
    assert "AssertionError: assert 100.2 == 120" in context.tests
    assert str(tmp_path) not in context.tests and "0.03s" not in context.tests  # stable
    # Headed by path and lines; the code as it is, no numbers a small model would copy back.
    assert context.functions.startswith("shop/invoice.py, lines 6-8:\n```python\ndef total(")
    assert "\n    return round(amount + rate / 100, ROUNDING)\n" in context.functions
    assert "shop/rates.py, lines 4-" in context.definitions  # imported from shop.rates
    assert "\ndef rate_for(country):\n" in context.definitions
    assert "\nROUNDING = 2\n" in context.definitions
    assert " | " not in context.functions + context.definitions
    assert context.files == ["tests/test_invoice.py", "shop/invoice.py", "shop/rates.py"]
    assert not context.trimmed


def test_a_small_budget_keeps_the_test_and_drops_the_rest(tmp_path: Path) -> None:
    context = build_context(_request(tmp_path), budget_tokens=60)
    assert context.trimmed
    assert "def test_total" in context.tests
    assert context.definitions == "(none)"
    total = context.tests + context.functions + context.definitions
    assert estimate_tokens(total) <= 60 + estimate_tokens("\n[... trimmed]") + 5


def test_the_failure_report_keeps_the_failures_and_drops_the_noise() -> None:
    output = (
        "============ test session starts ============\n"
        "rootdir: /tmp/ws-1/p\n"
        "test_people.py F\n"
        "================= FAILURES ==================\n"
        "_______________ test_full_name ______________\n"
        ">   assert full_name('Ada', 'Lovelace') == 'Ada Lovelace'\n"
        "E   AssertionError: assert 'Ada-Lovelace' == 'Ada Lovelace'\n"
        "/tmp/ws-1/p/test_people.py:5: AssertionError\n"
        "============= warnings summary ==============\n"
        "some plugin warning\n"
        "-- generated xml file: /tmp/aiap-fork-x/junit.xml --\n"
        "=========== 1 failed in 0.05s ============\n"
    )
    report = failure_report(output, "/tmp/ws-1/p", limit=1000)
    assert report.startswith("================= FAILURES")
    assert "test_people.py:5: AssertionError" in report
    for noise in ("/tmp", "rootdir", "warning", "junit.xml", "0.05s"):
        assert noise not in report
