"""Warehouse load and order fulfilment as whole arrays (numpy only, no Django): see projection.py,
thresholds.py and fill_rate.py."""
