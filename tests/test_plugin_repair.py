"""`pytest --aiap-fix` end to end on the shipped example, as a user runs it."""

from __future__ import annotations

import codecs
import shutil
import sys
from pathlib import Path

import pytest

from tests.plugin_project import commit_all, git, run, user_files, user_pytester

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return user_pytester(pytester, monkeypatch)


@pytest.fixture
def shop(project: pytest.Pytester) -> pytest.Pytester:
    """The shipped example, committed in a git repository."""
    shutil.copytree(
        EXAMPLE,
        project.path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".aiap", "__pycache__", ".pytest_cache"),
    )
    commit_all(project.path)
    return project


def test_fix_shows_a_validated_diff_and_writes_nothing(shop: pytest.Pytester) -> None:
    before = user_files(shop.path)
    # Warnings as errors, as many projects configure pytest: aiap adds none to the user's run
    # (an unclosed pipe of a worker once ended the session with a ResourceWarning).
    result = run(shop, "--aiap-fix", "-W", "error")
    result.stdout.no_fnmatch_line("*Warning*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "-    if quantity > BULK_THRESHOLD:",
            "+    if quantity >= BULK_THRESHOLD:",
            "aiap:*rerun with --aiap-apply*",
        ]
    )
    assert user_files(shop.path) == before
    patches = list((shop.path / ".aiap" / "patches").glob("*.patch"))
    assert len(patches) == 1
    git(shop.path, "apply", "--check", str(patches[0]))


def test_apply_makes_the_suite_pass_and_undo_restores_byte_identical(
    shop: pytest.Pytester,
) -> None:
    before = user_files(shop.path)
    run(shop, "--aiap-apply").stdout.fnmatch_lines(["aiap: applied to shop/pricing.py*"])
    fixed = run(shop)
    assert fixed.ret == pytest.ExitCode.OK
    fixed.stdout.no_fnmatch_line("*failed*")
    undo = shop.run(sys.executable, "-m", "aiap.cli", "undo")
    assert undo.ret == 0, undo.stderr.str()
    assert user_files(shop.path) == before


def test_apply_keeps_a_utf8_byte_order_mark(project: pytest.Pytester) -> None:
    # The bug is on line 1, which begins after the mark: libcst does not count it.
    mod = project.path / "mod.py"
    mod.write_bytes(codecs.BOM_UTF8 + b"def limit(): return 4\n")
    project.makepyfile(
        test_mod="from mod import limit\n\ndef test_limit():\n    assert limit() == 3\n"
    )
    run(project, "--aiap-apply").stdout.fnmatch_lines(["aiap: applied to mod.py*"])
    assert mod.read_bytes() == codecs.BOM_UTF8 + b"def limit(): return 3\n"


def test_a_green_run_does_no_repair_work(project: pytest.Pytester) -> None:
    project.makepyfile(
        mod="""
            def one():
                return 1
        """,
        test_mod="""
            from mod import one

            def test_one():
                assert one() == 1
        """,
    )
    result = run(project, "--aiap-fix")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*aiap:*")
    result.stdout.no_fnmatch_line("*= aiap =*")
    assert not (project.path / ".aiap").exists()


def test_the_users_own_options_reach_the_validation_runs(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest

        def pytest_addoption(parser):
            parser.addoption("--rate", type=int, default=0)

        @pytest.fixture
        def rate(request):
            return request.config.getoption("--rate")
        """
    )
    project.makepyfile(
        mod="""
            def tax(amount, rate):
                return amount + rate / 100
        """,
        test_mod="""
            from mod import tax

            def test_tax(rate):
                assert tax(200, rate) == 20
        """,
    )
    result = run(project, "--aiap-fix", "--rate=10")
    result.stdout.fnmatch_lines(["+    return amount [*] rate / 100"])


def test_a_pythonpath_entry_outside_the_project_holds_in_the_copy(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = project.path.parent / "shared-libs"  # outside the project, as a team's libraries
    shared.mkdir()
    (shared / "units.py").write_text("CENTS = 100\n")
    monkeypatch.setenv("PYTHONPATH", str(shared))
    project.makepyfile(
        mod="""
            from units import CENTS

            def to_cents(euros):
                return euros * CENTS + 1
        """,
        test_mod="""
            from mod import to_cents

            def test_to_cents():
                assert to_cents(2) == 200
        """,
    )
    result = run(project, "--aiap-fix")
    result.stdout.fnmatch_lines(["+    return euros * CENTS"])


def test_xdist_runs_repair_once_on_the_controller(project: pytest.Pytester) -> None:
    project.makepyfile(
        mod="""
            def double(x):
                return x + x + 1
        """,
        test_mod="""
            from mod import double

            def test_double():
                assert double(2) == 4

            def test_zero():
                assert double(0) == 0
        """,
    )
    result = run(project, "-n", "2", "--aiap-fix")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["aiap: patch 1:*", "+    return x + x"])
    assert len([line for line in result.outlines if line.startswith("aiap: patch 1:")]) == 1


def test_ini_settings_are_read(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\naiap_engine = llm\n")
    project.makepyfile(
        mod="""
            def one():
                return 2
        """,
        test_mod="""
            from mod import one

            def test_one():
                assert one() == 1
        """,
    )
    result = run(project, "--aiap-fix")
    result.stdout.fnmatch_lines(["aiap: the LLM engine needs a model: set --aiap-model*"])
