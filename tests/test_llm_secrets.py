"""Secrets are masked before anything is sent; the masking can be undone for quoted lines."""

from __future__ import annotations

from pathlib import Path

from aiap.llm.secrets import Masker, dotenv_values, environment_values, has_placeholder


def test_dotenv_values_are_read_from_every_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# comment\nDB_PASSWORD='pa55-word-x'\nEMPTY=\n")
    (tmp_path / ".env.local").write_text('STRIPE="whsec_abcdef123"\n')
    assert dotenv_values(tmp_path) == ["pa55-word-x", "", "whsec_abcdef123"]


def test_only_variables_named_like_secrets_count() -> None:
    env = {"HOME": "/home/dev", "GITHUB_TOKEN": "t0ken-value", "db_password": "pw-value-1"}
    assert sorted(environment_values(env)) == ["pw-value-1", "t0ken-value"]


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
