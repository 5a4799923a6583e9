import strongroom.events


def test_the_public_surface_is_deliberate() -> None:
    assert strongroom.events.__all__ == sorted(strongroom.events.__all__)
    for name in strongroom.events.__all__:
        assert hasattr(strongroom.events, name)
    assert set(strongroom.events.__all__) == {
        "BatchHandler",
        "Bus",
        "DeliveryFailed",
        "Envelope",
        "Handler",
        "IdempotentConsumer",
        "InProcessBus",
        "JetStreamBus",
        "OutboxCorrupt",
        "PublishFailed",
        "Relay",
        "RelayBusy",
        "Subscription",
        "payload",
        "subject_for",
        "subject_matches",
    }
