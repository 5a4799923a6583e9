from __future__ import annotations

import os
from pathlib import Path

import pytest

from strongroom.errors import ConfigurationError
from strongroom.settings import load_settings


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No STRONGROOM_* variable from the caller's shell, and no strongroom.toml nearby."""
    for name in list(os.environ):
        if name.startswith("STRONGROOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_defaults_are_the_embedded_set_up() -> None:
    settings = load_settings()
    assert settings.db_url == "sqlite:///strongroom.db"
    assert settings.nats_url is None
    assert settings.key_file == Path("strongroom.keys")
    assert settings.pool_size == 8


def test_options_beat_the_environment_which_beats_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "strongroom.toml").write_text(
        'db_url = "postgresql://file@db/x"\npool_size = 4\nhttp_port = 9000\n'
    )
    monkeypatch.setenv("STRONGROOM_POOL_SIZE", "16")
    monkeypatch.setenv("STRONGROOM_HTTP_PORT", "9100")
    settings = load_settings(http_port=9200, db_url=None)
    assert settings.db_url == "postgresql://file@db/x"
    assert settings.pool_size == 16
    assert settings.http_port == 9200


def test_strongroom_config_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('nats_url = "nats://127.0.0.1:4222"\n')
    monkeypatch.setenv("STRONGROOM_CONFIG", str(config))
    assert load_settings().nats_url == "nats://127.0.0.1:4222"
    monkeypatch.setenv("STRONGROOM_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match="STRONGROOM_CONFIG"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("STRONGROOM_DB_URL", "mysql://x", "db_url"),
        ("STRONGROOM_POOL_SIZE", "0", "pool_size"),
        ("STRONGROOM_POOL_SIZE", "many", "pool_size"),
        ("STRONGROOM_LOCKS_URL", "http://x", "locks_url"),
        ("STRONGROOM_NATS_URL", "redis://x", "nats_url"),
        ("STRONGROOM_HTTP_PORT", "70000", "http_port"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=f"{named} \\({variable}\\)"):
        load_settings()


def test_an_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "strongroom.toml").write_text('db_ulr = "sqlite:///x.db"\n')
    with pytest.raises(ConfigurationError, match="db_ulr"):
        load_settings()


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "strongroom.toml").write_text("db_url = \n")
    with pytest.raises(ConfigurationError, match="settings file"):
        load_settings()
