"""What the web and the workers exchange: the Redis event bus and the payloads carried on it."""
