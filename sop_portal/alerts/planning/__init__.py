"""Pure calculation for alerts (no Django): response-time medians and the weekly buckets of the accountability
review."""
