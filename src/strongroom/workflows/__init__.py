"""The intent engine: durable state machines and workflows."""
