"""Secrets are masked before anything is sent; the masking can be undone for quoted lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiap.llm.secrets import Masker, dotenv_values, environment_values, has_placeholder


def test_dotenv_values_are_read_from_every_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# comment\nDB_PASSWORD='pa55-word-x'\nEMPTY=\n")
    (tmp_path / ".env.local").write_text('STRIPE="whsec_abcdef123"\n')
    assert dotenv_values(tmp_path) == ["pa55-word-x", "", "whsec_abcdef123"]


def test_only_variables_named_like_secrets_count() -> None:
    env = {"HOME": "/home/dev", "GITHUB_TOKEN": "t0ken-value", "db_password": "pw-value-1"}
    assert sorted(environment_values(env)) == ["pw-value-1", "t0ken-value"]


def test_the_shells_working_directory_is_not_a_password() -> None:
    assert environment_values({"PWD": "/home/dev/shop", "OLDPWD": "/home/dev"}) == []


def test_known_values_and_credential_shapes_become_placeholders() -> None:
    masker = Masker(["hunter2-secret", "1"])
    text = (
        'DB = "hunter2-secret"\nKEY = "sk-proj-abcdefghijklmnop1234"\n'
        'AWS = "AKIAABCDEFGHIJKLMNOP"\nGH = "ghp_abcdefghijklmnopqrstuvwxyz0123"\n'
        'SLACK = "xoxb-1234567890-abcdefghij"\nURL = "postgres://shop:s3cret@db/shop"\n'
        "PEM = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'''\n"
        "COUNT = 1\n"
    )
    masked = masker.mask(text)
    for secret in ("hunter2-secret", "sk-proj-", "AKIAAB", "ghp_", "xoxb-", "s3cret", "MIIEow"):
        assert secret not in masked
    assert "COUNT = 1" in masked  # too short to be a secret
    assert 'URL = "postgres://shop:[[AIAP_SECRET_' in masked
    assert masker.unmask(masked) == text


def test_the_same_secret_gets_the_same_placeholder() -> None:
    masker = Masker(["topsecret-1"])
    assert masker.mask("a topsecret-1 b topsecret-1") == "a [[AIAP_SECRET_1]] b [[AIAP_SECRET_1]]"
    assert has_placeholder("x = '[[AIAP_SECRET_1]]'")
    assert not has_placeholder("x = '[AIAP_SECRET]'")


@pytest.mark.parametrize(
    "line",
    [
        'api_key = "q7Zt9mW2vX4p"',
        'DB_PASSWORD: str = "q7Zt9mW2vX4p"',
        'password: "q7Zt9mW2vX4p"',
        'settings = {"token": "q7Zt9mW2vX4p"}',
        'os.environ["STRIPE_KEY"] = "q7Zt9mW2vX4p"',
        'connect(secret=b"q7Zt9mW2vX4p")',
    ],
)
def test_string_values_of_names_like_secrets_are_masked(line: str) -> None:
    assert Masker().mask(line) == line.replace("q7Zt9mW2vX4p", "[[AIAP_SECRET_1]]")


def test_a_comparison_with_a_string_is_not_an_assignment() -> None:
    assert Masker().mask('if password == "letmein99":') == 'if password == "letmein99":'


def test_an_assigned_secret_is_masked_wherever_it_appears_later() -> None:
    masker = Masker()
    masked = masker.mask("print('hunter2hunter2')\npassword = 'hunter2hunter2'\n")
    assert "hunter2" not in masked
    assert "hunter2" not in masker.mask("AssertionError: 'hunter2hunter2' != ''")


def test_a_plain_word_assigned_to_a_secret_name_is_masked_only_there() -> None:
    masked = Masker().mask('SORT_KEY = "created"\nrows.sort(key=lambda r: r.created)\n')
    assert masked == 'SORT_KEY = "[[AIAP_SECRET_1]]"\nrows.sort(key=lambda r: r.created)\n'


def test_a_private_key_block_cut_off_before_its_end_is_masked_to_the_end() -> None:
    text = 'PEM = """-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B'
    assert Masker().mask(text) == 'PEM = """[[AIAP_SECRET_1]]'


def test_a_known_value_inside_a_url_password_unmasks_whole() -> None:
    masker = Masker(["db-pa55word"])
    text = 'URL = "postgres://shop:db-pa55word-2@db/shop"'
    masked = masker.mask(text)
    assert "pa55" not in masked
    assert masker.unmask(masked) == text
