from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from strongroom.bootstrap import open_encryption
from strongroom.cli.security import app
from strongroom.parties import Party, subject_of
from strongroom.security.errors import DataShredded
from strongroom.security.keyfile import LocalKeyFile

runner = CliRunner()


async def _create_parties(db_url: str, key_file: Path, count: int) -> list[Party]:
    encryption = await open_encryption(db_url, LocalKeyFile(key_file))
    try:
        return [
            await encryption.parties.create(
                "acme", full_name=f"Customer {n}", email=f"c{n}@example.com"
            )
            for n in range(count)
        ]
    finally:
        await encryption.close()


async def _read_back(db_url: str, key_file: Path, parties: list[Party]) -> list[Party | str]:
    encryption = await open_encryption(db_url, LocalKeyFile(key_file), migrate=False)
    try:
        found: list[Party | str] = []
        for party in parties:
            try:
                found.append(await encryption.parties.get("acme", party.id))
            except DataShredded:
                found.append("shredded")
        return found
    finally:
        await encryption.close()


def test_rotate_kek_rewraps_every_key_and_data_still_reads(db_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "strongroom.keys"
    parties = asyncio.run(_create_parties(db_url, key_file, 5))
    options = ["--db", db_url, "--key-file", str(key_file), "--batch-size", "2"]
    result = runner.invoke(app, ["rotate-kek", *options])
    assert result.exit_code == 0, result.output
    # Five customer keys plus the tenant's blind-index key.
    assert "re-wrapped 6 data keys under KEK version 2 (new KEK version)" in result.output
    assert LocalKeyFile(key_file).versions() == [1, 2]
    assert asyncio.run(_read_back(db_url, key_file, parties)) == parties
    again = runner.invoke(app, ["rotate-kek", *options])
    assert "under KEK version 3" in again.output


def test_shred_erases_one_customer_after_confirmation(sqlite_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "strongroom.keys"
    parties = asyncio.run(_create_parties(sqlite_url, key_file, 2))
    options = ["--db", sqlite_url, "--key-file", str(key_file), "--tenant", "acme"]
    target = ["--subject", subject_of(parties[0].id)]
    refused = runner.invoke(app, ["shred", *options, *target], input="n\n")
    assert refused.exit_code == 1
    assert asyncio.run(_read_back(sqlite_url, key_file, parties)) == parties
    done = runner.invoke(app, ["shred", *options, *target, "--yes"])
    assert done.exit_code == 0, done.output
    assert "destroyed 1 data key(s)" in done.output
    assert asyncio.run(_read_back(sqlite_url, key_file, parties)) == ["shredded", parties[1]]
    repeat = runner.invoke(app, ["shred", *options, *target, "--yes"])
    assert "nothing left to shred" in repeat.output


def test_bench_reports_percentiles() -> None:
    result = runner.invoke(app, ["bench", "--iterations", "50", "--customers", "3"])
    assert result.exit_code == 0, result.output
    assert "50 records, 3 customers" in result.output
    wall, cpu = result.output.splitlines()[1:3]
    assert wall.startswith("wall p50 ")
    assert cpu.startswith("cpu  p50 ")
    for label in ("p99", "p99.9", "mean"):
        assert f" {label} " in wall
        assert f" {label} " in cpu
