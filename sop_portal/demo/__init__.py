"""Demo data: a believable consumer-goods company for `manage.py seed_demo`, screenshots and benchmarks."""
